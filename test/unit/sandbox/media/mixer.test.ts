import { afterEach, describe, expect, it } from 'vitest';
import { MediaClock } from '../../../../sandbox/media/clock';
import { JITTER_FAST_TRIM_TICKS, JITTER_FRAMES, JITTER_TRIM_TICKS, Mixer, type AudioSource } from '../../../../sandbox/media/mixer';
import { FRAME_SAMPLES, MULAW_SILENCE } from '../../../../sandbox/media/g711';
import { goertzel, rms } from '../../../../sandbox/media/analysis';
import { FakeEndpoint, sine } from './fakes';

// Tones with a whole number of cycles per 20 ms frame, so Goertzel sees no leakage.
const CALLER_HZ = 400;
const AGENT_HZ = 700;
const SUPERVISOR_HZ = 1100;
const AUDIBLE = 1000;
const INAUDIBLE = 100;

let clock: MediaClock;
let mixer: Mixer;

function setup(): void {
  clock = new MediaClock(20, { manual: true });
  mixer = new Mixer(clock);
}
afterEach(() => mixer?.close());

/** A speaker `a` and a listener `b` in a fresh mixer. */
function pair(options: { a?: object } = {}) {
  setup();
  const a = new FakeEndpoint('a');
  const b = new FakeEndpoint('b');
  mixer.join('a', a, options.a);
  mixer.join('b', b);
  return { a, b };
}

/** Everyone speaks one frame, then the clock ticks; repeated `frames` times. */
function run(endpoints: FakeEndpoint[], frames: number): void {
  for (let i = 0; i < frames; i++) {
    for (const endpoint of endpoints) endpoint.speak();
    clock.tick();
  }
}

function levels(endpoint: FakeEndpoint, from = 0): Record<number, number> {
  const audio = endpoint.heard(from);
  return Object.fromEntries([CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ].map((hz) => [hz, goertzel(audio, hz)]));
}

function threeParty(options: { caller?: object; agent?: object; supervisor?: object } = {}) {
  setup();
  const caller = new FakeEndpoint('caller', CALLER_HZ);
  const agent = new FakeEndpoint('agent', AGENT_HZ);
  const supervisor = new FakeEndpoint('supervisor', SUPERVISOR_HZ);
  mixer.join('caller', caller, options.caller);
  mixer.join('agent', agent, options.agent);
  mixer.join('supervisor', supervisor, options.supervisor);
  return { caller, agent, supervisor, all: [caller, agent, supervisor] };
}

/** Asserts who hears whom: `matrix[listener]` lists the tones it must hear; all others must be inaudible. */
function expectRouting(endpoints: FakeEndpoint[], matrix: Record<string, number[]>, from = 0): void {
  for (const endpoint of endpoints) {
    const heard = levels(endpoint, from);
    for (const hz of [CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ]) {
      const expected = matrix[endpoint.id]!.includes(hz);
      expect({ listener: endpoint.id, hz, audible: heard[hz]! > AUDIBLE }).toEqual({ listener: endpoint.id, hz, audible: expected });
      if (!expected) expect(heard[hz]!).toBeLessThan(INAUDIBLE);
    }
  }
}

