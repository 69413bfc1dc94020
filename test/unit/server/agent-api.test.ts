import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentStatusInfo, ApiErrorBody, CallPage } from '../../../common/backend-api';
import { createTestServer, json, loginDesktop, type TestServer } from './helpers';

let t: TestServer;
let baseUrl: string;
beforeAll(async () => {
  t = await createTestServer({ CORS_ORIGINS: 'http://app.example:5173' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Reads server-sent events from a streaming response. */
class EventReader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(response: Response) {
    if (!response.body) throw new Error('no body');
    this.reader = response.body.getReader();
  }

  /** The next event (name and parsed data), or null when the stream ends. */
  async next(): Promise<{ event: string; data: unknown } | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) return { event, data: JSON.parse(data) as unknown };
        continue;
      }
      const chunk = await this.reader.read();
      if (chunk.done) return null;
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }
}

describe('GET/PUT /api/agent/status', () => {
  it('requires a login', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/agent/status' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'PUT', url: '/api/agent/status', payload: { status: 'away' } })).statusCode).toBe(401);
    expect((await fetch(`${baseUrl}/api/agent/events`)).status).toBe(401);
  });

  it('lets the agent go available and away, and refuses other statuses naming the field', async () => {
    const refresh = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const first = json<AgentStatusInfo>(await t.app.inject({ method: 'GET', url: '/api/agent/status', headers: bearer(refresh) }));
    expect(first.status).toBe('offline');
    const away = await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload: { status: 'away' } });
    expect(json<AgentStatusInfo>(away)).toEqual({ status: 'away', since: new Date(t.clock.nowMs).toISOString(), wrap_up_ends_at: null, away_reason: null, reachable: true });
    for (const payload of [{ status: 'busy' }, { status: 'wrap-up' }, { status: 'offline' }, { status: 7 }, {}]) {
      const res = await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload });
      expect(res.statusCode).toBe(400);
      expect(json<ApiErrorBody>(res).error.field).toBe('status');
    }
  });

  it('refuses a change while on a call with 409, and lets the agent end wrap-up early', async () => {
    const refresh = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload: { status: 'available' } });
    const leg = { uuid: 'joe-leg-1', conversation_uuid: 'CON-joe-1', direction: 'outbound', from: '14155550100', to: 'Joe' };
    await t.app.inject({ method: 'POST', url: '/webhooks/event', payload: { ...leg, status: 'answered' } });
    const busy = await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload: { status: 'away' } });
    expect(busy.statusCode).toBe(409);
    expect(json<ApiErrorBody>(busy).error).toMatchObject({ code: 'status_conflict', field: 'status' });
    await t.app.inject({ method: 'POST', url: '/webhooks/event', payload: { ...leg, status: 'completed', duration: '12' } });
    const wrap = json<AgentStatusInfo>(await t.app.inject({ method: 'GET', url: '/api/agent/status', headers: bearer(refresh) }));
    expect(wrap).toMatchObject({ status: 'wrap-up', wrap_up_ends_at: new Date(t.clock.nowMs + 30_000).toISOString() });
    const early = await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload: { status: 'available' } });
    expect(json<AgentStatusInfo>(early)).toMatchObject({ status: 'available', wrap_up_ends_at: null });
  });
});

describe('GET /api/agent/events', () => {
  it('streams the status at once and every change after, and goes offline at logout', async () => {
    const refresh = await loginDesktop(t.app, 'Lou', 'lou-secret-pw');
    const response = await fetch(`${baseUrl}/api/agent/events`, { headers: bearer(refresh) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const events = new EventReader(response);
    // Connecting made the offline agent available.
    expect(await events.next()).toMatchObject({ event: 'status', data: { status: 'available' } });

    await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: bearer(refresh), payload: { status: 'away' } });
    expect(await events.next()).toMatchObject({ event: 'status', data: { status: 'away' } });

    const leg = { uuid: 'lou-leg', conversation_uuid: 'CON-lou', direction: 'outbound', from: '14155550100', to: 'Lou' };
    await t.app.inject({ method: 'POST', url: '/webhooks/event', payload: { ...leg, status: 'ringing' } });
    expect(await events.next()).toMatchObject({ event: 'status', data: { status: 'busy' } });
    await t.app.inject({ method: 'POST', url: '/webhooks/event', payload: { ...leg, status: 'timeout' } });
    expect(await events.next()).toMatchObject({ event: 'status', data: { status: 'away' } });

    const logout = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(refresh) });
    expect(logout.statusCode).toBe(204);
    expect(await events.next()).toEqual({ event: 'session-ended', data: { reason: 'logged-out' } });
    expect(await events.next()).toBeNull();
    const refreshAgain = await loginDesktop(t.app, 'Lou', 'lou-secret-pw');
    const status = json<AgentStatusInfo>(await t.app.inject({ method: 'GET', url: '/api/agent/status', headers: bearer(refreshAgain) }));
    expect(status.status).toBe('offline');
  });

  it('allows a configured origin to PUT the status through CORS', async () => {
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/agent/status',
      headers: { origin: 'http://app.example:5173', 'access-control-request-method': 'PUT' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('PUT');
    const other = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/agent/status',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'PUT' },
    });
    expect(other.statusCode).toBe(403);
  });

  it('accepts the web shell cookie from a configured origin and refuses it from another', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Jane', password: 'jane-secret-pw', client: 'web' } });
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    const good = await fetch(`${baseUrl}/api/agent/events`, { headers: { cookie, origin: 'http://app.example:5173' } });
    expect(good.status).toBe(200);
    expect(good.headers.get('access-control-allow-origin')).toBe('http://app.example:5173');
    const events = new EventReader(good);
    expect((await events.next())?.event).toBe('status');
    await events.cancel();
    const bad = await fetch(`${baseUrl}/api/agent/events`, { headers: { cookie, origin: 'http://evil.example' } });
    expect(bad.status).toBe(403);
  });
});

