/**
 * Tables the benchmarks print: one row per measure, median / p95 / min / max in ms.
 */

/** One measure's summary. */
export interface Row {
  name: string;
  median: number;
  p95: number;
  min: number;
  max: number;
  n: number;
}

/** The p-th percentile (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Summarises samples into a row. */
export function summarize(name: string, values: number[]): Row {
  return { name, median: percentile(values, 50), p95: percentile(values, 95), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** Prints rows as a Markdown table under a title. */
export function printTable(title: string, rows: Row[]): void {
  const width = Math.max(44, ...rows.map((r) => r.name.length));
  const head = ['median', 'p95', 'min', 'max', 'n'];
  console.log(`\n${title}`);
  console.log(`| ${'measure (ms)'.padEnd(width)} | ${head.map((h) => h.padStart(8)).join(' | ')} |`);
  console.log(`|${'-'.repeat(width + 2)}|${head.map(() => '-'.repeat(10)).join('|')}|`);
  for (const r of rows) {
    const cells = [r.median, r.p95, r.min, r.max].map((v) => v.toFixed(1).padStart(8));
    console.log(`| ${r.name.padEnd(width)} | ${cells.join(' | ')} | ${String(r.n).padStart(8)} |`);
  }
}