describe('mixer routing', () => {
  it('lets everyone hear everyone else, never themselves', () => {
    const { all } = threeParty();
    run(all, 20);
    expectRouting(all, { caller: [AGENT_HZ, SUPERVISOR_HZ], agent: [CALLER_HZ, SUPERVISOR_HZ], supervisor: [CALLER_HZ, AGENT_HZ] });
  });

  it('whisper: the caller never hears a supervisor who can speak only to the agent', () => {
    const { all } = threeParty({ supervisor: { canSpeak: ['agent'] } });
    run(all, 20);
    expectRouting(all, { caller: [AGENT_HZ], agent: [CALLER_HZ, SUPERVISOR_HZ], supervisor: [CALLER_HZ, AGENT_HZ] });
  });

  it('canHear limits what a member hears', () => {
    const { all } = threeParty({ caller: { canHear: ['agent'] }, supervisor: { canHear: [] } });
    run(all, 20);
    expectRouting(all, { caller: [AGENT_HZ], agent: [CALLER_HZ, SUPERVISOR_HZ], supervisor: [] });
  });

  it('a muted member is heard by nobody but still hears', () => {
    const { all } = threeParty({ agent: { muted: true } });
    run(all, 20);
    expectRouting(all, { caller: [SUPERVISOR_HZ], agent: [CALLER_HZ, SUPERVISOR_HZ], supervisor: [CALLER_HZ] });
  });

  it('an earmuffed member hears nothing but is heard, and still gets a frame every tick', () => {
    const { all, agent } = threeParty({ agent: { earmuffed: true } });
    run(all, 20);
    expectRouting(all, { caller: [AGENT_HZ, SUPERVISOR_HZ], agent: [], supervisor: [CALLER_HZ, AGENT_HZ] });
    expect(agent.frames).toHaveLength(20);
    expect(agent.frames.every((f) => f.every((b) => b === MULAW_SILENCE))).toBe(true);
  });

  it('update changes routes from the next tick, and clears canSpeak with undefined', () => {
    const { all } = threeParty();
    run(all, 10);
    mixer.update('supervisor', { canSpeak: ['agent'], muted: false });
    run(all, 10);
    expectRouting(all, { caller: [AGENT_HZ], agent: [CALLER_HZ, SUPERVISOR_HZ], supervisor: [CALLER_HZ, AGENT_HZ] }, 10);
    mixer.update('supervisor', { canSpeak: undefined });
    mixer.update('caller', { earmuffed: true });
    run(all, 10);
    expectRouting(all, { caller: [], agent: [CALLER_HZ, SUPERVISOR_HZ], supervisor: [CALLER_HZ, AGENT_HZ] }, 20);
  });

  it('delivers a lone speaker\'s frames unchanged (the two-party case)', () => {
    const { a, b } = pair();
    const frame = Buffer.alloc(FRAME_SAMPLES, 0x35);
    a.sendBytes(frame);
    clock.tick();
    expect(b.frames[0]).toEqual(frame);
    expect(a.frames[0]!.every((x) => x === MULAW_SILENCE)).toBe(true);
  });

  it('gives a member alone silence frames each tick', () => {
    setup();
    const a = new FakeEndpoint('a', CALLER_HZ);
    mixer.join('a', a);
    run([a], 5);
    expect(a.frames).toHaveLength(5);
    expect(rms(a.heard())).toBe(0);
  });

  it('leave detaches the endpoint and stops delivering to it', () => {
    const { caller, agent, all } = threeParty();
    run(all, 2);
    mixer.leave('agent');
    expect(agent.attached).toBe(false);
    expect(mixer.has('agent')).toBe(false);
    run(all, 10);
    expect(agent.frames).toHaveLength(2);
    expect(goertzel(caller.heard(2), AGENT_HZ)).toBeLessThan(INAUDIBLE);
    expect(() => mixer.update('agent', { muted: true })).toThrow(/no member agent/);
  });
});

describe('moving an endpoint between mixers', () => {
  it('joining another mixer takes the endpoint over, whichever order join and leave come in', () => {
    setup();
    const other = new Mixer(clock);
    const caller = new FakeEndpoint('caller', CALLER_HZ);
    const agent = new FakeEndpoint('agent', AGENT_HZ);
    const supervisor = new FakeEndpoint('supervisor', SUPERVISOR_HZ);
    mixer.join('caller', caller);
    mixer.join('agent', agent);
    other.join('supervisor', supervisor);
    run([caller, agent, supervisor], 5);
    other.join('caller', caller); // join the new room first...
    run([caller, agent, supervisor], 5);
    mixer.leave('caller'); // ...then leave the old one: the endpoint stays with the new room
    expect(caller.attached).toBe(true);
    run([caller, agent, supervisor], 10);
    expect(caller.frames).toHaveLength(20); // one frame a tick, never two
    expect(goertzel(caller.heard(5), SUPERVISOR_HZ)).toBeGreaterThan(AUDIBLE);
    expect(goertzel(caller.heard(5), AGENT_HZ)).toBeLessThan(INAUDIBLE);
    expect(goertzel(supervisor.heard(5), CALLER_HZ)).toBeGreaterThan(AUDIBLE);
    expect(goertzel(agent.heard(5), CALLER_HZ)).toBeLessThan(INAUDIBLE);
    other.close();
  });
});

