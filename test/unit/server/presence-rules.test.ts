/**
 * The presence rules on their own: (row, legs, event) → (row, legs, timers), no database.
 */
import { describe, expect, it } from 'vitest';
import {
  applyPresenceEvent,
  initialState,
  PresenceTransitionError,
  TRANSITIONS,
  type AgentStatus,
  type LegState,
  type PresenceEvent,
  type PresenceOutcome,
  type PresenceState,
} from '../../../server/agents/presence-rules';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const STATUSES: AgentStatus[] = ['available', 'busy', 'away', 'wrap-up', 'offline'];

/** An agent whose row and legs move through events, with time moving only when told. */
class Agent {
  state: PresenceState;
  legs: LegState[] = [];
  clockS = 0;
  last: PresenceOutcome | null = null;

  constructor(
    readonly settings: { wrapUpS: number; graceS: number } = { wrapUpS: 30, graceS: 30 },
    state: Partial<PresenceState> = {},
  ) {
    this.state = { ...initialState(at(0)), ...state };
  }

  /** Apply an event at the current time; keeps the result. */
  on(event: PresenceEvent): PresenceOutcome {
    const outcome = applyPresenceEvent(this.state, this.legs, event, { now: at(this.clockS), ...this.settings });
    this.state = outcome.state;
    for (const leg of outcome.legs) {
      const i = this.legs.findIndex((l) => l.uuid === leg.uuid);
      if (i >= 0) this.legs[i] = leg;
      else this.legs.push(leg);
    }
    this.last = outcome;
    return outcome;
  }

  leg(uuid: string, status: string, atS = this.clockS): PresenceOutcome {
    return this.on({ type: 'leg', uuid, status, at: at(atS) });
  }

  advance(seconds: number): this {
    this.clockS += seconds;
    return this;
  }

  /** Fire the wrap-up timer the row expects. */
  wrapUpOver(): PresenceOutcome {
    return this.on({ type: 'wrap-up-over', endsAt: this.state.wrapUpEndsAt ?? 'none' });
  }

  graceOver(connected = false): PresenceOutcome {
    return this.on({ type: 'grace-over', endsAt: this.state.graceEndsAt ?? 'none', connected });
  }

  get live(): string[] {
    return this.legs.filter((l) => !l.ended).map((l) => l.uuid);
  }
}

/** An agent who connected and is available since t=0. */
function available(settings?: { wrapUpS: number; graceS: number }): Agent {
  const agent = new Agent(settings);
  agent.on({ type: 'connected' });
  return agent;
}

describe('presence rules: statuses and transitions', () => {
  it('starts offline; connecting makes an offline agent available, idle from now', () => {
    const agent = new Agent();
    expect(agent.state).toMatchObject({ status: 'offline', since: at(0), idleSince: null });
    agent.advance(5);
    const outcome = agent.on({ type: 'connected' });
    expect(outcome).toMatchObject({ dirty: true, reason: 'connected', timers: [] });
    expect(agent.state).toMatchObject({ status: 'available', since: at(5), idleSince: at(5), wrapUpEndsAt: null });
  });

  it.each(STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const)))('set %s → %s follows the table', (from, to) => {
    const agent = new Agent({ wrapUpS: 30, graceS: 30 }, { status: from, wrapUpEndsAt: from === 'wrap-up' ? at(30) : null });
    const event: PresenceEvent = { type: 'set', status: to, reason: 'admin' };
    if (from === to) {
      expect(agent.on(event)).toMatchObject({ dirty: false, reason: null });
    } else if (TRANSITIONS[from].includes(to)) {
      expect(agent.on(event).reason).toBe('admin');
      expect(agent.state.status).toBe(to);
    } else {
      // Wrap-up only follows a call: nobody jumps into it from available, away or offline.
      expect(to).toBe('wrap-up');
      expect(() => agent.on(event)).toThrow(PresenceTransitionError);
    }
  });

  it('every status but wrap-up can be reached from every other', () => {
    for (const from of STATUSES) {
      for (const to of STATUSES) if (from !== to && to !== 'wrap-up') expect(TRANSITIONS[from]).toContain(to);
    }
    expect(STATUSES.filter((s) => TRANSITIONS[s].includes('wrap-up'))).toEqual(['busy']);
  });

  it('lets the agent choose available or away, but not while busy', () => {
    const agent = available();
    agent.on({ type: 'choose', status: 'away' });
    expect(agent.state).toMatchObject({ status: 'away', idleSince: null });
    agent.advance(10).on({ type: 'choose', status: 'available' });
    expect(agent.state).toMatchObject({ status: 'available', idleSince: at(10) });
    expect(agent.on({ type: 'choose', status: 'available' }).dirty).toBe(false);
    agent.leg('l', 'ringing');
    expect(() => agent.on({ type: 'choose', status: 'away' })).toThrow(/on a call/);
    expect(() => agent.on({ type: 'choose', status: 'available' })).toThrow(PresenceTransitionError);
  });

  it('lets an offline agent choose a status', () => {
    const agent = new Agent();
    agent.on({ type: 'choose', status: 'away' });
    expect(agent.state.status).toBe('away');
  });
});

