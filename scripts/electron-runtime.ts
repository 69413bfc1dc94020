/**
 * Where the Electron runtime is, if this machine has one: `ELECTRON_OVERRIDE_DIST_PATH`, or the
 * binary the electron package downloaded. Used by `npm start` and the real-Electron tests.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Electron executable to launch, or why there is none. */
export function findElectron(): { executablePath: string } | { reason: string } {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
  if (override) {
    const executablePath = path.join(override, binary);
    return existsSync(executablePath) ? { executablePath } : { reason: `ELECTRON_OVERRIDE_DIST_PATH=${override} holds no ${binary}` };
  }
  try {
    const resolved = createRequire(path.join(ROOT, 'package.json'))('electron') as unknown;
    if (typeof resolved === 'string' && existsSync(resolved)) return { executablePath: resolved };
    return { reason: `the electron package points at ${String(resolved)}, which does not exist` };
  } catch (error) {
    return {
      reason: `the electron package has no runtime (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron`,
    };
  }
}