describe('mixer jitter queue', () => {
  it('keeps the newest frames up to its capacity (as much as the clock catches up), plays one a tick in order, then underruns to silence', () => {
    const { a, b } = pair();
    expect(JITTER_FRAMES).toBe(12);
    for (let i = 1; i <= JITTER_FRAMES + 2; i++) a.sendBytes(Buffer.alloc(FRAME_SAMPLES, i));
    for (let i = 0; i < JITTER_FRAMES + 1; i++) clock.tick();
    expect(b.frames.map((f) => f[0])).toEqual([...Array.from({ length: JITTER_FRAMES }, (_, i) => i + 3), MULAW_SILENCE]);
    expect(mixer.droppedFrames).toBe(2);
  });

  it('plays every frame of a late burst after a stall: one gap, nothing dropped, and the delay it grew absorbs the next stall', () => {
    const { a, b } = pair();
    let sent = 0;
    const send = () => a.sendBytes(Buffer.alloc(FRAME_SAMPLES, ++sent));
    const steady = (ticks: number) => {
      for (let i = 0; i < ticks; i++) {
        send();
        clock.tick();
      }
    };
    // This process stalls for 80 ms: the first late tick runs before the four frames that
    // arrived meanwhile are read, then the clock catches up the other three ticks.
    const stall = () => {
      clock.tick();
      for (let i = 0; i < 4; i++) send();
      for (let i = 0; i < 3; i++) clock.tick();
    };
    steady(5);
    stall();
    steady(5);
    stall();
    steady(5);
    const heard = b.frames.map((f) => f[0]);
    // A 3-frame queue dropped a frame of each burst and lost the delay it had grown: 2 gaps, 2 dropped.
    expect(heard.filter((v) => v === MULAW_SILENCE)).toHaveLength(1);
    expect(heard.filter((v) => v !== MULAW_SILENCE)).toEqual(Array.from({ length: heard.length - 1 }, (_, i) => i + 1));
    expect(mixer.droppedFrames).toBe(0);
    expect(mixer.bufferedFrames).toBe(1); // the frame of delay the first stall grew
  });

  it('cuts the delay late audio grew back one frame a window, down to the slack it always keeps', () => {
    const { a, b } = pair();
    let sent = 0;
    const send = () => a.sendBytes(Buffer.alloc(FRAME_SAMPLES, (++sent % 200) + 1));
    for (let i = 0; i < 4; i++) send(); // a burst: 3 frames of delay, then one frame a tick
    const lag = () => ((sent % 200) + 1 - b.frames.at(-1)![0]! + 200) % 200;
    const lags: number[] = [];
    for (let i = 0; i < JITTER_TRIM_TICKS * 4; i++) {
      clock.tick();
      send();
      // The first window is exactly JITTER_TRIM_TICKS ticks long.
      if (i === JITTER_TRIM_TICKS - 2) expect(mixer.trimmedFrames).toBe(0);
      if (i === JITTER_TRIM_TICKS - 1) expect(mixer.trimmedFrames).toBe(1);
      if (i % JITTER_TRIM_TICKS === JITTER_TRIM_TICKS - 1) lags.push(lag());
    }
    // Played frames lag the newest sent (one just sent, 3 waiting): one frame trimmed a window while
    // 2 or more were always left after a tick, down to 1 left, then kept there.
    expect(lags).toEqual([4, 3, 2, 2]);
    expect(mixer.trimmedFrames).toBe(2);
    expect(mixer.droppedFrames).toBe(0);
  });

  it('cuts a large delay a frame a second while 4 frames or more are always left, then as slowly as a small one', () => {
    const { a } = pair();
    for (let i = 0; i < 8; i++) a.sendBytes(Buffer.alloc(FRAME_SAMPLES, 1)); // 7 frames of delay after the first tick
    const trimmedAt = (ticks: number) => {
      for (let i = 0; i < ticks; i++) {
        clock.tick();
        a.sendBytes(Buffer.alloc(FRAME_SAMPLES, 1));
      }
      return mixer.trimmedFrames;
    };
    // Four fast windows take 7 frames left down to 3, then the 5 s windows take 3 to 2 and 2 to 1.
    expect(trimmedAt(JITTER_FAST_TRIM_TICKS - 1)).toBe(0);
    expect(trimmedAt(1)).toBe(1);
    expect(trimmedAt(JITTER_FAST_TRIM_TICKS * 3)).toBe(4);
    expect(trimmedAt(JITTER_TRIM_TICKS - 1)).toBe(4);
    expect(trimmedAt(1)).toBe(5);
    expect(trimmedAt(JITTER_TRIM_TICKS)).toBe(6);
    expect(trimmedAt(JITTER_TRIM_TICKS * 2)).toBe(6);
    expect(mixer.bufferedFrames).toBe(2); // one frame of slack and the frame just sent
    expect(mixer.droppedFrames).toBe(0);
  });

  it('trims the delay of a member nobody hears as well (its queue is skipped, not played)', () => {
    const { a, b } = pair({ a: { muted: true } });
    for (let i = 0; i < 4; i++) a.sendBytes(Buffer.alloc(FRAME_SAMPLES, 1));
    for (let i = 0; i < JITTER_TRIM_TICKS; i++) {
      clock.tick();
      a.sendBytes(Buffer.alloc(FRAME_SAMPLES, 1));
    }
    expect(mixer.trimmedFrames).toBe(1);
    expect(b.frames.every((f) => f[0] === MULAW_SILENCE)).toBe(true);
  });

  it('keeps a member nobody hears in step, so unmuting plays current audio, not stale', () => {
    const { a, b } = pair({ a: { muted: true } });
    for (let i = 1; i <= 5; i++) {
      a.sendBytes(Buffer.alloc(FRAME_SAMPLES, i));
      clock.tick();
    }
    mixer.update('a', { muted: false });
    a.sendBytes(Buffer.alloc(FRAME_SAMPLES, 6));
    clock.tick();
    expect(b.frames.map((f) => f[0])).toEqual([...Array(5).fill(MULAW_SILENCE), 6]);
  });

  it('reassembles 10 ms packets into 20 ms frames', () => {
    const { a, b } = pair();
    for (let tick = 0; tick < 3; tick++) {
      a.sendBytes(Buffer.alloc(FRAME_SAMPLES / 2, 10 + tick * 2));
      a.sendBytes(Buffer.alloc(FRAME_SAMPLES / 2, 11 + tick * 2));
      clock.tick();
    }
    expect(b.frames.map((f) => [f[0], f[FRAME_SAMPLES - 1]])).toEqual([
      [10, 11],
      [12, 13],
      [14, 15],
    ]);
  });

  it('plays every byte in order when an overflow of odd-sized packets leaves the queue between its frame slots, across the ring end', () => {
    const { a, b } = pair();
    const sent: number[] = [];
    // 25 packets of 100 bytes: more than the queue holds, so its start moves by a part of a frame.
    for (let packet = 0; packet < 25; packet++) {
      const bytes = Buffer.alloc(100);
      for (let i = 0; i < bytes.length; i++) {
        bytes[i] = (sent.length % 250) + 1;
        sent.push(bytes[i]!);
      }
      a.sendBytes(bytes);
    }
    for (let tick = 0; tick < JITTER_FRAMES; tick++) clock.tick();
    expect(b.frames).toHaveLength(JITTER_FRAMES);
    expect([...Buffer.concat(b.frames)]).toEqual(sent.slice(sent.length - JITTER_FRAMES * FRAME_SAMPLES));
  });

  it('hands each tick the frame that arrived, whole frames out of the queue in place, the ring reused round after round', () => {
    const { a, b } = pair();
    for (let tick = 0; tick < 3 * JITTER_FRAMES; tick++) {
      a.sendBytes(Buffer.alloc(FRAME_SAMPLES, tick + 1));
      // A late frame now and then: two arrive before the next tick, and both are played in turn.
      if (tick % 7 === 3) a.sendBytes(Buffer.alloc(FRAME_SAMPLES, 200 + tick));
      clock.tick();
    }
    // One frame a tick, late ones played in turn after their tick's.
    expect(b.frames).toHaveLength(3 * JITTER_FRAMES);
    const firsts = b.frames.map((frame) => frame[0]);
    const expected: number[] = [];
    for (let tick = 0; tick < 3 * JITTER_FRAMES; tick++) {
      expected.push(tick + 1);
      if (tick % 7 === 3) expected.push(200 + tick);
    }
    expect(firsts).toEqual(expected.slice(0, 3 * JITTER_FRAMES));
    for (const frame of b.frames) expect(frame.every((byte) => byte === frame[0])).toBe(true);
  });
});

