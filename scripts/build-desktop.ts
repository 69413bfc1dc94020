/**
 * Bundles the desktop app's main process and preload, and the desktop test harness.
 *
 *   npx tsx scripts/build-desktop.ts            app + harness
 *   npx tsx scripts/build-desktop.ts app        dist/main/main.cjs, dist/preload/preload.cjs
 *   npx tsx scripts/build-desktop.ts harness    dist-test/harness-main.cjs, dist-test/harness-preload.js
 *
 * The renderer (including ring.html) is built by Vite into dist/renderer.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';

/**
 * The repository root: the nearest folder up from the working directory whose
 * package.json is Switchboard's. (This file runs both as ESM under tsx and as CommonJS
 * under the test runner, so neither `__dirname` nor `import.meta` works in both.)
 */
export const ROOT = findRoot(process.cwd());

function findRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'switchboard') return dir;
    if (path.dirname(dir) === dir) throw new Error(`Run from inside the Switchboard repository (not found above ${start})`);
  }
}

/** Where each bundle is written. */
export const DESKTOP_OUTPUTS = {
  main: path.join(ROOT, 'dist/main/main.cjs'),
  preload: path.join(ROOT, 'dist/preload/preload.cjs'),
  harnessMain: path.join(ROOT, 'dist-test/harness-main.cjs'),
  harnessPreload: path.join(ROOT, 'dist-test/harness-preload.js'),
} as const;

/** Electron 45 ships Node 24 and a Chromium past 146; these targets, a step back, are safe. */
const NODE_TARGET = 'node20';
const CHROME_TARGET = 'chrome120';

const common: BuildOptions = {
  bundle: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: ROOT,
  legalComments: 'none',
};

/** Builds the app bundles Electron loads. */
export async function buildApp(): Promise<void> {
  await Promise.all([
    build({
      ...common,
      entryPoints: ['main/index.ts'],
      outfile: DESKTOP_OUTPUTS.main,
      platform: 'node',
      format: 'cjs',
      target: NODE_TARGET,
      // electron-store (ESM) is bundled in; only Electron itself comes from the runtime.
      external: ['electron'],
    }),
    build({
      ...common,
      entryPoints: ['preload/index.ts'],
      outfile: DESKTOP_OUTPUTS.preload,
      // A sandboxed preload is a browser-like context that may `require('electron')` only.
      platform: 'browser',
      format: 'cjs',
      target: CHROME_TARGET,
      external: ['electron'],
    }),
  ]);
}

/** Builds the harness bundles: main with the Electron double, and the preload for a plain page. */
export async function buildHarness(): Promise<void> {
  await Promise.all([
    build({
      ...common,
      entryPoints: ['test/desktop/harness-entry.ts'],
      outfile: DESKTOP_OUTPUTS.harnessMain,
      platform: 'node',
      format: 'cjs',
      target: NODE_TARGET,
      // Every `electron` import, electron-store's included, gets the double.
      alias: { electron: path.join(ROOT, 'test/desktop/double/index.ts') },
      external: ['playwright', 'playwright-core', '@playwright/test'],
    }),
    build({
      ...common,
      entryPoints: ['preload/index.ts'],
      outfile: DESKTOP_OUTPUTS.harnessPreload,
      platform: 'browser',
      format: 'iife',
      target: CHROME_TARGET,
      sourcemap: 'inline',
      alias: { electron: path.join(ROOT, 'test/desktop/preload-shim.ts') },
    }),
  ]);
}

/** Builds what `target` names. */
export async function buildDesktop(target: 'app' | 'harness' | 'all' = 'all'): Promise<void> {
  if (target === 'app' || target === 'all') await buildApp();
  if (target === 'harness' || target === 'all') await buildHarness();
}

// Run as a script (not when imported by the test setup).
if (process.argv[1] && /build-desktop\.[cm]?[tj]s$/.test(process.argv[1])) {
  const target = (process.argv[2] ?? 'all') as 'app' | 'harness' | 'all';
  if (!['app', 'harness', 'all'].includes(target)) {
    console.error(`Unknown target ${target}: use app, harness or all`);
    process.exit(2);
  }
  buildDesktop(target).then(
    () => console.log(`Desktop bundles built (${target})`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
