/**
 * Audio files for `stream` and `musicOnHoldUrl`: WAV and MP3 decoded to 8 kHz mono.
 *
 * WAV: PCM 8/16/24/32-bit, IEEE float, µ-law and A-law, any rate, any channel count.
 * MP3 (any MPEG audio layer): mpg123 compiled to WebAssembly. Long files are converted in
 * slices that yield to the event loop, so a minute of music never stalls calls in progress.
 * Fetched files are cached by URL for a few minutes, as operators reuse the same prompts.
 */
import { MPEGDecoder } from 'mpg123-decoder';
import { MULAW_TO_LINEAR } from './g711';
import { resampleAsync, yieldToEventLoop } from './resample';

/** A file that is not audio the sandbox can play, with the reason. */
export class AudioDecodeError extends Error {}

/** A URL that could not be fetched as audio, with the reason. */
export class AudioFetchError extends Error {}

/** Input frames converted between yields to the event loop. */
const SLICE_FRAMES = 1 << 16;
/** MP3 bytes fed to the decoder between yields (about 4 s at 128 kbit/s). */
const MP3_SLICE_BYTES = 64 * 1024;

/** Decodes a WAV or MP3 file to 16-bit samples at 8 kHz, mono. Rejects with `AudioDecodeError`. */
export async function decodeAudio(bytes: Uint8Array): Promise<Int16Array> {
  if (isWav(bytes)) return decodeWav(bytes);
  if (isMpeg(bytes)) return decodeMpeg(bytes);
  throw new AudioDecodeError(`not a WAV or MP3 file (${bytes.length === 0 ? 'it is empty' : `it starts with ${describeStart(bytes)}`})`);
}

function describeStart(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 8);
  const text = String.fromCharCode(...[...head].map((b) => (b >= 0x20 && b < 0x7f ? b : 0x2e)));
  return `"${text}" (hex ${Buffer.from(head).toString('hex')})`;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return Buffer.from(bytes.subarray(at, at + length)).toString('latin1');
}

function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE';
}

function isMpeg(bytes: Uint8Array): boolean {
  if (bytes.length >= 3 && ascii(bytes, 0, 3) === 'ID3') return true;
  return bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0;
}

/** WAV format codes the decoder reads. */
const WAV_PCM = 1;
const WAV_FLOAT = 3;
const WAV_ALAW = 6;
const WAV_MULAW = 7;
const WAV_EXTENSIBLE = 0xfffe;

interface WavFormat {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

function decodeWavHeader(bytes: Uint8Array): { format: WavFormat; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: WavFormat | null = null;
  let data: Uint8Array | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = ascii(bytes, at, 4);
    const declared = view.getUint32(at + 4, true);
    const body = at + 8;
    // Streamed WAVs leave the size 0 or 0xFFFFFFFF: the chunk then runs to the end of the file.
    const size = declared === 0 || declared === 0xffffffff ? bytes.length - body : Math.min(declared, bytes.length - body);
    if (id === 'fmt ') {
      if (size < 16) throw new AudioDecodeError(`WAV "fmt " chunk is too short (${size} bytes)`);
      let code = view.getUint16(body, true);
      if (code === WAV_EXTENSIBLE && size >= 26) code = view.getUint16(body + 24, true);
      format = {
        format: code,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      data = bytes.subarray(body, body + size);
      if (format) break;
    }
    at = body + size + (size & 1);
  }
  if (!format) throw new AudioDecodeError('WAV has no "fmt " chunk');
  if (!data) throw new AudioDecodeError('WAV has no "data" chunk');
  return { format, data };
}

/** Reads sample `i` of a WAV data chunk as a linear value on the 16-bit scale. */
type SampleReader = (data: DataView, offset: number) => number;

function sampleReader({ format, bitsPerSample }: WavFormat): SampleReader {
  if (format === WAV_PCM) {
    if (bitsPerSample === 8) return (d, o) => (d.getUint8(o) - 128) * 256;
    if (bitsPerSample === 16) return (d, o) => d.getInt16(o, true);
    if (bitsPerSample === 24) return (d, o) => ((d.getUint8(o) | (d.getUint8(o + 1) << 8) | (d.getInt8(o + 2) << 16)) / 256);
    if (bitsPerSample === 32) return (d, o) => d.getInt32(o, true) / 65536;
    throw new AudioDecodeError(`WAV PCM with ${bitsPerSample} bits a sample is not supported (use 8, 16, 24 or 32)`);
  }
  if (format === WAV_FLOAT) {
    if (bitsPerSample === 32) return (d, o) => d.getFloat32(o, true) * 32767;
    if (bitsPerSample === 64) return (d, o) => d.getFloat64(o, true) * 32767;
    throw new AudioDecodeError(`WAV float with ${bitsPerSample} bits a sample is not supported (use 32 or 64)`);
  }
  if ((format === WAV_MULAW || format === WAV_ALAW) && bitsPerSample !== 8) {
    throw new AudioDecodeError(`WAV G.711 with ${bitsPerSample} bits a sample is not valid (it is 8)`);
  }
  if (format === WAV_MULAW) return (d, o) => MULAW_TO_LINEAR[d.getUint8(o)]!;
  if (format === WAV_ALAW) return (d, o) => ALAW[d.getUint8(o)]!;
  throw new AudioDecodeError(`WAV encoding 0x${format.toString(16).padStart(4, '0')} is not supported (use PCM, float, µ-law or A-law)`);
}

/** A-law byte → 16-bit linear sample (ITU-T G.711). */
const ALAW = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const a = i ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  const value = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  ALAW[i] = a & 0x80 ? value : -value;
}

