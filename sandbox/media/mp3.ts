/**
 * MP3 recordings (Vonage's default `record` format): 8 kHz mono through LAME's pure
 * JavaScript port, streamed to a temporary file that is renamed into place once complete,
 * as the WAV writer does.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { rename, rm } from 'node:fs/promises';
import { Mp3Encoder } from '@breezystack/lamejs';
import type { WavFile } from './wav';

/** Bit rate of recordings: plenty for 8 kHz speech (4 KB a second). */
const KBPS = 32;

/** Encoder output as bytes (LAME hands back a signed view of its buffer). */
function bytesOf(chunk: Int8Array | Uint8Array): Uint8Array {
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
}

/** Streams 16-bit mono samples into an MP3 file at `path`, which appears only on `close()`. */
export class Mp3Writer {
  private readonly temp: string;
  private readonly stream: WriteStream;
  private readonly encoder: Mp3Encoder;
  private bytes = 0;
  private sampleCount = 0;
  private failure: Error | null = null;
  private state: 'open' | 'closing' | 'closed' = 'open';

  constructor(readonly path: string, private readonly sampleRate = 8000) {
    this.temp = `${path}.partial`;
    this.stream = createWriteStream(this.temp);
    this.stream.on('error', (error) => (this.failure ??= error));
    this.encoder = new Mp3Encoder(1, sampleRate, KBPS);
  }

  get samples(): number {
    return this.sampleCount;
  }

  /** Appends samples (encoded at once). Throws once the writer is closed. */
  write(samples: Int16Array): void {
    if (this.state !== 'open') throw new Error(`recording ${this.path} is already closed`);
    this.sampleCount += samples.length;
    this.put(this.encoder.encodeBuffer(samples));
  }

  /** Flushes the encoder and moves the file into place. Rejects (leaving no file) if any write failed. */
  async close(): Promise<WavFile> {
    if (this.state !== 'open') throw new Error(`recording ${this.path} is already closed`);
    this.state = 'closing';
    try {
      this.put(this.encoder.flush());
      this.stream.end();
      await once(this.stream, 'close');
      if (this.failure) throw this.failure;
      await rename(this.temp, this.path);
    } catch (error) {
      await rm(this.temp, { force: true });
      throw new Error(`could not write recording ${this.path}: ${(error as Error).message}`);
    } finally {
      this.state = 'closed';
    }
    return { path: this.path, bytes: this.bytes, samples: this.sampleCount, durationMs: (this.sampleCount / this.sampleRate) * 1000 };
  }

  private put(chunk: Int8Array | Uint8Array): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    // Copied: the encoder reuses its output buffer.
    this.stream.write(Buffer.from(bytesOf(chunk)));
  }
}
