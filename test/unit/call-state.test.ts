import { describe, expect, it } from 'vitest';
import {
  callList,
  focusedCall,
  noCalls,
  reduceCall,
  reduceCalls,
  inCallControls,
  summarize,
  type Call,
  type CallEvent,
  type CallsState,
} from '../../common/call-state';
import type { CallControlState } from '../../common/ipc-contract';

const run = (events: CallEvent[], from: CallsState = noCalls) => events.reduce(reduceCalls, from);
const F = '+14155550100';
const invite: CallEvent = { type: 'invite', callId: 'c1', from: F, at: 1 };
const only = (state: CallsState, callId = 'c1') => state.calls[callId];
const control = (patch: Partial<CallControlState> = {}): CallControlState => ({ held: false, since: null, total_s: 0, consult: null, ...patch });
const joe = { type: 'agent' as const, agent: 'Joe' };

describe('call-state reducer: inbound calls', () => {
  it('rings on invite and becomes active when answered', () => {
    const ringing = run([invite]);
    expect(only(ringing)).toMatchObject({ kind: 'ringing', callId: 'c1', from: F });
    expect(summarize(ringing)).toEqual({ phase: 'ringing', callId: 'c1', from: F });
    const active = run([{ type: 'answer-requested', callId: 'c1' }, { type: 'answered', callId: 'c1', at: 5 }], ringing);
    expect(only(active)).toEqual({ kind: 'active', callId: 'c1', from: F, answeredAt: 5, muted: false });
    expect(summarize(active)).toEqual({ phase: 'active', callId: 'c1', from: F, since: 5, state: 'talking', muted: false, controls: ['mute', 'hold'] });
  });

  it('ends as completed after a hang-up of an answered call, and is forgotten on dismiss', () => {
    const ended = run([invite, { type: 'answered', callId: 'c1', at: 2 }, { type: 'hangup-requested', callId: 'c1' }, { type: 'hung-up', callId: 'c1', at: 9 }]);
    expect(only(ended)).toMatchObject({ kind: 'ended', reason: 'completed', endedAt: 9 });
    expect(summarize(ended)).toEqual({ phase: 'idle' });
    expect(reduceCalls(ended, { type: 'dismiss', callId: 'c1' })).toEqual(noCalls);
  });

  it('ends as declined when the agent declines a ringing call', () => {
    const ended = run([invite, { type: 'decline-requested', callId: 'c1' }, { type: 'hung-up', callId: 'c1', at: 3 }]);
    expect(only(ended)).toMatchObject({ kind: 'ended', reason: 'declined' });
  });

  it('ends as missed when the caller gives up first, or as answered elsewhere', () => {
    expect(only(run([invite, { type: 'invite-cancelled', callId: 'c1', reason: 'missed', at: 4 }]))).toMatchObject({ kind: 'ended', reason: 'missed', endedAt: 4 });
    expect(only(run([invite, { type: 'invite-cancelled', callId: 'c1', reason: 'answered-elsewhere', at: 4 }]))).toMatchObject({ reason: 'answered-elsewhere' });
  });

  it('reports a failed answer with its message and time', () => {
    const ended = run([invite, { type: 'answer-requested', callId: 'c1' }, { type: 'answer-failed', callId: 'c1', message: 'no mic', at: 7 }]);
    expect(only(ended)).toEqual({ kind: 'ended', callId: 'c1', from: F, reason: 'failed', endedAt: 7, message: 'no mic' });
  });

  it('ignores events about a call it does not know, and a second invite with the same id', () => {
    const ringing = run([invite]);
    expect(reduceCalls(ringing, { type: 'answered', callId: 'other', at: 1 })).toBe(ringing);
    expect(reduceCalls(ringing, { ...invite, from: '+1999' })).toBe(ringing);
    expect(reduceCalls(noCalls, { type: 'dismiss', callId: 'x' })).toBe(noCalls);
    expect(reduceCalls(noCalls, { type: 'hung-up', callId: 'x', at: 1 })).toBe(noCalls);
  });

  it('a failed hang-up ends the call as failed with the message', () => {
    const ended = run([invite, { type: 'answered', callId: 'c1', at: 2 }, { type: 'hung-up', callId: 'c1', at: 3, failed: 'Hang-up failed: x' }]);
    expect(only(ended)).toMatchObject({ kind: 'ended', reason: 'failed', message: 'Hang-up failed: x' });
  });
});

