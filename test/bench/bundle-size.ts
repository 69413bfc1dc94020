/**
 * The web app's download: what `/app/` costs a browser, raw and as served compressed,
 * against the Vonage Client SDK on its own.
 *
 * Method:
 * - agent app: index.html and every script and stylesheet it loads from dist/renderer
 *   (the production build `npm run bench` makes first), each file compressed on its own,
 *   as the backend serves them;
 * - SDK alone: esbuild bundles a file that only re-exports `@vonage/client-sdk` (minified,
 *   browser, ESM, chrome120 like the renderer build), the same SDK entry Vite picks;
 * - both compressed with the build's own functions (scripts/web-delivery.ts: brotli at
 *   quality 11, gzip at level 9). Sizes in kB (1000 bytes).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from '../../scripts/build-desktop';
import { brotli, gzip } from '../../scripts/web-delivery';

const DIST = path.join(ROOT, 'dist/renderer');
const MAPS = path.join(ROOT, 'dist/renderer-maps');

/** A bundle's sizes in bytes. */
export interface BundleSize {
  name: string;
  raw: number;
  gzip: number;
  brotli: number;
}

function measure(name: string, files: Buffer[]): BundleSize {
  return files.reduce<BundleSize>(
    (sum, data) => ({ name, raw: sum.raw + data.length, gzip: sum.gzip + gzip(data).length, brotli: sum.brotli + brotli(data).length }),
    { name, raw: 0, gzip: 0, brotli: 0 },
  );
}

/** index.html and the local scripts and stylesheets it names. */
function appFiles(): string[] {
  const index = path.join(DIST, 'index.html');
  if (!fs.existsSync(index)) throw new Error('dist/renderer/index.html is missing: run `npm run build:renderer` first');
  const html = fs.readFileSync(index, 'utf8');
  const referenced = [...html.matchAll(/\b(?:src|href)="(\.\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => path.join(DIST, m[1] as string));
  return [index, ...new Set(referenced)];
}

async function sdkAlone(): Promise<Buffer> {
  const result = await build({
    stdin: { contents: "export * from '@vonage/client-sdk';", resolveDir: ROOT, sourcefile: 'sdk-only.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    legalComments: 'none',
    write: false,
    logLevel: 'error',
  });
  return Buffer.from(result.outputFiles[0]?.contents ?? new Uint8Array());
}

const kB = (bytes: number) => (bytes / 1000).toFixed(1);

/** Prints the table; returns the rows. */
export async function runBundleSizeBench(): Promise<BundleSize[]> {
  const files = appFiles();
  const app = measure(`agent app (index.html + ${files.length - 1} JS/CSS files)`, files.map((f) => fs.readFileSync(f)));
  const sdk = measure('@vonage/client-sdk alone (esbuild, minified)', [await sdkAlone()]);
  const rest = { name: 'agent app minus the SDK alone', raw: app.raw - sdk.raw, gzip: app.gzip - sdk.gzip, brotli: app.brotli - sdk.brotli };
  const rows = [app, sdk, rest];

  const width = Math.max(46, ...rows.map((r) => r.name.length));
  console.log('\nBundle size: the web app at /app/ against the Client SDK alone (brotli q11 / gzip -9, as served; method: test/bench/bundle-size.ts)');
  console.log(`| ${'bundle'.padEnd(width)} |   raw kB |  gzip kB | brotli kB | brotli / raw | brotli × SDK |`);
  console.log(`|${'-'.repeat(width + 2)}|----------|----------|-----------|--------------|--------------|`);
  for (const r of rows) {
    const cells = [kB(r.raw).padStart(8), kB(r.gzip).padStart(8), kB(r.brotli).padStart(9), `${((100 * r.brotli) / r.raw).toFixed(1)} %`.padStart(12), `${(r.brotli / sdk.brotli).toFixed(2)}`.padStart(12)];
    console.log(`| ${r.name.padEnd(width)} | ${cells.join(' | ')} |`);
  }
  const served = fs.readdirSync(DIST, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map'));
  const kept = fs.existsSync(MAPS) ? fs.readdirSync(MAPS, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map')) : [];
  const keptBytes = kept.reduce((sum, f) => sum + fs.statSync(path.join(MAPS, f)).size, 0);
  console.log(`Source maps in the served folder: ${served.length}; kept outside it (dist/renderer-maps): ${kept.length}, ${kB(keptBytes)} kB.`);
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runBundleSizeBench();
