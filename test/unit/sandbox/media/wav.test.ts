import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav, WavWriter } from '../../../../sandbox/media/wav';
import { decodeAudio } from '../../../../sandbox/media/decode';
import { sine } from './fakes';

const dir = mkdtempSync(join(tmpdir(), 'switchboard-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encodeWav', () => {
  it('writes a 16-bit PCM mono header and the samples little-endian', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768]);
    const wav = encodeWav(samples, 16000);
    expect(wav.length).toBe(44 + 10);
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(36 + 10);
    expect(wav.toString('latin1', 8, 16)).toBe('WAVEfmt ');
    expect([wav.readUInt16LE(20), wav.readUInt16LE(22), wav.readUInt32LE(24), wav.readUInt16LE(34)]).toEqual([1, 1, 16000, 16]);
    expect(wav.toString('latin1', 36, 40)).toBe('data');
    expect(wav.readUInt32LE(40)).toBe(10);
    expect([0, 1, 2, 3, 4].map((i) => wav.readInt16LE(44 + i * 2))).toEqual([...samples]);
  });

  it('round-trips through decodeAudio at 8 kHz unchanged', async () => {
    const samples = sine(700, 4000);
    expect(await decodeAudio(encodeWav(samples))).toEqual(samples);
  });
});

describe('WavWriter', () => {
  it('streams samples, appears only when closed, with a header that matches', async () => {
    const path = join(dir, 'call.wav');
    const writer = new WavWriter(path);
    const parts = [sine(400, 160), sine(400, 16000), sine(400, 320)];
    for (const part of parts) writer.write(part);
    parts[0]!.fill(0); // the writer copied it
    expect(existsSync(path)).toBe(false);
    expect(writer.samples).toBe(16480);
    const file = await writer.close();
    expect(file).toEqual({ path, bytes: 44 + 16480 * 2, samples: 16480, durationMs: 2060 });
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(file.bytes);
    expect(bytes.readUInt32LE(40)).toBe(16480 * 2);
    expect(bytes.readUInt32LE(4)).toBe(36 + 16480 * 2);
    expect(existsSync(`${path}.partial`)).toBe(false);
    const decoded = await decodeAudio(bytes);
    expect(decoded).toEqual(Int16Array.from([...sine(400, 160), ...sine(400, 16000), ...sine(400, 320)]));
  });

  it('an empty recording is a valid WAV with no samples', async () => {
    const path = join(dir, 'empty.wav');
    const file = await new WavWriter(path).close();
    expect(file.bytes).toBe(44);
    expect(await decodeAudio(readFileSync(path))).toHaveLength(0);
  });

  it('refuses writes after close, and a second close', async () => {
    const writer = new WavWriter(join(dir, 'twice.wav'));
    await writer.close();
    expect(() => writer.write(sine(400, 160))).toThrow(/already closed/);
    await expect(writer.close()).rejects.toThrow(/already closed/);
  });

  it('abort leaves no file', async () => {
    const path = join(dir, 'aborted.wav');
    const writer = new WavWriter(path);
    writer.write(sine(400, 16000));
    await writer.abort();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('a failed write rejects on close and leaves nothing behind', async () => {
    const path = join(dir, 'no-such-folder', 'call.wav');
    const writer = new WavWriter(path);
    writer.write(sine(400, 160));
    await expect(writer.close()).rejects.toThrow(/could not write recording .*no-such-folder/);
    expect(existsSync(path)).toBe(false);
  });
});
