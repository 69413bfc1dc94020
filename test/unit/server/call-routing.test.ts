/**
 * The call model's routing decisions as pure functions (`server/calls/routing.ts`), for every
 * flow that routes: inbound (connect, default agent), IVR (an explicit agent), whisper (fixed
 * agent or phone, waiting for an agent), and queues (arrival rules, dispatch).
 */
import { describe, expect, it } from 'vitest';
import {
  afterReservation,
  dispatchRequest,
  fallbackTarget,
  MAX_REDIRECTS,
  mayOfferAgent,
  offerPlan,
  queueArrival,
  redirectAllowed,
  RETRY_AFTER_MS,
  servingCount,
  type OfferCall,
} from '../../../server/calls/routing';

const inbound = (over: Partial<OfferCall> = {}): OfferCall => ({
  ended: false,
  ringing: false,
  mode: 'connect',
  attempts: 1,
  maxAttempts: 3,
  tried: ['jane'],
  defaultAgent: null,
  fixed: null,
  waitUntil: null,
  ...over,
});
const whisper = (over: Partial<OfferCall> = {}): OfferCall => inbound({ mode: 'dial', attempts: 0, tried: [], fixed: { type: 'agent', agent: 'Jane' }, waitUntil: 60_000, ...over });

describe('offerPlan: whom to offer a call to next', () => {
  it('offers nothing for a call that ended or is ringing someone', () => {
    expect(offerPlan(inbound({ ended: true }))).toEqual({ kind: 'none' });
    expect(offerPlan(inbound({ ringing: true }))).toEqual({ kind: 'none' });
  });

  it('inbound: asks presence for an agent not tried yet, the default agent first', () => {
    expect(offerPlan(inbound())).toEqual({ kind: 'reserve', prefer: undefined, exclude: ['jane'] });
    expect(offerPlan(inbound({ defaultAgent: 'Joe' }))).toEqual({ kind: 'reserve', prefer: 'Joe', exclude: ['jane'] });
  });

  it('gives up for the fallback after max_attempts offers', () => {
    expect(offerPlan(inbound({ attempts: 3 }))).toEqual({ kind: 'fallback', outcome: 'no-answer' });
    expect(offerPlan(inbound({ attempts: 2 })).kind).toBe('reserve');
  });

  it('whisper: the fixed agent first; a fixed phone is dialled once, then the fallback', () => {
    expect(offerPlan(whisper())).toEqual({ kind: 'reserve', prefer: 'Jane', exclude: [] });
    expect(offerPlan(whisper({ fixed: { type: 'phone', number: '14155550177' } }))).toEqual({ kind: 'dial-phone', number: '14155550177' });
    expect(offerPlan(whisper({ fixed: { type: 'phone', number: '14155550177' }, attempts: 1 }))).toEqual({ kind: 'fallback', outcome: 'no-answer' });
  });
});

describe('afterReservation: the step once presence answered', () => {
  it('rings the reserved agent by the call\'s mode: connect (inbound, IVR) or a placed call (whisper, queue)', () => {
    expect(afterReservation(inbound(), 'Joe', 0)).toEqual({ kind: 'connect', agent: 'Joe' });
    expect(afterReservation(whisper(), 'Joe', 0)).toEqual({ kind: 'dial', agent: 'Joe' });
  });

  it('with nobody free: waits while the whisper\'s wait lasts, then takes the fallback; inbound does not wait', () => {
    expect(afterReservation(whisper(), null, 59_999)).toEqual({ kind: 'wait' });
    expect(afterReservation(whisper(), null, 60_000)).toEqual({ kind: 'fallback', outcome: 'no-answer' });
    expect(afterReservation(inbound(), null, 0)).toEqual({ kind: 'fallback', outcome: 'no-answer' });
  });
});

describe('fallbacks and redirects', () => {
  it('the number\'s fallback once, then a goodbye', () => {
    const fallback = { type: 'voicemail' } as const;
    expect(fallbackTarget({ fallbackUsed: false, fallback })).toBe(fallback);
    expect(fallbackTarget({ fallbackUsed: true, fallback })).toEqual({ type: 'disconnect' });
  });

  it(`allows ${MAX_REDIRECTS} redirects, not one more`, () => {
    expect(redirectAllowed(MAX_REDIRECTS)).toBe(true);
    expect(redirectAllowed(MAX_REDIRECTS + 1)).toBe(false);
  });

  it('an explicit agent (IVR option) is offered the call unless tried on it already', () => {
    expect(mayOfferAgent({ tried: [] }, 'Jane')).toBe(true);
    expect(mayOfferAgent({ tried: ['jane'] }, 'Jane')).toBe(false);
    expect(mayOfferAgent({ tried: ['joe'] }, 'Jane')).toBe(true);
  });
});

describe('queues', () => {
  const settings = { max_length: 2, on_no_agents: { type: 'voicemail' } as const, on_overflow: { type: 'queue', queue: 'overflow' } as const };

  it('arrival: no agent serving → no-agents target; a full line → overflow; else the end of the line', () => {
    expect(queueArrival(settings, { serving: 0, waiting: 0 })).toEqual({ kind: 'no-agents', target: settings.on_no_agents });
    expect(queueArrival(settings, { serving: 1, waiting: 2 })).toEqual({ kind: 'overflow', target: settings.on_overflow });
    expect(queueArrival(settings, { serving: 1, waiting: 1 })).toEqual({ kind: 'enqueue', position: 2 });
  });

  it('serving: the queue\'s agents (everyone when it names none) who are available, busy or in wrap-up', () => {
    const agents = [
      { name: 'Jane', status: 'available' },
      { name: 'Joe', status: 'busy' },
      { name: 'Ann', status: 'wrap-up' },
      { name: 'Bob', status: 'away' },
      { name: 'Cy', status: 'offline' },
    ];
    expect(servingCount(agents, [])).toBe(3);
    expect(servingCount(agents, ['joe', 'bob'])).toBe(1);
    expect(servingCount(agents, ['Bob', 'Cy'])).toBe(0);
  });

  it('dispatch asks for the queue\'s agents, less those who declined this caller within the pause', () => {
    const now = Date.parse('2026-03-02T09:00:00.000Z');
    const declined = { jane: new Date(now - RETRY_AFTER_MS + 1).toISOString(), joe: new Date(now - RETRY_AFTER_MS).toISOString() };
    expect(dispatchRequest({ declined }, ['Jane', 'Joe'], now)).toEqual({ exclude: ['jane'], members: ['jane', 'joe'] });
    expect(dispatchRequest({ declined: {} }, [], now)).toEqual({ exclude: [], members: [] });
  });
});
