import { describe, expect, it } from 'vitest';
import { idle, reduceCall, summarize, type CallEvent, type CallState } from '../../common/call-state';

const run = (events: CallEvent[], from: CallState = idle) => events.reduce(reduceCall, from);
const invite: CallEvent = { type: 'invite', callId: 'c1', from: '+14155550100', at: 1 };

describe('call-state reducer', () => {
  it('rings on invite and becomes active when answered', () => {
    const ringing = run([invite]);
    expect(ringing).toMatchObject({ kind: 'ringing', callId: 'c1', from: '+14155550100' });
    expect(summarize(ringing)).toEqual({ phase: 'ringing', callId: 'c1', from: '+14155550100' });
    const active = run([{ type: 'answer-requested', callId: 'c1' }, { type: 'answered', callId: 'c1', at: 5 }], ringing);
    expect(active).toEqual({ kind: 'active', callId: 'c1', from: '+14155550100', answeredAt: 5 });
    expect(summarize(active)).toEqual({ phase: 'active', callId: 'c1', from: '+14155550100', since: 5 });
  });

  it('ends as completed after a hang-up of an answered call', () => {
    const ended = run([
      invite,
      { type: 'answered', callId: 'c1', at: 2 },
      { type: 'hangup-requested', callId: 'c1' },
      { type: 'hung-up', callId: 'c1', at: 9 },
    ]);
    expect(ended).toMatchObject({ kind: 'ended', reason: 'completed', endedAt: 9 });
    expect(summarize(ended)).toEqual({ phase: 'idle' });
    expect(reduceCall(ended, { type: 'dismiss' })).toEqual(idle);
  });

  it('ends as declined when the agent declines a ringing call', () => {
    const ended = run([invite, { type: 'decline-requested', callId: 'c1' }, { type: 'hung-up', callId: 'c1', at: 3 }]);
    expect(ended).toMatchObject({ kind: 'ended', reason: 'declined' });
  });

  it('ends as missed when the caller gives up first', () => {
    const ended = run([invite, { type: 'invite-cancelled', callId: 'c1', reason: 'missed', at: 4 }]);
    expect(ended).toMatchObject({ kind: 'ended', reason: 'missed' });
  });

  it('reports a failed answer with its message', () => {
    const ended = run([invite, { type: 'answer-requested', callId: 'c1' }, { type: 'answer-failed', callId: 'c1', message: 'no mic' }]);
    expect(ended).toMatchObject({ kind: 'ended', reason: 'failed', message: 'no mic' });
  });

  it('ignores events for another call and a second invite while busy', () => {
    const ringing = run([invite]);
    expect(reduceCall(ringing, { type: 'answered', callId: 'other', at: 1 })).toBe(ringing);
    expect(reduceCall(ringing, { ...invite, callId: 'c2' })).toBe(ringing);
  });

  it('accepts a new invite once the previous call has ended', () => {
    const ended = run([invite, { type: 'invite-cancelled', callId: 'c1', reason: 'missed', at: 4 }]);
    expect(reduceCall(ended, { ...invite, callId: 'c2' })).toMatchObject({ kind: 'ringing', callId: 'c2' });
  });

  it('does not leave idle on stray events', () => {
    expect(reduceCall(idle, { type: 'dismiss' })).toBe(idle);
    expect(reduceCall(idle, { type: 'hung-up', callId: 'x', at: 1 })).toBe(idle);
  });
});

