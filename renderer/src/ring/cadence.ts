/**
 * The ring cadence: North American ringback, two tones (440 Hz + 480 Hz), 2 s on, 4 s off.
 *
 * Pure so it can be unit-tested; `main.ts` turns it into WebAudio gain automation.
 */

export const RING_TONES_HZ = [440, 480] as const;
export const RING_ON_S = 2;
export const RING_OFF_S = 4;
export const RING_PERIOD_S = RING_ON_S + RING_OFF_S;

/** One burst of tone, in AudioContext seconds. */
export interface RingBurst {
  start: number;
  stop: number;
}

/**
 * The bursts that start in `[from, until)`, for a ring that began at `origin`.
 *
 * A burst already under way at `from` is included, so scheduling in windows never skips
 * or repeats one.
 */
export function ringBursts(origin: number, from: number, until: number): RingBurst[] {
  const bursts: RingBurst[] = [];
  const first = Math.max(0, Math.floor((from - origin) / RING_PERIOD_S));
  for (let n = first; ; n++) {
    const start = origin + n * RING_PERIOD_S;
    if (start >= until) break;
    if (start + RING_ON_S <= from) continue;
    bursts.push({ start, stop: start + RING_ON_S });
  }
  return bursts;
}