describe('presence rules: calls', () => {
  it('makes a ringing agent busy, and a missed call returns them exactly where they were', () => {
    const agent = available();
    agent.advance(60);
    expect(agent.leg('leg-1', 'ringing')).toMatchObject({ reason: 'call', legs: [{ uuid: 'leg-1', answered: false, ended: false }] });
    expect(agent.state).toMatchObject({ status: 'busy', since: at(60), idleSince: null, beforeCall: { status: 'available', idleSince: at(0) } });
    agent.advance(5);
    agent.leg('leg-1', 'rejected');
    expect(agent.state).toMatchObject({ status: 'available', idleSince: at(0), wrapUpEndsAt: null, beforeCall: null, resumeStatus: null });
    expect(agent.live).toEqual([]);
  });

  it.each(['rejected', 'timeout', 'cancelled', 'unanswered', 'busy', 'failed', 'completed'])('treats an unanswered leg ending %s as missed', (status) => {
    const agent = available();
    agent.advance(30).leg('l', 'started');
    agent.advance(1).leg('l', 'ringing');
    agent.advance(10).leg('l', status);
    expect(agent.state).toMatchObject({ status: 'available', idleSince: at(0) });
  });

  it.each(['away', 'offline'] as const)('returns an %s agent whose leg rang there after a missed call', (status) => {
    const agent = new Agent(undefined, { status });
    agent.leg('l', 'ringing');
    expect(agent.state).toMatchObject({ status: 'busy', resumeStatus: status });
    agent.leg('l', 'timeout');
    expect(agent.state).toMatchObject({ status, idleSince: null });
  });

  it('puts an agent into wrap-up after an answered call, then back to available idle since the call ended', () => {
    const agent = available({ wrapUpS: 30, graceS: 30 });
    agent.leg('leg-1', 'ringing');
    expect(agent.leg('leg-1', 'answered').reason).toBeNull(); // still busy: nothing visible changed
    agent.advance(120);
    const over = agent.leg('leg-1', 'completed', 119);
    expect(agent.state).toMatchObject({ status: 'wrap-up', since: at(120), wrapUpEndsAt: at(150), resumeStatus: 'available', lastCallEndedAt: at(119) });
    expect(over.timers).toEqual([{ timer: 'wrap-up', at: at(150) }]);
    agent.advance(30);
    const ended = agent.wrapUpOver();
    expect(ended).toMatchObject({ reason: 'wrap-up ended', timers: [{ timer: 'wrap-up', at: null }] });
    expect(agent.state).toMatchObject({ status: 'available', since: at(150), idleSince: at(119), wrapUpEndsAt: null, resumeStatus: null });
  });

  it('ignores late events for a finished leg', () => {
    const agent = available();
    agent.leg('leg-1', 'answered');
    agent.leg('leg-1', 'completed');
    agent.wrapUpOver();
    for (const status of ['ringing', 'answered', 'completed', 'started']) {
      expect(agent.leg('leg-1', status)).toMatchObject({ dirty: false, legs: [], timers: [] });
    }
    expect(agent.state.status).toBe('available');
  });

  it('ignores statuses that neither progress nor end a leg', () => {
    const agent = available();
    for (const status of ['disconnected', 'human', 'machine', 'input', 'transfer']) expect(agent.leg('x', status)).toMatchObject({ dirty: false, legs: [] });
  });

  it('returns an away agent to away after the call and its wrap-up', () => {
    const agent = new Agent(undefined, { status: 'away' });
    agent.leg('out-1', 'answered');
    agent.leg('out-1', 'completed');
    expect(agent.state).toMatchObject({ status: 'wrap-up', resumeStatus: 'away' });
    agent.advance(30).wrapUpOver();
    expect(agent.state).toMatchObject({ status: 'away', idleSince: null });
  });

  it('lets the agent end wrap-up early: available idle since the call ended, or away', () => {
    const agent = available();
    agent.leg('in-2', 'answered');
    agent.advance(40).leg('in-2', 'completed');
    agent.advance(5);
    const chosen = agent.on({ type: 'choose', status: 'available' });
    expect(agent.state).toMatchObject({ status: 'available', idleSince: at(40), wrapUpEndsAt: null });
    expect(chosen.timers).toEqual([{ timer: 'wrap-up', at: null }]);

    const away = new Agent(undefined, { status: 'away' });
    away.leg('l', 'answered');
    away.leg('l', 'completed');
    away.on({ type: 'choose', status: 'available' });
    // The agent's choice replaces where the wrap-up would have gone.
    expect(away.state).toMatchObject({ status: 'available', resumeStatus: null });
  });

  it('skips wrap-up when it is configured to 0 seconds', () => {
    const agent = available({ wrapUpS: 0, graceS: 30 });
    agent.leg('l', 'answered');
    agent.advance(20);
    const outcome = agent.leg('l', 'completed');
    expect(agent.state).toMatchObject({ status: 'available', idleSince: at(20) });
    expect(outcome.timers).toEqual([]);
  });

  it('stays busy until the last of two legs ends', () => {
    const agent = available();
    agent.leg('a', 'answered');
    agent.leg('b', 'ringing');
    agent.leg('b', 'timeout');
    expect(agent.state.status).toBe('busy');
    expect(agent.live).toEqual(['a']);
    agent.leg('a', 'completed');
    expect(agent.state.status).toBe('wrap-up');
  });

  it('counts a leg answered earlier when its next progress event does not say so', () => {
    const agent = available();
    agent.leg('a', 'answered');
    agent.leg('a', 'ringing'); // out of order
    expect(agent.legs).toEqual([{ uuid: 'a', answered: true, ended: false }]);
    agent.leg('a', 'completed');
    expect(agent.state.status).toBe('wrap-up');
  });

  it('ends a busy agent with no live legs on any terminal event', () => {
    const agent = available();
    agent.on({ type: 'set', status: 'busy', reason: 'admin' });
    agent.leg('never-seen', 'completed');
    expect(agent.state).toMatchObject({ status: 'available', idleSince: at(0) });
    expect(agent.legs).toEqual([{ uuid: 'never-seen', answered: false, ended: true }]);
  });

  it('notes an ended leg of an agent who is not busy without changing their status', () => {
    const agent = available();
    expect(agent.leg('stray', 'completed')).toMatchObject({ dirty: false, reason: null, legs: [{ uuid: 'stray', ended: true }] });
    expect(agent.leg('stray', 'answered').dirty).toBe(false);
  });

  it('returns a missed call during wrap-up to the rest of that wrap-up, keeping where it leads', () => {
    const agent = new Agent(undefined, { status: 'away' });
    agent.leg('first', 'answered');
    agent.leg('first', 'completed');
    expect(agent.state).toMatchObject({ status: 'wrap-up', wrapUpEndsAt: at(30), resumeStatus: 'away' });
    agent.advance(10).leg('out', 'ringing');
    expect(agent.state).toMatchObject({ status: 'busy', beforeCall: { status: 'wrap-up', wrapUpEndsAt: at(30) }, resumeStatus: 'away' });
    const back = agent.advance(5).leg('out', 'timeout');
    expect(agent.state).toMatchObject({ status: 'wrap-up', wrapUpEndsAt: at(30), resumeStatus: 'away' });
    expect(back.timers).toEqual([{ timer: 'wrap-up', at: at(30) }]);
    agent.advance(15).wrapUpOver();
    expect(agent.state.status).toBe('away');
  });

  it('returns a missed call that outlasted the wrap-up to where the wrap-up led, idle since the earlier call', () => {
    const agent = available();
    agent.leg('first', 'answered');
    agent.advance(2).leg('first', 'completed');
    agent.advance(10).leg('second', 'ringing');
    agent.advance(60).leg('second', 'timeout');
    expect(agent.state).toMatchObject({ status: 'available', idleSince: at(2), wrapUpEndsAt: null });
  });

  it('takes a new answered call during wrap-up to a fresh wrap-up', () => {
    const agent = available();
    agent.leg('first', 'answered');
    agent.leg('first', 'completed');
    agent.advance(10).leg('out', 'answered');
    agent.advance(10).leg('out', 'completed');
    expect(agent.state).toMatchObject({ status: 'wrap-up', wrapUpEndsAt: at(50), lastCallEndedAt: at(20) });
  });

  it('ignores a wrap-up timer that no longer matches the row', () => {
    const agent = available();
    agent.leg('l', 'answered');
    agent.leg('l', 'completed');
    expect(agent.on({ type: 'wrap-up-over', endsAt: at(29) }).dirty).toBe(false);
    agent.on({ type: 'choose', status: 'away' });
    expect(agent.on({ type: 'wrap-up-over', endsAt: at(30) }).dirty).toBe(false);
    expect(agent.state.status).toBe('away');
  });
});

