/**
 * Where the Electron runtime is, if this machine has one: `ELECTRON_OVERRIDE_DIST_PATH`, or the
 * binary the electron package downloaded. Used by `npm start` and the real-Electron tests.
 *
 * The package is read, never loaded: its index.js downloads the binary when it is missing
 * (printing "Downloading Electron binary..." and failing without a network), so this reads the
 * `path.txt` its installer writes and looks for the binary under its `dist/`, as index.js does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** How to get the runtime, where the package has none. */
const INSTALL_HINT = 'run `node node_modules/electron/install.js` where the network allows, or set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron';

/** The Electron executable to launch, or why there is none. */
export function findElectron(): { executablePath: string } | { reason: string } {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
  if (override) {
    const executablePath = path.join(override, binary);
    return existsSync(executablePath) ? { executablePath } : { reason: `ELECTRON_OVERRIDE_DIST_PATH=${override} holds no ${binary}` };
  }
  let packageDir: string;
  try {
    packageDir = path.dirname(createRequire(path.join(ROOT, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { reason: `the electron package is not installed; ${INSTALL_HINT}` };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return { reason: `the electron package has no runtime (its binary was never downloaded); ${INSTALL_HINT}` };
  const executablePath = path.join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(executablePath) ? { executablePath } : { reason: `the electron package points at ${executablePath}, which does not exist; ${INSTALL_HINT}` };
}
