/**
 * Finding the Electron runtime reads the electron package and never loads it: loading its
 * index.js on a machine without the binary starts a download ("Downloading Electron
 * binary...", then a failed fetch with no network) in every test run that asks.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import childProcess from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { findElectron } from '../../../scripts/electron-runtime';

const binary = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('findElectron', () => {
  it('answers a runtime or a reason without loading the package: nothing printed, no installer started', () => {
    vi.stubEnv('ELECTRON_OVERRIDE_DIST_PATH', '');
    const log = vi.spyOn(console, 'log');
    const spawn = vi.spyOn(childProcess, 'spawnSync');
    const found = findElectron();
    expect(log).not.toHaveBeenCalled();
    expect(spawn).not.toHaveBeenCalled();
    if ('reason' in found) expect(found.reason).toMatch(/electron package|ELECTRON_OVERRIDE_DIST_PATH/);
    else expect(found.executablePath).toContain(path.join('electron', 'dist'));
  });

  it('ELECTRON_OVERRIDE_DIST_PATH: the binary in it, or why not', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'electron-override-'));
    try {
      vi.stubEnv('ELECTRON_OVERRIDE_DIST_PATH', dir);
      expect(findElectron()).toEqual({ reason: `ELECTRON_OVERRIDE_DIST_PATH=${dir} holds no ${binary}` });
      mkdirSync(path.dirname(path.join(dir, binary)), { recursive: true });
      writeFileSync(path.join(dir, binary), '');
      expect(findElectron()).toEqual({ executablePath: path.join(dir, binary) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
