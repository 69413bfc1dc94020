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
