/**
 * Staying reachable, and away reasons: the backend offers calls only to an agent whose app
 * connection and voice session are up, keeps their status to return to meanwhile, and stores
 * the away reason the agent picked from the list the admin configures.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatusInfo, ApiErrorBody, AwayReasons } from '../../../common/backend-api';
import { createTestServer, json, loginDesktop, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let t: TestServer;
let baseUrl: string;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN, VOICE_LEASE_S: '1', PRESENCE_GRACE_S: '120' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
});

/** Whom routing would offer the next call to (and frees the reservation again). */
async function nextAgent(callId: string): Promise<string | null> {
  const ctx = t.context;
  const name = await ctx.db.tx((sql) => ctx.presence.reserveNext(sql, { callId, exclude: [], members: [] }));
  if (name) await ctx.db.tx((sql) => ctx.presence.release(sql, name, callId));
  return name;
}

/** Opens the agent's event stream (the app's live connection); returns its closing. */
async function openStream(refresh: string): Promise<() => Promise<void>> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/agent/events`, { headers: bearer(refresh), signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  await reader.read();
  return async () => {
    controller.abort();
    await reader.cancel().catch(() => undefined);
  };
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const status = async (refresh: string) => json<AgentStatusInfo>(await t.app.inject({ method: 'GET', url: '/api/agent/status', headers: bearer(refresh) }));
const voice = (refresh: string, state: string | number | undefined) => t.app.inject({ method: 'PUT', url: '/api/agent/voice', headers: bearer(refresh), payload: { state } });

describe('away reasons', () => {
  it('are configured by the admin, validated naming the field, and listed to agents', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/away-reasons' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/agent/away-reasons' })).statusCode).toBe(401);
    expect(json<AwayReasons>(await t.app.inject({ method: 'GET', url: '/api/admin/away-reasons', headers: admin })).reasons).toEqual(['Break', 'Lunch', 'Meeting', 'Training']);
    for (const [payload, field] of [
      [{}, 'reasons'],
      [{ reasons: 'Lunch' }, 'reasons'],
      [{ reasons: ['Lunch', ''] }, 'reasons.1'],
      [{ reasons: ['x'.repeat(41)] }, 'reasons.0'],
      [{ reasons: ['Lunch', 'lunch'] }, 'reasons'],
    ] as const) {
      const res = await t.app.inject({ method: 'PUT', url: '/api/admin/away-reasons', headers: admin, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(json<ApiErrorBody>(res).error.field).toBe(field);
    }
    const put = await t.app.inject({ method: 'PUT', url: '/api/admin/away-reasons', headers: admin, payload: { reasons: ['Coffee', ' Coaching ', 'Lunch'] } });
    expect(json<AwayReasons>(put).reasons).toEqual(['Coffee', 'Coaching', 'Lunch']);
    const refresh = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    expect(json<AwayReasons>(await t.app.inject({ method: 'GET', url: '/api/agent/away-reasons', headers: bearer(refresh) })).reasons).toEqual(['Coffee', 'Coaching', 'Lunch']);
  });

  it('lets the agent go away with a reason from the list, stored in presence, and clears it when available', async () => {
    const refresh = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    const put = (payload: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload });
    const unknown = await put({ status: 'away', reason: 'Nap' });
    expect(unknown.statusCode).toBe(400);
    expect(json<ApiErrorBody>(unknown).error).toMatchObject({ field: 'reason', message: expect.stringContaining('away reasons') });
    const misplaced = await put({ status: 'available', reason: 'Lunch' });
    expect(misplaced.statusCode).toBe(400);
    expect(json<ApiErrorBody>(misplaced).error.field).toBe('reason');
    expect(json<AgentStatusInfo>(await put({ status: 'away', reason: 'lunch' }))).toMatchObject({ status: 'away', away_reason: 'Lunch' });
    // Another reason while away: the reason changes, and every instance sees it (it is in the row).
    expect(json<AgentStatusInfo>(await put({ status: 'away', reason: 'Coffee' })).away_reason).toBe('Coffee');
    const { rows } = await t.context.db.query<{ away_reason: string }>("SELECT away_reason FROM agent_presence p JOIN agents a ON a.id = p.agent_id WHERE a.name = 'Joe'");
    expect(rows[0]?.away_reason).toBe('Coffee');
    expect(json<AgentStatusInfo>(await put({ status: 'available' }))).toMatchObject({ status: 'available', away_reason: null });
    expect(json<AgentStatusInfo>(await put({ status: 'away' }))).toMatchObject({ status: 'away', away_reason: null });
  });
});

describe('the built-in away reason', () => {
  it('is accepted with away on a backend whose operator never configured it, stored as system', async () => {
    const refresh = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    const put = (payload: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload });
    const listed = json<AwayReasons>(await t.app.inject({ method: 'GET', url: '/api/admin/away-reasons', headers: admin })).reasons;
    expect(listed.map((l) => l.toLowerCase())).not.toContain('system');
    const away = await put({ status: 'away', reason: 'system' });
    expect(away.statusCode, away.body).toBe(200);
    expect(json<AgentStatusInfo>(away)).toMatchObject({ status: 'away', away_reason: 'system' });
    // Any case, as the configured ones: stored as the one value reports group by.
    expect(json<AgentStatusInfo>(await put({ status: 'away', reason: 'SYSTEM' })).away_reason).toBe('system');
    const { rows } = await t.context.db.query<{ away_reason: string }>("SELECT away_reason FROM agent_presence p JOIN agents a ON a.id = p.agent_id WHERE a.name = 'Joe'");
    expect(rows[0]?.away_reason).toBe('system');
    expect(json<AgentStatusInfo>(await put({ status: 'available' })).away_reason).toBeNull();
    await put({ status: 'away' }); // (Joe stays out of the routing tests below)
  });

  it('cannot be added, renamed or removed by the operator, and is never offered to the agent', async () => {
    for (const [reasons, field] of [
      [['Lunch', 'system'], 'reasons.1'],
      [['System'], 'reasons.0'],
      [['Break', ' System (sleep or lock) '], 'reasons.1'],
    ] as const) {
      const res = await t.app.inject({ method: 'PUT', url: '/api/admin/away-reasons', headers: admin, payload: { reasons } });
      expect(res.statusCode, JSON.stringify(reasons)).toBe(400);
      expect(json<ApiErrorBody>(res).error).toMatchObject({ field, message: expect.stringContaining('built-in') });
    }
    // An empty list leaves it in force: removing every reason does not remove it.
    expect(json<AwayReasons>(await t.app.inject({ method: 'PUT', url: '/api/admin/away-reasons', headers: admin, payload: { reasons: [] } })).reasons).toEqual([]);
    const refresh = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    const put = (payload: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload });
    expect(json<AgentStatusInfo>(await put({ status: 'away', reason: 'system' })).away_reason).toBe('system');
    // A row an operator saved as "system" before it was built in is not offered in the agent's menu.
    await t.context.db.query("INSERT INTO away_reasons (position, label) VALUES (1, 'Lunch'), (2, 'System')");
    expect(json<AwayReasons>(await t.app.inject({ method: 'GET', url: '/api/agent/away-reasons', headers: bearer(refresh) })).reasons).toEqual(['Lunch']);
    expect(json<AwayReasons>(await t.app.inject({ method: 'GET', url: '/api/admin/away-reasons', headers: admin })).reasons).toEqual(['Lunch']);
    expect(json<AgentStatusInfo>(await put({ status: 'away', reason: 'System' })).away_reason).toBe('system');
    expect(json<AgentStatusInfo>(await put({ status: 'away' })).away_reason).toBeNull();
  });
});

describe('reachability', () => {
  it('refuses a bad voice report naming the field', async () => {
    const refresh = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    for (const state of ['sideways', 1, undefined]) {
      const res = await voice(refresh, state);
      expect(res.statusCode).toBe(400);
      expect(json<ApiErrorBody>(res).error.field).toBe('state');
    }
    expect((await t.app.inject({ method: 'PUT', url: '/api/agent/voice', payload: { state: 'up' } })).statusCode).toBe(401);
  });

  it('routes no call to an available agent whose app connection dropped, and again once it is back (the 20 s network drop)', async () => {
    const refresh = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const close = await openStream(refresh);
    await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload: { status: 'available' } });
    expect(await nextAgent('call-before-drop')).toBe('Jane');
    await close();
    // Within the grace period Jane keeps her status (to return to) but is unreachable.
    await waitFor(async () => (await status(refresh)).reachable === false);
    expect(await status(refresh)).toMatchObject({ status: 'available', reachable: false });
    expect(await nextAgent('call-during-drop')).toBeNull();
    const closeAgain = await openStream(refresh);
    await waitFor(async () => (await status(refresh)).reachable);
    expect((await status(refresh)).status).toBe('available');
    expect(await nextAgent('call-after-drop')).toBe('Jane');
    await closeAgain();
  });

  it('routes no call while the voice session is reported down or its lease lapses, and tells the agent stream', async () => {
    const refresh = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const close = await openStream(refresh);
    await waitFor(async () => (await status(refresh)).reachable);
    expect(json<AgentStatusInfo>(await voice(refresh, 'up')).reachable).toBe(true);
    expect(await nextAgent('call-voice-up')).toBe('Jane');
    // The SDK session expired or is reconnecting: the app says so.
    expect(json<AgentStatusInfo>(await voice(refresh, 'down'))).toMatchObject({ status: 'available', reachable: false });
    expect(await nextAgent('call-voice-down')).toBeNull();
    expect(json<AgentStatusInfo>(await voice(refresh, 'up')).reachable).toBe(true);
    expect(await nextAgent('call-voice-back')).toBe('Jane');
    // The app goes quiet (network gone, app frozen): after the 1 s lease routing skips her,
    // before any sweep has marked it.
    await new Promise((r) => setTimeout(r, 1_300));
    expect(await nextAgent('call-lease-lapsed')).toBeNull();
    expect(json<AgentStatusInfo>(await voice(refresh, 'up')).reachable).toBe(true);
    expect(await nextAgent('call-lease-renewed')).toBe('Jane');
    await voice(refresh, 'down');
    await close();
  });
});
