/**
 * A stand-in Electron distribution: a folder shaped like an unpacked Electron for Linux, whose
 * `electron` is a stub script carrying a fuse wire in Electron's format (sentinel, version,
 * length, one byte per fuse), so electron-builder can package it and flip its fuses on a
 * machine that has no Electron runtime.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The sentinel Electron's binary carries before its fuse wire (from @electron/fuses). */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/**
 * Electron's default wire (version 1): RunAsNode on, cookie encryption off, NODE_OPTIONS on,
 * inspect arguments on, ASAR integrity off, only-ASAR off, browser V8 snapshot off,
 * file-protocol privileges on. Packaging must flip what electron-builder.yml says.
 */
const DEFAULT_WIRE = '10110001';

/** Writes the stand-in into `dir`; returns `dir`. */
export function createStandInElectron(dir: string, version: string): string {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL), Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE)]);
  const script = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stand-in Electron: no runtime on this machine" >&2\nexit 1\n# '),
    wire,
    Buffer.from('\n'),
  ]);
  writeFileSync(path.join(dir, 'electron'), script);
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'chrome-sandbox'), '#!/bin/sh\nexit 1\n');
  chmodSync(path.join(dir, 'chrome-sandbox'), 0o755);
  writeFileSync(path.join(dir, 'LICENSE'), 'Stand-in for Electron’s LICENSE\n');
  writeFileSync(path.join(dir, 'LICENSES.chromium.html'), '<p>Stand-in for Chromium’s licenses</p>\n');
  writeFileSync(path.join(dir, 'version'), `${version}\n`);
  return dir;
}