describe('mixer playback', () => {
  it('plays to one member only, or to everyone including later joiners', async () => {
    const { a, b } = pair();
    const toA = mixer.play(sine(AGENT_HZ, 1600), { to: ['a'] });
    for (let i = 0; i < 10; i++) clock.tick();
    expect(await toA.done).toBe('finished');
    expect(goertzel(a.heard(), AGENT_HZ)).toBeGreaterThan(5000);
    expect(rms(b.heard())).toBe(0);

    const all = mixer.play(sine(CALLER_HZ, 1600));
    clock.tick();
    const c = new FakeEndpoint('c');
    mixer.join('c', c);
    for (let i = 0; i < 9; i++) clock.tick();
    expect(await all.done).toBe('finished');
    for (const endpoint of [a, b]) expect(goertzel(endpoint.heard(10), CALLER_HZ)).toBeGreaterThan(5000);
    expect(goertzel(c.heard(), CALLER_HZ)).toBeGreaterThan(5000);
    expect(c.frames).toHaveLength(9);
  });

  it('starts on the next tick with no gap and loops sample-exactly the number of times asked', async () => {
    setup();
    const a = new FakeEndpoint('a');
    mixer.join('a', a);
    // 1000 samples is not a whole number of frames: loops must join mid-frame without a gap.
    const clip = sine(AGENT_HZ, 1000);
    const playback = mixer.play(clip, { loop: 3 });
    let settled: string | null = null;
    void playback.done.then((how) => (settled = how));
    for (let i = 0; i < 18; i++) clock.tick();
    await Promise.resolve();
    expect(settled).toBeNull();
    clock.tick(); // the 19th frame holds the last 120 samples
    expect(await playback.done).toBe('finished');
    const heard = a.heard();
    expect(heard).toHaveLength(19 * FRAME_SAMPLES);
    // µ-law round trip is lossy; compare against the clip's own round trip through the codec.
    for (let loop = 0; loop < 3; loop++) {
      const copy = heard.subarray(loop * 1000, loop * 1000 + 1000);
      expect(Math.abs(rms(copy) - rms(clip))).toBeLessThan(rms(clip) * 0.02);
      expect(goertzel(copy, AGENT_HZ)).toBeGreaterThan(5500);
      expect(Math.abs(copy[0]!)).toBeLessThan(64); // sin(0): each loop starts at the clip's start
    }
    expect(rms(heard.subarray(3000))).toBe(0);
    clock.tick();
    expect(rms(a.heard(19))).toBe(0);
  });

  it('loop 0 repeats until stopped; stop settles with "stopped" and silences it', async () => {
    setup();
    const a = new FakeEndpoint('a');
    mixer.join('a', a);
    const playback = mixer.play(sine(CALLER_HZ, 160), { loop: 0 });
    for (let i = 0; i < 50; i++) clock.tick();
    expect(goertzel(a.heard(40), CALLER_HZ)).toBeGreaterThan(5000);
    playback.stop();
    playback.stop();
    clock.tick();
    expect(await playback.done).toBe('stopped');
    expect(rms(a.heard(50))).toBe(0);
  });

  it('plays a source until it ends, and mixes it over speech', async () => {
    setup();
    const a = new FakeEndpoint('a', CALLER_HZ);
    const b = new FakeEndpoint('b');
    mixer.join('a', a);
    mixer.join('b', b);
    let reads = 0;
    const source: AudioSource = {
      read(out) {
        if (reads++ === 5) return false;
        out.set(sine(SUPERVISOR_HZ, FRAME_SAMPLES));
        return true;
      },
    };
    const playback = mixer.play(source, { to: ['b'] });
    run([a, b], 10);
    expect(await playback.done).toBe('finished');
    const during = b.heard(0).subarray(0, 5 * FRAME_SAMPLES);
    expect(goertzel(during, SUPERVISOR_HZ)).toBeGreaterThan(5000);
    expect(goertzel(during, CALLER_HZ)).toBeGreaterThan(5000);
    expect(goertzel(b.heard(5), SUPERVISOR_HZ)).toBeLessThan(INAUDIBLE);
  });

  it('an earmuffed member does not hear playbacks; level scales them', () => {
    setup();
    const a = new FakeEndpoint('a');
    const b = new FakeEndpoint('b');
    mixer.join('a', a);
    mixer.join('b', b, { earmuffed: true });
    mixer.play(sine(AGENT_HZ, 1600), { level: 0.5 });
    for (let i = 0; i < 10; i++) clock.tick();
    expect(goertzel(a.heard(), AGENT_HZ)).toBeGreaterThan(8500);
    expect(rms(b.heard())).toBe(0);
    mixer.play(sine(AGENT_HZ, 1600), { level: -1 });
    for (let i = 0; i < 10; i++) clock.tick();
    expect(rms(a.heard(10))).toBe(0);
  });

  it('rejects bad loop and level values', () => {
    setup();
    expect(() => mixer.play(sine(400, 160), { loop: -1 })).toThrow(/loop/);
    expect(() => mixer.play(sine(400, 160), { loop: 1.5 })).toThrow(/loop/);
    expect(() => mixer.play(sine(400, 160), { level: 2 })).toThrow(/level/);
  });
});

