/**
 * Storage contract tests against a real PostgreSQL: migrations, and what each repository
 * promises (case-insensitive names, one transaction per event, concurrency between two
 * pools standing for two backend instances).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../../common/backend-api';
import { buildServer } from '../../../server/app';
import { hashToken } from '../../../server/auth/credentials';
import { seedAgents } from '../../../server/auth/seed';
import {
  DuplicateAgentError,
  MIGRATIONS,
  appliedMigrations,
  createPgStorage,
  openDatabase,
  openPgStorage,
  type Database,
  type CallRecord,
  type NewCallEvent,
  type Page,
  type PageRequest,
  type Storage,
} from '../../../server/storage';
import { callSegments, summarizeCall } from '../../../server/webhooks/call-log';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';
import { createTestFiles, json, testConfig, type TestFiles } from './helpers';

let files: TestFiles;
beforeAll(() => {
  files = createTestFiles();
});
afterAll(() => {
  files.remove();
});

/** Everything a test opened, closed after it. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const db = await createTestDatabase(options);
  cleanups.push(() => db.drop());
  return db;
}

async function open(url: string): Promise<Database> {
  const db = await openDatabase(url);
  cleanups.push(() => db.close());
  return db;
}

async function storageOn(url: string): Promise<Storage> {
  const storage = await openPgStorage(url);
  cleanups.push(() => storage.close());
  return storage;
}

/** A fresh database and a storage over it. */
async function freshStorage(): Promise<Storage> {
  return storageOn((await database()).url);
}

const VERSIONS = MIGRATIONS.map((m) => m.version);

describe('migrations', () => {
  it('apply once on an empty database; opening again is a no-op that keeps the data', async () => {
    const { url } = await database({ empty: true });
    const first = await openDatabase(url);
    expect(await appliedMigrations(first)).toEqual(VERSIONS);
    await first.query("INSERT INTO agents (id, name, display_name, password_hash, created_at) VALUES ('a1', 'Jane', 'Jane', 'h', now())");
    await first.close();

    const second = await open(url);
    expect(await appliedMigrations(second)).toEqual(VERSIONS);
    const { rows } = await second.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    expect(rows[0]?.n).toBe(MIGRATIONS.length);
    expect((await second.query('SELECT name FROM agents')).rows).toEqual([{ name: 'Jane' }]);
  });

  it('refuses a database from a newer schema', async () => {
    const { url } = await database();
    const db = await openDatabase(url);
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')");
    await db.close();
    await expect(openDatabase(url)).rejects.toThrow(/schema version 999 is newer than this backend/);
  });

  it('let two pools open an empty database at once: one migrates, the other waits and finds nothing to do', async () => {
    const { url } = await database({ empty: true });
    const [a, b] = await Promise.all([open(url), open(url)]);
    expect(await appliedMigrations(a)).toEqual(VERSIONS);
    expect(await appliedMigrations(b)).toEqual(VERSIONS);
    const { rows } = await a.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    expect(rows[0]?.n).toBe(MIGRATIONS.length);
  });

  it('roll a failed migration back whole, naming it', async () => {
    const { url } = await database();
    const broken = [...MIGRATIONS, { version: 990, name: 'half done', sql: 'CREATE TABLE half_done (x int); SELECT * FROM no_such_table' }];
    await expect(openDatabase(url, { migrations: broken })).rejects.toThrow(/Migration 990 \(half done\) failed/);
    const db = await open(url);
    expect(await appliedMigrations(db)).toEqual(VERSIONS);
    expect((await db.query("SELECT to_regclass('half_done') AS t")).rows).toEqual([{ t: null }]);
  });

  it('enforce foreign keys between credentials and agents', async () => {
    const db = await open((await database()).url);
    await expect(
      db.query("INSERT INTO refresh_credentials (id, agent_id, token_hash, created_at, expires_at) VALUES ('c', 'missing', $1, now(), now())", ['0'.repeat(64)]),
    ).rejects.toThrow(/foreign key/);
  });
});

