import { describe, expect, it } from 'vitest';
import { Presence, PresenceTransitionError, type PresenceTimers } from '../../../server/agents/presence';
import type { AgentRecord, PresenceRecord, PresenceRepository } from '../../../server/storage/types';

/** A clock and timers that move only when the test says so. */
class FakeClock implements PresenceTimers {
  nowMs = Date.parse('2026-03-02T09:00:00.000Z');
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;

  now = () => new Date(this.nowMs);

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.nowMs + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Move time forward by `seconds`, firing due timers in order. */
  advance(seconds: number): void {
    const end = this.nowMs + seconds * 1000;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.nowMs = due[1].at;
      due[1].callback();
    }
    this.nowMs = end;
  }

  get pending(): number {
    return this.timers.size;
  }

  iso(offsetS = 0): string {
    return new Date(this.nowMs + offsetS * 1000).toISOString();
  }
}

/** Saved presence in memory. */
class MemoryPresenceRepository implements PresenceRepository {
  readonly records = new Map<string, PresenceRecord>();
  async list() {
    return [...this.records.values()];
  }
  async save(record: PresenceRecord) {
    this.records.set(record.agent_id, record);
  }
}

const agent = (id: string, name: string, disabled = false): AgentRecord => ({
  id,
  name,
  display_name: name,
  password_hash: 'x',
  disabled,
  created_at: '2026-01-01T00:00:00.000Z',
});

const JANE = agent('id-jane', 'Jane');
const JOE = agent('id-joe', 'Joe');
const DORA = agent('id-dora', 'Dora', true);

