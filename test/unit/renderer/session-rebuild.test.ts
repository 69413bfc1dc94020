import { describe, expect, it } from 'vitest';
import { connectionOf, nextStep, rebuildStart, reduceRebuild, type RebuildEvent, type RebuildState } from '../../../renderer/src/softphone/session-rebuild';

/** The state after the first connection succeeded at t = 0. */
const up = (): RebuildState => reduceRebuild(rebuildStart(), { type: 'succeeded', now: 0 });
const run = (state: RebuildState, ...events: RebuildEvent[]) => events.reduce(reduceRebuild, state);
const at = (now: number) => ({
  lost: { type: 'trigger', trigger: 'session-lost', now } as RebuildEvent,
  resumed: { type: 'trigger', trigger: 'resumed', now } as RebuildEvent,
  renewDue: { type: 'trigger', trigger: 'renew-due', now } as RebuildEvent,
  failed: { type: 'failed', message: 'network down', now } as RebuildEvent,
  succeeded: { type: 'succeeded', now } as RebuildEvent,
  reopen: { type: 'started', step: 'reopen', now } as RebuildEvent,
  renew: { type: 'started', step: 'renew', now } as RebuildEvent,
  check: { type: 'started', step: 'check', now } as RebuildEvent,
  calls: (live: boolean, mediaReconnecting = false) => ({ type: 'calls', live, mediaReconnecting, now }) as RebuildEvent,
  sdk: (reconnecting: boolean) => ({ type: 'sdk', reconnecting, now }) as RebuildEvent,
});

describe('the first connection', () => {
  it('is a reopen under way; its failure is Offline with the reason, retried 1, 2, 4 s later', () => {
    let s = rebuildStart();
    expect(connectionOf(s)).toEqual({ kind: 'connecting' });
    expect(nextStep(s, 0)).toBeNull();
    s = run(s, at(100).failed);
    expect(connectionOf(s)).toEqual({ kind: 'failed', message: 'Could not connect to the voice platform: network down. Retrying…' });
    expect(nextStep(s, 100)).toEqual({ waitMs: 1_000 });
    expect(nextStep(s, 1_100)).toEqual({ run: 'reopen' });
    s = run(s, at(1_100).reopen, at(1_200).failed);
    expect(nextStep(s, 1_200)).toEqual({ waitMs: 2_000 });
    s = run(s, at(3_200).reopen, at(3_300).failed);
    expect(nextStep(s, 3_300)).toEqual({ waitMs: 4_000 });
    s = run(s, at(7_300).reopen, at(7_400).succeeded);
    expect(connectionOf(s)).toEqual({ kind: 'ready' });
    expect(s.attempt).toBe(0);
    expect(nextStep(s, 7_400)).toBeNull();
  });
});

