/**
 * The last step of the renderer's production build (renderer/vite.config.ts runs it after
 * Vite writes dist/renderer), so the folder the backend serves at `/app/` is ready to serve:
 *
 * - no source maps in it: Vite emits "hidden" maps (no `sourceMappingURL` comment) and this
 *   moves them to dist/renderer-maps, outside the served and the packaged folders, for
 *   turning a production stack trace back into source lines;
 * - a brotli (`.br`) and a gzip (`.gz`) copy beside every compressible file, compressed once
 *   at the highest levels, which server/http/static.ts picks by the request's Accept-Encoding.
 *
 * The test bench (test/bench/bundle-size.ts) compresses with the same functions.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Extensions worth compressing (text, and wasm); images and fonts are compressed already. */
export const COMPRESSIBLE_EXTENSIONS: ReadonlySet<string> = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.txt', '.wasm', '.ico']);

/** The suffix of each precompressed copy, by content coding, in the server's order of preference. */
export const PRECOMPRESSED_SUFFIXES = { br: '.br', gzip: '.gz' } as const;

/** Brotli at its highest quality (slow to compress, as fast as any to decompress). */
export function brotli(data: Buffer): Buffer {
  return zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
}

/** Gzip at level 9. */
export function gzip(data: Buffer): Buffer {
  return zlib.gzipSync(data, { level: zlib.constants.Z_BEST_COMPRESSION });
}

/** One file's sizes in bytes; null where the compressed copy would not be smaller, so none is written. */
export interface CompressedFile {
  /** Path relative to the folder. */
  file: string;
  raw: number;
  br: number | null;
  gzip: number | null;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((entry) => (entry.isFile() ? [path.join(entry.parentPath, entry.name)] : []));
}

/**
 * Write `<file>.br` and `<file>.gz` beside every compressible file under `dir` (each only
 * when smaller than the file; a stale copy that would not be is removed).
 */
export function precompress(dir: string): CompressedFile[] {
  const suffixes = Object.values(PRECOMPRESSED_SUFFIXES) as string[];
  const results: CompressedFile[] = [];
  for (const file of walk(dir)) {
    if (!COMPRESSIBLE_EXTENSIONS.has(path.extname(file).toLowerCase())) continue;
    if (suffixes.some((suffix) => file.endsWith(suffix))) continue;
    const data = fs.readFileSync(file);
    const sizes: CompressedFile = { file: path.relative(dir, file), raw: data.length, br: null, gzip: null };
    for (const [coding, compress] of [['br', brotli], ['gzip', gzip]] as const) {
      const target = file + PRECOMPRESSED_SUFFIXES[coding];
      const compressed = compress(data);
      if (compressed.length < data.length) {
        fs.writeFileSync(target, compressed);
        sizes[coding] = compressed.length;
      } else {
        fs.rmSync(target, { force: true });
      }
    }
    results.push(sizes);
  }
  return results;
}

/**
 * Move every `.map` file under `dir` to the same relative path under `mapsDir` (emptied
 * first, so it holds the current build's maps only). Returns the moved paths, relative.
 */
export function moveSourceMaps(dir: string, mapsDir: string): string[] {
  fs.rmSync(mapsDir, { recursive: true, force: true });
  const moved: string[] = [];
  for (const file of walk(dir)) {
    if (!file.endsWith('.map')) continue;
    const relative = path.relative(dir, file);
    const target = path.join(mapsDir, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      fs.renameSync(file, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      fs.copyFileSync(file, target);
      fs.rmSync(file);
    }
    moved.push(relative);
  }
  return moved;
}

/**
 * Finish a renderer build in `dir`: source maps out to `mapsDir` (or left in place when
 * `mapsDir` is null: a local desktop debugging build, see renderer/vite.config.ts), then
 * the compressed copies.
 */
export function finishWebBuild(dir: string, mapsDir: string | null): { maps: string[]; files: CompressedFile[] } {
  const maps = mapsDir === null ? [] : moveSourceMaps(dir, mapsDir);
  return { maps, files: precompress(dir) };
}
