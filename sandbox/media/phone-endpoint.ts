/**
 * The media side of a simulated PSTN phone.
 *
 * Its "voice" is a steady tone, so whoever it is bridged to receives audible, checkable
 * audio; what it receives is counted and its level kept, so tests can tell what a caller
 * heard. Frames are produced on the shared media clock.
 */
import type { MediaClock } from './clock';
import type { MediaCounters, MediaEndpoint } from './endpoint';
import { FRAME_SAMPLES, frameEnergy, mulawEncode } from './g711';

/** A simulated phone's microphone and speaker. */
export class PhoneEndpoint implements MediaEndpoint {
  private listener: ((frame: Buffer) => void) | null = null;
  private readonly stats: MediaCounters = { packets_sent: 0, packets_received: 0 };
  private phase = 0;
  private readonly removeTick: () => void;
  /** Frames received with audible energy (not silence). */
  audibleFramesReceived = 0;

  constructor(
    readonly id: string,
    clock: MediaClock,
    private readonly toneHz = 425,
    private readonly amplitude = 6000,
  ) {
    this.removeTick = clock.add(() => this.tick());
  }

  onFrame(listener: ((frame: Buffer) => void) | null): void {
    this.listener = listener;
  }

  deliver(frame: Buffer): void {
    this.stats.packets_received++;
    if (frameEnergy(frame) > 64) this.audibleFramesReceived++;
  }

  counters(): MediaCounters {
    return { ...this.stats };
  }

  close(): void {
    this.removeTick();
    this.listener = null;
  }

  private tick(): void {
    if (!this.listener) return;
    const samples = new Int16Array(FRAME_SAMPLES);
    const step = (2 * Math.PI * this.toneHz) / 8000;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      samples[i] = Math.round(Math.sin(this.phase) * this.amplitude);
      this.phase += step;
    }
    this.phase %= 2 * Math.PI;
    this.stats.packets_sent++;
    this.listener(mulawEncode(samples));
  }
}