describe('call-state reducer: outbound calls', () => {
  const dial: CallEvent = { type: 'dial-requested', to: '+14155550100', at: 10 };

  it('dials, connects, rings and becomes active when the phone answers', () => {
    const dialing = run([dial]);
    expect(dialing).toEqual({ kind: 'dialing', from: '+14155550100', requestedAt: 10 });
    expect(summarize(dialing)).toEqual({ phase: 'idle' });
    const outgoing = reduceCall(dialing, { type: 'dial-started', callId: 'o1', at: 11 });
    expect(outgoing).toEqual({ kind: 'outgoing', callId: 'o1', from: '+14155550100', phase: 'connecting', startedAt: 11 });
    // The hang-up shortcut must reach a call being placed, and nothing rings.
    expect(summarize(outgoing)).toEqual({ phase: 'active', callId: 'o1', from: '+14155550100', since: 11 });
    const ringing = reduceCall(outgoing, { type: 'remote-ringing', callId: 'o1' });
    expect(ringing).toMatchObject({ kind: 'outgoing', phase: 'ringing' });
    const active = reduceCall(ringing, { type: 'remote-answered', callId: 'o1', at: 15 });
    expect(active).toEqual({ kind: 'active', callId: 'o1', from: '+14155550100', answeredAt: 15, outbound: true });
    expect(summarize(active)).toEqual({ phase: 'active', callId: 'o1', from: '+14155550100', since: 15 });
  });

  it('ends as completed when an answered outbound call is hung up, by either side', () => {
    const active: CallState = { kind: 'active', callId: 'o1', from: '+14155550100', answeredAt: 15, outbound: true };
    expect(run([{ type: 'hangup-requested', callId: 'o1' }, { type: 'hung-up', callId: 'o1', at: 20 }], active)).toMatchObject({ kind: 'ended', reason: 'completed' });
    expect(reduceCall(active, { type: 'hung-up', callId: 'o1', at: 20 })).toMatchObject({ kind: 'ended', reason: 'completed', from: '+14155550100' });
  });

  it('ends as cancelled when the agent hangs up before the phone answers', () => {
    const ended = run([dial, { type: 'dial-started', callId: 'o1', at: 11 }, { type: 'remote-ringing', callId: 'o1' }, { type: 'hangup-requested', callId: 'o1' }, { type: 'hung-up', callId: 'o1', at: 13 }]);
    expect(ended).toMatchObject({ kind: 'ended', reason: 'cancelled', endedAt: 13 });
  });

  it('ends as no-answer when the phone does not answer or refuses', () => {
    const ended = run([dial, { type: 'dial-started', callId: 'o1', at: 11 }, { type: 'remote-ringing', callId: 'o1' }, { type: 'hung-up', callId: 'o1', at: 31 }]);
    expect(ended).toMatchObject({ kind: 'ended', reason: 'no-answer' });
  });

  it('ends as failed, with the message, when the call cannot be placed', () => {
    const ended = run([dial, { type: 'dial-failed', message: 'Could not place the call: offline', at: 12 }]);
    expect(ended).toEqual({ kind: 'ended', callId: '', from: '+14155550100', reason: 'failed', endedAt: 12, message: 'Could not place the call: offline' });
    expect(reduceCall(ended, { type: 'dismiss' })).toBe(idle);
  });

  it('does not dial over a call, nor take an invite while dialing', () => {
    const ringing = run([invite]);
    expect(reduceCall(ringing, dial)).toBe(ringing);
    const dialing = run([dial]);
    expect(reduceCall(dialing, invite)).toBe(dialing);
    const outgoing = reduceCall(dialing, { type: 'dial-started', callId: 'o1', at: 11 });
    expect(reduceCall(outgoing, invite)).toBe(outgoing);
    expect(reduceCall(outgoing, dial)).toBe(outgoing);
  });

  it('ignores stray outbound events', () => {
    expect(reduceCall(idle, { type: 'dial-started', callId: 'o1', at: 1 })).toBe(idle);
    expect(reduceCall(idle, { type: 'remote-answered', callId: 'o1', at: 1 })).toBe(idle);
    const outgoing = run([dial, { type: 'dial-started', callId: 'o1', at: 11 }]);
    expect(reduceCall(outgoing, { type: 'remote-answered', callId: 'other', at: 12 })).toBe(outgoing);
    expect(reduceCall(outgoing, { type: 'dial-failed', message: 'late', at: 12 })).toBe(outgoing);
    expect(reduceCall(run([dial]), { type: 'hung-up', callId: '', at: 12 })).toMatchObject({ kind: 'dialing' });
    // An inbound call's answer events do not apply to an outbound call.
    expect(reduceCall(outgoing, { type: 'answered', callId: 'o1', at: 12 })).toBe(outgoing);
  });
});
