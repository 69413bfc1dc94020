/**
 * The media side of a simulated PSTN phone.
 *
 * Its "voice" is a steady 425 Hz tone by default, so whoever it is connected to receives
 * audible, checkable audio; it can instead say a clip or a source (a WAV, speech) or keep
 * silent. What it receives is kept — the last 60 s, as µ-law, decoded on request — so
 * tests and the phone API can tell what the caller heard. Frames go out on the shared
 * media clock; the tone is encoded once for every phone, so an idle-talking phone costs no
 * arithmetic.
 */
import type { MediaClock } from './clock';
import type { ClockedEndpoint, MediaCounters } from './endpoint';
import { FRAME_SAMPLES, louderThan, mulawDecode, mulawEncode, silenceFrame } from './g711';
import { ClipReader, type AudioSource } from './mixer';

/** How much of what the phone heard it keeps. */
const RECEIVED_SECONDS = 60;
const RECEIVED_MAX_BYTES = RECEIVED_SECONDS * 8000;
/**
 * What the phone heard is kept in one-second chunks, made as they are first needed and
 * overwritten in turn once 60 s are kept.
 * Why not one ring that doubles as it fills (as before): each doubling copied everything kept
 * so far into a new, zeroed array (one of 128 KiB or more is fresh pages from the kernel), and
 * the old one was garbage, so in a call's first minute a frame cost a share of those copies
 * and page faults, and every phone held up to three rings' worth at a doubling. Chunks are never
 * copied; an 8 kB one comes from the allocator. Measured in-process, 100 phones fed one frame a
 * tick each (4 rounds after one to warm up, a simulated 90 s each): over a call's first minute a
 * frame cost a mean of 100–250 ns before, 60–110 ns in chunks; ~55 against ~50 ns once 60 s are
 * kept.
 */
const RECEIVED_CHUNK_BYTES = 8000;
/** A frame whose mean level is above this counts as audible (µ-law quantisation noise is far below it). */
export const AUDIBLE_LEVEL = 64;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Each tone's frames, made once and shared by every phone that says it (nothing writes a frame
 * it is handed). Why: when each phone had its own copy, each copy was memory nothing had touched
 * since that phone's last tick; one shared copy is likelier to stay in the CPU's caches from one
 * phone to the next (not measured apart from reading phones on the clock, mixer.ts).
 */
const tones = new Map<string, Buffer[]>();

/** A tone as whole µ-law frames that repeat seamlessly. */
function toneFrames(hz: number, amplitude: number): Buffer[] {
  const key = `${hz}/${amplitude}`;
  let frames = tones.get(key);
  if (!frames) tones.set(key, (frames = makeToneFrames(hz, amplitude)));
  return frames;
}

function makeToneFrames(hz: number, amplitude: number): Buffer[] {
  const cycle = 8000 / gcd(8000, Math.max(1, Math.round(hz)));
  const length = (cycle * FRAME_SAMPLES) / gcd(cycle, FRAME_SAMPLES);
  const frames: Buffer[] = [];
  const samples = new Int16Array(FRAME_SAMPLES);
  for (let at = 0; at < length; at += FRAME_SAMPLES) {
    for (let i = 0; i < FRAME_SAMPLES; i++) samples[i] = Math.round(Math.sin((2 * Math.PI * hz * (at + i)) / 8000) * amplitude);
    frames.push(mulawEncode(samples));
  }
  return frames;
}

/** What the phone is saying now. */
interface Speech {
  source: AudioSource;
  settle: (how: 'finished' | 'replaced') => void;
}

/** A simulated phone's microphone and speaker. */
export class PhoneEndpoint implements ClockedEndpoint {
  private listener: ((frame: Buffer) => void) | null = null;
  private readonly stats: MediaCounters = { packets_sent: 0, packets_received: 0 };
  private readonly removeTick: () => void;
  private readonly tone: Buffer[];
  private toneIndex = 0;
  private quiet = false;
  private speech: Speech | null = null;
  private readonly speechSamples = new Int16Array(FRAME_SAMPLES);
  private readonly silence = silenceFrame();
  /** The frame of the clock's tick `madeAt` (`frameOfTick`). */
  private made: Buffer = this.silence;
  private madeAt = -1;
  /** Closed: it sends nothing more, to a listener or a mixer that reads it. */
  private closed = false;
  /** What the phone heard, in order, `RECEIVED_CHUNK_BYTES` a chunk: a ring of up to 60. */
  private readonly heard: Uint8Array[] = [];
  /** Bytes heard since the call began (those older than 60 s overwritten). */
  private heardBytes = 0;
  /** Frames received with audible energy (not silence). */
  audibleFramesReceived = 0;

  constructor(
    readonly id: string,
    readonly clock: MediaClock,
    toneHz = 425,
    amplitude = 6000,
  ) {
    this.tone = toneFrames(toneHz, amplitude);
    this.removeTick = clock.add(() => this.tick());
  }

