/**
 * Two backend instances on one database: any instance may take any webhook, run any job,
 * and carry on a call the other started — even after the other is gone.
 *
 * Both instances are real `buildServer` apps (their own pools, presence listeners and job
 * runners) over one test database, sharing one clock, and talk to a fake Voice API owned by
 * the test. Webhooks are injected into A or B in turn; each scenario asserts something that
 * could only hold if calls, presence, queues and timers are shared through the database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallLogRecord } from '../../../common/backend-api';
import type { AppContext } from '../../../server/context';
import type { AgentStatus } from '../../../server/agents/presence';
import { numberSettings, type NumberSettingsInput } from '../../../server/numbers/schema';
import { queueSettings, type QueueSettingsInput } from '../../../server/queues/schema';
import { openPgStorage } from '../../../server/storage/pg';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';
import { waitFor } from '../../support/wait';
import { createTestServer, json, type TestServer } from './helpers';
import { startFakeVoiceApi, type FakeVoiceApi, type VoiceRequest } from '../../support/fake-voice-api';

const ADMIN_TOKEN = 'admin-token-for-the-multi-instance-tests-0123';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The contact number: unconfigured, so it answers with the default inbound flow (fallback: voicemail). */
const INBOUND_NUMBER = '14155550199';
/** A queue flow number (queue "support", default settings). */
const QUEUE_NUMBER = '14155550155';
/** A queue flow number whose queue times out after 10 s to an outside phone. */
const QUICK_NUMBER = '14155550156';
const TIMEOUT_PHONE = '14155550123';
const CALLER = '14155550100';

// ── the two instances ───────────────────────────────────────────────────────────

interface Instance {
  name: 'A' | 'B';
  server: TestServer;
  ctx: AppContext;
  closed: boolean;
}

let database: TestDatabase;
let voice: FakeVoiceApi;
let a: Instance;
let b: Instance;
/** One clock for both instances (the real time, moved by tests): job run_at times follow it. */
const clock = { nowMs: Date.now() };
const tick = (ms = 1000) => {
  clock.nowMs += ms;
};

async function startInstance(name: 'A' | 'B'): Promise<Instance> {
  let ctx: AppContext | undefined;
  const server = await createTestServer(
    { ADMIN_TOKEN, WRAP_UP_S: '0', VONAGE_API_URL: voice.url },
    { now: () => new Date(clock.nowMs), jobPollIntervalMs: 50, onContext: (c) => (ctx = c) },
    { database },
  );
  if (!ctx) throw new Error('no context');
  return { name, server, ctx, closed: false };
}

async function stop(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.closed) return;
  instance.closed = true;
  await instance.server.close();
}