function setup(options: { wrapUpS?: number; graceS?: number } = {}) {
  const clock = new FakeClock();
  const repository = new MemoryPresenceRepository();
  const presence = new Presence({ repository, now: clock.now, wrapUpS: options.wrapUpS ?? 30, graceS: options.graceS ?? 30, timers: clock });
  presence.restore([JANE, JOE, DORA], []);
  const changes: string[] = [];
  presence.onChange((e) => changes.push(`${e.name}:${e.status}`));
  return { clock, repository, presence, changes };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('Presence', () => {
  it('starts every agent offline and goes available when the app connects', () => {
    const { presence, changes } = setup();
    expect(presence.list().map((e) => `${e.name}:${e.status}`)).toEqual(['Dora:offline', 'Jane:offline', 'Joe:offline']);
    presence.connect(JANE.id);
    expect(presence.get(JANE.id)).toMatchObject({ status: 'available', wrapUpEndsAt: null });
    expect(changes).toEqual(['Jane:available']);
    expect(presence.byName('jane')?.agentId).toBe(JANE.id);
  });

  it('lets the agent choose available or away, and validates transitions', () => {
    const { presence } = setup();
    presence.choose(JANE.id, 'away');
    expect(presence.get(JANE.id)?.status).toBe('away');
    expect(presence.get(JANE.id)?.idleSince).toBeNull();
    presence.choose(JANE.id, 'available');
    expect(presence.get(JANE.id)?.status).toBe('available');
    // Wrap-up only follows a call; nobody can jump into it from available.
    expect(() => presence.set(JANE.id, 'wrap-up', 'test')).toThrow(PresenceTransitionError);
    expect(() => presence.set('nobody', 'available', 'test')).toThrow(/Unknown agent/);
  });

  it('makes a ringing agent busy, and a missed call returns them exactly where they were', () => {
    const { clock, presence, changes } = setup();
    presence.choose(JANE.id, 'available');
    const idleSince = presence.get(JANE.id)?.idleSince;
    clock.advance(60);
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'leg-1', status: 'ringing' });
    expect(presence.get(JANE.id)?.status).toBe('busy');
    expect(() => presence.choose(JANE.id, 'away')).toThrow(/on a call/);
    clock.advance(5);
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'leg-1', status: 'rejected' });
    expect(presence.get(JANE.id)).toMatchObject({ status: 'available', idleSince, wrapUpEndsAt: null });
    expect(changes).toEqual(['Jane:available', 'Jane:busy', 'Jane:available']);
  });

  it('puts an agent into wrap-up after an answered call, then back to available on its own', () => {
    const { clock, presence } = setup({ wrapUpS: 30 });
    presence.choose(JANE.id, 'available');
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'leg-1', status: 'ringing' });
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'leg-1', status: 'answered' });
    clock.advance(120);
    const endedAt = clock.iso();
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'leg-1', status: 'completed', at: endedAt });
    expect(presence.get(JANE.id)).toMatchObject({ status: 'wrap-up', wrapUpEndsAt: clock.iso(30) });
    clock.advance(29);
    expect(presence.get(JANE.id)?.status).toBe('wrap-up');
    clock.advance(1);
    // Idle counts from the end of the call, not the end of wrap-up.
    expect(presence.get(JANE.id)).toMatchObject({ status: 'available', idleSince: endedAt, wrapUpEndsAt: null });
    // A late event for the finished leg changes nothing.
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'leg-1', status: 'answered' });
    expect(presence.get(JANE.id)?.status).toBe('available');
  });

  it('lets the agent end wrap-up early, and returns an away agent to away after their call', () => {
    const { clock, presence } = setup();
    presence.choose(JOE.id, 'away');
    presence.noteCallEvent({ agentId: JOE.id, uuid: 'out-1', status: 'answered' });
    presence.noteCallEvent({ agentId: JOE.id, uuid: 'out-1', status: 'completed' });
    expect(presence.get(JOE.id)?.status).toBe('wrap-up');
    clock.advance(30);
    expect(presence.get(JOE.id)?.status).toBe('away');

    presence.choose(JANE.id, 'available');
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'in-2', status: 'answered' });
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'in-2', status: 'completed' });
    expect(presence.choose(JANE.id, 'available')).toMatchObject({ status: 'available', wrapUpEndsAt: null });
    expect(clock.pending).toBe(0);
  });

  it('skips wrap-up when it is configured to 0 seconds', () => {
    const { presence } = setup({ wrapUpS: 0 });
    presence.choose(JANE.id, 'available');
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'l', status: 'answered' });
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'l', status: 'completed' });
    expect(presence.get(JANE.id)?.status).toBe('available');
  });

  it('stays busy until the last of two legs ends', () => {
    const { presence } = setup();
    presence.choose(JANE.id, 'available');
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'a', status: 'answered' });
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'b', status: 'ringing' });
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'b', status: 'timeout' });
    expect(presence.get(JANE.id)?.status).toBe('busy');
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'a', status: 'completed' });
    expect(presence.get(JANE.id)?.status).toBe('wrap-up');
  });

  it('orders available agents longest idle first and honours exclusions', () => {
    const { clock, presence } = setup({ wrapUpS: 0 });
    presence.choose(JANE.id, 'available');
    clock.advance(10);
    presence.choose(JOE.id, 'available');
    expect(presence.availableLongestIdle().map((e) => e.name)).toEqual(['Jane', 'Joe']);
    // Jane takes a call: when it ends she is idle since then, so Joe has waited longer.
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'x', status: 'answered' });
    expect(presence.availableLongestIdle().map((e) => e.name)).toEqual(['Joe']);
    clock.advance(10);
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'x', status: 'completed' });
    expect(presence.availableLongestIdle().map((e) => e.name)).toEqual(['Joe', 'Jane']);
    expect(presence.availableLongestIdle(['joe']).map((e) => e.name)).toEqual(['Jane']);
    expect(presence.availableLongestIdle([JANE.id, 'Joe'])).toEqual([]);
  });

  it('goes offline when the connection stays away past the grace period, not before', () => {
    const { clock, presence } = setup({ graceS: 30 });
    const release = presence.connect(JANE.id);
    release();
    release(); // releasing twice counts once
    clock.advance(29);
    expect(presence.get(JANE.id)?.status).toBe('available');
    const again = presence.connect(JANE.id);
    clock.advance(60);
    expect(presence.get(JANE.id)?.status).toBe('available');
    again();
    clock.advance(30);
    expect(presence.get(JANE.id)?.status).toBe('offline');
  });

  it('keeps a disconnected agent on their call and takes them offline when it ends', () => {
    const { clock, presence } = setup({ graceS: 30 });
    const release = presence.connect(JANE.id);
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'l', status: 'answered' });
    release();
    clock.advance(31);
    expect(presence.get(JANE.id)?.status).toBe('busy');
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'l', status: 'completed' });
    expect(presence.get(JANE.id)?.status).toBe('offline');
  });

  it('saves every change and rebuilds sanely after a restart', async () => {
    const { clock, repository, presence } = setup({ wrapUpS: 30 });
    presence.choose(JANE.id, 'away');
    presence.choose(JOE.id, 'available');
    presence.noteCallEvent({ agentId: JOE.id, uuid: 'j1', status: 'answered' });
    presence.noteCallEvent({ agentId: JOE.id, uuid: 'j1', status: 'completed' });
    await presence.close();
    await flush();
    expect(repository.records.get(JANE.id)?.status).toBe('away');
    expect(repository.records.get(JOE.id)).toMatchObject({ status: 'wrap-up', resume_status: 'available' });
    expect(repository.records.get(DORA.id)?.status).toBe('offline');

    // Restart 10 s later: Joe's wrap-up resumes with its remaining time; Jane is still away; both
    // get the grace period to reconnect.
    clock.advance(10);
    const restarted = new Presence({ repository, now: clock.now, wrapUpS: 30, graceS: 30, timers: clock });
    restarted.restore([JANE, JOE, DORA], await repository.list(), [{ agent: 'Dora', uuid: 'ignored', answered: true }]);
    expect(restarted.get(JANE.id)?.status).toBe('away');
    expect(restarted.get(JOE.id)?.status).toBe('wrap-up');
    expect(restarted.get(DORA.id)?.status).toBe('offline');
    clock.advance(20);
    expect(restarted.get(JOE.id)?.status).toBe('available');
    const releaseJoe = restarted.connect(JOE.id);
    clock.advance(30);
    expect(restarted.get(JANE.id)?.status).toBe('offline');
    expect(restarted.get(JOE.id)?.status).toBe('available');
    releaseJoe();
    await restarted.close();
  });

  it('rebuilds a busy agent from a leg the call log shows live, and frees one whose call ended', async () => {
    const { repository, presence } = setup();
    presence.choose(JANE.id, 'available');
    presence.noteCallEvent({ agentId: JANE.id, uuid: 'live', status: 'answered' });
    presence.choose(JOE.id, 'away');
    presence.noteCallEvent({ agentId: JOE.id, uuid: 'gone', status: 'answered' });
    await presence.close();
    await flush();
    const clock = new FakeClock();
    const restarted = new Presence({ repository, now: clock.now, wrapUpS: 30, graceS: 30, timers: clock });
    restarted.restore([JANE, JOE, DORA], await repository.list(), [{ agent: 'Jane', uuid: 'live', answered: true }]);
    expect(restarted.get(JANE.id)?.status).toBe('busy');
    // Joe's leg ended while the backend was down: back to what he had chosen.
    expect(restarted.get(JOE.id)?.status).toBe('away');
    restarted.noteCallEvent({ agentId: JANE.id, uuid: 'live', status: 'completed' });
    expect(restarted.get(JANE.id)?.status).toBe('wrap-up');
    await restarted.close();
  });

  it('logs and survives a failing listener and a failing save', async () => {
    const clock = new FakeClock();
    const errors: string[] = [];
    const presence = new Presence({
      repository: { list: async () => [], save: async () => Promise.reject(new Error('disk full')) },
      now: clock.now,
      wrapUpS: 30,
      graceS: 30,
      timers: clock,
      log: { info: () => undefined, error: (_o, message) => void errors.push(message) },
    });
    presence.restore([JANE], []);
    presence.onChange(() => {
      throw new Error('listener bug');
    });
    expect(presence.choose(JANE.id, 'available').status).toBe('available');
    await presence.close();
    expect(errors).toContain('presence listener failed');
    expect(errors).toContain('could not save presence');
  });
});
