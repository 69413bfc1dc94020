import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioDecodeError, AudioFetchError, decodeAudio, loadAudio } from '../../../../sandbox/media/decode';
import { classifyAudio, goertzel, rms } from '../../../../sandbox/media/analysis';
import { encodeWav } from '../../../../sandbox/media/wav';
import { mpegLayer1Tone } from './mpeg-fixture';

interface WavSpec {
  format: number;
  channels: number;
  rate: number;
  bits: number;
  /** Per channel, a function of time (s) giving -1..1. */
  signal: Array<(t: number) => number>;
  seconds: number;
  extensible?: boolean;
  /** A chunk of odd length before "data" (its pad byte must be skipped). */
  oddChunk?: boolean;
}

const linearToMulaw = (x: number): number => {
  let s = Math.max(-32635, Math.min(32635, Math.round(x * 32767)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  return ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff;
};
const linearToAlaw = (x: number): number => {
  let s = Math.round(x * 32767) >> 3;
  const mask = s >= 0 ? 0xd5 : 0x55;
  if (s < 0) s = -s - 1;
  const ends = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
  const seg = ends.findIndex((end) => s <= end);
  if (seg < 0) return 0x7f ^ mask;
  const value = (seg << 4) | (seg < 2 ? (s >> 1) & 0x0f : (s >> seg) & 0x0f);
  return value ^ mask;
};

function wav(spec: WavSpec): Buffer {
  const frames = Math.round(spec.seconds * spec.rate);
  const bytesPerSample = spec.bits / 8;
  const data = Buffer.alloc(frames * spec.channels * bytesPerSample);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < spec.channels; c++) {
      const x = spec.signal[c]!(f / spec.rate);
      const at = (f * spec.channels + c) * bytesPerSample;
      if (spec.format === 1 && spec.bits === 8) data.writeUInt8(Math.round(x * 127) + 128, at);
      else if (spec.format === 1 && spec.bits === 16) data.writeInt16LE(Math.round(x * 32767), at);
      else if (spec.format === 1 && spec.bits === 24) data.writeIntLE(Math.round(x * 8388607), at, 3);
      else if (spec.format === 1 && spec.bits === 32) data.writeInt32LE(Math.round(x * 2147483647), at);
      else if (spec.format === 3) data.writeFloatLE(x, at);
      else if (spec.format === 7) data.writeUInt8(linearToMulaw(x), at);
      else if (spec.format === 6) data.writeUInt8(linearToAlaw(x), at);
    }
  }
  const fmt = Buffer.alloc(spec.extensible ? 40 : 16);
  fmt.writeUInt16LE(spec.extensible ? 0xfffe : spec.format, 0);
  fmt.writeUInt16LE(spec.channels, 2);
  fmt.writeUInt32LE(spec.rate, 4);
  fmt.writeUInt32LE(spec.rate * spec.channels * bytesPerSample, 8);
  fmt.writeUInt16LE(spec.channels * bytesPerSample, 12);
  fmt.writeUInt16LE(spec.bits, 14);
  if (spec.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(spec.bits, 18);
    fmt.writeUInt16LE(spec.format, 24);
  }
  const chunk = (id: string, body: Buffer) => {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'latin1');
    header.writeUInt32LE(body.length, 4);
    return Buffer.concat([header, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const body = Buffer.concat([
    Buffer.from('WAVE', 'latin1'),
    chunk('fmt ', fmt),
    spec.oddChunk ? chunk('LIST', Buffer.from('INFOabc', 'latin1')) : Buffer.alloc(0),
    chunk('data', data),
  ]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

const tone = (hz: number, amplitude = 0.3) => (t: number) => amplitude * Math.sin(2 * Math.PI * hz * t);

/** Checks a decoded clip: 8 kHz length, the tone at its level, nothing at `absentHz`. */
function expectTone(audio: Int16Array, seconds: number, hz: number, amplitude: number): void {
  expect(Math.abs(audio.length - seconds * 8000)).toBeLessThanOrEqual(2);
  const middle = audio.subarray(400, audio.length - 400);
  expect(goertzel(middle, hz)).toBeGreaterThan(amplitude * 32767 * 0.9);
  expect(goertzel(middle, hz)).toBeLessThan(amplitude * 32767 * 1.1);
  expect(classifyAudio(audio)).toMatchObject({ kind: 'tone', dominantHz: hz });
}

describe('decodeAudio: WAV', () => {
  const cases: Array<[string, Omit<WavSpec, 'signal' | 'seconds'>]> = [
    ['8-bit unsigned PCM, 11025 Hz', { format: 1, channels: 1, rate: 11025, bits: 8 }],
    ['16-bit PCM, 16 kHz', { format: 1, channels: 1, rate: 16000, bits: 16 }],
    ['24-bit PCM, 48 kHz', { format: 1, channels: 1, rate: 48000, bits: 24 }],
    ['32-bit PCM, 22050 Hz', { format: 1, channels: 1, rate: 22050, bits: 32 }],
    ['32-bit float, 44.1 kHz', { format: 3, channels: 1, rate: 44100, bits: 32 }],
    ['µ-law, 8 kHz', { format: 7, channels: 1, rate: 8000, bits: 8 }],
    ['A-law, 8 kHz', { format: 6, channels: 1, rate: 8000, bits: 8 }],
    ['16-bit PCM in WAVE_FORMAT_EXTENSIBLE, odd chunk before data', { format: 1, channels: 1, rate: 16000, bits: 16, extensible: true, oddChunk: true }],
  ];
  for (const [name, spec] of cases) {
    it(`decodes ${name} to 8 kHz`, async () => {
      expectTone(await decodeAudio(wav({ ...spec, signal: [tone(1000)], seconds: 1 })), 1, 1000, 0.3);
    });
  }

  it('downmixes stereo by averaging the channels', async () => {
    const audio = await decodeAudio(wav({ format: 1, channels: 2, rate: 44100, bits: 16, signal: [tone(600, 0.4), tone(1500, 0.2)], seconds: 1 }));
    expect(audio.length).toBe(8000);
    expect(goertzel(audio, 600)).toBeCloseTo(0.2 * 32767, -2);
    expect(goertzel(audio, 1500)).toBeCloseTo(0.1 * 32767, -2);
  });

  it('filters out what 8 kHz cannot carry instead of aliasing it', async () => {
    // 5 kHz at 44.1 kHz would fold to 3 kHz if decimated without a low-pass filter.
    const audio = await decodeAudio(wav({ format: 1, channels: 1, rate: 44100, bits: 16, signal: [(t) => tone(5000)(t) + tone(700)(t)], seconds: 1 }));
    expect(goertzel(audio, 3000)).toBeLessThan(50);
    expect(goertzel(audio, 700)).toBeGreaterThan(0.27 * 32767);
  });

  it('names what it cannot read', async () => {
    const base = { channels: 1, rate: 8000, signal: [tone(400)], seconds: 0.1 };
    await expect(decodeAudio(wav({ ...base, format: 2, bits: 4 }))).rejects.toThrow(/WAV encoding 0x0002 is not supported/);
    await expect(decodeAudio(wav({ ...base, format: 1, bits: 12 }))).rejects.toThrow(/12 bits a sample/);
    await expect(decodeAudio(wav({ ...base, format: 1, bits: 16, channels: 0 }))).rejects.toThrow(/no channels/);
    const noData = Buffer.concat([Buffer.from('RIFF\x04\x00\x00\x00WAVE', 'latin1')]);
    await expect(decodeAudio(noData)).rejects.toThrow(/no "fmt " chunk/);
    const fmtOnly = wav({ ...base, format: 1, bits: 16 }).subarray(0, 36);
    await expect(decodeAudio(fmtOnly)).rejects.toThrow(/no "data" chunk/);
  });
});

describe('decodeAudio: MP3 and other input', () => {
  it('decodes MPEG audio (a Layer I tone made in the test) to 8 kHz', async () => {
    const audio = await decodeAudio(mpegLayer1Tone(750, 1));
    expect(Math.abs(audio.length - 8000)).toBeLessThan(200); // whole 384-sample frames
    expect(classifyAudio(audio)).toMatchObject({ kind: 'tone', dominantHz: 750 });
    expect(goertzel(audio.subarray(800, 7200), 750)).toBeGreaterThan(0.25 * 32767);
  });

  it('reads MPEG audio after an ID3 tag', async () => {
    const tag = Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x0a', 'latin1'), Buffer.alloc(10)]);
    const audio = await decodeAudio(Buffer.concat([tag, mpegLayer1Tone(750, 0.5)]));
    expect(classifyAudio(audio).dominantHz).toBe(750);
  });

  it('rejects MPEG-looking bytes with no frames, an empty file and other formats, saying why', async () => {
    await expect(decodeAudio(Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x00]), Buffer.alloc(64)]))).rejects.toThrow(/MP3 holds no audio frames/);
    await expect(decodeAudio(new Uint8Array(0))).rejects.toThrow(/not a WAV or MP3 file \(it is empty\)/);
    await expect(decodeAudio(Buffer.from('OggS\x00\x02\x00\x00', 'latin1'))).rejects.toThrow(/not a WAV or MP3 file \(it starts with "OggS\.\.\.\." \(hex 4f67675300020000\)\)/);
    await expect(decodeAudio(Buffer.from('<html>not audio</html>'))).rejects.toBeInstanceOf(AudioDecodeError);
  });
});