describe('mixer taps and close', () => {
  it('taps the whole conversation or chosen speakers', () => {
    const { all } = threeParty({ agent: { muted: true } });
    const everything: Int16Array[] = [];
    const callerOnly: Int16Array[] = [];
    mixer.tap((mix) => everything.push(mix));
    const remove = mixer.tap((mix) => callerOnly.push(mix), { speakers: ['caller'] });
    mixer.play(sine(AGENT_HZ * 2, 1600));
    run(all, 10);
    remove();
    run(all, 1);
    const joined = (frames: Int16Array[]) => Int16Array.from(frames.flatMap((f) => [...f]));
    expect(everything).toHaveLength(11);
    expect(callerOnly).toHaveLength(10);
    const whole = joined(everything.slice(0, 10));
    expect(goertzel(whole, CALLER_HZ)).toBeGreaterThan(AUDIBLE);
    expect(goertzel(whole, SUPERVISOR_HZ)).toBeGreaterThan(AUDIBLE);
    expect(goertzel(whole, AGENT_HZ * 2)).toBeGreaterThan(AUDIBLE);
    expect(goertzel(whole, AGENT_HZ)).toBeLessThan(INAUDIBLE); // muted
    const caller = joined(callerOnly);
    expect(goertzel(caller, CALLER_HZ)).toBeGreaterThan(AUDIBLE);
    expect(goertzel(caller, SUPERVISOR_HZ)).toBeLessThan(INAUDIBLE);
    expect(goertzel(caller, AGENT_HZ * 2)).toBeLessThan(INAUDIBLE);
  });

  it('close stops playbacks, detaches endpoints and leaves the clock', async () => {
    const { caller, agent } = threeParty();
    const playback = mixer.play(sine(400, 160), { loop: 0 });
    mixer.close();
    expect(await playback.done).toBe('stopped');
    expect(caller.attached || agent.attached).toBe(false);
    clock.tick();
    expect(caller.frames).toHaveLength(0);
    expect(() => mixer.join('x', new FakeEndpoint('x'))).toThrow(/closed/);
    expect(await mixer.play(sine(400, 160)).done).toBe('stopped');
  });
});
