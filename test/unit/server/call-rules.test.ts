import { describe, expect, it } from 'vitest';
import { legEventRule, type RuleCall } from '../../../server/calls/rules';
import { TERMINAL_STATUSES } from '../../../server/webhooks/call-log';

const ringing = (mode: 'connect' | 'dial', over: Partial<NonNullable<RuleCall['attempt']>> = {}): RuleCall => ({
  uuid: 'caller',
  ended: false,
  mode,
  attempt: { agent: 'Jane', phone: null, legUuid: 'leg-1', answered: false, ...over },
});

describe('legEventRule: the caller\'s own leg', () => {
  it.each([...TERMINAL_STATUSES])('%s ends the call once', (status) => {
    expect(legEventRule(ringing('connect'), { uuid: 'caller', status, to: null })).toEqual({ bind: false, action: 'caller-gone' });
    expect(legEventRule({ ...ringing('connect'), ended: true }, { uuid: 'caller', status, to: null })).toEqual({ bind: false, action: 'none' });
  });
  it.each(['started', 'ringing', 'answered', 'human'])('%s changes nothing', (status) => {
    expect(legEventRule(ringing('dial'), { uuid: 'caller', status, to: null }).action).toBe('none');
  });
});

describe('legEventRule: the leg ringing now', () => {
  for (const mode of ['connect', 'dial'] as const) {
    it(`${mode}: answered → agent-answered, then its end → agent-finished`, () => {
      expect(legEventRule(ringing(mode), { uuid: 'leg-1', status: 'answered', to: 'Jane' })).toEqual({ bind: false, action: 'agent-answered' });
      expect(legEventRule(ringing(mode, { answered: true }), { uuid: 'leg-1', status: 'answered', to: 'Jane' }).action).toBe('none');
      expect(legEventRule(ringing(mode, { answered: true }), { uuid: 'leg-1', status: 'completed', to: 'Jane' }).action).toBe('agent-finished');
    });
    it.each([...TERMINAL_STATUSES])(`${mode}: %s before an answer → attempt-failed`, (status) => {
      expect(legEventRule(ringing(mode), { uuid: 'leg-1', status, to: 'Jane' }).action).toBe('attempt-failed');
    });
    it(`${mode}: progress of the current leg changes nothing`, () => {
      expect(legEventRule(ringing(mode), { uuid: 'leg-1', status: 'ringing', to: 'Jane' }).action).toBe('none');
    });
  }
});

describe('legEventRule: binding a leg nobody knew yet', () => {
  it('binds a first event naming the target of an attempt with no leg (either mode, any case)', () => {
    for (const mode of ['connect', 'dial'] as const) {
      expect(legEventRule(ringing(mode, { legUuid: null }), { uuid: 'new', status: 'ringing', to: 'jane' })).toEqual({ bind: true, action: 'none' });
      expect(legEventRule(ringing(mode, { legUuid: null }), { uuid: 'new', status: 'rejected', to: 'Jane' })).toEqual({ bind: true, action: 'attempt-failed' });
    }
    expect(legEventRule({ ...ringing('dial'), attempt: { agent: null, phone: '14155550100', legUuid: null, answered: false } }, { uuid: 'p', status: 'answered', to: '14155550100' })).toEqual({ bind: true, action: 'agent-answered' });
  });
  it('does not bind a leg to an attempt for someone else', () => {
    expect(legEventRule(ringing('connect', { legUuid: null }), { uuid: 'new', status: 'ringing', to: 'Joe' })).toEqual({ bind: false, action: 'none' });
  });
});

