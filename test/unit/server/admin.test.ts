import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, CallPage } from '../../../common/backend-api';
import { ADMIN_TOKEN_FILE, resolveAdminToken } from '../../../server/admin/credential';
import type { AdminAgentView } from '../../../server/admin/routes';
import { buildServer } from '../../../server/app';
import { hashToken } from '../../../server/auth/credentials';
import { createTestDatabase } from '../../support/test-database';
import { createTestFiles, createTestServer, json, loginDesktop, testConfig, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN });
});
afterAll(async () => {
  await t.close();
});

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('admin guard', () => {
  const refusals: Array<[string, Record<string, string>]> = [
    ['no credential', {}],
    ['a wrong token', { authorization: 'Bearer admin-token-for-tests-0123456789abcdeX' }],
    ['the token with another scheme', { authorization: `Basic ${ADMIN_TOKEN}` }],
    ['a prefix of the token', { authorization: `Bearer ${ADMIN_TOKEN.slice(0, 20)}` }],
  ];
  it.each(refusals)('answers %s with the same generic 401', async (_label, headers) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/agents', headers });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(json<ApiErrorBody>(res)).toEqual({ error: { code: 'unauthorized', message: 'A valid admin token is required' } });
  });

  it("refuses an agent's refresh credential", async () => {
    const refresh = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/agents', headers: { authorization: `Bearer ${refresh}` } });
    expect(res.statusCode).toBe(401);
  });

  it('generates a token once under DATA_DIR with owner-only permissions when ADMIN_TOKEN is unset', async () => {
    const files = createTestFiles();
    const database = await createTestDatabase();
    try {
      const config = testConfig(files, { DATABASE_URL: database.url });
      const first = resolveAdminToken(config);
      expect(first.source).toBe('generated');
      expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const file = path.join(config.dataDir, ADMIN_TOKEN_FILE);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(resolveAdminToken(config)).toEqual({ token: first.token, source: 'file', file });
      const app = await buildServer(config, { logStream: { write: () => undefined } });
      const res = await app.inject({ method: 'GET', url: '/api/admin/agents', headers: { authorization: `Bearer ${first.token}` } });
      expect(res.statusCode).toBe(200);
      await app.close();
    } finally {
      await database.drop();
      files.remove();
    }
  });
});