describe('my history and missed calls', () => {
  const post = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/webhooks/event', payload });

  it('lists the calls I was offered, and the ones I did not answer', async () => {
    const T0 = '2026-03-02T11:00:00.000Z';
    const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();
    // Jane declines, Joe answers.
    const phone = { uuid: 'h-p', conversation_uuid: 'CON-h', direction: 'inbound', from: '14155550111', to: '14155550199' };
    await post({ ...phone, status: 'answered', timestamp: at(0) });
    await post({ uuid: 'h-jane', conversation_uuid: 'CON-h', direction: 'outbound', to: 'Jane', status: 'ringing', timestamp: at(1) });
    await post({ uuid: 'h-jane', conversation_uuid: 'CON-h', direction: 'outbound', to: 'Jane', status: 'rejected', timestamp: at(3) });
    await post({ uuid: 'h-joe', conversation_uuid: 'CON-h', direction: 'outbound', to: 'Joe', status: 'answered', timestamp: at(5) });
    await post({ uuid: 'h-joe', conversation_uuid: 'CON-h', direction: 'outbound', to: 'Joe', status: 'completed', timestamp: at(50) });
    await post({ ...phone, status: 'completed', timestamp: at(51) });
    // Jane answers another one.
    await post({ uuid: 'h2-p', conversation_uuid: 'CON-h2', direction: 'inbound', from: '14155550112', to: '14155550199', status: 'answered', timestamp: at(100) });
    await post({ uuid: 'h2-jane', conversation_uuid: 'CON-h2', direction: 'outbound', to: 'Jane', status: 'answered', timestamp: at(102) });

    const jane = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const history = json<CallPage>(await t.app.inject({ method: 'GET', url: '/api/agent/calls', headers: bearer(jane) }));
    expect(history.calls.map((c) => c.conversation_uuid)).toEqual(['CON-h2', 'CON-h']);
    expect(history.calls[1]).toMatchObject({ agent: 'Joe', outcome: 'answered', wait_s: 5, talk_s: 45 });
    const missed = json<CallPage>(await t.app.inject({ method: 'GET', url: '/api/agent/calls/missed', headers: bearer(jane) }));
    expect(missed).toMatchObject({ total: 1, limit: 50, offset: 0 });
    expect(missed.calls[0]?.conversation_uuid).toBe('CON-h');
    const joe = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    const joeMissed = json<CallPage>(await t.app.inject({ method: 'GET', url: '/api/agent/calls/missed', headers: bearer(joe) }));
    expect(joeMissed.calls.map((c) => c.conversation_uuid)).not.toContain('CON-h');

    // Keyset paging: next_cursor continues after the page's last call.
    expect(history.next_cursor).toBeNull();
    const first = json<CallPage>(await t.app.inject({ method: 'GET', url: '/api/agent/calls?limit=1', headers: bearer(jane) }));
    expect(first.calls.map((c) => c.conversation_uuid)).toEqual(['CON-h2']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = json<CallPage>(
      await t.app.inject({ method: 'GET', url: `/api/agent/calls?limit=1&cursor=${first.next_cursor}`, headers: bearer(jane) }),
    );
    expect(second).toMatchObject({ total: 2, next_cursor: null });
    expect(second.calls.map((c) => c.conversation_uuid)).toEqual(['CON-h']);
    for (const cursor of ['nope!', Buffer.from('["yesterday","CON-h"]').toString('base64url')]) {
      const refused = await t.app.inject({ method: 'GET', url: `/api/agent/calls/missed?cursor=${cursor}`, headers: bearer(jane) });
      expect(refused.statusCode).toBe(400);
      expect(json<ApiErrorBody>(refused).error.field).toBe('cursor');
    }

    const bad = await t.app.inject({ method: 'GET', url: '/api/agent/calls?limit=0', headers: bearer(jane) });
    expect(bad.statusCode).toBe(400);
    expect(json<ApiErrorBody>(bad).error.field).toBe('limit');
  });
});