describe('call-state reducer: outbound calls', () => {
  const dial: CallEvent = { type: 'dial-requested', ref: 'dial-1', to: F, at: 10 };

  it('dials, connects, rings and becomes active when the phone answers', () => {
    const dialing = run([dial]);
    expect(only(dialing, 'dial-1')).toEqual({ kind: 'dialing', callId: 'dial-1', from: F, requestedAt: 10 });
    expect(summarize(dialing)).toEqual({ phase: 'idle' });
    const outgoing = reduceCalls(dialing, { type: 'dial-started', ref: 'dial-1', callId: 'o1', at: 11 });
    expect(outgoing.order).toEqual(['o1']);
    expect(only(outgoing, 'o1')).toEqual({ kind: 'outgoing', callId: 'o1', from: F, phase: 'connecting', startedAt: 11 });
    // The hang-up shortcut must reach a call being placed, and nothing rings.
    expect(summarize(outgoing)).toEqual({ phase: 'active', callId: 'o1', from: F, since: 11, state: 'calling', muted: false, controls: [] });
    const ringing = reduceCalls(outgoing, { type: 'remote-ringing', callId: 'o1' });
    expect(only(ringing, 'o1')).toMatchObject({ kind: 'outgoing', phase: 'ringing' });
    expect(reduceCalls(ringing, { type: 'remote-ringing', callId: 'o1' })).toBe(ringing);
    const active = reduceCalls(ringing, { type: 'remote-answered', callId: 'o1', at: 15 });
    expect(only(active, 'o1')).toEqual({ kind: 'active', callId: 'o1', from: F, answeredAt: 15, muted: false, outbound: true });
    expect(summarize(active)).toMatchObject({ phase: 'active', callId: 'o1', since: 15, state: 'talking' });
  });

  it('ends as completed when an answered outbound call is hung up, by either side', () => {
    const active = run([dial, { type: 'dial-started', ref: 'dial-1', callId: 'o1', at: 11 }, { type: 'remote-answered', callId: 'o1', at: 15 }]);
    expect(only(run([{ type: 'hangup-requested', callId: 'o1' }, { type: 'hung-up', callId: 'o1', at: 20 }], active), 'o1')).toMatchObject({ kind: 'ended', reason: 'completed' });
    expect(only(reduceCalls(active, { type: 'hung-up', callId: 'o1', at: 20 }), 'o1')).toMatchObject({ kind: 'ended', reason: 'completed', from: F });
  });

  it('ends as cancelled when the agent hangs up before the phone answers, as no-answer when it does not answer', () => {
    const placed = run([dial, { type: 'dial-started', ref: 'dial-1', callId: 'o1', at: 11 }, { type: 'remote-ringing', callId: 'o1' }]);
    expect(only(run([{ type: 'hangup-requested', callId: 'o1' }, { type: 'hung-up', callId: 'o1', at: 13 }], placed), 'o1')).toMatchObject({ kind: 'ended', reason: 'cancelled', endedAt: 13 });
    expect(only(reduceCalls(placed, { type: 'hung-up', callId: 'o1', at: 31 }), 'o1')).toMatchObject({ kind: 'ended', reason: 'no-answer' });
  });

  it('ends as failed, with the message, when the call cannot be placed', () => {
    const ended = run([dial, { type: 'dial-failed', ref: 'dial-1', message: 'Could not place the call: offline', at: 12 }]);
    expect(only(ended, 'dial-1')).toEqual({ kind: 'ended', callId: 'dial-1', from: F, reason: 'failed', endedAt: 12, message: 'Could not place the call: offline' });
    expect(reduceCalls(ended, { type: 'dismiss', callId: 'dial-1' })).toEqual(noCalls);
  });

  it('dials only when no call goes on; an ended call does not stop it', () => {
    const ringing = run([invite]);
    expect(reduceCalls(ringing, dial)).toBe(ringing);
    const dialing = run([dial]);
    expect(reduceCalls(dialing, { ...dial, ref: 'dial-2' })).toBe(dialing);
    expect(reduceCalls(dialing, dial)).toBe(dialing);
    const ended = run([invite, { type: 'invite-cancelled', callId: 'c1', reason: 'missed', at: 2 }]);
    expect(only(reduceCalls(ended, dial), 'dial-1')).toMatchObject({ kind: 'dialing' });
  });

  it('ignores stray outbound events', () => {
    expect(reduceCalls(noCalls, { type: 'dial-started', ref: 'dial-1', callId: 'o1', at: 1 })).toBe(noCalls);
    expect(reduceCalls(noCalls, { type: 'dial-failed', ref: 'dial-1', message: 'x', at: 1 })).toBe(noCalls);
    expect(reduceCalls(noCalls, { type: 'remote-answered', callId: 'o1', at: 1 })).toBe(noCalls);
    const outgoing = run([dial, { type: 'dial-started', ref: 'dial-1', callId: 'o1', at: 11 }]);
    expect(reduceCalls(outgoing, { type: 'remote-answered', callId: 'other', at: 12 })).toBe(outgoing);
    expect(reduceCalls(outgoing, { type: 'dial-failed', ref: 'dial-1', message: 'late', at: 12 })).toBe(outgoing);
    expect(reduceCalls(outgoing, { type: 'dial-started', ref: 'dial-1', callId: 'o2', at: 12 })).toBe(outgoing);
    // An inbound call's answer events do not apply to an outbound call.
    expect(reduceCalls(outgoing, { type: 'answered', callId: 'o1', at: 12 })).toBe(outgoing);
    // Nor may a started dial take the id of a call that exists.
    const both = run([{ type: 'dial-requested', ref: 'dial-9', to: F, at: 1 }], { calls: { c1: { kind: 'ended', callId: 'c1', from: F, reason: 'missed', endedAt: 0 } }, order: ['c1'] });
    expect(reduceCalls(both, { type: 'dial-started', ref: 'dial-9', callId: 'c1', at: 2 })).toBe(both);
  });
});

