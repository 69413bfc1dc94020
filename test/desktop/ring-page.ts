/**
 * Builds the real ring page (renderer/ring.html + renderer/src/ring/main.ts) into a
 * folder with esbuild, for harness tests that run before Vite has built dist/renderer.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { ROOT } from '../../scripts/build-desktop';

/** Writes `ring.html` and `ring.js` into `outDir`; returns the path of `ring.html`. */
export async function buildRingPage(outDir: string): Promise<string> {
  const source = readFileSync(path.join(ROOT, 'renderer/ring.html'), 'utf8');
  const html = source.replace('./src/ring/main.ts', './ring.js');
  if (html === source) throw new Error('renderer/ring.html no longer loads ./src/ring/main.ts; update buildRingPage');
  await build({
    entryPoints: [path.join(ROOT, 'renderer/src/ring/main.ts')],
    outfile: path.join(outDir, 'ring.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  });
  const page = path.join(outDir, 'ring.html');
  writeFileSync(page, html);
  return page;
}
