/** Test doubles and signal helpers for the sandbox media tests. */
import type { MediaCounters, MediaEndpoint } from '../../../../sandbox/media/endpoint';
import { FRAME_SAMPLES, mulawDecode, mulawEncode } from '../../../../sandbox/media/g711';

/** An endpoint the test speaks through and whose received frames it reads. */
export class FakeEndpoint implements MediaEndpoint {
  private listener: ((frame: Buffer) => void) | null = null;
  /** Every frame delivered to it, copied. */
  readonly frames: Buffer[] = [];
  private phase = 0;

  constructor(readonly id: string, private readonly toneHz = 0, private readonly amplitude = 6000) {}

  onFrame(listener: ((frame: Buffer) => void) | null): void {
    this.listener = listener;
  }

  get attached(): boolean {
    return this.listener !== null;
  }

  deliver(frame: Buffer): void {
    this.frames.push(Buffer.from(frame));
  }

  counters(): MediaCounters {
    return { packets_sent: 0, packets_received: this.frames.length };
  }

  close(): void {
    this.listener = null;
  }

  /** Sends raw µ-law bytes as if from the network. */
  sendBytes(bytes: Buffer): void {
    this.listener?.(bytes);
  }

  /** Sends one 20 ms frame of this endpoint's tone. */
  speak(): void {
    if (!this.toneHz) return;
    const samples = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) samples[i] = Math.round(Math.sin(this.phase + (2 * Math.PI * this.toneHz * i) / 8000) * this.amplitude);
    this.phase += (2 * Math.PI * this.toneHz * FRAME_SAMPLES) / 8000;
    this.listener?.(mulawEncode(samples));
  }

  /** Everything received, decoded to linear (optionally only frames from `from`). */
  heard(from = 0): Int16Array {
    const frames = this.frames.slice(from);
    const out = new Int16Array(frames.length * FRAME_SAMPLES);
    frames.forEach((frame, i) => mulawDecode(frame, out.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES)));
    return out;
  }
}

/** A sine clip at 8 kHz. */
export function sine(hz: number, samples: number, amplitude = 6000): Int16Array {
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) out[i] = Math.round(Math.sin((2 * Math.PI * hz * i) / 8000) * amplitude);
  return out;
}