/** One call in each state the union has (and the variants that behave differently). */
const SAMPLES = {
  dialing: { kind: 'dialing', callId: 'c1', from: F, requestedAt: 1 },
  outgoing: { kind: 'outgoing', callId: 'c1', from: F, phase: 'connecting', startedAt: 1 },
  ringing: { kind: 'ringing', callId: 'c1', from: F, invitedAt: 1 },
  waiting: { kind: 'waiting', callId: 'c1', from: F, invitedAt: 1 },
  answering: { kind: 'answering', callId: 'c1', from: F, invitedAt: 1 },
  active: { kind: 'active', callId: 'c1', from: F, answeredAt: 2, muted: false },
  held: { kind: 'held', callId: 'c1', from: F, answeredAt: 2, muted: false, heldSince: 3 },
  transferring: { kind: 'transferring', callId: 'c1', from: F, answeredAt: 2, muted: false, target: joe, mode: 'blind' },
  consulting: { kind: 'consulting', callId: 'c1', from: F, answeredAt: 2, muted: false, target: joe, phase: 'talking' },
  conferenced: { kind: 'conferenced', callId: 'c1', from: F, answeredAt: 2, muted: false, with: joe },
  ending: { kind: 'ending', callId: 'c1', from: F, declining: false },
  ended: { kind: 'ended', callId: 'c1', from: F, reason: 'completed', endedAt: 4 },
} satisfies Record<Call['kind'], Call>;