describe('admin agents', () => {
  it('lists agents with their status and never their password hash', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/agents', headers: admin });
    expect(res.statusCode).toBe(200);
    const agents = json<AdminAgentView[]>(res);
    expect(agents.map((a) => a.name)).toEqual(['Dora', 'Jane', 'Joe', 'Lou']);
    expect(agents[0]).toMatchObject({ name: 'Dora', status: 'offline' });
    expect(res.body).not.toMatch(/argon2|password/);
  });

  it('creates an agent who can log in, and refuses a duplicate name in any case', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/admin/agents', headers: admin, payload: { name: 'Ann', password: 'ann-first-password' } });
    expect(res.statusCode).toBe(201);
    expect(json<AdminAgentView>(res)).toMatchObject({ name: 'Ann', display_name: 'Ann', disabled: false, status: 'offline' });
    await loginDesktop(t.app, 'Ann', 'ann-first-password');
    const dup = await t.app.inject({ method: 'POST', url: '/api/admin/agents', headers: admin, payload: { name: 'ANN', password: 'another-password' } });
    expect(dup.statusCode).toBe(409);
    expect(json<ApiErrorBody>(dup).error).toMatchObject({ code: 'agent_exists', field: 'name' });
  });

  const badCreates: Array<[string, unknown, string]> = [
    ['a name with a space', { name: 'bad name', password: 'long-enough-pw' }, 'name'],
    ['no name', { password: 'long-enough-pw' }, 'name'],
    ['a short password', { name: 'Shorty', password: 'short' }, 'password'],
    ['an empty display name', { name: 'Blank', display_name: '   ', password: 'long-enough-pw' }, 'display_name'],
  ];
  it.each(badCreates)('rejects %s with 400 naming the field', async (_label, payload, field) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/admin/agents', headers: admin, payload: payload as Record<string, unknown> });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.field).toBe(field);
  });

  it('disabling revokes the refresh credentials and takes the agent offline; enabling lets them log in again', async () => {
    const refresh = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    const put = await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: { authorization: `Bearer ${refresh}` }, payload: { status: 'available' } });
    expect(put.statusCode).toBe(200);
    const res = await t.app.inject({ method: 'POST', url: '/api/admin/agents/joe/disable', headers: admin });
    expect(res.statusCode).toBe(200);
    expect(json<AdminAgentView>(res)).toMatchObject({ name: 'Joe', disabled: true, status: 'offline' });
    const refused = await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { authorization: `Bearer ${refresh}` } });
    expect(refused.statusCode).toBe(401);
    expect((await t.storage.credentials.findByTokenHash(hashToken(refresh)))?.revoked_at).not.toBeNull();
    expect((await t.storage.agents.findByName('Joe'))?.disabled).toBe(true);

    const enabled = await t.app.inject({ method: 'POST', url: '/api/admin/agents/Joe/enable', headers: admin });
    expect(json<AdminAgentView>(enabled)).toMatchObject({ disabled: false, status: 'offline' });
    // The old credential stays revoked; a fresh login works.
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { authorization: `Bearer ${refresh}` } })).statusCode).toBe(401);
    await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
  });

  it("forces an agent's status, even off a call that never ended; 404 for an unknown agent, 400 naming the field", async () => {
    const { db, presence } = t.context;
    const jane = await t.storage.agents.findByName('Jane');
    await db.tx((sql) => presence.noteCallEvent(sql, { agentName: 'Jane', uuid: 'stuck-leg', status: 'answered' }));
    await presence.refresh([jane?.id ?? '']);
    expect(presence.get(jane?.id ?? '')?.status).toBe('busy');
    const res = await t.app.inject({ method: 'PUT', url: '/api/admin/agents/jane/status', headers: admin, payload: { status: 'available' } });
    expect(res.statusCode).toBe(200);
    expect(json<AdminAgentView>(res)).toMatchObject({ name: 'Jane', status: 'available', wrap_up_ends_at: null });
    // The stuck leg is over: its late events change nothing.
    await db.tx((sql) => presence.noteCallEvent(sql, { agentName: 'Jane', uuid: 'stuck-leg', status: 'answered' }));
    await presence.refresh([jane?.id ?? '']);
    expect(presence.get(jane?.id ?? '')?.status).toBe('available');

    // By id too.
    const away = await t.app.inject({ method: 'PUT', url: `/api/admin/agents/${jane?.id ?? ''}/status`, headers: admin, payload: { status: 'away' } });
    expect(json<AdminAgentView>(away)).toMatchObject({ name: 'Jane', status: 'away' });

    const unknown = await t.app.inject({ method: 'PUT', url: '/api/admin/agents/nobody/status', headers: admin, payload: { status: 'away' } });
    expect(unknown.statusCode).toBe(404);
    expect(json<ApiErrorBody>(unknown).error).toMatchObject({ code: 'unknown_agent', field: 'name' });
    for (const payload of [{}, { status: 'busy' }, { status: 'wrap-up' }, { status: 7 }]) {
      const bad = await t.app.inject({ method: 'PUT', url: '/api/admin/agents/jane/status', headers: admin, payload });
      expect(bad.statusCode).toBe(400);
      expect(json<ApiErrorBody>(bad).error.field).toBe('status');
    }
    const unauthenticated = await t.app.inject({ method: 'PUT', url: '/api/admin/agents/jane/status', payload: { status: 'away' } });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('resets a password: the old one and its sessions stop working', async () => {
    const refresh = await loginDesktop(t.app, 'Lou', 'lou-secret-pw');
    const res = await t.app.inject({ method: 'POST', url: '/api/admin/agents/Lou/password', headers: admin, payload: { password: 'lou-new-password' } });
    expect(res.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { authorization: `Bearer ${refresh}` } })).statusCode).toBe(401);
    const old = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Lou', password: 'lou-secret-pw' } });
    expect(old.statusCode).toBe(401);
    await loginDesktop(t.app, 'Lou', 'lou-new-password');
    const short = await t.app.inject({ method: 'POST', url: '/api/admin/agents/Lou/password', headers: admin, payload: { password: 'x' } });
    expect(json<ApiErrorBody>(short).error.field).toBe('password');
  });

  it('answers 404 naming the agent for an unknown name and 400 for a malformed one', async () => {
    const unknown = await t.app.inject({ method: 'POST', url: '/api/admin/agents/Nobody/disable', headers: admin });
    expect(unknown.statusCode).toBe(404);
    expect(json<ApiErrorBody>(unknown).error).toMatchObject({ code: 'unknown_agent', field: 'name' });
    const malformed = await t.app.inject({ method: 'POST', url: '/api/admin/agents/bad%20name/disable', headers: admin });
    expect(malformed.statusCode).toBe(400);
    expect(json<ApiErrorBody>(malformed).error.field).toBe('name');
  });
});