describe('agents', () => {
  it('keep names unique regardless of case, and seeding is idempotent', async () => {
    const storage = await freshStorage();
    const seeds = [{ name: 'Jane', display_name: 'Jane', password: 'jane-secret-pw' }];
    expect(await seedAgents(storage.agents, seeds)).toEqual(['Jane']);
    const hash = (await storage.agents.findByName('jane'))?.password_hash;
    expect(hash).toMatch(/^\$argon2id\$/);
    // Second run creates nothing and leaves the stored password as it was.
    expect(await seedAgents(storage.agents, [{ ...seeds[0]!, password: 'a-different-pw' }])).toEqual([]);
    expect((await storage.agents.findByName('JANE'))?.password_hash).toBe(hash);
    await expect(storage.agents.create({ name: 'JANE', display_name: 'x', password_hash: 'h' }, '2026-03-02T09:00:00.000Z')).rejects.toBeInstanceOf(DuplicateAgentError);
    expect(await storage.agents.list()).toHaveLength(1);
  });

  it('let only one of two instances create the same name at once', async () => {
    const { url } = await database();
    const [a, b] = [await storageOn(url), await storageOn(url)];
    const results = await Promise.allSettled([
      a.agents.create({ name: 'Ann', display_name: 'Ann', password_hash: 'h1' }, '2026-03-02T09:00:00.000Z'),
      b.agents.create({ name: 'ANN', display_name: 'Ann', password_hash: 'h2' }, '2026-03-02T09:00:00.000Z'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(DuplicateAgentError);
  });

  it('come back typed: boolean flags, ISO times in UTC, listed by name whatever the case', async () => {
    const storage = await freshStorage();
    await storage.agents.create({ name: 'joe', display_name: 'Joe', password_hash: 'h' }, '2026-03-02T10:00:00.000+01:00');
    const ann = await storage.agents.create({ name: 'Ann', display_name: 'Ann', password_hash: 'h', disabled: true }, '2026-03-02T09:00:00.000Z');
    await storage.agents.create({ name: 'Bob', display_name: 'Bob', password_hash: 'h' }, '2026-03-02T09:00:00.000Z');
    expect(ann).toMatchObject({ name: 'Ann', disabled: true, created_at: '2026-03-02T09:00:00.000Z' });
    const list = await storage.agents.list();
    expect(list.map((a) => [a.name, a.disabled, a.created_at])).toEqual([
      ['Ann', true, '2026-03-02T09:00:00.000Z'],
      ['Bob', false, '2026-03-02T09:00:00.000Z'],
      ['joe', false, '2026-03-02T09:00:00.000Z'],
    ]);
    await storage.agents.setDisabled(ann.id, false);
    await storage.agents.setPasswordHash(ann.id, 'h2');
    expect(await storage.agents.findById(ann.id)).toMatchObject({ disabled: false, password_hash: 'h2' });
    expect(await storage.agents.findById('no-such-id')).toBeNull();
  });

  it('reject an invalid seed', async () => {
    const storage = await freshStorage();
    await expect(seedAgents(storage.agents, [{ name: 'bad name', display_name: 'x', password: 'long-enough' }])).rejects.toThrow();
    expect(await storage.agents.list()).toHaveLength(0);
  });
});

describe('refresh credentials', () => {
  it('revoke once, count what they revoke and delete, and keep only 64-hex hashes', async () => {
    const storage = await freshStorage();
    const jane = await storage.agents.create({ name: 'Jane', display_name: 'Jane', password_hash: 'h' }, '2026-03-02T09:00:00.000Z');
    const credential = (hash: string, expires: string) =>
      storage.credentials.create({ agent_id: jane.id, token_hash: hash, created_at: '2026-03-02T09:00:00.000Z', expires_at: expires });
    const live = await credential('a'.repeat(64), '2026-04-01T00:00:00.000Z');
    await credential('b'.repeat(64), '2026-03-01T00:00:00.000Z');
    await credential('c'.repeat(64), '2026-04-01T00:00:00.000Z');
    expect(live).toMatchObject({ revoked_at: null, last_used_at: null, expires_at: '2026-04-01T00:00:00.000Z' });

    await storage.credentials.markUsed(live.id, '2026-03-02T10:00:00.000Z');
    await storage.credentials.revoke(live.id, '2026-03-02T11:00:00.000Z');
    await storage.credentials.revoke(live.id, '2026-03-02T12:00:00.000Z');
    expect(await storage.credentials.findByTokenHash('a'.repeat(64))).toMatchObject({ last_used_at: '2026-03-02T10:00:00.000Z', revoked_at: '2026-03-02T11:00:00.000Z' });
    expect(await storage.credentials.revokeAllOfAgent(jane.id, '2026-03-02T12:00:00.000Z')).toBe(2);
    expect(await storage.credentials.deleteExpired('2026-03-02T00:00:00.000Z')).toBe(1);
    expect(await storage.credentials.findByTokenHash('b'.repeat(64))).toBeNull();
    await expect(credential('short', '2026-04-01T00:00:00.000Z')).rejects.toThrow(/check constraint/);
  });
});

describe('call log', () => {
  const T0 = Date.parse('2026-03-02T12:00:00.000Z');
  const at = (s: number) => new Date(T0 + s * 1000).toISOString();
  const status = (conversation: string, uuid: string, value: string, s: number, extra: Partial<NewCallEvent> = {}): NewCallEvent => ({
    conversation_uuid: conversation,
    uuid,
    kind: 'status',
    status: value,
    agent: null,
    direction: 'inbound',
    from: '14155550100',
    to: '14155550199',
    timestamp: at(s),
    raw: JSON.stringify({ status: value, uuid }),
    received_at: at(s),
    ...extra,
  });

  it('store the event and the call in one transaction: a failing summary stores neither', async () => {
    const storage = await freshStorage();
    await expect(
      storage.calls.recordEvent(status('CON-1', 'leg', 'started', 0), () => {
        throw new Error('summary failed');
      }),
    ).rejects.toThrow('summary failed');
    expect(await storage.calls.counts()).toEqual({ events: 0, calls: 0 });

    const { event, call } = await storage.calls.recordEvent(status('CON-1', 'leg', 'started', 0));
    expect(event).toMatchObject({ id: expect.any(Number), kind: 'status', status: 'started', timestamp: at(0), from: '14155550100' });
    expect(call).toMatchObject({ conversation_uuid: 'CON-1', status: 'started', started_at: at(0) });
    expect(await storage.calls.counts()).toEqual({ events: 1, calls: 1 });
  });

  it('start a call only from a status event, and keep the payload exactly as received', async () => {
    const storage = await freshStorage();
    const raw = '{ "recording_url" : "https://x.example/r",  "b": 1, "a": 2 }';
    const lone = await storage.calls.recordEvent({ ...status('CON-2', 'leg', 'started', 0), kind: 'record', status: null, uuid: null, raw });
    expect(lone.call).toBeNull();
    expect(await storage.calls.getCall('CON-2')).toBeNull();
    await storage.calls.recordEvent(status('CON-2', 'leg', 'started', 1));
    const call = await storage.calls.getCall('CON-2');
    expect(call?.recording_url).toBe('https://x.example/r');
    expect(call?.events.map((e) => [e.kind, e.raw])).toEqual([
      ['record', raw],
      ['status', JSON.stringify({ status: 'started', uuid: 'leg' })],
    ]);
  });

  it('serialize concurrent events of one conversation from two instances, so the call sums up all of them', async () => {
    const { url } = await database();
    const [a, b] = [await storageOn(url), await storageOn(url)];
    const events: NewCallEvent[] = [];
    for (let leg = 0; leg < 6; leg += 1) {
      events.push(status('CON-race', `leg-${leg}`, 'started', leg), status('CON-race', `leg-${leg}`, 'ringing', leg + 1), status('CON-race', `leg-${leg}`, 'answered', leg + 2));
    }
    await Promise.all(events.map((event, i) => (i % 2 === 0 ? a : b).calls.recordEvent(event)));
    const call = await a.calls.getCall('CON-race');
    expect(call?.events).toHaveLength(events.length);
    const { events: stored, segments, ...row } = call!;
    expect(row).toEqual(summarizeCall(null, stored));
    expect(segments).toEqual(callSegments(stored));
    expect(row.status).toBe('answered');
  });

  it('let a flow set its fields before any event, and keep them when events come', async () => {
    const storage = await freshStorage();
    const patched = await storage.calls.updateCallRecord('CON-3', { flow: 'queue', queue: 'Support', queued_at: at(0) }, at(0));
    expect(patched).toMatchObject({ conversation_uuid: 'CON-3', status: 'started', flow: 'queue', queue: 'Support', started_at: at(0) });
    await storage.calls.recordEvent(status('CON-3', 'leg', 'started', 1));
    await storage.calls.recordEvent(status('CON-3', 'leg', 'answered', 1));
    await storage.calls.recordEvent(status('CON-3', 'leg', 'completed', 30));
    const call = await storage.calls.getCall('CON-3');
    expect(call).toMatchObject({ flow: 'queue', queue: 'Support', status: 'completed', ended_at: at(30), outcome: 'abandoned' });
    expect(await storage.calls.findCalls({ queue: 'support' }, { limit: 10, offset: 0 })).toMatchObject({ total: 1, items: [{ conversation_uuid: 'CON-3' }] });
    expect(await storage.calls.queueStats({ from: at(-60), to: at(60) }, 20)).toEqual([
      { queue: 'Support', offered: 1, answered: 0, abandoned: 1, voicemail: 0, overflow: 0, timeout: 0, average_wait_s: null, answered_within_threshold: 0 },
    ]);
  });

  it("find an agent's calls whatever the case, and their live legs", async () => {
    const storage = await freshStorage();
    await storage.calls.recordEvent(status('CON-4', 'caller', 'answered', 0));
    await storage.calls.recordEvent(status('CON-4', 'agent-leg', 'ringing', 1, { agent: 'Jane', direction: 'outbound', to: 'Jane' }));
    expect((await storage.calls.callsOfAgent('JANE', { limit: 10, offset: 0 })).total).toBe(1);
    expect(await storage.calls.liveAgentLegs(at(-60))).toEqual([{ agent: 'Jane', uuid: 'agent-leg', answered: false }]);
    await storage.calls.recordEvent(status('CON-4', 'agent-leg', 'rejected', 5, { agent: 'Jane', direction: 'outbound', to: 'Jane' }));
    expect(await storage.calls.liveAgentLegs(at(-60))).toEqual([]);
    expect((await storage.calls.missedCallsOfAgent('jane', { limit: 10, offset: 0 })).items.map((c) => c.conversation_uuid)).toEqual(['CON-4']);
    expect((await storage.calls.findCalls({ agent: 'jane', from: at(-1), to: at(1) }, { limit: 10, offset: 0 })).total).toBe(1);
    expect((await storage.calls.findCalls({ agent: 'joe' }, { limit: 10, offset: 0 })).total).toBe(0);
  });

  it('page call lists with a cursor: calls arriving between pages neither repeat a row nor skip one', async () => {
    const storage = await freshStorage();
    const offer = async (conversation: string, s: number, agent: string, end: 'answered' | 'timeout') => {
      await storage.calls.recordEvent(status(conversation, `${conversation}-caller`, 'started', s));
      const leg = { agent, direction: 'outbound', to: agent };
      await storage.calls.recordEvent(status(conversation, `${conversation}-agent`, 'ringing', s + 1, leg));
      await storage.calls.recordEvent(status(conversation, `${conversation}-agent`, end, s + 2, leg));
    };
    // Ties on the start time are ordered by conversation, descending.
    const first = [['CON-a', 0], ['CON-b', 0], ['CON-c', 10], ['CON-d', 10], ['CON-e', 10], ['CON-f', 20], ['CON-g', 30]] as const;
    for (const [conversation, s] of first) await offer(conversation, s, 'Jane', conversation < 'CON-d' ? 'timeout' : 'answered');
    await offer('CON-joe', 15, 'Joe', 'answered');
    const newestFirst = ['CON-g', 'CON-f', 'CON-e', 'CON-d', 'CON-c', 'CON-b', 'CON-a'];

    type Lister = (page: PageRequest) => Promise<Page<CallRecord>>;
    const walk = async (list: Lister, limit: number, between: () => Promise<void>) => {
      const seen: string[] = [];
      let page = await list({ limit, offset: 0 });
      seen.push(...page.items.map((c) => c.conversation_uuid));
      await between();
      while (page.next) {
        page = await list({ limit, offset: 0, before: page.next });
        seen.push(...page.items.map((c) => c.conversation_uuid));
      }
      return { seen, total: page.total };
    };

    // New calls come in after the first page: a cursor goes on where that page stopped.
    const history = await walk((p) => storage.calls.callsOfAgent('jane', p), 3, async () => {
      await offer('CON-h', 40, 'Jane', 'answered');
      await offer('CON-i', 50, 'JANE', 'timeout');
    });
    expect(history).toEqual({ seen: newestFirst, total: 9 });
    // Offset paging still works (and would show CON-e again: the rows moved down).
    expect((await storage.calls.callsOfAgent('jane', { limit: 3, offset: 3 })).items.map((c) => c.conversation_uuid)).toEqual(['CON-f', 'CON-e', 'CON-d']);
    const lastPage = await storage.calls.callsOfAgent('jane', { limit: 9, offset: 0 });
    expect(lastPage.next).toBeNull();
    expect(lastPage.items).toHaveLength(9);

    const missed = await walk((p) => storage.calls.missedCallsOfAgent('Jane', p), 1, () => offer('CON-j', 60, 'Jane', 'timeout'));
    expect(missed).toEqual({ seen: ['CON-i', 'CON-c', 'CON-b', 'CON-a'], total: 5 });

    const all = await walk((p) => storage.calls.findCalls({}, p), 4, () => offer('CON-k', 70, 'Joe', 'answered'));
    expect(all.seen).toEqual(['CON-j', 'CON-i', 'CON-h', 'CON-g', 'CON-f', 'CON-joe', 'CON-e', 'CON-d', 'CON-c', 'CON-b', 'CON-a']);
    expect(all.total).toBe(12);
    const janes = await walk((p) => storage.calls.findCalls({ agent: 'jane', from: at(5), to: at(45) }, p), 2, () => offer('CON-l', 25, 'Jane', 'answered'));
    // A call that arrived older than the cursor is still ahead, so it is listed (not skipped).
    expect(janes.seen).toEqual(['CON-h', 'CON-g', 'CON-l', 'CON-f', 'CON-e', 'CON-d', 'CON-c']);
    expect(janes.total).toBe(7);
  });

  it("keep the queue figures' daily totals with the calls: any period gives what the calls themselves give", async () => {
    const { url } = await database();
    const storage = await storageOn(url);
    const db = await open(url);
    const DAY = 86_400;
    // Finished queued calls over three days: answered after various waits, or abandoned.
    const calls: Array<[string, number, string, number | null]> = [
      ['Q-1', -DAY - 600, 'Support', 5],
      ['Q-2', -DAY + 300, 'Support', 40],
      ['Q-3', -3600, 'sales', null],
      ['Q-4', 0, 'Support', 15],
      ['Q-5', 7200, 'Support', null],
      ['Q-6', DAY - 100, 'sales', 20],
      ['Q-7', DAY + 50, 'Support', 25],
      ['Q-8', 2 * DAY + 10, 'Support', 3],
    ];
    for (const [conversation, s, queue, wait] of calls) {
      await storage.calls.updateCallRecord(conversation, { flow: 'queue', queue, queued_at: at(s) }, at(s));
      await storage.calls.recordEvent(status(conversation, `${conversation}-caller`, 'answered', s));
      if (wait !== null) {
        const leg = { agent: 'Jane', direction: 'outbound', to: 'Jane' };
        await storage.calls.recordEvent(status(conversation, `${conversation}-agent`, 'ringing', s + 1, leg));
        await storage.calls.recordEvent(status(conversation, `${conversation}-agent`, 'answered', s + wait, leg));
        await storage.calls.recordEvent(status(conversation, `${conversation}-agent`, 'completed', s + wait + 60, leg));
      }
      await storage.calls.recordEvent(status(conversation, `${conversation}-caller`, 'completed', s + (wait ?? 30) + 60));
    }
    // The figures as the calls give them, read one by one.
    const direct = async (from: string, to: string, threshold: number) =>
      (
        await db.query(
          `SELECT queue, count(*) AS offered, count(*) FILTER (WHERE outcome = 'answered') AS answered,
             count(*) FILTER (WHERE outcome IN ('abandoned', 'missed')) AS abandoned, count(*) FILTER (WHERE outcome = 'voicemail') AS voicemail,
             count(*) FILTER (WHERE outcome = 'overflow') AS overflow, count(*) FILTER (WHERE outcome = 'timeout') AS timeout,
             (avg(wait_s) FILTER (WHERE outcome = 'answered'))::float8 AS average_wait_s,
             count(*) FILTER (WHERE outcome = 'answered' AND wait_s <= $3) AS answered_within_threshold
           FROM calls WHERE queue IS NOT NULL AND ended_at IS NOT NULL AND started_at >= $1 AND started_at < $2
           GROUP BY queue ORDER BY queue COLLATE "C"`,
          [from, to, threshold],
        )
      ).rows;
    const midnight = Date.parse('2026-03-02T00:00:00.000Z');
    const iso = (ms: number) => new Date(ms).toISOString();
    const periods: Array<[string, string]> = [
      [at(-2 * DAY), at(3 * DAY)],
      [iso(midnight - 86_400_000), iso(midnight + 2 * 86_400_000)],
      [iso(midnight), iso(midnight + 86_400_000)],
      [at(-DAY), at(DAY)],
      [at(-3600), at(3600)],
      [at(-DAY + 301), at(DAY + 50)],
    ];
    const check = async () => {
      for (const [from, to] of periods) {
        for (const threshold of [10, 20]) expect(await storage.calls.queueStats({ from, to }, threshold)).toEqual(await direct(from, to, threshold));
      }
    };
    await check();
    expect((await storage.calls.queueStats({ from: at(-2 * DAY), to: at(3 * DAY) }, 20)).map((q) => [q.queue, q.offered])).toEqual([['Support', 6], ['sales', 2]]);
    // A call changing queue after it ended, and a call removed, move the daily totals too.
    await storage.calls.updateCallRecord('Q-4', { queue: 'sales' }, at(DAY));
    await db.query("DELETE FROM calls WHERE conversation_uuid = 'Q-7'");
    await check();
    expect((await db.query("SELECT count(*) AS n FROM agent_calls WHERE conversation_uuid = 'Q-7'")).rows).toEqual([{ n: 0 }]);
  });
});

describe('flows, queues and voicemail', () => {
  it('key queues by name whatever the case, keeping the latest spelling', async () => {
    const storage = await freshStorage();
    await storage.queues.put({ name: 'support', settings: '{"a":1}', updated_at: '2026-03-02T09:00:00.000Z' });
    await storage.queues.put({ name: 'Support', settings: '{"a":2}', updated_at: '2026-03-02T09:01:00.000Z' });
    await storage.queues.put({ name: 'billing', settings: '{}', updated_at: '2026-03-02T09:02:00.000Z' });
    expect(await storage.queues.list()).toEqual([
      { name: 'billing', settings: '{}', updated_at: '2026-03-02T09:02:00.000Z' },
      { name: 'Support', settings: '{"a":2}', updated_at: '2026-03-02T09:01:00.000Z' },
    ]);
    expect(await storage.queues.delete('SUPPORT')).toBe(true);
    expect(await storage.queues.delete('support')).toBe(false);
  });

  it('replace a number configuration and delete it once', async () => {
    const storage = await freshStorage();
    await storage.numbers.put({ number: '14155550199', flow: 'inbound', settings: '{"flow":"inbound"}', updated_at: '2026-03-02T09:00:00.000Z' });
    await storage.numbers.put({ number: '14155550199', flow: 'ivr', settings: '{"flow":"ivr"}', updated_at: '2026-03-02T09:01:00.000Z' });
    expect(await storage.numbers.list()).toEqual([{ number: '14155550199', flow: 'ivr', settings: '{"flow":"ivr"}', updated_at: '2026-03-02T09:01:00.000Z' }]);
    expect(await storage.numbers.delete('14155550199')).toBe(true);
    expect(await storage.numbers.delete('14155550199')).toBe(false);
  });

  it('keep the first voicemail of a recording, even when two instances store it at once', async () => {
    const { url } = await database();
    const [a, b] = [await storageOn(url), await storageOn(url)];
    const voicemail = {
      conversation_uuid: 'CON-VM',
      caller: '14155550100',
      number: '14155550199',
      queue: null,
      recording_url: 'https://api.example/v1/files/rec-9',
      recording_uuid: 'rec-9',
      duration_s: 12,
      size_bytes: 5_000_000_000,
      created_at: '2026-03-02T09:00:00.000Z',
    };
    const [first, second] = await Promise.all([a.voicemails.create(voicemail), b.voicemails.create({ ...voicemail, caller: 'other' })]);
    expect(second.id).toBe(first.id);
    expect(await a.voicemails.list(10)).toEqual([first]);
    expect(await a.voicemails.get(first.id)).toEqual({ ...voicemail, caller: first.caller, id: first.id, handled_by: null, handled_at: null });
    // Without a recording uuid nothing is deduplicated.
    await a.voicemails.create({ ...voicemail, recording_uuid: null, created_at: '2026-03-02T09:05:00.000Z' });
    await a.voicemails.create({ ...voicemail, recording_uuid: null, created_at: '2026-03-02T09:06:00.000Z' });
    expect((await a.voicemails.list(10)).map((v) => v.created_at)).toEqual(['2026-03-02T09:06:00.000Z', '2026-03-02T09:05:00.000Z', '2026-03-02T09:00:00.000Z']);
  });
});

describe('presence', () => {
  it('saves and replaces an agent entry', async () => {
    const storage = await freshStorage();
    const jane = await storage.agents.create({ name: 'Jane', display_name: 'Jane', password_hash: 'h' }, '2026-03-02T09:00:00.000Z');
    const entry = { agent_id: jane.id, status: 'available' as const, since: '2026-03-02T09:00:00.000Z', idle_since: '2026-03-02T09:00:00.000Z', wrap_up_ends_at: null, resume_status: null, last_call_ended_at: null };
    await storage.presence.save(entry);
    await storage.presence.save({ ...entry, status: 'wrap-up', wrap_up_ends_at: '2026-03-02T09:10:30.000Z', resume_status: 'available' });
    expect(await storage.presence.list()).toEqual([{ ...entry, status: 'wrap-up', wrap_up_ends_at: '2026-03-02T09:10:30.000Z', resume_status: 'available' }]);
  });
});

describe('login failures', () => {
  it('count per key after a time, know the oldest, reset and expire', async () => {
    const storage = await freshStorage();
    const failures = storage.loginFailures;
    await failures.record('k1', '2026-03-02T09:00:00.000Z');
    await failures.record('k1', '2026-03-02T09:01:00.000Z');
    await failures.record('k2', '2026-03-02T09:02:00.000Z');
    expect(await failures.count('k1', '2026-03-02T08:00:00.000Z')).toBe(2);
    // Strictly after `since`.
    expect(await failures.count('k1', '2026-03-02T09:00:00.000Z')).toBe(1);
    expect(await failures.oldestSince('k1', '2026-03-02T08:00:00.000Z')).toBe('2026-03-02T09:00:00.000Z');
    expect(await failures.oldestSince('k3', '2026-03-02T08:00:00.000Z')).toBeNull();
    expect(await failures.deleteBefore('2026-03-02T09:00:00.000Z')).toBe(1);
    await failures.reset('k1');
    expect(await failures.count('k1', '2026-03-02T08:00:00.000Z')).toBe(0);
    expect(await failures.count('k2', '2026-03-02T08:00:00.000Z')).toBe(1);
  });
});

describe('webhook tokens', () => {
  it('let exactly one of two instances claim a token id, and forget expired ones', async () => {
    const { url } = await database();
    const [a, b] = [await storageOn(url), await storageOn(url)];
    const claims = await Promise.all([a.webhookTokens.claim('jti-1', '2026-03-02T09:05:00.000Z'), b.webhookTokens.claim('jti-1', '2026-03-02T09:05:00.000Z')]);
    expect(claims.sort()).toEqual([false, true]);
    expect(await a.webhookTokens.claim('jti-1', '2026-03-02T09:05:00.000Z')).toBe(false);
    expect(await a.webhookTokens.claim('jti-2', '2026-03-02T09:10:00.000Z')).toBe(true);
    expect(await a.webhookTokens.deleteExpired('2026-03-02T09:06:00.000Z')).toBe(1);
    expect(await b.webhookTokens.claim('jti-1', '2026-03-02T09:15:00.000Z')).toBe(true);
  });
});

describe('createPgStorage', () => {
  it('closes the pool it is given unless told it is shared', async () => {
    const { url } = await database();
    const shared = await open(url);
    await createPgStorage(shared, { closeDatabase: false }).close();
    expect((await shared.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const owned = await openDatabase(url);
    await createPgStorage(owned).close();
    await expect(owned.query('SELECT 1')).rejects.toThrow();
  });
});

describe('secrets at rest', () => {
  it('keeps neither the refresh token nor the password in any table', async () => {
    const { url } = await database();
    const config = testConfig(files, { DATABASE_URL: url });
    const password = 'plaintext-password-marker-7f3a';
    // No storage given: the server opens (and on close, closes) its own from DATABASE_URL.
    const app = await buildServer(config, {
      seedAgents: [{ name: 'Jane', display_name: 'Jane', password }],
      logStream: { write: () => undefined },
    });
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Jane', password } });
    const token = json<LoginResponse>(res).refresh_token ?? '';
    expect(token).toHaveLength(43);
    await app.close();

    const db = await open(url);
    const tables = (await db.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")).rows;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['agents', 'refresh_credentials', 'login_failures', 'webhook_tokens']));
    let dump = '';
    for (const { name } of tables) {
      const { rows } = await db.query<{ row: string }>(`SELECT t::text AS row FROM "${name.replace(/"/g, '""')}" t`);
      dump += rows.map((r) => r.row).join('\n');
    }
    // The hash of the token is there (proving we looked in the right place) but never the token.
    expect(dump).toContain(hashToken(token));
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(password);
  });
});