describe('presence rules: connections and grace', () => {
  it('arms the grace period when the last connection goes, and takes the agent offline when it runs out', () => {
    const agent = available({ wrapUpS: 30, graceS: 30 });
    const lost = agent.advance(1).on({ type: 'disconnected' });
    expect(lost).toMatchObject({ dirty: true, reason: null, timers: [{ timer: 'grace', at: at(31) }] });
    agent.advance(30);
    const over = agent.graceOver();
    expect(over).toMatchObject({ reason: 'disconnected', timers: [{ timer: 'grace', at: null }] });
    expect(agent.state).toMatchObject({ status: 'offline', graceEndsAt: null });
  });

  it('cancels the grace period when the agent comes back', () => {
    const agent = available();
    agent.on({ type: 'disconnected' });
    const back = agent.advance(29).on({ type: 'connected' });
    expect(back).toMatchObject({ reason: null, timers: [{ timer: 'grace', at: null }] });
    expect(agent.state).toMatchObject({ status: 'available', graceEndsAt: null, since: at(0) });
    // The cancelled timer firing anyway changes nothing.
    expect(agent.on({ type: 'grace-over', endsAt: at(30), connected: false }).dirty).toBe(false);
  });

  it('re-arms the grace period in full on a second loss', () => {
    const agent = available();
    agent.on({ type: 'disconnected' });
    agent.advance(10).on({ type: 'disconnected' });
    expect(agent.last?.timers).toEqual([{ timer: 'grace', at: at(40) }]);
    expect(agent.on({ type: 'grace-over', endsAt: at(30), connected: false }).dirty).toBe(false);
  });

  it('keeps an agent connected elsewhere when the grace timer fires', () => {
    const agent = available();
    agent.on({ type: 'disconnected' });
    agent.advance(30).graceOver(true);
    expect(agent.state).toMatchObject({ status: 'available', graceEndsAt: null });
  });

  it('gives an offline agent no grace period', () => {
    const agent = new Agent();
    expect(agent.on({ type: 'disconnected' })).toMatchObject({ dirty: false, timers: [] });
  });

  it('keeps a disconnected agent on their call and takes them offline when it ends', () => {
    const agent = available();
    agent.leg('l', 'answered');
    agent.on({ type: 'disconnected' });
    agent.advance(31).graceOver();
    expect(agent.state).toMatchObject({ status: 'busy', offlineAfterCall: true });
    const over = agent.leg('l', 'completed');
    expect(agent.state).toMatchObject({ status: 'offline', offlineAfterCall: false, beforeCall: null, resumeStatus: null });
    expect(over.timers).toEqual([]);
  });

  it('forgets going offline after the call when the agent reconnects during it', () => {
    const agent = available();
    agent.leg('l', 'answered');
    agent.on({ type: 'disconnected' });
    agent.advance(31).graceOver();
    agent.on({ type: 'connected' });
    expect(agent.state.offlineAfterCall).toBe(false);
    agent.leg('l', 'completed');
    expect(agent.state.status).toBe('wrap-up');
  });
});

