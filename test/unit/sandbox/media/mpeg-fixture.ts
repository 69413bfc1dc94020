/**
 * A tiny MPEG-1 audio encoder for test fixtures (no MP3 encoder is installed here).
 *
 * It writes Layer I — the simplest MPEG audio layer, read by the same mpg123 decoder and
 * code path as Layer III — at 32 kHz mono, 128 kbit/s: a cosine-modulated filterbank
 * (windowed-sinc prototype, not the standard's table: close enough for a tone) splits the
 * signal into 32 subbands, each quantised with 15 bits under a per-frame scalefactor.
 */

const RATE = 32000;
const SUBBANDS = 32;
const FRAME_SAMPLES = 384; // 12 samples per subband
const FRAME_BYTES = 192; // 12 * 128000 / 32000 * 4
const TAPS = 512;
const BITS = 15; // allocation code 14
const MAX_BANDS = 7;

class BitWriter {
  readonly bytes: Uint8Array;
  private bit = 0;

  constructor(length: number) {
    this.bytes = new Uint8Array(length);
  }

  write(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      if ((value >> i) & 1) this.bytes[this.bit >> 3]! |= 0x80 >> (this.bit & 7);
      this.bit++;
    }
  }
}

/** Layer I scalefactors: 2 · 2^(-i/3). */
const SCALEFACTORS = Array.from({ length: 63 }, (_, i) => 2 * 2 ** (-i / 3));

function prototype(): Float64Array {
  const h = new Float64Array(TAPS);
  for (let n = 0; n < TAPS; n++) {
    const x = (n - (TAPS - 1) / 2) / 64;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const window = 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * n) / (TAPS - 1));
    h[n] = (sinc * window) / 32;
  }
  return h;
}

/** Encodes a sine of `hz` for `seconds` (amplitude 0–1 of full scale) as an MPEG-1 Layer I file. */
export function mpegLayer1Tone(hz: number, seconds: number, amplitude = 0.3): Uint8Array {
  const frames = Math.ceil((seconds * RATE) / FRAME_SAMPLES);
  const total = frames * FRAME_SAMPLES;
  const input = new Float64Array(total + TAPS);
  for (let i = 0; i < total; i++) input[i + TAPS] = amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
  const h = prototype();
  const out = new Uint8Array(frames * FRAME_BYTES);
  const subband = Array.from({ length: 12 }, () => new Float64Array(SUBBANDS));
  for (let f = 0; f < frames; f++) {
    for (let s = 0; s < 12; s++) {
      const t = TAPS + f * FRAME_SAMPLES + s * SUBBANDS;
      for (let k = 0; k < SUBBANDS; k++) {
        let sum = 0;
        for (let n = 0; n < TAPS; n++) sum += h[n]! * input[t - n]! * Math.cos(((2 * k + 1) * (n - 16) * Math.PI) / 64);
        subband[s]![k] = sum;
      }
    }
    const bits = new BitWriter(FRAME_BYTES);
    // Header: sync, MPEG-1, Layer I, no CRC, 128 kbit/s, 32 kHz, no padding, mono.
    bits.write(0xfff, 12);
    bits.write(1, 1);
    bits.write(0b11, 2);
    bits.write(1, 1);
    bits.write(4, 4);
    bits.write(0b10, 2);
    bits.write(0, 2);
    bits.write(0b11, 2);
    bits.write(0, 6);
    // The loudest bands get bits (the frame holds 7 at 15 bits a sample); the rest are silent.
    const peaks = Array.from({ length: SUBBANDS }, (_, k) => Math.max(...subband.map((row) => Math.abs(row[k]!))));
    const loudest = new Set([...peaks.keys()].sort((a, b) => peaks[b]! - peaks[a]!).slice(0, MAX_BANDS).filter((k) => peaks[k]! > 1e-4));
    const scale = peaks.map((peak, k) => {
      if (!loudest.has(k)) return -1;
      // The smallest scalefactor still at least the peak.
      let index = 62;
      while (index > 0 && SCALEFACTORS[index]! < peak) index--;
      return index;
    });
    for (const index of scale) bits.write(index < 0 ? 0 : BITS - 1, 4);
    for (const index of scale) if (index >= 0) bits.write(index, 6);
    const half = 2 ** (BITS - 1);
    for (let s = 0; s < 12; s++) {
      for (let k = 0; k < SUBBANDS; k++) {
        if (scale[k]! < 0) continue;
        const x = subband[s]![k]! / SCALEFACTORS[scale[k]!]!;
        const code = Math.max(0, Math.min(2 * half - 2, Math.round((x * (2 * half - 1)) / 2) + half - 1));
        bits.write(code, BITS);
      }
    }
    out.set(bits.bytes, f * FRAME_BYTES);
  }
  return out;
}