type BoundEvent = Parameters<typeof reduceCall>[1];
const EVENTS = {
  'answer-requested': { type: 'answer-requested', callId: 'c1' },
  answered: { type: 'answered', callId: 'c1', at: 9 },
  'answer-failed': { type: 'answer-failed', callId: 'c1', message: 'no', at: 9 },
  'decline-requested': { type: 'decline-requested', callId: 'c1' },
  'hangup-requested': { type: 'hangup-requested', callId: 'c1' },
  'leave-requested': { type: 'leave-requested', callId: 'c1' },
  'invite-cancelled': { type: 'invite-cancelled', callId: 'c1', reason: 'missed', at: 9 },
  'hung-up': { type: 'hung-up', callId: 'c1', at: 9 },
  dismiss: { type: 'dismiss', callId: 'c1' },
  'remote-ringing': { type: 'remote-ringing', callId: 'c1' },
  'remote-answered': { type: 'remote-answered', callId: 'c1', at: 9 },
  'mute-changed': { type: 'mute-changed', callId: 'c1', muted: true },
  control: { type: 'control', callId: 'c1', control: control({ held: true, since: '1970-01-01T00:00:00.005Z' }), self: 'Jane', at: 9 },
  'transfer-sent': { type: 'transfer-sent', callId: 'c1', target: joe, mode: 'blind' },
} satisfies Record<BoundEvent['type'], BoundEvent>;

/** What each event makes of each state: `=` the very same object, a kind (a new object of that kind), or null (forgotten). */
type Outcome = '=' | Call['kind'] | null;
const ANSWERED_TO = (kind: Call['kind']): Record<'active' | 'held' | 'transferring' | 'consulting' | 'conferenced', Outcome> => ({
  active: kind,
  held: kind,
  transferring: kind,
  consulting: kind,
  conferenced: kind,
});
const NOT_ANSWERED_SAME = { dialing: '=', outgoing: '=', ringing: '=', waiting: '=', answering: '=', ending: '=', ended: '=' } as const;
const ALL_SAME: Record<Call['kind'], Outcome> = { ...NOT_ANSWERED_SAME, active: '=', held: '=', transferring: '=', consulting: '=', conferenced: '=' };

const EXPECTED: Record<BoundEvent['type'], Record<Call['kind'], Outcome>> = {
  'answer-requested': { ...ALL_SAME, ringing: 'answering', waiting: 'answering' },
  answered: { ...ALL_SAME, ringing: 'active', waiting: 'active', answering: 'active' },
  'answer-failed': { ...ALL_SAME, answering: 'ended' },
  'decline-requested': { ...ALL_SAME, outgoing: 'ending', ringing: 'ending', waiting: 'ending', answering: 'ending', ...ANSWERED_TO('ending') },
  'hangup-requested': { ...ALL_SAME, outgoing: 'ending', ringing: 'ending', waiting: 'ending', answering: 'ending', ...ANSWERED_TO('ending') },
  'leave-requested': { ...ALL_SAME, conferenced: 'ending' },
  'invite-cancelled': { ...ALL_SAME, ringing: 'ended', waiting: 'ended', answering: 'ended' },
  'hung-up': { ...ALL_SAME, outgoing: 'ended', ringing: 'ended', waiting: 'ended', answering: 'ended', ending: 'ended', ...ANSWERED_TO('ended') },
  dismiss: { ...ALL_SAME, ended: null },
  'remote-ringing': { ...ALL_SAME, outgoing: 'outgoing' },
  'remote-answered': { ...ALL_SAME, outgoing: 'active' },
  'mute-changed': { ...ALL_SAME, active: 'active', held: 'held', transferring: 'transferring', consulting: 'consulting', conferenced: 'conferenced' },
  control: { ...ALL_SAME, active: 'held', consulting: 'held', conferenced: 'held' },
  'transfer-sent': { ...ALL_SAME, active: 'transferring', held: 'transferring', consulting: 'transferring', conferenced: 'transferring' },
};

