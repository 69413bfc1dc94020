/**
 * Presence on PostgreSQL: two service instances on one database, as two backend instances
 * would run, with real job runners and short timers (wrap-up and grace of 1 s). The rules
 * themselves are tested on their own in `presence-rules.test.ts`; here, that they hold through
 * the database, across instances and across a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PresenceService, PresenceTransitionError, type PresenceOptions } from '../../../server/agents/presence';
import { openDatabase, type Database } from '../../../server/db/database';
import { JobQueue } from '../../../server/jobs/queue';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';
import { waitFor } from '../../support/wait';

const JANE = 'id-jane';
const JOE = 'id-joe';
const ANN = 'id-ann';
const DORA = 'id-dora';

interface LogLine {
  level: 'info' | 'warn' | 'error';
  object: Record<string, unknown>;
  message: string;
}

/** One backend instance's presence: its own pool, job runner, listener and cache. */
interface Instance {
  presence: PresenceService;
  jobs: JobQueue;
  db: Database;
  logs: LogLine[];
  /** Every change its onChange reported, as `Name:status`. */
  changes: string[];
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(): Promise<TestDatabase> {
  const created = await createTestDatabase();
  cleanups.push(() => created.drop());
  const db = await openDatabase(created.url, { max: 2 });
  try {
    for (const [id, name, disabled] of [
      [JANE, 'Jane', false],
      [JOE, 'Joe', false],
      [ANN, 'Ann', false],
      [DORA, 'Dora', true],
    ] as const) {
      await db.query(`INSERT INTO agents (id, name, display_name, password_hash, disabled, created_at) VALUES ($1, $2, $2, 'x', $3, now())`, [id, name, disabled]);
    }
  } finally {
    await db.close();
  }
  return created;
}

async function instance(url: string, options: Partial<PresenceOptions> = {}): Promise<Instance> {
  const db = await openDatabase(url, { max: 12 });
  const logs: LogLine[] = [];
  const log = {
    info: (object: object, message: string) => void logs.push({ level: 'info', object: object as Record<string, unknown>, message }),
    warn: (object: object, message: string) => void logs.push({ level: 'warn', object: object as Record<string, unknown>, message }),
    error: (object: object, message: string) => void logs.push({ level: 'error', object: object as Record<string, unknown>, message }),
  };
  const jobs = new JobQueue(db, { log, pollIntervalMs: 50 });
  const presence = new PresenceService({
    db,
    jobs,
    wrapUpS: 1,
    graceS: 1,
    heartbeatMs: 100,
    connectionTimeoutMs: 1_000,
    sweepMs: 200,
    reconnectMs: 100,
    log,
    ...options,
  });
  await jobs.start();
  await presence.start();
  const changes: string[] = [];
  presence.onChange((entry) => void changes.push(`${entry.name}:${entry.status}`));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await presence.close();
    await jobs.stop();
    await db.close();
  };
  cleanups.push(close);
  return { presence, jobs, db, logs, changes, close };
}

/** Two instances on a fresh database. */
async function pair(options: Partial<PresenceOptions> = {}): Promise<{ url: string; a: Instance; b: Instance }> {
  const { url } = await database();
  return { url, a: await instance(url, options), b: await instance(url, options) };
}

const leg = (i: Instance, agentName: string, uuid: string, status: string, at?: string) =>
  i.db.tx((sql) => i.presence.noteCallEvent(sql, { agentName, uuid, status, ...(at ? { at } : {}) }));

const statusOf = (i: Instance, agentId: string) => i.presence.get(agentId)?.status;

async function row(i: Instance, agentId: string): Promise<Record<string, unknown>> {
  const { rows } = await i.db.query('SELECT * FROM agent_presence WHERE agent_id = $1', [agentId]);
  return rows[0] ?? {};
}

/** Wait until `read` is true, failing with what it was. */
async function until(read: () => unknown | Promise<unknown>, ms = 10_000): Promise<void> {
  const value = await waitFor(read, Boolean, ms);
  expect(value).toBeTruthy();
}

