import { describe, expect, it } from 'vitest';
import { MicWatch, NO_MIC_WARNINGS, rmsOf } from '../../common/mic-watch';

const FRAME_MS = 40;
const talking = { inCall: true, muted: false };
const muted = { inCall: true, muted: true };

/** Feeds `ms` of frames from `start`, each frame's level from `level(t)`; returns the last warnings. */
function feed(watch: MicWatch, start: number, ms: number, level: (t: number) => number, context = talking) {
  let last = NO_MIC_WARNINGS;
  for (let t = start; t < start + ms; t += FRAME_MS) last = watch.update(t, level(t), context);
  return last;
}
/** Speech-like: loud two frames in three. */
const speech = (t: number) => (Math.floor(t / FRAME_MS) % 3 === 2 ? 0.001 : 0.1);
const room = () => 0.002;

describe('MicWatch: talking while muted', () => {
  it('warns when the agent speaks while muted, not while unmuted', () => {
    const watch = new MicWatch();
    expect(feed(watch, 0, 2000, speech, talking).talkingWhileMuted).toBe(false);
    expect(feed(watch, 2000, 1000, speech, muted).talkingWhileMuted).toBe(true);
  });

  it('ignores a single loud noise (a cough) and room noise', () => {
    const watch = new MicWatch();
    expect(feed(watch, 0, 3000, room, muted).talkingWhileMuted).toBe(false);
    expect(feed(watch, 3000, 3000, (t) => (t < 3080 ? 0.3 : 0.002), muted).talkingWhileMuted).toBe(false);
  });

  it('holds the warning between words, drops it 3 s after the last word, and at once on unmute', () => {
    const watch = new MicWatch();
    feed(watch, 0, 1000, speech, muted);
    expect(feed(watch, 1000, 2000, room, muted).talkingWhileMuted).toBe(true);
    expect(feed(watch, 3000, 1200, room, muted).talkingWhileMuted).toBe(false);
    feed(watch, 4200, 1000, speech, muted);
    expect(watch.update(5200, 0.1, talking).talkingWhileMuted).toBe(false);
  });

  it('counts Chromium’s fake microphone (a 20 ms beep every 500 ms) as talking', () => {
    const watch = new MicWatch();
    expect(feed(watch, 0, 2000, (t) => (t % 500 < FRAME_MS ? 0.2 : 0), muted).talkingWhileMuted).toBe(true);
  });
});

describe('MicWatch: a silent microphone', () => {
  it('warns after 10 s of digital silence in a call, not before', () => {
    const watch = new MicWatch();
    expect(feed(watch, 0, 9900, () => 0).silentMic).toBe(false);
    expect(feed(watch, 9900, 200, () => 0).silentMic).toBe(true);
  });

  it('room noise is not silence; any sound restarts the count', () => {
    const watch = new MicWatch();
    expect(feed(watch, 0, 12_000, room).silentMic).toBe(false);
    feed(watch, 12_000, 8000, () => 0);
    expect(watch.update(20_000, 0.01, talking).silentMic).toBe(false);
    expect(feed(watch, 20_040, 9000, () => 0).silentMic).toBe(false);
  });

  it('warns while muted too (the device is dead either way); nothing outside a call, and a new call starts afresh', () => {
    const watch = new MicWatch();
    expect(feed(watch, 0, 11_000, () => 0, muted).silentMic).toBe(true);
    expect(watch.update(11_000, 0, { inCall: false, muted: false })).toEqual(NO_MIC_WARNINGS);
    expect(feed(watch, 11_040, 5000, () => 0).silentMic).toBe(false);
  });
});

describe('rmsOf', () => {
  it('is the root mean square', () => {
    expect(rmsOf([])).toBe(0);
    expect(rmsOf([0.5, -0.5, 0.5, -0.5])).toBeCloseTo(0.5, 6);
    expect(rmsOf(new Float32Array([1, 0, 0, 0]))).toBeCloseTo(0.5, 6);
  });
});