describe('call-state reducer: every event in every state', () => {
  for (const [eventType, event] of Object.entries(EVENTS) as Array<[BoundEvent['type'], BoundEvent]>) {
    for (const [kind, call] of Object.entries(SAMPLES) as Array<[Call['kind'], Call]>) {
      const expected = EXPECTED[eventType][kind];
      it(`${eventType} in ${kind} → ${expected === '=' ? 'unchanged' : (expected ?? 'forgotten')}`, () => {
        const next = reduceCall(call, event);
        if (expected === '=') expect(next).toBe(call);
        else if (expected === null) expect(next).toBeNull();
        else {
          expect(next).not.toBe(call);
          expect(next?.kind).toBe(expected);
          expect(next?.callId).toBe('c1');
          expect(next?.from).toBe(F);
        }
        // The same event through the keyed reducer agrees, and touches no other call.
        const other: Call = { kind: 'ended', callId: 'c2', from: '+1999', reason: 'missed', endedAt: 0 };
        const state: CallsState = { calls: { c1: call, c2: other }, order: ['c1', 'c2'] };
        const after = reduceCalls(state, event);
        expect(after.calls.c2).toBe(other);
        if (expected === '=') expect(after).toBe(state);
        else if (expected === null) expect(after.order).toEqual(['c2']);
        else expect(after.calls.c1?.kind).toBe(expected);
      });
    }
  }

  it('hung-up names why the call ended, from every state', () => {
    const reason = (call: Call) => (reduceCall(call, EVENTS['hung-up']) as Extract<Call, { kind: 'ended' }>).reason;
    expect(reason(SAMPLES.ringing)).toBe('declined');
    expect(reason(SAMPLES.waiting)).toBe('declined');
    expect(reason(SAMPLES.answering)).toBe('declined');
    expect(reason(SAMPLES.outgoing)).toBe('no-answer');
    for (const kind of ['active', 'held', 'consulting', 'conferenced'] as const) expect(reason(SAMPLES[kind])).toBe('completed');
    expect(reason(SAMPLES.transferring)).toBe('transferred');
    expect(reason(SAMPLES.ending)).toBe('completed');
    expect(reason({ kind: 'ending', callId: 'c1', from: F, declining: true })).toBe('declined');
    expect(reason({ kind: 'ending', callId: 'c1', from: F, declining: true, outbound: true })).toBe('cancelled');
    expect(reason({ kind: 'ending', callId: 'c1', from: F, declining: false, leaving: true })).toBe('left');
    expect(reduceCall(SAMPLES.transferring, { type: 'hung-up', callId: 'c1', at: 9, failed: 'x' })).toMatchObject({ reason: 'failed', message: 'x' });
  });

  it('a hang-up the agent asked for (transfer, leave) ends the answered call that way even before the answer came back', () => {
    const end = (call: Call, expected: 'transferred' | 'left') => reduceCall(call, { type: 'hung-up', callId: 'c1', at: 9, expected }) as Extract<Call, { kind: 'ended' }>;
    expect(end(SAMPLES.active, 'transferred').reason).toBe('transferred');
    expect(end(SAMPLES.consulting, 'transferred').reason).toBe('transferred');
    expect(end(SAMPLES.conferenced, 'left').reason).toBe('left');
    expect(end(SAMPLES.ending, 'left').reason).toBe('left');
    // It does not turn an unanswered call into a transfer.
    expect(end(SAMPLES.ringing, 'transferred').reason).toBe('declined');
    expect(end(SAMPLES.outgoing, 'transferred').reason).toBe('no-answer');
  });

  it('the start events (invite, dial) are global: an invite for a call id that exists changes nothing', () => {
    for (const call of Object.values(SAMPLES) as Call[]) {
      const state: CallsState = { calls: { c1: call }, order: ['c1'] };
      expect(reduceCalls(state, invite)).toBe(state);
    }
  });
});