describe('loadAudio', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  const clip = encodeWav(Int16Array.from({ length: 8000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 8000))));

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path.startsWith('/clip.wav')) response.end(clip);
      else if (path === '/song.mp3') response.end(mpegLayer1Tone(750, 0.5));
      else if (path === '/text') response.end('hello');
      else if (path === '/huge') {
        // No content-length: the cap must hold while streaming.
        response.writeHead(200, { 'content-type': 'audio/wav' });
        const chunk = Buffer.alloc(64 * 1024);
        const send = () => {
          while (!response.destroyed && response.write(chunk));
        };
        response.on('drain', send);
        response.on('close', () => response.off('drain', send));
        send();
      } else if (path === '/slow') setTimeout(() => response.end(clip), 2000).unref();
      else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fetches and decodes WAV and MP3, and serves a repeat from its cache', async () => {
    const first = await loadAudio(`${base}/clip.wav?a`);
    expect(first).toHaveLength(8000);
    expect(goertzel(first, 500)).toBeGreaterThan(7500);
    expect(await loadAudio(`${base}/clip.wav?a`)).toBe(first);
    expect(hits.get('/clip.wav?a')).toBe(1);
    expect(classifyAudio(await loadAudio(`${base}/song.mp3`)).dominantHz).toBe(750);
  });

  it('names the URL and the reason when it cannot', async () => {
    await expect(loadAudio(`${base}/missing.wav`)).rejects.toThrow(new AudioFetchError(`cannot fetch ${base}/missing.wav: HTTP 404`));
    await expect(loadAudio(`${base}/text`)).rejects.toThrow(/\/text: not a WAV or MP3 file/);
    await expect(loadAudio('file:///etc/passwd')).rejects.toThrow(/only http and https URLs are supported/);
    await expect(loadAudio('not a url')).rejects.toThrow(/"not a url" is not a URL/);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(loadAudio(`http://127.0.0.1:${port}/x.wav`)).rejects.toThrow(new RegExp(`cannot fetch http://127.0.0.1:${port}/x.wav: .*ECONNREFUSED`));
  });

  it('gives up past its size cap and its timeout, and does not cache failures', async () => {
    await expect(loadAudio(`${base}/huge`, { maxBytes: 1_000_000 })).rejects.toThrow(/more than the 1000000 byte limit/);
    await expect(loadAudio(`${base}/clip.wav?b`, { maxBytes: 1000 })).rejects.toThrow(/16044 bytes is more than the 1000 byte limit/);
    await expect(loadAudio(`${base}/slow`, { timeoutMs: 200 })).rejects.toThrow(/no answer within 0.2 s/);
    expect(rms(await loadAudio(`${base}/clip.wav?b`))).toBeGreaterThan(5000);
  });
});
