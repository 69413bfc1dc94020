/**
 * `npm start`: the main job on the embedded default — the platform (sandbox + backend)
 * and the agent app. Opens the Electron app where a runtime exists; otherwise says so in
 * one line and serves the same agent UI in the browser.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describePlatform, startPlatform, stopOnSignals } from './platform';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Finds an Electron binary: ELECTRON_OVERRIDE_DIST_PATH, or the one the electron package downloaded. */
export function findElectron(env = process.env): { path: string } | { missing: string } {
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const candidate = join(env.ELECTRON_OVERRIDE_DIST_PATH, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return existsSync(candidate) ? { path: candidate } : { missing: `ELECTRON_OVERRIDE_DIST_PATH has no electron binary (${candidate})` };
  }
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    if (!existsSync(pathFile)) return { missing: 'the electron package has no binary (installed with ELECTRON_SKIP_BINARY_DOWNLOAD, or its download failed)' };
    const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? { path: binary } : { missing: `the Electron binary is missing at ${binary}` };
  } catch {
    return { missing: 'the electron package is not installed' };
  }
}

const platform = await startPlatform();
console.log(describePlatform(platform));
const electron = findElectron();
if ('path' in electron) {
  const child = spawn(electron.path, [join(root, 'dist', 'main', 'main.cjs')], {
    stdio: 'inherit',
    env: { ...process.env, SWITCHBOARD_SERVER_URL: platform.serverUrl },
  });
  child.on('exit', (code) => {
    void platform.stop().then(() => process.exit(code ?? 0));
  });
  stopOnSignals(async () => {
    child.kill('SIGTERM');
    await platform.stop();
  });
} else {
  console.log(`No Electron runtime here (${electron.missing}): open the agent app in a browser at ${platform.serverUrl}/app/`);
  stopOnSignals(() => platform.stop());
}
