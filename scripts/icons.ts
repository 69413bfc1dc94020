/**
 * Renders the app icon in every size and format the packages need, from one source,
 * `build/icon.svg`:
 *
 *   build/icons/<n>x<n>.png   Linux (hicolor theme sizes 16–1024)
 *   build/icon.png            1024×1024, the fallback electron-builder looks for
 *   build/icon.icns           macOS
 *   build/icon.ico            Windows (exe and NSIS installer)
 *
 * Pure JavaScript (resvg compiled to WebAssembly, png2icons), so it runs on any build machine
 * without a native module or a download. `npm run dist` runs it first; `npx tsx scripts/icons.ts`
 * alone regenerates them. The outputs are build products (git-ignored), never edited by hand.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import * as png2icons from 'png2icons';
import { ROOT } from './build-desktop';

/** The sizes of the Linux icon set (the hicolor theme's usual ones). */
export const LINUX_ICON_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const;

/** Where the icons are written. */
export const ICON_OUTPUTS = {
  source: path.join(ROOT, 'build/icon.svg'),
  linuxDir: path.join(ROOT, 'build/icons'),
  png: path.join(ROOT, 'build/icon.png'),
  icns: path.join(ROOT, 'build/icon.icns'),
  ico: path.join(ROOT, 'build/icon.ico'),
} as const;

let wasmReady: Promise<void> | null = null;

function ensureWasm(): Promise<void> {
  const wasm = createRequire(path.join(ROOT, 'package.json')).resolve('@resvg/resvg-wasm/index_bg.wasm');
  wasmReady ??= initWasm(readFileSync(wasm));
  return wasmReady;
}

/** Renders the SVG at `size`×`size` pixels as a PNG. */
export async function renderIcon(svg: string, size: number): Promise<Buffer> {
  await ensureWasm();
  const image = new Resvg(svg, { fitTo: { mode: 'width', value: size }, background: 'rgba(0,0,0,0)' }).render();
  return Buffer.from(image.asPng());
}

/** Writes every icon from `build/icon.svg`; returns the files written. */
export async function generateIcons(): Promise<string[]> {
  const svg = readFileSync(ICON_OUTPUTS.source, 'utf8');
  mkdirSync(ICON_OUTPUTS.linuxDir, { recursive: true });
  const written: string[] = [];
  let largest: Buffer | null = null;
  for (const size of LINUX_ICON_SIZES) {
    const png = await renderIcon(svg, size);
    const file = path.join(ICON_OUTPUTS.linuxDir, `${size}x${size}.png`);
    writeFileSync(file, png);
    written.push(file);
    largest = png;
  }
  writeFileSync(ICON_OUTPUTS.png, largest!);
  written.push(ICON_OUTPUTS.png);
  // Bicubic downscaling from the 1024 master; 0 colours = keep full colour.
  const icns = png2icons.createICNS(largest!, png2icons.BICUBIC, 0);
  const ico = png2icons.createICO(largest!, png2icons.BICUBIC, 0, true, true);
  if (!icns || !ico) throw new Error('png2icons could not convert build/icon.png');
  writeFileSync(ICON_OUTPUTS.icns, icns);
  writeFileSync(ICON_OUTPUTS.ico, ico);
  written.push(ICON_OUTPUTS.icns, ICON_OUTPUTS.ico);
  return written;
}

if (process.argv[1] && /(^|[\\/])icons\.[cm]?[tj]s$/.test(process.argv[1])) {
  generateIcons().then(
    (files) => console.log(`Icons written: ${files.map((file) => path.relative(ROOT, file)).join(', ')}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