describe('call-state reducer: in-call controls', () => {
  const answered = run([invite, { type: 'answered', callId: 'c1', at: 2 }]);
  const ctl = (c: CallControlState, self = 'Jane', at = 100): CallEvent => ({ type: 'control', callId: 'c1', control: c, self, at });

  it('mute is a flag every answered state keeps', () => {
    const muted = reduceCalls(answered, { type: 'mute-changed', callId: 'c1', muted: true });
    expect(only(muted)).toMatchObject({ kind: 'active', muted: true });
    expect(reduceCalls(muted, { type: 'mute-changed', callId: 'c1', muted: true })).toBe(muted);
    const held = reduceCalls(muted, ctl(control({ held: true, since: new Date(50).toISOString() })));
    expect(only(held)).toEqual({ kind: 'held', callId: 'c1', from: F, answeredAt: 2, muted: true, heldSince: 50 });
    const resumed = reduceCalls(held, ctl(control()));
    expect(only(resumed)).toEqual({ kind: 'active', callId: 'c1', from: F, answeredAt: 2, muted: true });
    expect(summarize(resumed)).toMatchObject({ state: 'talking', muted: true });
    expect(only(reduceCalls(resumed, { type: 'mute-changed', callId: 'c1', muted: false }))).toMatchObject({ muted: false });
  });

  it('hold keeps when it began; an unknown or future time counts from the answer', () => {
    const held = reduceCalls(answered, ctl(control({ held: true, since: new Date(60).toISOString() })));
    expect(only(held)).toMatchObject({ kind: 'held', heldSince: 60 });
    expect(summarize(held)).toMatchObject({ phase: 'active', state: 'held' });
    // Read again later: the same hold, the very same state.
    expect(reduceCalls(held, ctl(control({ held: true, since: new Date(60).toISOString(), total_s: 5 }), 'Jane', 200))).toBe(held);
    expect(only(reduceCalls(answered, ctl(control({ held: true, since: null }), 'Jane', 77)))).toMatchObject({ heldSince: 77 });
    expect(only(reduceCalls(answered, ctl(control({ held: true, since: new Date(500).toISOString() }), 'Jane', 77)))).toMatchObject({ heldSince: 77 });
    expect(only(reduceCalls(answered, ctl(control({ held: true, since: 'not a date' }), 'Jane', 78)))).toMatchObject({ heldSince: 78 });
    // Nothing changed: the same object.
    expect(reduceCalls(answered, ctl(control()))).toBe(answered);
  });

  it('a consult rings, then talks; conference; cancel brings the call back', () => {
    const ringing = reduceCalls(answered, ctl(control({ held: true, since: new Date(60).toISOString(), consult: { target: joe, state: 'ringing', by: 'Jane' } })));
    expect(only(ringing)).toMatchObject({ kind: 'consulting', target: joe, phase: 'ringing' });
    expect(summarize(ringing)).toMatchObject({ state: 'consulting' });
    const talking = reduceCalls(ringing, ctl(control({ held: true, consult: { target: joe, state: 'talking', by: 'jane' } })));
    expect(only(talking)).toMatchObject({ kind: 'consulting', phase: 'talking' });
    const conference = reduceCalls(talking, ctl(control({ consult: { target: joe, state: 'conference', by: 'Jane' } })));
    expect(only(conference)).toMatchObject({ kind: 'conferenced', with: joe });
    expect(summarize(conference)).toMatchObject({ state: 'conference' });
    const cancelled = reduceCalls(talking, ctl(control()));
    expect(only(cancelled)).toMatchObject({ kind: 'active' });
  });

  it('the consulted agent talks with the agent who called; in a conference their third party is that agent', () => {
    const party = reduceCalls(answered, ctl(control({ held: true, consult: { target: { type: 'agent', agent: 'Joe' }, state: 'talking', by: 'Jane' } }), 'Joe'));
    expect(party).toBe(answered);
    const conference = reduceCalls(answered, ctl(control({ consult: { target: { type: 'agent', agent: 'Joe' }, state: 'conference', by: 'Jane' } }), 'Joe'));
    expect(only(conference)).toMatchObject({ kind: 'conferenced', with: { type: 'agent', agent: 'Jane' } });
  });

  it('a transfer sent waits for the hang-up, which ends the call as transferred; control reads no longer apply', () => {
    const transferring = reduceCalls(answered, { type: 'transfer-sent', callId: 'c1', target: { type: 'queue', queue: 'support' }, mode: 'blind' });
    expect(only(transferring)).toMatchObject({ kind: 'transferring', target: { type: 'queue', queue: 'support' }, mode: 'blind' });
    expect(summarize(transferring)).toMatchObject({ state: 'transferring' });
    expect(reduceCalls(transferring, ctl(control({ held: true })))).toBe(transferring);
    expect(only(reduceCalls(transferring, { type: 'hung-up', callId: 'c1', at: 9 }))).toMatchObject({ kind: 'ended', reason: 'transferred' });
  });

  it('leaving a conference ends the call as left', () => {
    const conference = reduceCalls(answered, ctl(control({ consult: { target: joe, state: 'conference', by: 'Jane' } })));
    const left = run([{ type: 'leave-requested', callId: 'c1' }, { type: 'hung-up', callId: 'c1', at: 9 }], conference);
    expect(only(left)).toMatchObject({ kind: 'ended', reason: 'left' });
  });
});

