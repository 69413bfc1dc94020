/**
 * WAV files (16-bit PCM, mono) for recordings: one-shot encoding and a streaming writer.
 *
 * The writer appends to a temporary file beside the target and renames it into place
 * only once the header is final, so a crash or a failed write never leaves a half file
 * where a recording is expected.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { WAV_HEADER_BYTES as HEADER_BYTES, wavHeader } from '../../common/wav';

/** Little-endian bytes of 16-bit samples, copied (the caller may reuse its array). */
function sampleBytes(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

/** A whole WAV file (16-bit PCM mono) of `samples`. */
export function encodeWav(samples: Int16Array, sampleRate = 8000): Buffer {
  return Buffer.concat([wavHeader(samples.length * 2, sampleRate), sampleBytes(samples)]);
}

/** What a finished recording holds. */
export interface WavFile {
  path: string;
  /** Size of the file, header included. */
  bytes: number;
  samples: number;
  durationMs: number;
}

/** Bytes gathered before a write to disk (one second at 8 kHz). */
const BATCH_BYTES = 16_000;

/** Streams 16-bit mono samples into a WAV file at `path`, which appears only on `close()`. */
export class WavWriter {
  private readonly temp: string;
  private readonly stream: WriteStream;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private dataBytes = 0;
  private failure: Error | null = null;
  private state: 'open' | 'closing' | 'closed' = 'open';

  constructor(readonly path: string, private readonly sampleRate = 8000) {
    this.temp = `${path}.partial`;
    this.stream = createWriteStream(this.temp);
    this.stream.on('error', (error) => (this.failure ??= error));
    this.stream.write(wavHeader(0, sampleRate));
  }

  /** Samples written so far. */
  get samples(): number {
    return this.dataBytes / 2;
  }

  /** Appends samples (copied at once). Throws once the writer is closed. */
  write(samples: Int16Array): void {
    if (this.state !== 'open') throw new Error(`recording ${this.path} is already closed`);
    const bytes = sampleBytes(samples);
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    this.dataBytes += bytes.length;
    if (this.batchBytes >= BATCH_BYTES) this.flush();
  }

  /** Writes the final header and moves the file into place. Rejects (leaving no file) if any write failed. */
  async close(): Promise<WavFile> {
    if (this.state !== 'open') throw new Error(`recording ${this.path} is already closed`);
    this.state = 'closing';
    this.flush();
    try {
      await this.end();
      if (this.failure) throw this.failure;
      const handle = await open(this.temp, 'r+');
      try {
        await handle.write(wavHeader(this.dataBytes, this.sampleRate), 0, HEADER_BYTES, 0);
      } finally {
        await handle.close();
      }
      await rename(this.temp, this.path);
    } catch (error) {
      await rm(this.temp, { force: true });
      throw new Error(`could not write recording ${this.path}: ${(error as Error).message}`);
    } finally {
      this.state = 'closed';
    }
    return { path: this.path, bytes: HEADER_BYTES + this.dataBytes, samples: this.samples, durationMs: (this.samples / this.sampleRate) * 1000 };
  }

  /** Stops and deletes what was written; nothing appears at `path`. */
  async abort(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.batch = [];
    await this.end().catch(() => undefined);
    await rm(this.temp, { force: true });
    this.state = 'closed';
  }

  private flush(): void {
    if (this.batchBytes === 0) return;
    this.stream.write(this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.batchBytes));
    this.batch = [];
    this.batchBytes = 0;
  }

  private async end(): Promise<void> {
    if (this.stream.closed) return;
    this.stream.end();
    await once(this.stream, 'close');
  }
}