  /**
   * Replaces the phone's voice: a clip or source plays from the next frame, then the phone
   * goes back to its tone (or silence after `silent()`); `null` goes back to the tone at once.
   * Settles 'finished' when it has been said, 'replaced' when cut short by another call.
   */
  speak(audio: Int16Array | AudioSource | null): Promise<'finished' | 'replaced'> {
    this.speech?.settle('replaced');
    this.speech = null;
    if (audio === null) {
      this.quiet = false;
      return Promise.resolve('finished');
    }
    return new Promise((settle) => {
      this.speech = { source: audio instanceof Int16Array ? new ClipReader(audio, 1) : audio, settle };
    });
  }

  /** The phone says nothing (silence frames) until `speak(null)` or between things it says. */
  silent(): void {
    this.quiet = true;
  }

  onFrame(listener: ((frame: Buffer) => void) | null): void {
    this.listener = listener;
  }

  deliver(frame: Buffer): void {
    this.stats.packets_received++;
    if (louderThan(frame, AUDIBLE_LEVEL)) this.audibleFramesReceived++;
    this.keep(frame);
  }

  /** What the phone received over the last 60 s (at most), oldest first, as 8 kHz linear samples. */
  received(): Int16Array {
    const length = Math.min(this.heardBytes, RECEIVED_MAX_BYTES);
    const out = new Int16Array(length);
    // The oldest byte kept, as a position in the ring of chunks, then chunk by chunk from there.
    let at = (this.heardBytes - length) % RECEIVED_MAX_BYTES;
    for (let done = 0; done < length; ) {
      const chunk = this.heard[Math.floor(at / RECEIVED_CHUNK_BYTES)]!;
      const within = at % RECEIVED_CHUNK_BYTES;
      const n = Math.min(length - done, RECEIVED_CHUNK_BYTES - within);
      mulawDecode(chunk.subarray(within, within + n), out.subarray(done, done + n));
      done += n;
      at = (at + n) % RECEIVED_MAX_BYTES;
    }
    return out;
  }

  counters(): MediaCounters {
    return { ...this.stats };
  }

  close(): void {
    this.closed = true;
    this.removeTick();
    this.listener = null;
    this.speech?.settle('replaced');
    this.speech = null;
  }

  /** Appends to what the phone heard: a new chunk each second for the first 60 s, then the oldest is overwritten. */
  private keep(frame: Uint8Array): void {
    // Any frame, whatever its length: one longer than 60 s (never seen) overwrites itself and leaves its last 60 s.
    for (let done = 0; done < frame.length; ) {
      const at = this.heardBytes % RECEIVED_MAX_BYTES;
      const index = Math.floor(at / RECEIVED_CHUNK_BYTES);
      const within = at % RECEIVED_CHUNK_BYTES;
      // Chunks fill in order, so a missing one is the next to make.
      const chunk = this.heard[index] ?? (this.heard[index] = new Uint8Array(RECEIVED_CHUNK_BYTES));
      const n = Math.min(frame.length - done, RECEIVED_CHUNK_BYTES - within);
      // A whole 20 ms frame fits a chunk (8000 is 50 of them): set as is, no subarray.
      chunk.set(n === frame.length ? frame : frame.subarray(done, done + n), within);
      done += n;
      this.heardBytes += n;
    }
  }

  /** This tick's frame for a mixer on the phone's clock (`ClockedEndpoint`): the frame its listener would get; none once closed. */
  pull(): Buffer | null {
    if (this.closed) return null;
    this.stats.packets_sent++;
    return this.frameOfTick();
  }

  private tick(): void {
    const frame = this.frameOfTick();
    if (!this.listener) return;
    this.stats.packets_sent++;
    this.listener(frame);
  }

  /**
   * The phone's frame of the clock's current tick, made once a tick: by its own handler or by a
   * mixer's `pull`, whichever runs first (the speech goes on whether or not anyone hears it).
   */
  private frameOfTick(): Buffer {
    if (this.madeAt === this.clock.ticks) return this.made;
    this.madeAt = this.clock.ticks;
    let frame: Buffer | null = null;
    const speech = this.speech;
    if (speech) {
      const said = speech.source.read(this.speechSamples);
      if (said) frame = mulawEncode(this.speechSamples);
      // A clip is reported said with its last frame; a source when it says it has ended.
      if (!said || (speech.source instanceof ClipReader && speech.source.exhausted)) {
        speech.settle('finished');
        this.speech = null;
      }
    }
    if (!frame) {
      if (this.quiet) frame = this.silence;
      else {
        frame = this.tone[this.toneIndex]!;
        this.toneIndex = (this.toneIndex + 1) % this.tone.length;
      }
    }
    this.made = frame;
    return frame;
  }
}