describe('presence across instances', () => {
  it('loads every agent offline and lets a change on one instance reach the other', async () => {
    const { a, b } = await pair();
    expect(a.presence.list().map((e) => `${e.name}:${e.status}`)).toEqual(['Ann:offline', 'Dora:offline', 'Jane:offline', 'Joe:offline']);
    await a.presence.connect(JANE);
    expect(a.presence.get(JANE)).toMatchObject({ status: 'available', wrapUpEndsAt: null, reservedCall: null });
    expect(a.presence.byName('jane')?.agentId).toBe(JANE);
    await until(() => statusOf(b, JANE) === 'available');
    expect(b.changes).toEqual(['Jane:available']);
    await b.presence.choose(JANE, 'away');
    await until(() => statusOf(a, JANE) === 'away');
    expect(a.changes).toEqual(['Jane:available', 'Jane:away']);
  });

  it('lets the agent choose available or away, and validates transitions', async () => {
    const { a } = await pair();
    await a.presence.choose(JANE, 'away');
    expect(a.presence.get(JANE)).toMatchObject({ status: 'away', idleSince: null });
    await a.presence.choose(JANE, 'available');
    expect(a.presence.get(JANE)?.status).toBe('available');
    // Wrap-up only follows a call; nobody can jump into it from available.
    await expect(a.presence.set(JANE, 'wrap-up', 'test')).rejects.toThrow(PresenceTransitionError);
    await expect(a.presence.set('nobody', 'available', 'test')).rejects.toThrow(/Unknown agent/);
    await expect(a.presence.choose('nobody', 'away')).rejects.toThrow(PresenceTransitionError);
  });

  it('makes a ringing agent busy, and a missed call returns them exactly where they were', async () => {
    const { a, b } = await pair();
    await a.presence.choose(JANE, 'available');
    const idleSince = a.presence.get(JANE)?.idleSince;
    // Webhooks may land on either instance.
    await leg(b, 'jane', 'leg-1', 'ringing');
    await until(() => statusOf(a, JANE) === 'busy');
    await expect(a.presence.choose(JANE, 'away')).rejects.toThrow(/on a call/);
    await leg(a, 'Jane', 'leg-1', 'rejected');
    await until(() => statusOf(a, JANE) === 'available');
    expect(a.presence.get(JANE)).toMatchObject({ status: 'available', idleSince, wrapUpEndsAt: null });
    expect(a.changes).toEqual(['Jane:available', 'Jane:busy', 'Jane:available']);
  });

  it('puts an agent into wrap-up after an answered call, then back to available on its own, once', async () => {
    const { a, b } = await pair();
    await a.presence.choose(JANE, 'available');
    await leg(a, 'Jane', 'leg-1', 'ringing');
    await leg(a, 'Jane', 'leg-1', 'answered');
    const endedAt = new Date().toISOString();
    const wrapUp = await leg(b, 'Jane', 'leg-1', 'completed', endedAt);
    expect(wrapUp).toMatchObject({ status: 'wrap-up' });
    expect(Date.parse(wrapUp?.wrapUpEndsAt ?? '')).toBeGreaterThan(Date.parse(endedAt));
    await until(() => statusOf(a, JANE) === 'available' && statusOf(b, JANE) === 'available');
    // Idle counts from the end of the call, not the end of wrap-up.
    expect(a.presence.get(JANE)).toMatchObject({ idleSince: endedAt, wrapUpEndsAt: null });
    // A late event for the finished leg changes nothing.
    await leg(a, 'Jane', 'leg-1', 'answered');
    expect((await row(a, JANE)).status).toBe('available');
    const ended = [...a.logs, ...b.logs].filter((l) => l.object.reason === 'wrap-up ended');
    expect(ended).toHaveLength(1);
  });

  it('lets the agent end wrap-up early, and returns an away agent to away after their call', async () => {
    const { a } = await pair();
    await a.presence.choose(JOE, 'away');
    await leg(a, 'Joe', 'out-1', 'answered');
    await leg(a, 'Joe', 'out-1', 'completed');
    await until(() => statusOf(a, JOE) === 'wrap-up');
    await until(() => statusOf(a, JOE) === 'away');

    await a.presence.choose(JANE, 'available');
    await leg(a, 'Jane', 'in-2', 'answered');
    await leg(a, 'Jane', 'in-2', 'completed');
    expect(await a.presence.choose(JANE, 'available')).toMatchObject({ status: 'available', wrapUpEndsAt: null });
    // Its timer was cancelled with it.
    const { rows } = await a.db.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = 'wrapup:${JANE}'`);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('skips wrap-up when it is configured to 0 seconds', async () => {
    const { a } = await pair({ wrapUpS: 0 });
    await a.presence.choose(JANE, 'available');
    await leg(a, 'Jane', 'l', 'answered');
    expect(await leg(a, 'Jane', 'l', 'completed')).toMatchObject({ status: 'available' });
  });

  it('stays busy until the last of two legs ends', async () => {
    const { a } = await pair();
    await a.presence.choose(JANE, 'available');
    await leg(a, 'Jane', 'a', 'answered');
    await leg(a, 'Jane', 'b', 'ringing');
    expect(await leg(a, 'Jane', 'b', 'timeout')).toMatchObject({ status: 'busy' });
    expect(await leg(a, 'Jane', 'a', 'completed')).toMatchObject({ status: 'wrap-up' });
  });

  it('orders available agents longest idle first and honours exclusions', async () => {
    const { a } = await pair({ wrapUpS: 0 });
    await a.presence.choose(JANE, 'available');
    await until(() => Date.now() > Date.parse(a.presence.get(JANE)?.since ?? ''));
    await a.presence.choose(JOE, 'available');
    expect(a.presence.availableLongestIdle().map((e) => e.name)).toEqual(['Jane', 'Joe']);
    // Jane takes a call: when it ends she is idle since then, so Joe has waited longer.
    await leg(a, 'Jane', 'x', 'answered');
    await a.presence.refresh([JANE]);
    expect(a.presence.availableLongestIdle().map((e) => e.name)).toEqual(['Joe']);
    await leg(a, 'Jane', 'x', 'completed');
    await a.presence.refresh([JANE]);
    expect(a.presence.availableLongestIdle().map((e) => e.name)).toEqual(['Joe', 'Jane']);
    expect(a.presence.availableLongestIdle(['joe']).map((e) => e.name)).toEqual(['Jane']);
    expect(a.presence.availableLongestIdle([JANE, 'Joe'])).toEqual([]);
  });

  it('returns an unknown agent nothing for a call event, and gives an agent created behind its back a row', async () => {
    const { a, b } = await pair();
    expect(await leg(a, 'Nobody', 'l', 'ringing')).toBeUndefined();
    await a.db.query(`INSERT INTO agents (id, name, display_name, password_hash, created_at) VALUES ('id-max', 'Max', 'Max', 'x', now())`);
    expect(await leg(a, 'max', 'l', 'ringing')).toMatchObject({ name: 'Max', status: 'busy' });
    await until(() => statusOf(b, 'id-max') === 'busy');
    await a.db.query(`INSERT INTO agents (id, name, display_name, password_hash, created_at) VALUES ('id-eve', 'Eve', 'Eve', 'x', now())`);
    expect(await b.presence.track({ id: 'id-eve' })).toMatchObject({ name: 'Eve', status: 'offline' });
    await until(() => a.presence.get('id-eve') !== undefined);
  });
});

describe('presence connections and grace', () => {
  it('goes offline when the connection stays away past the grace period, not while it is back', async () => {
    const { a } = await pair();
    const release = await a.presence.connect(JANE);
    const releaseJoe = await a.presence.connect(JOE);
    await release();
    await release(); // releasing twice counts once
    const again = await a.presence.connect(JANE);
    await releaseJoe();
    // Joe's grace period, which started after Jane's, runs out: Jane's would have too.
    await until(() => statusOf(a, JOE) === 'offline');
    expect(statusOf(a, JANE)).toBe('available');
    await again();
    await until(() => statusOf(a, JANE) === 'offline');
  });

  it('keeps an agent connected through the other instance online when one connection goes', async () => {
    const { a, b } = await pair();
    await b.presence.connect(JANE);
    const releaseA = await a.presence.connect(JANE);
    const releaseJoe = await a.presence.connect(JOE);
    await releaseA();
    expect((await row(a, JANE)).grace_ends_at).toBeNull();
    await releaseJoe();
    await until(() => statusOf(a, JOE) === 'offline');
    expect(statusOf(a, JANE)).toBe('available');
    expect(statusOf(b, JANE)).toBe('available');
  });

  it('cancels a grace period armed on one instance when the agent comes back through the other', async () => {
    const { a, b } = await pair();
    const releaseA = await a.presence.connect(JANE);
    const releaseJoe = await a.presence.connect(JOE);
    await releaseA();
    expect((await row(a, JANE)).grace_ends_at).not.toBeNull();
    await b.presence.connect(JANE);
    expect((await row(a, JANE)).grace_ends_at).toBeNull();
    await releaseJoe();
    await until(() => statusOf(a, JOE) === 'offline');
    expect(statusOf(a, JANE)).toBe('available');
  });

  it('keeps a disconnected agent on their call and takes them offline when it ends', async () => {
    const { a } = await pair();
    const release = await a.presence.connect(JANE);
    await leg(a, 'Jane', 'l', 'answered');
    await release();
    await until(async () => (await row(a, JANE)).offline_after_call === true);
    expect(statusOf(a, JANE)).toBe('busy');
    expect(await leg(a, 'Jane', 'l', 'completed')).toMatchObject({ status: 'offline' });
  });

  it("does not let a dead instance's connections keep an agent online", async () => {
    const { a } = await pair();
    await a.presence.choose(JANE, 'available');
    const releaseJoe = await a.presence.connect(JOE);
    // An instance that died with Jane connected: its heartbeat stopped long ago.
    await a.db.query(`INSERT INTO agent_connections (id, agent_id, instance_id, opened_at, seen_at) VALUES ('c-dead', $1, 'dead', now() - interval '1 hour', now() - interval '1 hour')`, [JANE]);
    await until(() => statusOf(a, JANE) === 'offline');
    // Joe's connection, kept alive by this instance's heartbeat, still counts.
    expect(statusOf(a, JOE)).toBe('available');
    const { rows } = await a.db.query('SELECT id FROM agent_connections ORDER BY id');
    expect(rows).toHaveLength(1);
    await releaseJoe();
  });

  it('gives the agents of a closing instance the grace period to come back through another', async () => {
    const { a, b } = await pair();
    await a.presence.connect(JANE);
    await a.presence.connect(ANN);
    await b.presence.connect(ANN);
    await a.close();
    await until(() => statusOf(b, JANE) === 'offline');
    expect(statusOf(b, ANN)).toBe('available');
  });
});

describe('presence after a restart', () => {
  it('keeps every status, leg and timer: the wrap-up and grace jobs still fire, once', async () => {
    const { url } = await database();
    const first = await instance(url, { wrapUpS: 2, graceS: 2 });
    await first.presence.choose(JANE, 'away');
    await first.presence.choose(JOE, 'available');
    await leg(first, 'Joe', 'j1', 'answered');
    await leg(first, 'Joe', 'j1', 'completed');
    const releaseAnn = await first.presence.connect(ANN);
    await releaseAnn();
    await first.presence.choose(ANN, 'away');
    const annGrace = (await row(first, ANN)).grace_ends_at;
    expect(annGrace).not.toBeNull();
    await leg(first, 'Dora', 'd1', 'answered'); // disabled, but her leg is hers
    await first.close();

    const second = await instance(url, { wrapUpS: 2, graceS: 2 });
    expect(statusOf(second, JANE)).toBe('away');
    expect(statusOf(second, JOE)).toBe('wrap-up');
    expect(statusOf(second, DORA)).toBe('busy');
    await until(() => statusOf(second, JOE) === 'available');
    await until(() => statusOf(second, ANN) === 'offline');
    // A leg live before the restart ends after it like any other.
    expect(await leg(second, 'Dora', 'd1', 'completed')).toMatchObject({ status: 'wrap-up' });
    expect(statusOf(second, JANE)).toBe('away');
    const ended = [...first.logs, ...second.logs].filter((l) => l.object.agent === 'Joe' && l.object.reason === 'wrap-up ended');
    expect(ended).toHaveLength(1);
  });
});

describe('reservations', () => {
  async function makeAvailable(i: Instance, ...ids: string[]) {
    for (const id of ids) await i.presence.set(id, 'available', 'test');
  }

  it('never gives two concurrent calls the same agent (50 at once on two instances)', async () => {
    const { a, b } = await pair();
    const ids: string[] = [];
    for (let n = 1; n <= 20; n += 1) {
      const id = `id-a${n}`;
      ids.push(id);
      await a.db.query(`INSERT INTO agents (id, name, display_name, password_hash, created_at) VALUES ($1, $2, $2, 'x', now())`, [id, `agent${n}`]);
    }
    await a.presence.reload();
    await makeAvailable(a, ...ids);
    const picks = await Promise.all(
      Array.from({ length: 50 }, (_, n) => {
        const i = n % 2 === 0 ? a : b;
        return i.db.tx((sql) => i.presence.reserveNext(sql, { callId: `call-${n}`, exclude: [], members: [] }));
      }),
    );
    const names = picks.filter((p): p is string => p !== null);
    expect(names).toHaveLength(20);
    expect(new Set(names).size).toBe(20);
    const { rows } = await a.db.query<{ n: number }>('SELECT count(DISTINCT reserved_call)::int AS n FROM agent_presence WHERE reserved_call IS NOT NULL');
    expect(rows[0]?.n).toBe(20);
  });

  it('reserves only available, enabled, unreserved agents: never away, offline, wrap-up or busy', async () => {
    const { a } = await pair({ wrapUpS: 60 });
    await a.db.query(`UPDATE agents SET disabled = false WHERE id = $1`, [DORA]);
    await a.presence.choose(JANE, 'away'); // Jane: away
    await a.presence.choose(JOE, 'available');
    await leg(a, 'Joe', 'j', 'answered'); // Joe: busy
    await a.presence.choose(ANN, 'available');
    await leg(a, 'Ann', 'n', 'answered');
    await leg(a, 'Ann', 'n', 'completed'); // Ann: wrap-up
    // Dora: offline
    const reserve = (callId: string) => a.db.tx((sql) => a.presence.reserveNext(sql, { callId, exclude: [], members: [] }));
    expect(await reserve('c1')).toBeNull();
    for (const name of ['Jane', 'Joe', 'Ann', 'Dora']) expect(await a.db.tx((sql) => a.presence.reserveAgent(sql, name, 'c1'))).toBe(false);
    await a.presence.set(DORA, 'available', 'test');
    await a.db.query(`UPDATE agents SET disabled = true WHERE id = $1`, [DORA]);
    expect(await reserve('c1')).toBeNull();
    await a.db.query(`UPDATE agents SET disabled = false WHERE id = $1`, [DORA]);
    expect(await reserve('c1')).toBe('Dora');
    // Reserved: still available for all to see, but offered nothing else.
    await until(() => a.presence.get(DORA)?.reservedCall === 'c1');
    expect(statusOf(a, DORA)).toBe('available');
    expect(await reserve('c2')).toBeNull();
    expect(await a.db.tx((sql) => a.presence.reserveAgent(sql, 'dora', 'c2'))).toBe(false);
    expect(await a.db.tx((sql) => a.presence.reserveAgent(sql, 'dora', 'c1'))).toBe(true);
  });

  it('takes the preferred agent first, else the longest idle, among members and not excluded', async () => {
    const { a, b } = await pair();
    await makeAvailable(a, JANE);
    await until(() => Date.now() > Date.parse(a.presence.get(JANE)?.since ?? ''));
    await makeAvailable(a, JOE);
    await until(() => Date.now() > Date.parse(a.presence.get(JOE)?.since ?? ''));
    await makeAvailable(a, ANN);
    const next = (callId: string, request: { exclude?: string[]; members?: string[]; prefer?: string }) =>
      b.db.tx((sql) => b.presence.reserveNext(sql, { callId, exclude: request.exclude ?? [], members: request.members ?? [], ...(request.prefer ? { prefer: request.prefer } : {}) }));
    expect(await next('c1', { prefer: 'ANN' })).toBe('Ann');
    expect(await next('c2', { prefer: 'ann', members: [] })).toBe('Jane'); // Ann is taken
    expect(await next('c3', { exclude: ['joe'] })).toBeNull();
    expect(await next('c3', { members: ['jane', 'ann'] })).toBeNull();
    expect(await next('c3', { members: ['joe'] })).toBe('Joe');
  });

  it('offers an available agent whose row another transaction holds for a moment, rather than passing over her', async () => {
    const { a } = await pair();
    await makeAvailable(a, JANE);
    // Another transaction (her voice lease being renewed, a status change) holds her row briefly.
    const holdRow = async (ms: number) => {
      let held!: () => void;
      const locked = new Promise<void>((resolve) => (held = resolve));
      const done = a.db.tx(async (sql) => {
        await sql.query('SELECT 1 FROM agent_presence WHERE agent_id = $1 FOR UPDATE', [JANE]);
        held();
        await new Promise((resolve) => setTimeout(resolve, ms));
      });
      await locked;
      // In an object: an async function returning the promise itself would wait for it.
      return { done };
    };
    let holder = await holdRow(100);
    expect(await a.db.tx((sql) => a.presence.reserveNext(sql, { callId: 'c1', exclude: [], members: [] }))).toBe('Jane');
    await holder.done;
    await a.db.tx((sql) => a.presence.release(sql, 'Jane', 'c1'));
    // A named agent (an IVR choice, the number's default) the same.
    holder = await holdRow(100);
    expect(await a.db.tx((sql) => a.presence.reserveAgent(sql, 'Jane', 'c2'))).toBe(true);
    await holder.done;
    await a.db.tx((sql) => a.presence.release(sql, 'Jane', 'c2'));
    // Held past the retries: nobody, and no wait beyond them.
    holder = await holdRow(1_500);
    expect(await a.db.tx((sql) => a.presence.reserveNext(sql, { callId: 'c3', exclude: [], members: [] }))).toBeNull();
    expect(await a.db.tx((sql) => a.presence.reserveAgent(sql, 'Jane', 'c3'))).toBe(false);
    await holder.done;
    // Held by another call's reservation: once it commits she is that call's, and this one finds nobody.
    let reserved!: () => void;
    const reserving = new Promise<void>((resolve) => (reserved = resolve));
    const other = a.db.tx(async (sql) => {
      const name = await a.presence.reserveNext(sql, { callId: 'c4', exclude: [], members: [] });
      reserved();
      await new Promise((resolve) => setTimeout(resolve, 100));
      return name;
    });
    await reserving;
    expect(await a.db.tx((sql) => a.presence.reserveNext(sql, { callId: 'c5', exclude: [], members: [] }))).toBeNull();
    expect(await other).toBe('Jane');
    // Nobody eligible at all: nobody, at once (nothing to look again for).
    await a.presence.choose(JOE, 'away');
    expect(await a.db.tx((sql) => a.presence.reserveNext(sql, { callId: 'c6', exclude: ['jane'], members: [] }))).toBeNull();
  });

  it('releases only the reservation of that call, and tells every instance', async () => {
    const { a, b } = await pair();
    await makeAvailable(a, JANE);
    expect(await a.db.tx((sql) => a.presence.reserveAgent(sql, 'Jane', 'c1'))).toBe(true);
    await until(() => b.presence.get(JANE)?.reservedCall === 'c1');
    await b.db.tx((sql) => b.presence.release(sql, 'jane', 'other-call'));
    expect((await row(a, JANE)).reserved_call).toBe('c1');
    await b.db.tx((sql) => b.presence.release(sql, 'jane', 'c1'));
    await until(() => a.presence.get(JANE)?.reservedCall === null);
    expect(await a.db.tx((sql) => a.presence.reserveAgent(sql, 'Jane', 'c2'))).toBe(true);
  });

  it('frees the reservation when the agent answers or their leg ends', async () => {
    const { a } = await pair();
    await makeAvailable(a, JANE, JOE);
    await a.db.tx((sql) => a.presence.reserveAgent(sql, 'Jane', 'c1'));
    await a.db.tx((sql) => a.presence.reserveAgent(sql, 'Joe', 'c2'));
    await leg(a, 'Jane', 'l1', 'ringing');
    expect((await row(a, JANE)).reserved_call).toBe('c1');
    await leg(a, 'Jane', 'l1', 'answered');
    expect((await row(a, JANE)).reserved_call).toBeNull();
    await leg(a, 'Joe', 'l2', 'ringing');
    expect(await leg(a, 'Joe', 'l2', 'rejected')).toMatchObject({ status: 'available', reservedCall: null });
  });

  it('counts a reservation past its TTL as free, and the sweep clears it', async () => {
    const { a } = await pair({ reservationTtlS: 1 });
    await makeAvailable(a, JANE);
    const backdate = () => a.db.query(`UPDATE agent_presence SET reserved_at = now() - interval '5 seconds' WHERE agent_id = $1`, [JANE]);
    expect(await a.db.tx((sql) => a.presence.reserveAgent(sql, 'Jane', 'lost-call'))).toBe(true);
    await backdate();
    // Free for another call at once …
    expect(await a.db.tx((sql) => a.presence.reserveNext(sql, { callId: 'c2', exclude: [], members: [] }))).toBe('Jane');
    await until(() => a.presence.get(JANE)?.reservedCall === 'c2');
    await backdate();
    // … and cleared by the sweep.
    await until(async () => (await row(a, JANE)).reserved_call === null && a.presence.get(JANE)?.reservedCall === null);
  });
});

describe('admin changes', () => {
  it('forces a busy agent back to available: legs and reservation end, late events change nothing', async () => {
    const { a, b } = await pair();
    await a.presence.choose(JANE, 'available');
    await a.db.tx((sql) => a.presence.reserveAgent(sql, 'Jane', 'c1'));
    await leg(a, 'Jane', 'stuck', 'ringing');
    await until(() => statusOf(b, JANE) === 'busy');
    expect(await b.presence.set(JANE, 'available', 'admin')).toMatchObject({ status: 'available', reservedCall: null });
    const { rows } = await a.db.query('SELECT leg_uuid, ended_at IS NOT NULL AS ended FROM agent_legs WHERE agent_id = $1', [JANE]);
    expect(rows).toEqual([{ leg_uuid: 'stuck', ended: true }]);
    await until(() => statusOf(a, JANE) === 'available');
    await leg(a, 'Jane', 'stuck', 'answered');
    expect((await row(a, JANE)).status).toBe('available');
    expect(b.logs.some((l) => l.object.agent === 'Jane' && l.object.reason === 'admin')).toBe(true);
  });
});

describe('the presence listener', () => {
  it('re-reads every row after losing its connection, and reports what it missed', async () => {
    const { a, b } = await pair({ reconnectMs: 300 });
    await b.db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`switchboard-presence-${b.presence.instanceId}`.slice(0, 63)]);
    await until(() => !b.presence.listening);
    await a.presence.choose(JOE, 'away');
    await until(() => statusOf(b, JOE) === 'away');
    expect(b.presence.listening).toBe(true);
    expect(b.changes).toEqual(['Joe:away']);
    // And it hears notifications again.
    await a.presence.choose(JOE, 'available');
    await until(() => statusOf(b, JOE) === 'available');
  });

  it('logs and survives a failing listener', async () => {
    const { a } = await pair();
    a.presence.onChange(() => {
      throw new Error('listener bug');
    });
    expect((await a.presence.choose(JANE, 'available')).status).toBe('available');
    expect(a.logs.some((l) => l.level === 'error' && l.message === 'presence listener failed')).toBe(true);
  });
});
