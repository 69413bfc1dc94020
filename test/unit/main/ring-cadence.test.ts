import { describe, expect, it } from 'vitest';
import { RING_OFF_S, RING_ON_S, RING_TONES_HZ, ringBursts } from '../../../renderer/src/ring/cadence';

describe('ring cadence', () => {
  it('is two tones, 2 s on, 4 s off', () => {
    expect(RING_TONES_HZ).toEqual([440, 480]);
    expect([RING_ON_S, RING_OFF_S]).toEqual([2, 4]);
  });

  it('lists the bursts of a window', () => {
    expect(ringBursts(10, 10, 25)).toEqual([
      { start: 10, stop: 12 },
      { start: 16, stop: 18 },
      { start: 22, stop: 24 },
    ]);
  });

  it('includes the burst under way at the window start, and nothing before the origin', () => {
    expect(ringBursts(10, 11, 17)).toEqual([
      { start: 10, stop: 12 },
      { start: 16, stop: 18 },
    ]);
    expect(ringBursts(10, 13, 15)).toEqual([]);
    expect(ringBursts(10, 0, 11)).toEqual([{ start: 10, stop: 12 }]);
  });

  it('scheduling in windows as the ring page does (skip starts already covered) plays each burst once', () => {
    const played: number[] = [];
    let scheduledUntil = 0;
    for (let now = 0; now < 120; now += 20) {
      const until = now + 60;
      for (const burst of ringBursts(0, scheduledUntil, until)) if (burst.start >= scheduledUntil) played.push(burst.start);
      scheduledUntil = until;
    }
    // Last window ends at 100 + 60: every 6 s from 0 to 156, each once.
    expect(played).toEqual(Array.from({ length: 27 }, (_, n) => n * 6));
  });
});
