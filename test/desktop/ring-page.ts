/**
 * Builds the real ring page (renderer/ring.html + renderer/src/ring/main.ts) into a
 * folder with esbuild, for harness tests that run before Vite has built dist/renderer.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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

const FIXTURE_SOURCE = path.join(ROOT, 'test/desktop/fixtures/renderer');
const RENDERER_DIST = path.join(ROOT, 'dist/renderer');

/** The fixture renderer staged with the pages main serves beside it. */
export interface StagedRenderer {
  /** The folder main serves on app:// (remove it after the suite). */
  dir: string;
  /** The fixture's index.html (the main window). */
  index: string;
  /** The real ring page, built with esbuild. */
  ringPage: string;
  /** The real incoming-call page from dist/renderer (missing when the renderer is not built). */
  incomingPage: string;
}

/**
 * Main serves every page from one folder on app:// (main/protocol.ts), so a harness test that
 * swaps in the fixture renderer needs the ring page and the incoming-call page in the same
 * folder: the built renderer (when there is one), the fixture pages over it, the ring page.
 */
export async function stageFixtureRenderer(): Promise<StagedRenderer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-renderer-'));
  if (existsSync(RENDERER_DIST)) cpSync(RENDERER_DIST, dir, { recursive: true });
  cpSync(FIXTURE_SOURCE, dir, { recursive: true });
  const ringPage = await buildRingPage(dir);
  return { dir, index: path.join(dir, 'index.html'), ringPage, incomingPage: path.join(dir, 'incoming.html') };
}