describe('call-state reducer: call waiting', () => {
  const second: CallEvent = { type: 'invite', callId: 'c2', from: '+14155550122', at: 20 };
  const onCall = run([invite, { type: 'answered', callId: 'c1', at: 2 }]);

  it('a second invite while on a call waits; the summary keeps the call in progress and names the waiting one', () => {
    const waiting = reduceCalls(onCall, second);
    expect(waiting.order).toEqual(['c1', 'c2']);
    expect(only(waiting, 'c2')).toEqual({ kind: 'waiting', callId: 'c2', from: '+14155550122', invitedAt: 20 });
    expect(summarize(waiting)).toEqual({ phase: 'active', callId: 'c1', from: F, since: 2, state: 'talking', muted: false, controls: ['mute', 'hold'], waiting: { callId: 'c2', from: '+14155550122' } });
    expect(focusedCall(waiting)?.callId).toBe('c1');
  });

  it('answering it (after the first is held) makes it the call in progress; the first stays on hold', () => {
    const held = run([second, { type: 'control', callId: 'c1', control: control({ held: true }), self: 'Jane', at: 21 }], onCall);
    expect(only(held, 'c2')?.kind).toBe('waiting');
    const answering = reduceCalls(held, { type: 'answer-requested', callId: 'c2' });
    expect(only(answering, 'c2')?.kind).toBe('answering');
    // Being answered, it no longer alerts: main hears of the held call alone.
    expect(summarize(answering)).toEqual({ phase: 'active', callId: 'c1', from: F, since: 2, state: 'held', muted: false, controls: ['mute', 'resume'] });
    expect(focusedCall(answering)?.callId).toBe('c2');
    const both = reduceCalls(answering, { type: 'answered', callId: 'c2', at: 25 });
    expect(summarize(both)).toMatchObject({ phase: 'active', callId: 'c2', state: 'talking' });
    expect(focusedCall(both)?.callId).toBe('c2');
    // The second ends: the held call is the one on screen again.
    const after = run([{ type: 'hung-up', callId: 'c2', at: 30 }, { type: 'dismiss', callId: 'c2' }], both);
    expect(callList(after).map((c) => c.kind)).toEqual(['held']);
    expect(summarize(after)).toMatchObject({ callId: 'c1', state: 'held' });
  });

  it('declined, it ends as declined and the first call goes on', () => {
    const declined = run([second, { type: 'decline-requested', callId: 'c2' }, { type: 'hung-up', callId: 'c2', at: 22 }], onCall);
    expect(only(declined, 'c2')).toMatchObject({ kind: 'ended', reason: 'declined' });
    expect(only(declined)).toBe(only(onCall));
  });

  it('when the first call ends, the waiting call rings; a call being placed makes an invite wait too', () => {
    const waiting = reduceCalls(onCall, second);
    const rings = reduceCalls(waiting, { type: 'hung-up', callId: 'c1', at: 30 });
    expect(only(rings, 'c2')?.kind).toBe('ringing');
    expect(summarize(rings)).toEqual({ phase: 'ringing', callId: 'c2', from: '+14155550122' });
    const placing = run([{ type: 'dial-requested', ref: 'd1', to: F, at: 1 }, second]);
    expect(only(placing, 'c2')?.kind).toBe('waiting');
    // A dial with no id yet is not summarised; the waiting call is what main hears of.
    expect(summarize(placing)).toEqual({ phase: 'ringing', callId: 'c2', from: '+14155550122' });
  });

  it('two invites with nothing in progress both ring; main hears of the first', () => {
    const two = run([invite, second]);
    expect(callList(two).map((c) => c.kind)).toEqual(['ringing', 'ringing']);
    expect(summarize(two)).toMatchObject({ phase: 'ringing', callId: 'c1' });
  });
});