async function decodeWav(bytes: Uint8Array): Promise<Int16Array> {
  const { format, data } = decodeWavHeader(bytes);
  if (format.channels < 1) throw new AudioDecodeError('WAV declares no channels');
  if (format.sampleRate < 1000 || format.sampleRate > 384_000) throw new AudioDecodeError(`WAV sample rate ${format.sampleRate} Hz is out of range`);
  const read = sampleReader(format);
  const bytesPerSample = format.bitsPerSample / 8;
  const frameBytes = bytesPerSample * format.channels;
  const frames = Math.floor(data.length / frameBytes);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const mono = new Float32Array(frames);
  for (let start = 0; start < frames; start += SLICE_FRAMES) {
    const end = Math.min(frames, start + SLICE_FRAMES);
    for (let f = start; f < end; f++) {
      let sum = 0;
      for (let c = 0; c < format.channels; c++) sum += read(view, f * frameBytes + c * bytesPerSample);
      mono[f] = sum / format.channels;
    }
    if (end < frames) await yieldToEventLoop();
  }
  return resampleAsync(mono, format.sampleRate);
}

async function decodeMpeg(bytes: Uint8Array): Promise<Int16Array> {
  const decoder = new MPEGDecoder();
  await decoder.ready;
  try {
    const parts: Float32Array[] = [];
    let length = 0;
    let sampleRate = 0;
    for (let at = 0; at < bytes.length; at += MP3_SLICE_BYTES) {
      const decoded = decoder.decode(bytes.subarray(at, at + MP3_SLICE_BYTES));
      if (decoded.samplesDecoded > 0) {
        sampleRate = decoded.sampleRate;
        const channels = decoded.channelData;
        const mono = new Float32Array(decoded.samplesDecoded);
        for (const channel of channels) for (let i = 0; i < mono.length; i++) mono[i]! += channel[i]! * (32767 / channels.length);
        parts.push(mono);
        length += mono.length;
      }
      await yieldToEventLoop();
    }
    if (length === 0 || sampleRate === 0) throw new AudioDecodeError('MP3 holds no audio frames the decoder could read');
    const all = new Float32Array(length);
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      offset += part.length;
    }
    return await resampleAsync(all, sampleRate);
  } finally {
    decoder.free();
  }
}

/** How long `loadAudio` waits for a file. */
export const FETCH_TIMEOUT_MS = 10_000;
/** The largest file `loadAudio` accepts. */
export const MAX_AUDIO_BYTES = 20 * 1024 * 1024;
const CACHE_MS = 5 * 60_000;
const CACHE_ENTRIES = 50;

/** Overrides of `loadAudio`'s limits (tests use small ones). */
export interface FetchLimits {
  timeoutMs?: number;
  maxBytes?: number;
}

const loaded = new Map<string, { expires: number; audio: Promise<Int16Array> }>();

/**
 * Fetches a WAV or MP3 over http(s) and decodes it to 8 kHz (see `decodeAudio`), with a
 * 10 s timeout and a 20 MB cap by default; reuses the result for 5 minutes. The array may be shared
 * through the cache: read it, don't modify it. Rejects with `AudioFetchError` or
 * `AudioDecodeError`, naming the URL.
 */
export function loadAudio(url: string, limits: FetchLimits = {}): Promise<Int16Array> {
  const now = Date.now();
  for (const [key, entry] of loaded) if (entry.expires <= now) loaded.delete(key);
  const hit = loaded.get(url);
  if (hit) return hit.audio;
  const audio = fetchAudio(url, { timeoutMs: limits.timeoutMs ?? FETCH_TIMEOUT_MS, maxBytes: limits.maxBytes ?? MAX_AUDIO_BYTES });
  loaded.set(url, { expires: now + CACHE_MS, audio });
  if (loaded.size > CACHE_ENTRIES) loaded.delete(loaded.keys().next().value as string);
  audio.catch(() => {
    if (loaded.get(url)?.audio === audio) loaded.delete(url);
  });
  return audio;
}

async function fetchAudio(url: string, { timeoutMs, maxBytes }: Required<FetchLimits>): Promise<Int16Array> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AudioFetchError(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AudioFetchError(`cannot fetch ${url}: only http and https URLs are supported`);
  }
  let response: Response;
  try {
    response = await fetch(parsed, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : ((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
    throw new AudioFetchError(`cannot fetch ${url}: ${reason}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new AudioFetchError(`cannot fetch ${url}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new AudioFetchError(`cannot fetch ${url}: ${declared} bytes is more than the ${maxBytes} byte limit`);
  }
  const bytes = await readCapped(response, url, timeoutMs, maxBytes);
  try {
    return await decodeAudio(bytes);
  } catch (error) {
    if (error instanceof AudioDecodeError) throw new AudioDecodeError(`${url}: ${error.message}`);
    throw error;
  }
}

async function readCapped(response: Response, url: string, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new AudioFetchError(`cannot fetch ${url}: more than the ${maxBytes} byte limit`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof AudioFetchError) throw error;
    const reason = (error as Error).name === 'TimeoutError' ? `the download took more than ${timeoutMs / 1000} s` : (error as Error).message;
    throw new AudioFetchError(`cannot fetch ${url}: ${reason}`);
  }
  return Buffer.concat(chunks, total);
}
