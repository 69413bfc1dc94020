/**
 * Call-progress tones, beeps, DTMF and hold music at 8 kHz.
 *
 * Each sound is synthesised once into a shared table (the tones' cadences hold a whole
 * number of cycles, the music is one seamless loop), so a playing source only copies
 * samples: hundreds of callers on hold cost next to nothing.
 */
import { ClipReader, type AudioSource } from './mixer';

const RATE = 8000;

/** Adds a sum of sines to `out[from, from + length)`, with short ramps so on/off never clicks. */
function addTone(out: Float32Array, from: number, length: number, hz: number[], amplitude: number, rampMs = 5): void {
  const ramp = Math.min(Math.floor((rampMs * RATE) / 1000), Math.floor(length / 2));
  for (let i = 0; i < length; i++) {
    const envelope = Math.min(1, i / Math.max(1, ramp), (length - 1 - i) / Math.max(1, ramp));
    let v = 0;
    for (const f of hz) v += Math.sin((2 * Math.PI * f * i) / RATE);
    out[from + i]! += v * amplitude * envelope;
  }
}

function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]!)));
  return out;
}

/** A cadence: `hz` on for `onMs`, then off for `offMs`, as one period's table. */
function cadence(hz: number[], onMs: number, offMs: number, amplitude: number): Int16Array {
  const on = (onMs * RATE) / 1000;
  const table = new Float32Array(on + (offMs * RATE) / 1000);
  addTone(table, 0, on, hz, amplitude);
  return toInt16(table);
}

let ringbackTable: Int16Array | null = null;
let busyTable: Int16Array | null = null;
let musicTable: Int16Array | null = null;

/** US ringback (440 + 480 Hz, 2 s on, 4 s off), endless. */
export function ringback(): AudioSource {
  ringbackTable ??= cadence([440, 480], 2000, 4000, 3500);
  return new ClipReader(ringbackTable, 0);
}

/** US busy tone (480 + 620 Hz, 0.5 s on, 0.5 s off), endless. */
export function busyTone(): AudioSource {
  busyTable ??= cadence([480, 620], 500, 500, 3500);
  return new ClipReader(busyTable, 0);
}

/** A 1 kHz beep of 400 ms, as `record`'s beepStart plays. */
export function beep(): Int16Array {
  const out = new Float32Array(0.4 * RATE);
  addTone(out, 0, out.length, [1000], 8000);
  return toInt16(out);
}

/** DTMF frequency pairs (low, high) by key. */
const DTMF: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};
const DTMF_TONE_MS = 100;
const DTMF_GAP_MS = 50;
/** Vonage's `p` in a digit string: a 500 ms pause. */
const DTMF_PAUSE_MS = 500;

/** The keys `dtmfTones` accepts. */
export const DTMF_KEYS = '0123456789*#ABCDp';

/**
 * The tones of a digit string: each key 100 ms of its frequency pair then 50 ms of silence;
 * `p` pauses 500 ms. Throws naming the first key it cannot play.
 */
export function dtmfTones(digits: string): Int16Array {
  const keys = [...digits].map((key) => (key === 'P' ? 'p' : key === 'p' ? key : key.toUpperCase()));
  const bad = keys.findIndex((key) => !DTMF_KEYS.includes(key));
  if (bad >= 0) throw new Error(`cannot play DTMF key "${[...digits][bad]}": use ${DTMF_KEYS.split('').join(' ')}`);
  const toneSamples = (DTMF_TONE_MS * RATE) / 1000;
  const stepSamples = ((DTMF_TONE_MS + DTMF_GAP_MS) * RATE) / 1000;
  const pauseSamples = (DTMF_PAUSE_MS * RATE) / 1000;
  const length = keys.reduce((sum, key) => sum + (key === 'p' ? pauseSamples : stepSamples), 0);
  const out = new Float32Array(length);
  let at = 0;
  for (const key of keys) {
    if (key === 'p') {
      at += pauseSamples;
      continue;
    }
    addTone(out, at, toneSamples, DTMF[key]!, 5000, 3);
    at += stepSamples;
  }
  return toInt16(out);
}

const midiHz = (note: number) => 440 * 2 ** ((note - 69) / 12);

/**
 * Eight seconds of music: a I–vi–IV–V progression in C as a soft sustained pad, with a
 * plucked melody of quarter notes over it at 120 beats a minute.
 */
function composeMusic(): Int16Array {
  const beat = RATE / 2;
  const chords = [
    [60, 64, 67],
    [57, 60, 64],
    [53, 57, 60],
    [55, 59, 62],
  ];
  const melody = [76, 74, 72, 79, 76, 72, 69, 72, 77, 76, 72, 69, 74, 71, 67, 71];
  const out = new Float32Array(beat * 16);
  chords.forEach((chord, c) => {
    const from = c * beat * 4;
    const length = beat * 4;
    for (let i = 0; i < length; i++) {
      // Swell in over 80 ms, fade out over the last 80 ms, so chord changes glide.
      const edge = Math.min(1, i / 640, (length - 1 - i) / 640);
      let v = 0;
      for (const note of chord) {
        const f = midiHz(note);
        v += Math.sin((2 * Math.PI * f * i) / RATE) + 0.25 * Math.sin((4 * Math.PI * f * i) / RATE);
      }
      out[from + i]! += v * 1300 * edge;
    }
  });
  melody.forEach((note, n) => {
    const f = midiHz(note);
    const from = n * beat;
    for (let i = 0; i < beat; i++) {
      const t = i / RATE;
      const envelope = Math.min(1, i / 80) * Math.exp(-3.5 * t) * Math.min(1, (beat - 1 - i) / 160);
      const phase = (2 * Math.PI * f * i) / RATE;
      out[from + i]! += (Math.sin(phase) + 0.35 * Math.sin(2 * phase) + 0.12 * Math.sin(3 * phase)) * 3200 * envelope;
    }
  });
  return toInt16(out);
}

/** Hold music: a pleasant synthesised loop (chords and a melody), endless. */
export function holdMusic(): AudioSource {
  musicTable ??= composeMusic();
  return new ClipReader(musicTable, 0);
}
