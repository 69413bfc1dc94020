/**
 * Watches the agent's microphone level during a call and says when to warn: the agent is
 * talking while muted (the caller cannot hear them), or the microphone delivers silence
 * (a dead or muted-in-hardware device: the caller hears nothing although the app is unmuted).
 *
 * Pure: the renderer feeds it one level per analyser frame (the RMS of the last ~40 ms of
 * the chosen microphone, 0 to 1) with the call's state. Talking is sound above
 * `talkLevel` in at least `talkFrames` frames spread over `talkSpanMs` within the last
 * `talkWindowMs`: speech is bursts of syllables, so a cough or a door does not warn. The
 * warning stays `holdMs` after the last loud frame, so it does not flicker between words.
 * Silence is every frame below `silenceLevel` (digital silence, far below any room's noise)
 * for `silenceMs`.
 */

/** Thresholds of {@link MicWatch}. */
export interface MicWatchOptions {
  /** RMS above which a frame counts as the agent's voice (0.015 ≈ -36 dBFS). */
  talkLevel: number;
  talkFrames: number;
  talkSpanMs: number;
  talkWindowMs: number;
  holdMs: number;
  /** RMS below which a frame counts as digital silence (1e-4 = -80 dBFS). */
  silenceLevel: number;
  silenceMs: number;
}

export const MIC_WATCH_DEFAULTS: MicWatchOptions = {
  talkLevel: 0.015,
  talkFrames: 3,
  talkSpanMs: 400,
  talkWindowMs: 2000,
  holdMs: 3000,
  silenceLevel: 1e-4,
  silenceMs: 10_000,
};

/** The call's state as far as the watch is concerned. */
export interface MicContext {
  /** On an answered call (talking, held, consulting…). */
  inCall: boolean;
  muted: boolean;
}

/** What to show. */
export interface MicWarnings {
  talkingWhileMuted: boolean;
  silentMic: boolean;
}

export const NO_MIC_WARNINGS: MicWarnings = { talkingWhileMuted: false, silentMic: false };

/** Turns a stream of levels into the two warnings. */
export class MicWatch {
  private readonly options: MicWatchOptions;
  private loud: number[] = [];
  private lastLoud = -Infinity;
  private talking = false;
  private soundAt: number | null = null;

  constructor(options: Partial<MicWatchOptions> = {}) {
    this.options = { ...MIC_WATCH_DEFAULTS, ...options };
  }

  /** Feeds one frame's level at time `at` (ms); returns the warnings to show now. */
  update(at: number, level: number, context: MicContext): MicWarnings {
    const o = this.options;
    if (!context.inCall) {
      this.reset();
      return NO_MIC_WARNINGS;
    }
    // Silence: measured from the start of the call or the last frame with any signal.
    if (this.soundAt === null || level >= o.silenceLevel) this.soundAt = at;
    const silentMic = at - this.soundAt >= o.silenceMs;

    if (!context.muted) {
      this.loud = [];
      this.talking = false;
      return { talkingWhileMuted: false, silentMic };
    }
    if (level >= o.talkLevel) {
      this.loud.push(at);
      this.lastLoud = at;
    }
    this.loud = this.loud.filter((t) => t > at - o.talkWindowMs);
    const first = this.loud[0];
    const last = this.loud[this.loud.length - 1];
    if (this.loud.length >= o.talkFrames && first !== undefined && last !== undefined && last - first >= o.talkSpanMs) this.talking = true;
    else if (at - this.lastLoud > o.holdMs) this.talking = false;
    return { talkingWhileMuted: this.talking, silentMic };
  }

  /** Forgets everything (the call ended, or the microphone changed). */
  reset(): void {
    this.loud = [];
    this.lastLoud = -Infinity;
    this.talking = false;
    this.soundAt = null;
  }
}

/** RMS of a block of samples (-1..1). */
export function rmsOf(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length);
}
