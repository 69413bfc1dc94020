/**
 * Measurements of 8 kHz audio: level, the energy at one frequency, and what kind of sound
 * it is. Tests use them to check what a party heard (speech, music, a tone, silence).
 */

const RATE = 8000;

/** Root-mean-square level of 16-bit samples (0 for silence, about 23000 for a full-scale sine). */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}

/**
 * The amplitude of the `hz` component of 8 kHz samples (Goertzel's algorithm), scaled so a
 * sine of amplitude A at exactly that frequency measures about A.
 */
export function goertzel(samples: Int16Array | Float32Array, hz: number, sampleRate = RATE): number {
  const n = samples.length;
  if (n === 0) return 0;
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = samples[i]! + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coefficient * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / n;
}

/** What `classifyAudio` measures, for callers that want the evidence behind a verdict. */
export interface AudioFeatures {
  /** RMS level of the whole clip. */
  rms: number;
  /** Share of 32 ms frames with sound in them. */
  active: number;
  /** Among sounding stretches, the share of frames far quieter than the loud ones (gaps between syllables). */
  dips: number;
  /** Mean similarity (0–1) of consecutive frames' spectra: held notes and tones are stable, speech is not. */
  stability: number;
  /** Median share of a frame's energy in its two strongest spectral peaks: a tone is nearly all of it. */
  tonality: number;
  /** The strongest frequency over the clip, Hz. */
  dominantHz: number;
}

/** The kinds of sound `classifyAudio` tells apart. */
export type AudioKind = 'silence' | 'tone' | 'speech' | 'music';

const FRAME = 256; // 32 ms at 8 kHz
const BINS = FRAME / 2;
const SILENT_RMS = 80;

/** In-place radix-2 FFT of `re`/`im` (length a power of two). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const step = (-2 * Math.PI) / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < size / 2; k++) {
        const wr = Math.cos(step * k);
        const wi = Math.sin(step * k);
        const a = start + k;
        const b = a + size / 2;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/** Power spectrum (Hann-windowed) of the frame starting at `at`. */
function powerSpectrum(samples: Int16Array, at: number): Float64Array {
  const re = new Float64Array(FRAME);
  const im = new Float64Array(FRAME);
  for (let i = 0; i < FRAME; i++) re[i] = samples[at + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME - 1)));
  fft(re, im);
  const power = new Float64Array(BINS);
  for (let k = 1; k < BINS; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
  return power;
}

/** Share of the energy within ±2 bins of the two strongest peaks. */
function peakShare(power: Float64Array): number {
  let total = 0;
  for (let k = 0; k < BINS; k++) total += power[k]!;
  if (total === 0) return 0;
  let captured = 0;
  const taken = new Uint8Array(BINS);
  for (let peak = 0; peak < 2; peak++) {
    let best = -1;
    for (let k = 1; k < BINS; k++) if (!taken[k] && (best < 0 || power[k]! > power[best]!)) best = k;
    for (let k = Math.max(0, best - 2); k <= Math.min(BINS - 1, best + 2); k++) {
      if (!taken[k]) captured += power[k]!;
      taken[k] = 1;
    }
  }
  return captured / total;
}

function cosine(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    const x = Math.sqrt(a[k]!);
    const y = Math.sqrt(b[k]!);
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The frequency within half a spectrum bin of `hz` where the clip is strongest, to 1 Hz. */
function refine(samples: Int16Array, hz: number): number {
  let best = hz;
  let strongest = -1;
  const halfBin = 8000 / FRAME / 2;
  for (let f = Math.round(hz - halfBin); f <= hz + halfBin; f++) {
    const level = goertzel(samples, f);
    if (level > strongest) {
      strongest = level;
      best = f;
    }
  }
  return best;
}

/** Measures what `classifyAudio` decides on (8 kHz samples). */
export function audioFeatures(samples: Int16Array): AudioFeatures {
  const frames = Math.floor(samples.length / FRAME);
  const levels: number[] = [];
  for (let f = 0; f < frames; f++) levels.push(rms(samples.subarray(f * FRAME, (f + 1) * FRAME)));
  const loud = [...levels].sort((a, b) => a - b)[Math.floor(levels.length * 0.9)] ?? 0;
  const soundingFrom = levels.findIndex((l) => l > SILENT_RMS);
  const soundingTo = levels.length - 1 - [...levels].reverse().findIndex((l) => l > SILENT_RMS);
  const active = levels.filter((l) => l > SILENT_RMS).length;
  let dips = 0;
  const spectra: Float64Array[] = [];
  const total = new Float64Array(BINS);
  for (let f = Math.max(0, soundingFrom); soundingFrom >= 0 && f <= soundingTo; f++) {
    if (levels[f]! < loud * 0.2) dips++;
    if (levels[f]! <= SILENT_RMS) continue;
    const power = powerSpectrum(samples, f * FRAME);
    spectra.push(power);
    for (let k = 0; k < BINS; k++) total[k]! += power[k]!;
  }
  let similarity = 0;
  for (let i = 1; i < spectra.length; i++) similarity += cosine(spectra[i - 1]!, spectra[i]!);
  let dominant = 0;
  for (let k = 1; k < BINS; k++) if (total[k]! > total[dominant]!) dominant = k;
  const span = soundingFrom >= 0 ? soundingTo - soundingFrom + 1 : 0;
  return {
    rms: rms(samples),
    active: frames ? active / frames : 0,
    dips: span ? dips / span : 0,
    stability: spectra.length > 1 ? similarity / (spectra.length - 1) : 0,
    tonality: median(spectra.map(peakShare)),
    dominantHz: dominant > 0 ? refine(samples.subarray(Math.max(0, soundingFrom) * FRAME, (Math.max(0, soundingFrom) + 32) * FRAME), (dominant * 8000) / FRAME) : 0,
  };
}

/**
 * Says whether 8 kHz audio is silence, a tone (one or two steady frequencies, as phone
 * tones are), speech or music, with its strongest frequency. Speech has gaps between
 * syllables and an ever-changing spectrum; music sounds continuously with spectra that
 * hold from frame to frame across many partials; a tone puts nearly all its energy in one
 * or two frequencies. Anything else (noise, say) counts as speech. Give it a second or more.
 */
export function classifyAudio(samples: Int16Array): { kind: AudioKind; dominantHz: number; features: AudioFeatures } {
  const features = audioFeatures(samples);
  const kind: AudioKind =
    features.active < 0.05
      ? 'silence'
      : features.tonality > 0.95
        ? 'tone'
        : features.stability > 0.85 && features.dips < 0.1 && features.tonality > 0.5
          ? 'music'
          : 'speech';
  return { kind, dominantHz: kind === 'silence' ? 0 : features.dominantHz, features };
}
