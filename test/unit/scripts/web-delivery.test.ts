/**
 * The renderer build's last step (scripts/web-delivery.ts): source maps out of the served
 * folder, compressed copies beside the files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { finishWebBuild } from '../../../scripts/web-delivery';

let base: string;
let dist: string;
let maps: string;
const BUNDLE = Array.from({ length: 500 }, (_, i) => `function f${i}(){return ${i % 3}}`).join(';');

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-build-'));
  dist = path.join(base, 'renderer');
  maps = path.join(base, 'renderer-maps');
  fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dist, 'index.html'), `<!doctype html><title>Switchboard</title>${'<meta name="x">'.repeat(50)}`);
  fs.writeFileSync(path.join(dist, 'assets', 'index-abc.js'), BUNDLE);
  fs.writeFileSync(path.join(dist, 'assets', 'index-abc.js.map'), '{"version":3}');
  fs.writeFileSync(path.join(dist, 'assets', 'tiny.js'), '1');
  fs.writeFileSync(path.join(dist, 'ring.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  // A map from an earlier build, which must not survive.
  fs.mkdirSync(path.join(maps, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(maps, 'assets', 'old.js.map'), '{}');
});
afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

describe('finishWebBuild', () => {
  it('moves the source maps out of the served folder', () => {
    const { maps: moved } = finishWebBuild(dist, maps);
    expect(moved).toEqual([path.join('assets', 'index-abc.js.map')]);
    expect(fs.existsSync(path.join(dist, 'assets', 'index-abc.js.map'))).toBe(false);
    expect(fs.readFileSync(path.join(maps, 'assets', 'index-abc.js.map'), 'utf8')).toBe('{"version":3}');
    expect(fs.existsSync(path.join(maps, 'assets', 'old.js.map'))).toBe(false);
  });

  it('leaves the maps in place for a linked (debugging) build, and compresses none of them', () => {
    finishWebBuild(dist, null);
    expect(fs.existsSync(path.join(dist, 'assets', 'index-abc.js.map'))).toBe(true);
    expect(fs.existsSync(path.join(dist, 'assets', 'index-abc.js.map.br'))).toBe(false);
  });

  it('writes .br and .gz copies that decompress to the file, only where smaller and only for text', () => {
    const { files } = finishWebBuild(dist, maps);
    const bundle = path.join(dist, 'assets', 'index-abc.js');
    expect(zlib.brotliDecompressSync(fs.readFileSync(`${bundle}.br`)).toString()).toBe(BUNDLE);
    expect(zlib.gunzipSync(fs.readFileSync(`${bundle}.gz`)).toString()).toBe(BUNDLE);
    expect(fs.existsSync(path.join(dist, 'index.html.br'))).toBe(true);
    expect(fs.existsSync(path.join(dist, 'index.html.gz'))).toBe(true);
    // One byte cannot shrink; a PNG is compressed already.
    for (const file of ['assets/tiny.js.br', 'assets/tiny.js.gz', 'ring.png.br', 'ring.png.gz']) expect(fs.existsSync(path.join(dist, file)), file).toBe(false);

    const row = files.find((f) => f.file === path.join('assets', 'index-abc.js'));
    expect(row?.raw).toBe(BUNDLE.length);
    expect(row?.br).toBe(fs.statSync(`${bundle}.br`).size);
    expect(row?.gzip).toBe(fs.statSync(`${bundle}.gz`).size);
    expect(files.find((f) => f.file === path.join('assets', 'tiny.js'))).toMatchObject({ br: null, gzip: null });
  });

  it('is idempotent: running it twice compresses the files, not the copies', () => {
    finishWebBuild(dist, maps);
    const second = finishWebBuild(dist, maps);
    expect(second.files.map((f) => f.file).sort()).toEqual(['assets/index-abc.js', 'assets/tiny.js', 'index.html'].map((f) => path.join(...f.split('/'))));
    expect(fs.existsSync(path.join(dist, 'assets', 'index-abc.js.br.br'))).toBe(false);
  });
});