describe('presence rules: admin changes and reservations', () => {
  it('takes a busy agent off their call: live legs end, the reservation goes, late events change nothing', () => {
    const agent = available();
    agent.state = { ...agent.state, reservedCall: 'call-1', reservedAt: at(0) };
    agent.leg('stuck', 'ringing');
    expect(agent.state.reservedCall).toBe('call-1'); // ringing keeps it
    agent.advance(600);
    const forced = agent.on({ type: 'set', status: 'available', reason: 'admin' });
    expect(forced).toMatchObject({ reason: 'admin', legs: [{ uuid: 'stuck', answered: false, ended: true }] });
    expect(agent.state).toMatchObject({ status: 'available', idleSince: at(600), reservedCall: null, reservedAt: null, beforeCall: null, answeredWhileBusy: false });
    expect(agent.leg('stuck', 'answered').dirty).toBe(false);
  });

  it('forces a busy agent into wrap-up (the call counts as ended now), or straight on with wrap-up at 0', () => {
    const agent = new Agent(undefined, { status: 'away' });
    agent.leg('l', 'answered');
    agent.advance(10).on({ type: 'set', status: 'wrap-up', reason: 'admin' });
    expect(agent.state).toMatchObject({ status: 'wrap-up', wrapUpEndsAt: at(40), resumeStatus: 'away', lastCallEndedAt: at(10) });
    expect(agent.live).toEqual([]);

    const quick = available({ wrapUpS: 0, graceS: 30 });
    quick.leg('l', 'answered');
    quick.advance(10).on({ type: 'set', status: 'wrap-up', reason: 'admin' });
    expect(quick.state).toMatchObject({ status: 'available', idleSince: at(10) });
  });

  it('frees the reservation when the leg is answered or ends, and when the agent goes offline', () => {
    const answered = available();
    answered.state = { ...answered.state, reservedCall: 'c', reservedAt: at(0) };
    answered.leg('l', 'answered');
    expect(answered.state.reservedCall).toBeNull();

    const declined = available();
    declined.state = { ...declined.state, reservedCall: 'c', reservedAt: at(0) };
    declined.leg('l', 'ringing');
    declined.leg('l', 'rejected');
    expect(declined.state).toMatchObject({ status: 'available', reservedCall: null });

    const leaving = available();
    leaving.state = { ...leaving.state, reservedCall: 'c', reservedAt: at(0) };
    leaving.on({ type: 'choose', status: 'away' });
    expect(leaving.state.reservedCall).toBe('c'); // the ring in progress goes on; routing releases it
    leaving.on({ type: 'set', status: 'offline', reason: 'logout' });
    expect(leaving.state.reservedCall).toBeNull();
  });

  it('forcing busy remembers where the agent stood', () => {
    const agent = available();
    agent.advance(5).on({ type: 'set', status: 'busy', reason: 'admin' });
    expect(agent.state).toMatchObject({ status: 'busy', beforeCall: { status: 'available', idleSince: at(0) }, resumeStatus: 'available' });
  });

  it('writes nothing for an event that changes nothing', () => {
    const agent = available();
    const before = agent.state;
    const outcome = agent.on({ type: 'connected' });
    expect(outcome).toMatchObject({ dirty: false, reason: null, legs: [], timers: [] });
    expect(outcome.state).toEqual(before);
  });
});
