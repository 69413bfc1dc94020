/**
 * Text to speech for `talk`: real speech from eSpeak NG (compiled to WebAssembly, offline),
 * at 8 kHz.
 *
 * Synthesis runs in one worker thread, started on first use: a sentence takes a hundred
 * milliseconds or more of CPU, which on the main thread would stall the media clock of
 * every call. Results are cached (least recently used) by text, language and style, since
 * contact-center prompts repeat. SSML is honoured simply: `<break time="…"/>` becomes
 * silence, other tags are dropped, entities decoded.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { resampleAsync } from './resample';

/** Options of `synthesize`, as in the NCCO `talk` action. */
export interface SpeechOptions {
  /** Vonage language code (default en-US). */
  language?: string;
  /** Vonage's voice style; here a choice of pitch (0 = the voice's own). */
  style?: number;
}

/** Vonage language codes and the eSpeak NG voices that speak them. */
const VOICES: Record<string, string> = {
  'ar': 'sem/ar',
  'ca-ES': 'roa/ca',
  'cmn-CN': 'sit/cmn',
  'cmn-TW': 'sit/cmn',
  'cs-CZ': 'zlw/cs',
  'cy-GB': 'cel/cy',
  'da-DK': 'gmq/da',
  'de-DE': 'gmw/de',
  'el-GR': 'grk/el',
  'en-AU': 'gmw/en',
  'en-GB': 'gmw/en',
  'en-GB-SCT': 'gmw/en-GB-scotland',
  'en-GB-WLS': 'gmw/en-GB-x-gbcwmd',
  'en-IN': 'gmw/en',
  'en-US': 'gmw/en-US',
  'en-ZA': 'gmw/en',
  'es-ES': 'roa/es',
  'es-MX': 'roa/es-419',
  'es-US': 'roa/es-419',
  'eu-ES': 'eu',
  'fi-FI': 'urj/fi',
  'fr-CA': 'roa/fr',
  'fr-FR': 'roa/fr',
  'he-IL': 'sem/he',
  'hi-IN': 'inc/hi',
  'hu-HU': 'urj/hu',
  'id-ID': 'poz/id',
  'is-IS': 'gmq/is',
  'it-IT': 'roa/it',
  'ja-JP': 'jpx/ja',
  'ko-KR': 'ko',
  'ms-MY': 'poz/ms',
  'nb-NO': 'gmq/nb',
  'nl-NL': 'gmw/nl',
  'pl-PL': 'zlw/pl',
  'pt-BR': 'roa/pt-BR',
  'pt-PT': 'roa/pt',
  'ro-RO': 'roa/ro',
  'ru-RU': 'zle/ru',
  'sk-SK': 'zlw/sk',
  'sv-SE': 'gmq/sv',
  'ta-IN': 'dra/ta',
  'th-TH': 'tai/th',
  'tr-TR': 'trk/tr',
  'uk-UA': 'zle/uk',
  'vi-VN': 'aav/vi',
  'yue-CN': 'sit/yue',
};

/** The Vonage language codes `synthesize` accepts. */
export const SPEECH_LANGUAGES = Object.keys(VOICES);

/** Pitches (eSpeak's 0–100) that styles pick, in turn. */
const STYLE_PITCH = [50, 38, 62, 44, 56];
/** Peak level speech is scaled to: loud and clear, with headroom for mixing. */
const TARGET_PEAK = 16000;
const ESPEAK_RATE = 22050;
const CACHE_ENTRIES = 200;
const CACHE_SAMPLES = 8_000_000; // 1000 s of 8 kHz audio, 16 MB

/** A language `synthesize` cannot speak, named in the message with what it can. */
export class UnsupportedLanguageError extends Error {
  constructor(readonly language: string) {
    super(`language "${language}" is not supported by the sandbox's speech engine; use one of ${SPEECH_LANGUAGES.join(', ')}`);
  }
}

/** The espeak voice for a Vonage language code (case-insensitive), or throws. */
export function voiceFor(language: string): string {
  const key = SPEECH_LANGUAGES.find((code) => code.toLowerCase() === language.toLowerCase());
  if (!key) throw new UnsupportedLanguageError(language);
  return VOICES[key]!;
}

/** Plain text and pauses, from text that may be SSML. */
type Segment = { text: string } | { pauseMs: number };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Splits SSML into text and `<break>` pauses; other tags go. Plain text passes whole. */
export function parseSsml(input: string): Segment[] {
  if (!/^\s*<speak[\s>]/i.test(input)) return [{ text: input }];
  const segments: Segment[] = [];
  const decode = (text: string) => text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!);
  let rest = input;
  for (;;) {
    const match = /<break\b([^>]*)\/?>/i.exec(rest);
    const before = match ? rest.slice(0, match.index) : rest;
    const text = decode(before.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
    if (text) segments.push({ text });
    if (!match) return segments;
    segments.push({ pauseMs: breakMs(match[1] ?? '') });
    rest = rest.slice(match.index + match[0].length);
  }
}