describe('a lost session (expired token after a drop, platform restart)', () => {
  it('says Reconnecting (never Offline once it was up) and reopens with backoff until it is back', () => {
    let s = run(up(), at(1_000).lost);
    expect(connectionOf(s)).toEqual({ kind: 'reconnecting' });
    expect(nextStep(s, 1_000)).toEqual({ waitMs: 1_000 });
    const delays: number[] = [];
    let now = 2_000;
    for (let i = 0; i < 7; i++) {
      s = run(s, at(now).reopen, at(now).failed);
      expect(connectionOf(s)).toEqual({ kind: 'reconnecting' });
      const next = nextStep(s, now);
      delays.push(next && 'waitMs' in next ? next.waitMs : -1);
      now += delays.at(-1)!;
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    s = run(s, at(now).reopen, at(now).succeeded);
    expect(connectionOf(s)).toEqual({ kind: 'ready' });
    expect(s.attempt).toBe(0);
  });

  it('asks once: a second loss while a reopen waits or runs adds nothing', () => {
    let s = run(up(), at(0).lost, at(500).lost);
    expect(nextStep(s, 500)).toEqual({ waitMs: 500 });
    s = run(s, at(1_000).reopen, at(1_100).lost);
    expect(nextStep(s, 1_100)).toBeNull();
    s = run(s, at(1_200).succeeded);
    expect(nextStep(s, 1_200)).toBeNull();
    expect(connectionOf(s)).toEqual({ kind: 'ready' });
  });

  it('never reopens while a call\'s media is being reconnected; does once it is back or the call is over', () => {
    let s = run(up(), at(0).calls(true, true), at(100).lost);
    expect(nextStep(s, 50_000)).toBeNull();
    s = run(s, at(6_000).calls(true, false));
    expect(nextStep(s, 6_000)).toEqual({ run: 'reopen' });
    s = run(up(), at(0).calls(true, true), at(100).lost, at(9_000).calls(false, false));
    expect(nextStep(s, 9_000)).toEqual({ run: 'reopen' });
  });

  it('reopens during a call whose audio flows (the call\'s media is taken up again after)', () => {
    const s = run(up(), at(0).calls(true, false), at(100).lost);
    expect(nextStep(s, 1_100)).toEqual({ run: 'reopen' });
  });

  it('lets the SDK reconnect its socket itself: Reconnecting meanwhile, no reopen once it is back', () => {
    let s = run(up(), at(0).sdk(true));
    expect(connectionOf(s)).toEqual({ kind: 'reconnecting' });
    expect(nextStep(s, 0)).toBeNull();
    s = run(s, at(3_000).sdk(false));
    expect(connectionOf(s)).toEqual({ kind: 'ready' });
    // The SDK gave up first: the loss is the scheduler's, then the SDK's socket came back after all.
    s = run(up(), at(0).sdk(true), at(25_000).lost, at(25_500).sdk(false));
    expect(connectionOf(s)).toEqual({ kind: 'ready' });
    expect(nextStep(s, 30_000)).toBeNull();
  });
});

describe('the token\'s renewal', () => {
  it('renews on the live socket; a failure keeps the session up and retries with backoff', () => {
    let s = run(up(), at(48_000).renewDue);
    expect(nextStep(s, 48_000)).toEqual({ run: 'renew' });
    s = run(s, at(48_000).renew, at(48_100).failed);
    expect(connectionOf(s)).toEqual({ kind: 'ready' });
    expect(nextStep(s, 48_100)).toEqual({ waitMs: 1_000 });
    s = run(s, at(49_100).renew, at(49_200).failed);
    expect(nextStep(s, 49_200)).toEqual({ waitMs: 2_000 });
    s = run(s, at(51_200).renew, at(51_300).succeeded);
    expect(s.attempt).toBe(0);
    expect(nextStep(s, 51_300)).toBeNull();
  });

  it('gives way to a reopen when the session is lost before a renewal succeeded', () => {
    let s = run(up(), at(48_000).renewDue, at(48_000).renew, at(48_100).failed, at(60_000).lost);
    expect(connectionOf(s)).toEqual({ kind: 'reconnecting' });
    expect(s.pending?.step).toBe('reopen');
    // Lost while a renewal ran: its success does not hide the loss.
    s = run(up(), at(48_000).renewDue, at(48_000).renew, at(48_050).lost, at(48_100).succeeded);
    expect(connectionOf(s)).toEqual({ kind: 'reconnecting' });
    expect(nextStep(s, 60_000)).toEqual({ run: 'reopen' });
  });
});

describe('resume from sleep, unlock, back online', () => {
  it('checks a session that looks up; reopens at once when the check fails', () => {
    let s = run(up(), at(1_000).resumed);
    expect(nextStep(s, 1_000)).toEqual({ run: 'check' });
    s = run(s, at(1_000).check, at(11_000).failed);
    expect(connectionOf(s)).toEqual({ kind: 'reconnecting' });
    expect(nextStep(s, 11_000)).toEqual({ run: 'reopen' });
    s = run(s, at(11_000).reopen, at(11_200).succeeded);
    expect(connectionOf(s)).toEqual({ kind: 'ready' });
  });

  it('a session already waiting to reopen tries now, from the first backoff step again', () => {
    let now = 0;
    let s = run(up(), at(now).lost);
    for (let i = 0; i < 5; i++) s = run(s, at(++now).reopen, at(now).failed);
    expect(nextStep(s, now)).toEqual({ waitMs: 30_000 });
    s = run(s, at(now).resumed);
    expect(nextStep(s, now)).toEqual({ run: 'reopen' });
    expect(s.attempt).toBe(0);
  });

  it('leaves a live call alone (the SDK reconnects its own media) and a reopen under way', () => {
    const onCall = run(up(), at(0).calls(true, false), at(1_000).resumed);
    expect(nextStep(onCall, 1_000)).toBeNull();
    const reopening = run(up(), at(0).lost, at(1_000).reopen, at(1_500).resumed);
    expect(reopening.pending).toBeNull();
  });
});
