/**
 * Summarises a V8 `.cpuprofile` (as `MEDIA_PROFILE_DIR` in media-capacity.ts writes them):
 * self time by function and by file, as % of all samples, heaviest first. Prints tables.
 * `npx tsx test/bench/profile-summary.ts <file.cpuprofile>...` (several: summed); `PROFILE_ROWS` rows (default 25).
 * `.heapprofile` files (V8's sampling heap profiler, as the same bench writes them beside each CPU
 * profile) are summarised apart: bytes allocated by function and its caller, heaviest first.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

/** Shortens a script URL to what tells files apart: the package and path, or the project path. */
function shortFile(url: string): string {
  if (!url) return '(native / V8)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const project = url.search(/\/(sandbox|test|server|common)\//);
  return project >= 0 ? url.slice(project + 1) : url.replace(/^file:\/\//, '');
}

/** Self time by key over all profiles, as [key, samples] heaviest first. */
function tally(profiles: Profile[], key: (node: ProfileNode) => string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    for (const id of profile.samples) {
      const node = byId.get(id);
      if (!node) continue;
      const k = key(node);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}

interface HeapNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Bytes sampled by allocating function (with its caller, which tells which path allocates), heaviest first. */
function summarizeHeap(heapFiles: string[], rows: number): void {
  const bytes = new Map<string, number>();
  let total = 0;
  const name = (node: HeapNode | null) =>
    node ? `${node.callFrame.functionName || '(anonymous)'} ${shortFile(node.callFrame.url)}:${node.callFrame.lineNumber + 1}` : '';
  const walk = (node: HeapNode, parent: HeapNode | null) => {
    if (node.selfSize > 0) {
      const key = `${name(node)}\t${name(parent)}`;
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child, node);
  };
  for (const file of heapFiles) walk((JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head, null);
  console.log(`\n${heapFiles.length} heap profile(s): ${(total / 1e6).toFixed(1)} MB sampled allocation`);
  console.log('\n| MB | % | allocating function | called from |\n|---|---|---|---|');
  for (const [k, n] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    const [fn, caller] = k.split('\t');
    console.log(`| ${(n / 1e6).toFixed(1)} | ${((n / Math.max(1, total)) * 100).toFixed(1)} | ${fn} | ${caller} |`);
  }
}

const args = process.argv.slice(2);
const heapFiles = args.filter((file) => file.endsWith('.heapprofile'));
const files = args.filter((file) => !file.endsWith('.heapprofile'));
if (args.length === 0) {
  console.error('usage: profile-summary.ts <file.cpuprofile | file.heapprofile>...');
  process.exit(2);
}
const rows = Number(process.env.PROFILE_ROWS ?? 25);
if (heapFiles.length > 0) summarizeHeap(heapFiles, rows);
if (files.length > 0) summarizeCpu(files, rows);

/** Self time of the CPU profiles' samples by function and by file, of the non-idle samples. */
function summarizeCpu(files: string[], rows: number): void {
  const profiles = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const idle = (node: ProfileNode) => node.callFrame.functionName === '(idle)';
  const total = profiles.reduce((s, profile) => s + profile.samples.length, 0);
  const busy = tally(profiles, (node) => (idle(node) ? 'idle' : 'busy')).find(([k]) => k === 'busy')?.[1] ?? 0;
  const seconds = profiles.reduce((s, profile) => s + (profile.endTime - profile.startTime) / 1e6, 0);
  const pct = (n: number) => ((n / Math.max(1, busy)) * 100).toFixed(1);
  console.log(`${files.length} profile(s), ${total} samples over ${seconds.toFixed(1)} s, ${((busy / Math.max(1, total)) * 100).toFixed(1)} % not idle; shares below are of the non-idle samples`);
  console.log('\n| self % | function | file:line |\n|---|---|---|');
  for (const [k, n] of tally(profiles, (node) => (idle(node) ? '' : `${node.callFrame.functionName || '(anonymous)'}\t${shortFile(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`))
    .filter(([k]) => k !== '')
    .slice(0, rows)) {
    const [name, where] = k.split('\t');
    console.log(`| ${pct(n)} | ${name} | ${where} |`);
  }
  console.log('\n| self % | file |\n|---|---|');
  for (const [k, n] of tally(profiles, (node) => (idle(node) ? '' : shortFile(node.callFrame.url)))
    .filter(([k]) => k !== '')
    .slice(0, rows)) {
    console.log(`| ${pct(n)} | ${k} |`);
  }
}
