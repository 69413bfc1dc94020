/**
 * G.711 µ-law (PCMU): the codec between the sandbox and every peer.
 *
 * 8 kHz, one byte a sample, so mixing, tones and speech are sample arithmetic on
 * 160-byte frames (20 ms). Tables make encode and decode one lookup each.
 */

const BIAS = 0x84;
const CLIP = 32635;

function encodeSample(sample: number): number {
  let s = Math.max(-CLIP, Math.min(CLIP, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeSample(byte: number): number {
  const u = ~byte & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
  return sign ? -magnitude : magnitude;
}

const decodeTable = new Int16Array(256);
for (let i = 0; i < 256; i++) decodeTable[i] = decodeSample(i);
const encodeTable = new Uint8Array(65536);
for (let i = -32768; i < 32768; i++) encodeTable[i & 0xffff] = encodeSample(i);

/** µ-law byte → 16-bit linear sample (read-only). */
export const MULAW_TO_LINEAR: Readonly<Int16Array> = decodeTable;

/** Samples a frame: 20 ms at 8 kHz. */
export const FRAME_SAMPLES = 160;
/** The µ-law byte for silence. */
export const MULAW_SILENCE = 0xff;

/** Encodes 16-bit linear samples to µ-law bytes. */
export function mulawEncode(samples: Int16Array, out = Buffer.alloc(samples.length)): Buffer {
  for (let i = 0; i < samples.length; i++) out[i] = encodeTable[samples[i]! & 0xffff]!;
  return out;
}

/** Decodes µ-law bytes to 16-bit linear samples. */
export function mulawDecode(bytes: Uint8Array, out = new Int16Array(bytes.length)): Int16Array {
  const n = Math.min(bytes.length, out.length);
  for (let i = 0; i < n; i++) out[i] = decodeTable[bytes[i]!]!;
  return out;
}

/** Adds the decoded samples of µ-law bytes into a mixing accumulator (no intermediate array). */
export function mulawDecodeAdd(bytes: Uint8Array, acc: Int32Array): void {
  const n = Math.min(bytes.length, acc.length);
  for (let i = 0; i < n; i++) acc[i]! += decodeTable[bytes[i]!]!;
}

/** Encodes a mixing accumulator to µ-law, clipping to the 16-bit range. */
export function mulawEncodeClipped(acc: Int32Array, out: Uint8Array): void {
  for (let i = 0; i < acc.length; i++) {
    const s = acc[i]!;
    out[i] = encodeTable[(s > 32767 ? 32767 : s < -32768 ? -32768 : s) & 0xffff]!;
  }
}

/** A 20 ms frame of silence. */
export function silenceFrame(): Buffer {
  return Buffer.alloc(FRAME_SAMPLES, MULAW_SILENCE);
}

/**
 * Whether a µ-law frame's mean absolute amplitude is above `level` — the mean
 * of |sample| > level, without summing the whole frame: it stops as soon as the sum passes the bar (after a few
 * samples of speech or tone), since it runs for every frame every endpoint receives.
 */
export function louderThan(frame: Uint8Array, level: number): boolean {
  const bar = level * frame.length;
  let sum = 0;
  for (let i = 0; i < frame.length; i++) {
    const s = decodeTable[frame[i]!]!;
    sum += s < 0 ? -s : s;
    if (sum > bar) return true;
  }
  return false;
}