describe('legEventRule: legs the call moved on from', () => {
  it('hangs up a stale leg still ringing in dial mode, and leaves its end alone', () => {
    expect(legEventRule(ringing('dial'), { uuid: 'old', status: 'ringing', to: 'Joe' }).action).toBe('hangup-stale-leg');
    expect(legEventRule(ringing('dial'), { uuid: 'old', status: 'started', to: 'Joe' }).action).toBe('hangup-stale-leg');
    expect(legEventRule(ringing('dial'), { uuid: 'old', status: 'completed', to: 'Joe' }).action).toBe('none');
    expect(legEventRule(ringing('dial'), { uuid: 'old', status: 'answered', to: 'Joe' }).action).toBe('none');
  });
  it('in connect mode the platform ends the old leg itself; after a blind transfer the old agent leaving does not hang the caller up', () => {
    expect(legEventRule(ringing('connect'), { uuid: 'old', status: 'ringing', to: 'Joe' }).action).toBe('none');
    // Jane transferred to Joe: Joe's attempt is current, Jane's leg ends.
    const transferred: RuleCall = { ...ringing('connect'), attempt: { agent: 'Joe', phone: null, legUuid: 'joe-leg', answered: true } };
    expect(legEventRule(transferred, { uuid: 'leg-1', status: 'completed', to: 'Jane' }).action).toBe('none');
  });
  it('with no attempt at all (voicemail, a phone connect) nothing happens', () => {
    expect(legEventRule({ ...ringing('connect'), attempt: null }, { uuid: 'x', status: 'completed', to: 'Jane' })).toEqual({ bind: false, action: 'none' });
  });
});

describe('legEventRule: a consulted party (warm transfer, conference)', () => {
  const consulting = (mode: 'connect' | 'dial', over: Partial<NonNullable<RuleCall['consult']>> = {}): RuleCall => ({
    ...ringing(mode, { answered: true }),
    consult: { agent: 'Joe', phone: null, legUuid: 'leg-2', answered: false, state: 'consulting', ...over },
  });

  it('binds the party\'s first event by whom it rings, in either mode, never as a stale leg', () => {
    for (const mode of ['connect', 'dial'] as const) {
      expect(legEventRule(consulting(mode, { legUuid: null }), { uuid: 'new', status: 'ringing', to: 'joe' })).toEqual({ bind: false, bindConsult: true, action: 'none' });
      expect(legEventRule(consulting(mode, { legUuid: null }), { uuid: 'new', status: 'answered', to: 'Joe' })).toEqual({ bind: false, bindConsult: true, action: 'consult-answered' });
    }
    // A phone party is found by its number.
    expect(legEventRule(consulting('dial', { agent: null, phone: '14155550177', legUuid: null }), { uuid: 'p', status: 'timeout', to: '14155550177' }).action).toBe('consult-failed');
  });

  it('answered, then the end: answered once, failed before the answer, left after it', () => {
    expect(legEventRule(consulting('dial'), { uuid: 'leg-2', status: 'answered', to: 'Joe' }).action).toBe('consult-answered');
    expect(legEventRule(consulting('dial', { answered: true }), { uuid: 'leg-2', status: 'answered', to: 'Joe' }).action).toBe('none');
    for (const status of ['rejected', 'timeout', 'busy', 'failed', 'cancelled', 'unanswered']) {
      expect(legEventRule(consulting('connect'), { uuid: 'leg-2', status, to: 'Joe' }).action).toBe('consult-failed');
    }
    expect(legEventRule(consulting('connect', { answered: true }), { uuid: 'leg-2', status: 'completed', to: 'Joe' }).action).toBe('consult-left');
    expect(legEventRule(consulting('connect', { answered: true, state: 'conference' }), { uuid: 'leg-2', status: 'completed', to: 'Joe' }).action).toBe('consult-left');
    expect(legEventRule(consulting('dial'), { uuid: 'leg-2', status: 'ringing', to: 'Joe' }).action).toBe('none');
  });

  it('the owner hanging up hands the caller to the party instead of hanging the caller up', () => {
    expect(legEventRule(consulting('connect'), { uuid: 'leg-1', status: 'completed', to: 'Jane' }).action).toBe('owner-left-to-consult');
    expect(legEventRule(consulting('dial', { answered: true, state: 'conference' }), { uuid: 'leg-1', status: 'completed', to: 'Jane' }).action).toBe('owner-left-to-consult');
    expect(legEventRule({ ...consulting('dial'), consult: null }, { uuid: 'leg-1', status: 'completed', to: 'Jane' }).action).toBe('agent-finished');
  });

  it('the caller hanging up is still the caller leaving', () => {
    expect(legEventRule(consulting('connect'), { uuid: 'caller', status: 'completed', to: null }).action).toBe('caller-gone');
  });
});