describe('call-state: what the screen centres on, and the summary', () => {
  const state = (...calls: Call[]): CallsState => ({ calls: Object.fromEntries(calls.map((c) => [c.callId, c])), order: calls.map((c) => c.callId) });
  const as = (call: Call, callId: string): Call => ({ ...call, callId });

  it('centres on the call being answered, then the one talked on, then placed, ending, ringing, held, ended', () => {
    expect(focusedCall(noCalls)).toBeNull();
    expect(focusedCall(state(as(SAMPLES.held, 'a'), as(SAMPLES.answering, 'b')))?.callId).toBe('b');
    expect(focusedCall(state(as(SAMPLES.held, 'a'), as(SAMPLES.active, 'b')))?.callId).toBe('b');
    expect(focusedCall(state(as(SAMPLES.held, 'a'), as(SAMPLES.ringing, 'b')))?.callId).toBe('b');
    expect(focusedCall(state(as(SAMPLES.ended, 'a'), as(SAMPLES.held, 'b')))?.callId).toBe('b');
    expect(focusedCall(state(as(SAMPLES.ended, 'a'), as(SAMPLES.ended, 'b')))?.callId).toBe('b');
    expect(focusedCall(state(as(SAMPLES.ending, 'a'), as(SAMPLES.ringing, 'b')))?.callId).toBe('a');
    expect(focusedCall(state(as(SAMPLES.waiting, 'a'), as(SAMPLES.consulting, 'b')))?.callId).toBe('b');
  });

  it('summarises each answered state for main, preferring the call talked on over one on hold', () => {
    expect(summarize(state(SAMPLES.consulting))).toMatchObject({ state: 'consulting' });
    expect(summarize(state(SAMPLES.conferenced))).toMatchObject({ state: 'conference' });
    expect(summarize(state(SAMPLES.transferring))).toMatchObject({ state: 'transferring' });
    expect(summarize(state(as(SAMPLES.held, 'a'), as(SAMPLES.active, 'b')))).toMatchObject({ callId: 'b', state: 'talking' });
    for (const kind of ['dialing', 'ending', 'ended'] as const) expect(summarize(state(SAMPLES[kind]))).toEqual({ phase: 'idle' });
    expect(summarize(state(SAMPLES.answering))).toEqual({ phase: 'ringing', callId: 'c1', from: F });
  });
});

describe('inCallControls: the one place the in-call controls are decided', () => {
  it.each([
    ['talking', false, ['mute', 'hold']],
    ['talking', true, ['unmute', 'hold']],
    ['held', false, ['mute', 'resume']],
    ['consulting', true, ['unmute']],
    ['conference', false, ['mute']],
    ['calling', false, []],
    ['transferring', false, []],
  ] as const)('%s (muted: %s) offers %j', (state, muted, controls) => {
    expect(inCallControls(state, muted)).toEqual(controls);
  });
});