describe('admin calls and queue stats', () => {
  const T0 = '2026-03-02T10:00:00.000Z';
  const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();
  const post = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/webhooks/event', payload });

  /** An inbound call through a queue: the caller waits `waitS`, then Jane answers (or nobody does). */
  async function queuedCall(id: string, startS: number, waitS: number, answeredBy: 'Jane' | null, queue = 'sales') {
    const conv = `CON-${id}`;
    const phone = { uuid: `p-${id}`, conversation_uuid: conv, direction: 'inbound', from: '14155550100', to: '14155550199' };
    const app = { uuid: `a-${id}`, conversation_uuid: conv, direction: 'outbound', from: '14155550100', to: 'Jane' };
    await post({ ...phone, status: 'started', timestamp: at(startS) });
    await post({ ...phone, status: 'answered', timestamp: at(startS) });
    await t.storage.calls.updateCallRecord(conv, { flow: 'queue', queue }, at(startS));
    if (answeredBy) {
      await post({ ...app, status: 'ringing', timestamp: at(startS + waitS - 1) });
      await post({ ...app, status: 'answered', timestamp: at(startS + waitS) });
      await post({ ...app, status: 'completed', timestamp: at(startS + waitS + 60), duration: '60' });
    }
    await post({ ...phone, status: 'completed', timestamp: at(startS + waitS + 61) });
  }

  it('filters calls by date, agent and outcome, paginated', async () => {
    await queuedCall('q1', 0, 10, 'Jane');
    await queuedCall('q2', 100, 40, 'Jane');
    await queuedCall('q3', 200, 30, null);
    const all = json<CallPage>(await t.app.inject({ method: 'GET', url: `/api/admin/calls?from=${at(0)}&to=${at(300)}`, headers: admin }));
    expect(all.total).toBe(3);
    expect(all.calls.map((c) => c.conversation_uuid)).toEqual(['CON-q3', 'CON-q2', 'CON-q1']);
    expect(all.calls[2]).toMatchObject({ flow: 'queue', queue: 'sales', agent: 'Jane', outcome: 'answered', wait_s: 10, talk_s: 60 });
    expect(all.calls[0]).toMatchObject({ outcome: 'abandoned', wait_s: 91, talk_s: 0 });

    const paged = json<CallPage>(await t.app.inject({ method: 'GET', url: `/api/admin/calls?from=${at(0)}&to=${at(300)}&limit=1&offset=1`, headers: admin }));
    expect(paged).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(paged.calls.map((c) => c.conversation_uuid)).toEqual(['CON-q2']);
    const next = json<CallPage>(
      await t.app.inject({ method: 'GET', url: `/api/admin/calls?from=${at(0)}&to=${at(300)}&limit=1&cursor=${paged.next_cursor}`, headers: admin }),
    );
    expect(next).toMatchObject({ total: 3, offset: 0, next_cursor: null });
    expect(next.calls.map((c) => c.conversation_uuid)).toEqual(['CON-q1']);

    const answered = json<CallPage>(await t.app.inject({ method: 'GET', url: `/api/admin/calls?from=${at(0)}&outcome=answered&agent=jane`, headers: admin }));
    expect(answered.calls.map((c) => c.conversation_uuid).sort()).toEqual(['CON-q1', 'CON-q2']);

    const detail = await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-q1', headers: admin });
    expect(detail.statusCode).toBe(200);
    const events = json<{ events: Array<{ status: string; payload: { timestamp: string } }> }>(detail).events;
    expect(events[0]).toMatchObject({ status: 'started', payload: { timestamp: at(0) } });
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-none', headers: admin })).statusCode).toBe(404);
  });

  it('computes queue stats: offered, answered, abandoned, average wait, service level', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/admin/queue-stats?from=${at(0)}&to=${at(300)}&service_level_s=20`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(json<{ queues: unknown[] }>(res).queues).toEqual([
      { queue: 'sales', offered: 3, answered: 2, abandoned: 1, voicemail: 0, overflow: 0, timeout: 0, average_wait_s: 25, service_level: 0.333 },
    ]);
  });

  const badQueries: Array<[string, string, string]> = [
    ['a non-date from', '/api/admin/calls?from=yesterday', 'from'],
    ['an impossible date', '/api/admin/calls?to=2026-13-45', 'to'],
    ['to before from', `/api/admin/calls?from=${at(100)}&to=${at(0)}`, 'to'],
    ['an unknown outcome', '/api/admin/calls?outcome=great', 'outcome'],
    ['a limit too large', '/api/admin/calls?limit=1000', 'limit'],
    ['a negative offset', '/api/admin/calls?offset=-1', 'offset'],
    ['a bad agent name', '/api/admin/calls?agent=a%20b', 'agent'],
    ['a service level of 0', '/api/admin/queue-stats?service_level_s=0', 'service_level_s'],
  ];
  it.each(badQueries)('rejects %s with 400 naming the field', async (_label, url, field) => {
    const res = await t.app.inject({ method: 'GET', url, headers: admin });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.field).toBe(field);
  });
});