/** A `<break>`'s length: `time="500ms"|"1s"` or a `strength`. */
function breakMs(attributes: string): number {
  const time = /time\s*=\s*["']\s*([\d.]+)\s*(ms|s)\s*["']/i.exec(attributes);
  if (time) return Math.min(10_000, Number(time[1]) * (time[2]!.toLowerCase() === 's' ? 1000 : 1));
  const strength = /strength\s*=\s*["'](\w[\w-]*)["']/i.exec(attributes)?.[1]?.toLowerCase();
  const byStrength: Record<string, number> = { none: 0, 'x-weak': 100, weak: 250, medium: 500, strong: 750, 'x-strong': 1000 };
  return byStrength[strength ?? 'medium'] ?? 500;
}

/**
 * The worker's code. Plain JavaScript evaluated in the worker, so it runs the same under
 * tsx, vitest and a build; it loads the WASM module once and synthesises on request.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let ready = null;
function engine() {
  ready ??= import(workerData.moduleUrl).then(async (m) => new (await m.default()).eSpeakNGWorker());
  return ready;
}
parentPort.on('message', async ({ id, voice, pitch, text }) => {
  try {
    const worker = await engine();
    if (worker.set_voice(voice) !== 0) throw new Error('eSpeak NG has no voice ' + voice);
    worker.set_pitch(pitch);
    const chunks = [];
    let length = 0;
    worker.synthesize(text, (audio) => { chunks.push(audio); length += audio.length; return 0; });
    const samples = new Int16Array(length);
    let at = 0;
    for (const chunk of chunks) { samples.set(chunk, at); at += chunk.length; }
    parentPort.postMessage({ id, samples, rate: worker.get_samplerate() }, [samples.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

interface Pending {
  resolve: (result: { samples: Int16Array; rate: number }) => void;
  reject: (error: Error) => void;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

function speechWorker(): Worker {
  if (worker) return worker;
  const moduleUrl = pathToFileURL(createRequire(import.meta.url).resolve('@echogarden/espeak-ng-emscripten')).href;
  const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { moduleUrl } });
  started.unref();
  started.on('message', (message: { id: number; samples?: Int16Array; rate?: number; error?: string }) => {
    const request = pending.get(message.id);
    if (!request) return;
    pending.delete(message.id);
    if (pending.size === 0) started.unref();
    if (message.error !== undefined) request.reject(new Error(`speech synthesis failed: ${message.error}`));
    else request.resolve({ samples: message.samples!, rate: message.rate ?? ESPEAK_RATE });
  });
  const fail = (error: Error) => {
    worker = null;
    for (const request of pending.values()) request.reject(new Error(`speech engine stopped: ${error.message}`));
    pending.clear();
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)));
  worker = started;
  return started;
}

function synthesizeRaw(text: string, voice: string, pitch: number): Promise<{ samples: Int16Array; rate: number }> {
  const thread = speechWorker();
  const id = nextId++;
  thread.ref();
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    thread.postMessage({ id, voice, pitch, text });
  });
}

/** Recent results by language, style and text; promises, so identical requests share one synthesis. */
const cache = new Map<string, Promise<Int16Array>>();
const cachedLengths = new Map<string, number>();
let cachedSamples = 0;

function remember(key: string, result: Promise<Int16Array>): void {
  cache.set(key, result);
  result.then(
    (samples) => {
      if (cache.get(key) !== result) return;
      cachedLengths.set(key, samples.length);
      cachedSamples += samples.length;
      while (cache.size > CACHE_ENTRIES || cachedSamples > CACHE_SAMPLES) {
        const oldest = cache.keys().next().value as string;
        forget(oldest);
        if (oldest === key) break;
      }
    },
    () => {
      if (cache.get(key) === result) forget(key);
    },
  );
}

function forget(key: string): void {
  cache.delete(key);
  cachedSamples -= cachedLengths.get(key) ?? 0;
  cachedLengths.delete(key);
}

/**
 * Speaks `text` (plain or SSML) in a Vonage language: 16-bit samples at 8 kHz. The array
 * may be shared with other callers through the cache: read it, don't modify it. Rejects
 * with `UnsupportedLanguageError` for a language it has no voice for.
 */
export function synthesize(text: string, options: SpeechOptions = {}): Promise<Int16Array> {
  const language = options.language ?? 'en-US';
  const style = options.style ?? 0;
  let voice: string;
  try {
    voice = voiceFor(language);
    if (!Number.isInteger(style) || style < 0) throw new Error(`style must be a whole number ≥ 0, got ${style}`);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const key = `${voice}|${style}|${text}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const result = render(parseSsml(text), voice, STYLE_PITCH[style % STYLE_PITCH.length]!);
  remember(key, result);
  return result;
}

async function render(segments: Segment[], voice: string, pitch: number): Promise<Int16Array> {
  const parts = await Promise.all(
    segments.map(async (segment) => {
      if ('pauseMs' in segment) return new Int16Array(Math.round(segment.pauseMs * 8));
      const { samples, rate } = await synthesizeRaw(segment.text, voice, pitch);
      return resampleAsync(samples, rate);
    }),
  );
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return normalise(out);
}

/** Scales speech to a consistent peak level, so every prompt sounds equally loud. */
function normalise(samples: Int16Array): Int16Array {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
  if (peak === 0) return samples;
  const gain = TARGET_PEAK / peak;
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(samples[i]! * gain);
  return samples;
}
