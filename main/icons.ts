/**
 * Tray icons, drawn in code.
 *
 * Generating them keeps the build free of asset copying and makes the three states
 * trivially consistent. Colour is not the only cue (the shapes differ too), and the
 * tooltip says the state in words.
 */
import { deflateSync } from 'node:zlib';

/** The tray's states. */
export type TrayIconState = 'idle' | 'ringing' | 'in-call';

const SIZE = 32;

const COLOURS: Record<TrayIconState, [number, number, number]> = {
  idle: [46, 125, 50], // green: ready
  ringing: [245, 158, 11], // amber: needs attention
  'in-call': [211, 47, 47], // red: busy
};

const cache = new Map<TrayIconState, string>();

/** A `data:image/png;base64,...` URL of the icon for a state (32×32). */
export function trayIconDataUrl(state: TrayIconState): string {
  let url = cache.get(state);
  if (!url) {
    url = `data:image/png;base64,${encodePng(SIZE, SIZE, drawIcon(state)).toString('base64')}`;
    cache.set(state, url);
  }
  return url;
}

function drawIcon(state: TrayIconState): Uint8Array {
  return drawDisc(COLOURS[state], (dx, dy, d) => isMark(state, dx, dy, d));
}

/** A disc of `colour` filling the icon, white where `mark` says (offsets from the centre, and the distance). */
function drawDisc([r, g, b]: [number, number, number], mark: (dx: number, dy: number, d: number) => boolean): Uint8Array {
  const pixels = new Uint8Array(SIZE * SIZE * 4);
  const centre = SIZE / 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      // 4×4 supersampling for smooth edges at tray size.
      let cover = 0;
      let white = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const dx = x + (sx + 0.5) / 4 - centre;
          const dy = y + (sy + 0.5) / 4 - centre;
          const d = Math.hypot(dx, dy);
          if (d > 15) continue;
          cover++;
          if (mark(dx, dy, d)) white++;
        }
      }
      const i = (y * SIZE + x) * 4;
      const w = cover ? white / cover : 0;
      pixels[i] = Math.round(r + (255 - r) * w);
      pixels[i + 1] = Math.round(g + (255 - g) * w);
      pixels[i + 2] = Math.round(b + (255 - b) * w);
      pixels[i + 3] = Math.round((cover / 16) * 255);
    }
  }
  return pixels;
}

/** The white mark inside the disc: a dot (ready), rings (ringing), a bar (on a call). */
function isMark(state: TrayIconState, dx: number, dy: number, d: number): boolean {
  switch (state) {
    case 'idle':
      return d < 5;
    case 'ringing':
      return d < 3.5 || (d > 7 && d < 9.5);
    case 'in-call':
      return Math.abs(dy) < 2.5 && Math.abs(dx) < 8;
  }
}

/** The badge's red (as the web app's favicon badge). */
const BADGE_RED: [number, number, number] = [198, 40, 40];

/** 3×5 glyphs of what a badge can say (`appBadge` in common/): digits, "+" and "!". */
const GLYPHS: Record<string, string> = {
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '111001111100111',
  '3': '111001111001111',
  '4': '101101111001001',
  '5': '111100111001111',
  '6': '111100111101111',
  '7': '111001001001001',
  '8': '111101111101111',
  '9': '111101111001111',
  '+': '000010111010000',
  '!': '010010010000010',
};

/**
 * A `data:image/png;base64,...` URL of the taskbar overlay for a badge's text ("!", "3",
 * "99+"): white glyphs on a red disc, 32×32 (Windows scales overlays to 16×16 at 100 %).
 */
export function badgeOverlayDataUrl(text: string): string {
  const glyphs = [...text].map((c) => GLYPHS[c] ?? '000000000000000');
  const scale = glyphs.length > 2 ? 2 : 3;
  const width = (glyphs.length * 4 - 1) * scale;
  const height = 5 * scale;
  const left = (SIZE - width) / 2;
  const top = (SIZE - height) / 2;
  const mark = (dx: number, dy: number) => {
    const x = Math.floor((dx + SIZE / 2 - left) / scale);
    const y = Math.floor((dy + SIZE / 2 - top) / scale);
    if (x < 0 || y < 0 || y >= 5 || x % 4 === 3) return false;
    return glyphs[Math.floor(x / 4)]?.[y * 3 + (x % 4)] === '1';
  };
  return `data:image/png;base64,${encodePng(SIZE, SIZE, drawDisc(BADGE_RED, mark)).toString('base64')}`;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** Encodes RGBA pixels as a PNG (8-bit, colour type 6, no filtering). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