beforeEach(async () => {
  clock.nowMs = Date.now();
  database = await createTestDatabase();
  voice = await startFakeVoiceApi();
  // Numbers and queues are configured before the instances start (each loads them at start); written
  // straight to the database so no start-up reload can race with the writes (see the config test below).
  const storage = await openPgStorage(database.url);
  try {
    const at = new Date(clock.nowMs).toISOString();
    const queue = async (name: string, input: QueueSettingsInput) =>
      storage.queues.put({ name, settings: JSON.stringify(queueSettings.parse(input)), updated_at: at });
    const number = async (digits: string, input: NumberSettingsInput) =>
      storage.numbers.put({ number: digits, flow: input.flow, settings: JSON.stringify(numberSettings.parse(input)), updated_at: at });
    await queue('support', {});
    await queue('quick', { max_wait_s: 10, on_timeout: { type: 'phone', number: TIMEOUT_PHONE } });
    await number(QUEUE_NUMBER, { flow: 'queue', queue: 'support' });
    await number(QUICK_NUMBER, { flow: 'queue', queue: 'quick' });
  } finally {
    await storage.close();
  }
  a = await startInstance('A');
  b = await startInstance('B');
  // Two servers (an RSA key each) and a database: generous under a loaded parallel run.
}, 30_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    // What the instances logged at warn level and above, and what the Voice API was asked: the diagnosis.
    for (const instance of [a, b]) {
      const lines = instance.server.logs.filter((line) => Number((JSON.parse(line) as { level?: number }).level ?? 0) >= 40);
      console.log(`instance ${instance.name} warnings:\n${lines.join('')}`);
    }
    console.log(`voice API requests: ${JSON.stringify(voice.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body ?? null).slice(0, 120)}`), null, 1)}`);
  }
  await stop(a);
  await stop(b);
  await voice.close();
  await database.drop();
}, 30_000);

// ── helpers ─────────────────────────────────────────────────────────────────────

type NccoAction = Record<string, unknown> & { action: string };

function agentId(name: string): string {
  const entry = b.ctx.presence.byName(name);
  if (!entry) throw new Error(`no agent ${name}`);
  return entry.agentId;
}

/** Make agents available (through `via`), oldest idle first, and wait until both instances see it. */
async function makeAvailable(via: Instance, ...names: string[]): Promise<void> {
  for (const name of names) {
    await via.ctx.presence.choose(agentId(name), 'available');
    tick();
  }
  for (const instance of [a, b]) {
    if (instance.closed) continue;
    const seen = await waitFor(
      () => names.map((n) => instance.ctx.presence.byName(n)?.status),
      (statuses) => statuses.every((s) => s === 'available'),
    );
    expect(seen, `instance ${instance.name} sees ${names.join(', ')}`).toEqual(names.map(() => 'available'));
  }
}

async function answer(instance: Instance, params: { to: string; uuid: string; conversation_uuid: string; from?: string }): Promise<NccoAction[]> {
  const query = new URLSearchParams({ from: CALLER, ...params });
  const res = await instance.server.app.inject({ method: 'GET', url: `/webhooks/answer?${query.toString()}` });
  expect(res.statusCode, res.body).toBe(200);
  return JSON.parse(res.body) as NccoAction[];
}

async function event(instance: Instance, payload: Record<string, unknown>): Promise<void> {
  tick(100);
  const res = await instance.server.app.inject({
    method: 'POST',
    url: '/webhooks/event',
    payload: { timestamp: new Date(clock.nowMs).toISOString(), ...payload },
  });
  expect(res.statusCode, `${instance.name} event ${JSON.stringify(payload)}: ${res.body}`).toBe(204);
}

/** The status events of a caller's leg (an inbound call to `to`). */
const callerEvent = (uuid: string, conversation: string, status: string, to = INBOUND_NUMBER) => ({
  uuid,
  conversation_uuid: conversation,
  status,
  direction: 'inbound',
  from: CALLER,
  to,
});

/** The status events of an agent's app leg. */
const agentEvent = (agent: string, uuid: string, conversation: string, status: string, direction = 'outbound') => ({
  uuid,
  conversation_uuid: conversation,
  status,
  direction,
  from: CALLER,
  to: agent,
});

/** The app users an NCCO connects. */
function connectedAgents(ncco: readonly NccoAction[]): string[] {
  return ncco
    .filter((a) => a.action === 'connect')
    .flatMap((a) => (a.endpoint as Array<{ type: string; user?: string }>).filter((e) => e.type === 'app').map((e) => e.user ?? ''));
}

const transfersOf = (uuid: string) =>
  voice.requests.filter((r) => r.method === 'PUT' && r.path === `/v1/calls/${uuid}` && r.body?.action === 'transfer');
const transferNcco = (request: VoiceRequest): NccoAction[] => ((request.body?.destination as { ncco?: NccoAction[] } | undefined)?.ncco ?? []);
const hangupsOf = (uuid: string) => voice.requests.filter((r) => r.method === 'PUT' && r.path === `/v1/calls/${uuid}` && r.body?.action === 'hangup');
const placedCalls = () => voice.requests.filter((r) => r.method === 'POST' && r.path === '/v1/calls');

/** Jobs due now or running (on any instance). */
async function busyJobs(): Promise<string[]> {
  const live = b.closed ? a : b;
  const { rows } = await live.ctx.db.query<{ task: string }>(
    `SELECT t.identifier AS task FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE j.locked_at IS NOT NULL OR (j.attempts < j.max_attempts AND j.run_at <= now())`,
  );
  return rows.map((r) => r.task);
}

/** Wait until no job is due or running: every effect decided so far has happened. */
async function settle(): Promise<void> {
  expect(await waitFor(busyJobs, (jobs) => jobs.length === 0)).toEqual([]);
}

async function statusOn(instance: Instance, name: string): Promise<AgentStatus | undefined> {
  return instance.ctx.presence.byName(name)?.status;
}

async function callRecord(instance: Instance, conversation: string): Promise<CallLogRecord | null> {
  const res = await instance.server.app.inject({ method: 'GET', url: `/api/admin/calls/${conversation}`, headers: admin });
  return res.statusCode === 200 ? json<CallLogRecord>(res) : null;
}

// ── scenarios ───────────────────────────────────────────────────────────────────

describe('two backend instances on one database', () => {
  it('carries an inbound call between instances: a decline on B rings the next agent, the end on B hangs up the caller', async () => {
    await makeAvailable(b, 'Jane', 'Joe', 'Lou');
    const ncco = await answer(a, { to: INBOUND_NUMBER, uuid: 'c1', conversation_uuid: 'CON-1' });
    // Jane has been idle longest.
    expect(connectedAgents(ncco)).toEqual(['Jane']);
    await event(a, callerEvent('c1', 'CON-1', 'answered'));

    // Jane's leg rings and is declined; both events reach B, which never saw the answer.
    await event(b, agentEvent('Jane', 'jane-leg-1', 'CON-1', 'ringing', 'inbound'));
    await event(b, agentEvent('Jane', 'jane-leg-1', 'CON-1', 'rejected', 'inbound'));
    const transfers = await waitFor(() => transfersOf('c1'), (t) => t.length > 0);
    expect(transfers).toHaveLength(1);
    expect(connectedAgents(transferNcco(transfers[0]!))).toEqual(['Joe']);

    // Joe answers (A hears it) and hangs up (B hears it): the caller must not be left in the music.
    await event(a, agentEvent('Joe', 'joe-leg-1', 'CON-1', 'ringing', 'inbound'));
    await event(a, agentEvent('Joe', 'joe-leg-1', 'CON-1', 'answered', 'inbound'));
    expect(await waitFor(() => statusOn(b, 'Joe'), (s) => s === 'busy')).toBe('busy');
    await event(b, agentEvent('Joe', 'joe-leg-1', 'CON-1', 'completed', 'inbound'));
    expect(await waitFor(() => hangupsOf('c1'), (h) => h.length > 0)).toHaveLength(1);

    await event(a, callerEvent('c1', 'CON-1', 'completed'));
    const record = await waitFor(() => callRecord(b, 'CON-1'), (r) => r?.ended_at != null);
    expect(record).toMatchObject({ agent: 'Joe', flow: 'inbound' });
    expect(record?.ended_at).not.toBeNull();
    expect(record?.outcome).not.toBeNull();

    for (const instance of [a, b]) {
      for (const name of ['Jane', 'Joe']) {
        expect(await waitFor(() => statusOn(instance, name), (s) => s === 'available'), `${name} on ${instance.name}`).toBe('available');
      }
    }
    await settle();
    // Only Jane and Joe were ever offered the call, once each.
    expect(transfersOf('c1')).toHaveLength(1);
    expect(hangupsOf('c1')).toHaveLength(1);
  });

  it('never rings one agent for two callers, however the answers are spread over the instances', async () => {
    await makeAvailable(a, 'Jane', 'Joe', 'Lou');
    const calls = Array.from({ length: 12 }, (_, i) => ({ to: INBOUND_NUMBER, uuid: `burst-${i}`, conversation_uuid: `CON-burst-${i}` }));
    const nccos = await Promise.all(calls.map((call, i) => answer(i % 2 === 0 ? a : b, call)));

    const offered = nccos.map(connectedAgents).filter((agents) => agents.length > 0);
    expect(offered).toHaveLength(3);
    expect(offered.flat().sort()).toEqual(['Jane', 'Joe', 'Lou']);
    // Everyone else gets the fallback (voicemail).
    const fallback = nccos.filter((n) => connectedAgents(n).length === 0);
    expect(fallback).toHaveLength(9);
    for (const n of fallback) expect(n.map((x) => x.action)).toContain('record');

    // And the database agrees: each agent is reserved for the call that rings them.
    const { rows } = await a.ctx.db.query<{ name: string; reserved_call: string | null }>(
      'SELECT a.name, p.reserved_call FROM agent_presence p JOIN agents a ON a.id = p.agent_id WHERE p.reserved_call IS NOT NULL ORDER BY a.name',
    );
    const expected = nccos.flatMap((n, i) => connectedAgents(n).map((agent) => ({ name: agent, reserved_call: calls[i]!.uuid })));
    expect(rows).toEqual(expected.sort((x, y) => x.name.localeCompare(y.name)));
  });

  it('offers a queue caller to ONE agent across both job runners, joins them on B and hangs up the caller when the agent leaves on A', async () => {
    await makeAvailable(b, 'Jane', 'Joe');
    const ncco = await answer(a, { to: QUEUE_NUMBER, uuid: 'q1', conversation_uuid: 'CON-Q1' });
    expect(ncco.at(-1)).toMatchObject({ action: 'conversation', name: 'queue-q1', startOnEnter: false });
    await event(a, callerEvent('q1', 'CON-Q1', 'answered', QUEUE_NUMBER));

    expect(await waitFor(placedCalls, (p) => p.length > 0)).not.toHaveLength(0);
    await settle();
    const placed = placedCalls();
    // One call, to the longest-idle agent: not one per instance, not one per available agent.
    expect(placed).toHaveLength(1);
    expect(placed[0]?.body).toMatchObject({ to: [{ type: 'app', user: 'Jane' }] });

    // The agent leg's answer_url reaches B: it joins the caller's conversation.
    const answerUrl = new URL((placed[0]?.body?.answer_url as string[])[0] ?? '');
    expect(answerUrl.pathname).toBe('/webhooks/agent-answer');
    answerUrl.searchParams.set('uuid', 'agent-leg-1');
    answerUrl.searchParams.set('conversation_uuid', 'CON-agent-1');
    const joined = await b.server.app.inject({ method: 'GET', url: `${answerUrl.pathname}${answerUrl.search}` });
    expect(joined.statusCode, joined.body).toBe(200);
    expect((JSON.parse(joined.body) as NccoAction[]).at(-1)).toEqual({ action: 'conversation', name: 'queue-q1', startOnEnter: true });
    await event(b, agentEvent('Jane', 'agent-leg-1', 'CON-agent-1', 'answered'));
    expect(await waitFor(() => statusOn(a, 'Jane'), (s) => s === 'busy')).toBe('busy');
    // Out of the line.
    const { rows: line } = await b.ctx.db.query('SELECT call_id FROM queue_entries');
    expect(line).toEqual([]);

    // The agent hangs up; A hears it: the caller is hung up, not left in the hold music.
    await event(a, agentEvent('Jane', 'agent-leg-1', 'CON-agent-1', 'completed'));
    expect(await waitFor(() => hangupsOf('q1'), (h) => h.length > 0)).toHaveLength(1);
    await event(b, callerEvent('q1', 'CON-Q1', 'completed', QUEUE_NUMBER));
    expect(await waitFor(() => statusOn(b, 'Jane'), (s) => s === 'available')).toBe('available');
    await settle();
    expect(placedCalls()).toHaveLength(1);
    expect(await callRecord(a, 'CON-Q1')).toMatchObject({ flow: 'queue', queue: 'support', agent: 'Jane' });
  });

  it('applies a retried answer_url or event delivered to both instances at once only once', async () => {
    await makeAvailable(a, 'Jane', 'Joe', 'Lou');
    const call = { to: INBOUND_NUMBER, uuid: 'dup-1', conversation_uuid: 'CON-DUP-1' };
    const [first, second] = await Promise.all([answer(a, call), answer(b, call)]);
    // The same answer (Jane), and only Jane reserved for it.
    expect(connectedAgents(first!)).toEqual(['Jane']);
    expect(second).toEqual(first);
    const { rows } = await a.ctx.db.query<{ name: string }>(
      'SELECT a.name FROM agent_presence p JOIN agents a ON a.id = p.agent_id WHERE p.reserved_call IS NOT NULL',
    );
    expect(rows).toEqual([{ name: 'Jane' }]);

    await event(a, agentEvent('Jane', 'jane-leg-dup', 'CON-DUP-1', 'ringing', 'inbound'));
    // The platform retries Jane's decline (same timestamp) and the two deliveries land on A and B together.
    const rejected = { ...agentEvent('Jane', 'jane-leg-dup', 'CON-DUP-1', 'rejected', 'inbound'), timestamp: new Date(clock.nowMs + 500).toISOString() };
    const deliveries = await Promise.all([a, b].map((i) => i.server.app.inject({ method: 'POST', url: '/webhooks/event', payload: rejected })));
    expect(deliveries.map((d) => d.statusCode)).toEqual([204, 204]);
    await waitFor(() => transfersOf('dup-1'), (t) => t.length > 0);
    await settle();
    const transfers = transfersOf('dup-1');
    expect(transfers).toHaveLength(1);
    expect(connectedAgents(transferNcco(transfers[0]!))).toEqual(['Joe']);
  });

  it('lets B carry on an inbound call A started after A is gone', async () => {
    await makeAvailable(a, 'Jane', 'Joe');
    const ncco = await answer(a, { to: INBOUND_NUMBER, uuid: 'c4', conversation_uuid: 'CON-4' });
    expect(connectedAgents(ncco)).toEqual(['Jane']);
    await event(a, callerEvent('c4', 'CON-4', 'answered'));
    await event(a, agentEvent('Jane', 'jane-leg-4', 'CON-4', 'ringing', 'inbound'));

    await stop(a);
    await event(b, agentEvent('Jane', 'jane-leg-4', 'CON-4', 'rejected', 'inbound'));
    const transfers = await waitFor(() => transfersOf('c4'), (t) => t.length > 0);
    expect(transfers).toHaveLength(1);
    expect(connectedAgents(transferNcco(transfers[0]!))).toEqual(['Joe']);
  });

  it("runs a queue caller's max-wait timer that A scheduled on B after A is gone", async () => {
    // Joe serves the queue but is on another call: the caller waits.
    await makeAvailable(b, 'Joe');
    await event(b, agentEvent('Joe', 'joe-other', 'CON-OTHER', 'answered'));
    expect(await waitFor(() => statusOn(a, 'Joe'), (s) => s === 'busy')).toBe('busy');
    const ncco = await answer(a, { to: QUICK_NUMBER, uuid: 'q2', conversation_uuid: 'CON-Q2' });
    expect(ncco.at(-1)).toMatchObject({ action: 'conversation', name: 'queue-q2' });
    await event(a, callerEvent('q2', 'CON-Q2', 'answered', QUICK_NUMBER));
    await settle();
    expect(placedCalls()).toEqual([]);
    const { rows: timers } = await b.ctx.db.query<{ key: string }>(`SELECT key FROM graphile_worker.jobs WHERE key = 'queue-timeout:q2'`);
    expect(timers).toEqual([{ key: 'queue-timeout:q2' }]);

    await stop(a);
    // Make A's 10 s timer due now rather than wait for it.
    await b.ctx.db.query(`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE key = 'queue-timeout:q2'`);
    const transfers = await waitFor(() => transfersOf('q2'), (t) => t.length > 0);
    expect(transfers).toHaveLength(1);
    expect(transferNcco(transfers[0]!)).toContainEqual(expect.objectContaining({ action: 'connect', endpoint: [{ type: 'phone', number: TIMEOUT_PHONE }] }));
    expect(await waitFor(() => callRecord(b, 'CON-Q2'), (r) => r?.flow_outcome === 'timeout')).toMatchObject({ flow_outcome: 'timeout', queue: 'quick' });
    const { rows: line } = await b.ctx.db.query('SELECT call_id FROM queue_entries');
    expect(line).toEqual([]);
  });

  it('lets B answer with a number and queue configured on A after B started', async () => {
    const put = (url: string, payload: Record<string, unknown>) => a.server.app.inject({ method: 'PUT', url, headers: admin, payload });
    expect((await put('/api/admin/queues/late', { greeting: 'Late queue greeting' })).statusCode).toBe(200);
    expect((await put('/api/admin/numbers/14155550177', { flow: 'queue', queue: 'late' })).statusCode).toBe(200);
    const seen = await waitFor(
      async () => (await b.server.app.inject({ method: 'GET', url: '/api/admin/numbers/14155550177', headers: admin })).statusCode,
      (status) => status === 200,
    );
    expect(seen).toBe(200);
    // Someone serves the queue (busy), so the caller is put in line with the new queue's words.
    await makeAvailable(b, 'Joe');
    await event(b, agentEvent('Joe', 'joe-other', 'CON-OTHER', 'answered'));
    expect(await waitFor(() => statusOn(b, 'Joe'), (s) => s === 'busy')).toBe('busy');
    const ncco = await answer(b, { to: '14155550177', uuid: 'late-1', conversation_uuid: 'CON-LATE-1' });
    expect(ncco).toContainEqual(expect.objectContaining({ action: 'talk', text: 'Late queue greeting' }));
    expect(ncco.at(-1)).toMatchObject({ action: 'conversation', name: 'queue-late-1' });

    // A change of a queue's settings on A reaches B too.
    expect((await put('/api/admin/queues/late', { greeting: 'Changed greeting' })).statusCode).toBe(200);
    const changed = await waitFor(
      async () => json<{ settings: { greeting: string } }>(await b.server.app.inject({ method: 'GET', url: '/api/admin/queues/late', headers: admin })).settings.greeting,
      (greeting) => greeting === 'Changed greeting',
    );
    expect(changed).toBe('Changed greeting');
  });

  it('keeps a queue created on A usable on A while configuration reloads (other instances\' changes) run', async () => {
    // Other instances keep changing the configuration: every one notifies 'config' and A reloads.
    const others = () => Promise.all([1, 2, 3].map(() => b.ctx.db.query("SELECT pg_notify('config', '')")));
    const refused: string[] = [];
    for (let i = 0; i < 15; i += 1) {
      const notified = others();
      const queue = await a.server.app.inject({ method: 'PUT', url: `/api/admin/queues/race${i}`, headers: admin, payload: {} });
      expect(queue.statusCode).toBe(200);
      // The operator assigns the queue they just created to a number, on the same instance.
      const number = await a.server.app.inject({ method: 'PUT', url: `/api/admin/numbers/141555502${String(i).padStart(2, '0')}`, headers: admin, payload: { flow: 'queue', queue: `race${i}` } });
      if (number.statusCode !== 200) refused.push(`race${i}: ${number.statusCode} ${number.body}`);
      await notified;
    }
    expect(refused).toEqual([]);
    // Once the reloads are over, both instances know every queue.
    for (const instance of [a, b]) {
      const names = await waitFor(
        async () => json<{ queues: Array<{ name: string }> }>(await instance.server.app.inject({ method: 'GET', url: '/api/admin/queues', headers: admin })).queues.map((q) => q.name),
        (list) => list.filter((n) => n.startsWith('race')).length === 15,
        3_000,
      );
      expect(names.filter((n) => n.startsWith('race')), `queues on ${instance.name}`).toHaveLength(15);
    }
  });

  it('reconciles on B a call answered on A whose completed events were lost', async () => {
    await makeAvailable(a, 'Jane');
    const ncco = await answer(a, { to: INBOUND_NUMBER, uuid: 'c5', conversation_uuid: 'CON-5' });
    expect(connectedAgents(ncco)).toEqual(['Jane']);
    await event(a, callerEvent('c5', 'CON-5', 'answered'));
    await event(a, agentEvent('Jane', 'jane-leg-5', 'CON-5', 'ringing', 'inbound'));
    await event(a, agentEvent('Jane', 'jane-leg-5', 'CON-5', 'answered', 'inbound'));
    expect(await waitFor(() => statusOn(b, 'Jane'), (s) => s === 'busy')).toBe('busy');
    await settle();

    // Both legs ended on the platform, but their completed events never arrived; A is gone too.
    await stop(a);
    const end = new Date(clock.nowMs + 5_000).toISOString();
    voice.legs.set('c5', { uuid: 'c5', status: 'completed', conversation_uuid: 'CON-5', end_time: end, duration: '5' });
    voice.legs.set('jane-leg-5', { uuid: 'jane-leg-5', status: 'completed', conversation_uuid: 'CON-5', end_time: end, duration: '4' });
    tick(31_000);
    await b.ctx.jobs.add(b.ctx.db, 'reconcile', {}, { jobKey: 'reconcile' });

    expect(await waitFor(() => statusOn(b, 'Jane'), (s) => s === 'available')).toBe('available');
    const record = await waitFor(() => callRecord(b, 'CON-5'), (r) => r?.ended_at != null);
    expect(record?.ended_at).not.toBeNull();
    const asked = voice.requests.filter((r) => r.method === 'GET').map((r) => r.path);
    expect(asked).toEqual(expect.arrayContaining(['/v1/calls/c5', '/v1/calls/jane-leg-5']));
    const { rows } = await b.ctx.db.query<{ ended: boolean }>(`SELECT ended FROM flow_calls WHERE id = 'c5'`);
    expect(rows).toEqual([{ ended: true }]);
  });
});
