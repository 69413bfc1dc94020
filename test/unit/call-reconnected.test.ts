import { describe, expect, it } from 'vitest';
import { noCalls, reduceCalls, summarize } from '../../common/call-state';

describe('a call taken up again after the renderer restarted', () => {
  it('becomes the active call with its original answer time', () => {
    const state = reduceCalls(noCalls, { type: 'reconnected', callId: 'leg-1', from: '14155550100', answeredAt: 1_000 });
    expect(state.calls['leg-1']).toEqual({ kind: 'active', callId: 'leg-1', from: '14155550100', answeredAt: 1_000, muted: false });
    expect(summarize(state)).toMatchObject({ phase: 'active', callId: 'leg-1', since: 1_000, state: 'talking' });
  });

  it('changes nothing for a call the renderer already has', () => {
    const ringing = reduceCalls(noCalls, { type: 'invite', callId: 'leg-1', from: 'x', at: 1 });
    expect(reduceCalls(ringing, { type: 'reconnected', callId: 'leg-1', from: 'x', answeredAt: 2 })).toBe(ringing);
  });
});
