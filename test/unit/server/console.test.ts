/**
 * The operator console's backend: sign-in with lockout, the session cookie and its CSRF
 * token, roles on the admin API, the audit log, the wallboard and an agent's day.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../../common/backend-api';
import type { AgentDayView, AuditPage, ConsoleSessionView, WallboardSnapshot } from '../../../common/console-api';
import { CONSOLE_COOKIE } from '../../../server/console/session';
import { timeInStatus } from '../../../server/console/agent-day';
import { maskSecrets } from '../../../server/console/audit';
import { createTestServer, json, loginDesktop, postEvent, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-console-tests-0123456789';
const USERS = [
  { name: 'Ada', display_name: 'Ada Admin', role: 'admin' as const, password: 'ada-console-pw' },
  { name: 'Sam', display_name: 'Sam Supervisor', role: 'supervisor' as const, password: 'sam-console-pw' },
  { name: 'Lock', display_name: 'Lock Out', role: 'admin' as const, password: 'lock-console-pw' },
];

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN }, { seedConsoleUsers: USERS });
});
afterAll(async () => {
  await t?.close();
});

interface Session {
  cookie: string;
  csrf: string;
  view: ConsoleSessionView;
}

function cookieOf(res: LightMyRequestResponse): string {
  const header = String(res.headers['set-cookie'] ?? '');
  const match = new RegExp(`${CONSOLE_COOKIE}=([^;]*)`).exec(header);
  if (!match) throw new Error(`no console cookie in ${header}`);
  return `${CONSOLE_COOKIE}=${match[1]}`;
}

async function signIn(name: string, password: string): Promise<Session> {
  const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name, password } });
  expect(res.statusCode, res.body).toBe(200);
  const view = json<ConsoleSessionView>(res);
  return { cookie: cookieOf(res), csrf: view.csrf_token, view };
}

function as(session: Session, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: unknown, csrf = true) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: session.cookie, ...(csrf && method !== 'GET' ? { 'x-csrf-token': session.csrf } : {}) },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

async function audit(): Promise<AuditPage> {
  const res = await t.app.inject({ method: 'GET', url: '/api/console/audit', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.statusCode).toBe(200);
  return json<AuditPage>(res);
}

describe('console sign-in', () => {
  it('signs an admin in with an HttpOnly, SameSite=Strict cookie scoped to the API, and knows the session again', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name: 'ada', password: 'ada-console-pw' } });
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/api/);
    expect(cookie).not.toMatch(/Secure/);
    const view = json<ConsoleSessionView>(res);
    expect(view.user).toEqual({ name: 'Ada', display_name: 'Ada Admin', role: 'admin' });
    expect(view.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The token itself is never stored: only its hash.
    const token = cookieOf(res).split('=')[1] ?? '';
    const stored = await t.context.db.query<{ n: number }>('SELECT count(*)::int AS n FROM console_sessions WHERE token_hash = $1 OR csrf_token = $1', [token]);
    expect(stored.rows[0]?.n).toBe(0);
    const again = await t.app.inject({ method: 'GET', url: '/api/console/session', headers: { cookie: cookieOf(res) } });
    expect(json<ConsoleSessionView>(again)).toEqual(view);
  });

  it('refuses a wrong password and an unknown name alike, and an empty body names the field', async () => {
    for (const payload of [{ name: 'Ada', password: 'wrong-password' }, { name: 'Nobody', password: 'whatever-pw' }]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload });
      expect(res.statusCode).toBe(401);
      expect(json<ApiErrorBody>(res).error).toEqual({ code: 'invalid_credentials', message: 'Name or password is incorrect' });
    }
    const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { password: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.field).toBe('name');
  });

  it('locks a name out after 5 failures, even with the right password, until the window passes', async () => {
    for (let i = 0; i < 5; i += 1) {
      const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name: 'Lock', password: `wrong-${i}` } });
      expect(res.statusCode).toBe(401);
    }
    const locked = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name: 'Lock', password: 'lock-console-pw' } });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.nowMs += 5 * 60 * 1000 + 1000;
    await signIn('Lock', 'lock-console-pw');
  });

  it('signs out: the cookie no longer opens anything', async () => {
    const s = await signIn('Sam', 'sam-console-pw');
    const withoutCsrf = await as(s, 'POST', '/api/console/logout', undefined, false);
    expect(withoutCsrf.statusCode).toBe(403);
    const out = await as(s, 'POST', '/api/console/logout');
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await as(s, 'GET', '/api/console/session')).statusCode).toBe(401);
    expect((await as(s, 'GET', '/api/admin/agents')).statusCode).toBe(401);
  });

  it("does not open the console with an agent's credential or cookie", async () => {
    const refresh = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const bearer = await t.app.inject({ method: 'GET', url: '/api/console/wallboard', headers: { authorization: `Bearer ${refresh}` } });
    expect(bearer.statusCode).toBe(401);
    const web = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Jane', password: 'jane-secret-pw', client: 'web' } });
    const agentCookie = String(web.headers['set-cookie']).split(';')[0] ?? '';
    for (const url of ['/api/console/wallboard', '/api/console/session', '/api/admin/agents', '/api/console/audit']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { cookie: agentCookie } });
      expect(res.statusCode, url).toBe(401);
    }
    // Nor may an agent sign in to the console with their own name and password.
    const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name: 'Jane', password: 'jane-secret-pw' } });
    expect(res.statusCode).toBe(401);
  });

  it('refuses the console cookie sent from another origin', async () => {
    const s = await signIn('Ada', 'ada-console-pw');
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/agents', headers: { cookie: s.cookie, origin: 'https://evil.example.com' } });
    expect(res.statusCode).toBe(403);
  });
});

describe('roles and CSRF on the admin API', () => {
  it('lets a supervisor read but not change, with a 403 saying why', async () => {
    const s = await signIn('Sam', 'sam-console-pw');
    expect((await as(s, 'GET', '/api/admin/agents')).statusCode).toBe(200);
    expect((await as(s, 'GET', '/api/console/wallboard')).statusCode).toBe(200);
    const before = (await audit()).entries.length;
    const res = await as(s, 'POST', '/api/admin/agents', { name: 'Sneaky', password: 'sneaky-password' });
    expect(res.statusCode).toBe(403);
    expect(json<ApiErrorBody>(res).error.code).toBe('forbidden_role');
    expect((await as(s, 'POST', '/api/admin/agents/Joe/disable')).statusCode).toBe(403);
    expect(await t.storage.agents.findByName('Sneaky')).toBeNull();
    expect((await t.storage.agents.findByName('Joe'))?.disabled).toBe(false);
    expect((await audit()).entries.length).toBe(before);
  });

  it("refuses an admin's change without the session's CSRF token, or with another one", async () => {
    const s = await signIn('Ada', 'ada-console-pw');
    const other = await signIn('Ada', 'ada-console-pw');
    const none = await as(s, 'POST', '/api/admin/agents', { name: 'Csrf', password: 'csrf-password' }, false);
    expect(none.statusCode).toBe(403);
    expect(json<ApiErrorBody>(none).error.code).toBe('csrf_failed');
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/admin/agents',
      headers: { cookie: s.cookie, 'x-csrf-token': other.csrf },
      payload: { name: 'Csrf', password: 'csrf-password' },
    });
    expect(wrong.statusCode).toBe(403);
    expect(await t.storage.agents.findByName('Csrf')).toBeNull();
  });

  it('lets an admin create, rename, disable, enable and reset an agent, each written to the audit log with before and after', async () => {
    const s = await signIn('Ada', 'ada-console-pw');
    const created = await as(s, 'POST', '/api/admin/agents', { name: 'Nina', display_name: 'Nina N', password: 'nina-password' });
    expect(created.statusCode).toBe(201);
    const renamed = await as(s, 'PATCH', '/api/admin/agents/Nina', { display_name: 'Nina Newname' });
    expect(renamed.statusCode).toBe(200);
    const blank = await as(s, 'PATCH', '/api/admin/agents/Nina', { display_name: '  ' });
    expect(blank.statusCode).toBe(400);
    expect(json<ApiErrorBody>(blank).error.field).toBe('display_name');
    expect((await as(s, 'POST', '/api/admin/agents/Nina/disable')).statusCode).toBe(200);
    expect((await as(s, 'POST', '/api/admin/agents/Nina/enable')).statusCode).toBe(200);
    expect((await as(s, 'POST', '/api/admin/agents/Nina/password', { password: 'another-password' })).statusCode).toBe(200);

    const entries = (await audit()).entries.filter((e) => e.target === 'agent Nina' || (e.action === 'create agent' && (e.after as { name?: string }).name === 'Nina'));
    expect(entries.map((e) => e.action)).toEqual(['reset agent password', 'enable agent', 'disable agent', 'edit agent', 'create agent']);
    for (const e of entries) {
      expect(e.actor).toBe('Ada');
      expect(e.actor_role).toBe('admin');
      expect(Date.parse(e.at)).not.toBeNaN();
    }
    const [reset, enable, disable, edit, create] = entries;
    expect(create?.before).toBeNull();
    expect(create?.after).toMatchObject({ name: 'Nina', display_name: 'Nina N', disabled: false });
    expect(edit?.before).toMatchObject({ display_name: 'Nina N' });
    expect(edit?.after).toMatchObject({ display_name: 'Nina Newname' });
    expect(disable?.before).toMatchObject({ disabled: false });
    expect(disable?.after).toMatchObject({ disabled: true });
    expect(enable?.after).toMatchObject({ disabled: false });
    // No password, hash or secret anywhere in the log.
    expect(JSON.stringify(entries)).not.toMatch(/nina-password|another-password|argon2/);
    expect(reset?.target).toBe('agent Nina');
  });

  it('audits changes by the admin token (automation) and queue changes with their before and after', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const first = await t.app.inject({ method: 'PUT', url: '/api/admin/queues/Sales', headers, payload: { label: 'Sales', agents: ['Jane'] } });
    expect(first.statusCode, first.body).toBe(200);
    const second = await t.app.inject({ method: 'PUT', url: '/api/admin/queues/Sales', headers, payload: { label: 'Sales', agents: ['Jane', 'Joe'] } });
    expect(second.statusCode).toBe(200);
    const [latest] = (await audit()).entries;
    expect(latest).toMatchObject({ actor: 'admin token', actor_role: 'admin', action: 'save queue', target: 'queue Sales' });
    expect(latest?.before).toMatchObject({ settings: { agents: ['Jane'] } });
    expect(latest?.after).toMatchObject({ settings: { agents: ['Jane', 'Joe'] } });
    // A refused change writes nothing.
    const count = (await audit()).entries.length;
    const bad = await t.app.inject({ method: 'PUT', url: '/api/admin/queues/Sales', headers, payload: { max_wait_s: 1 } });
    expect(bad.statusCode).toBe(400);
    expect((await audit()).entries.length).toBe(count);
  });

  it('pages the audit log newest first', async () => {
    const page = json<AuditPage>(await t.app.inject({ method: 'GET', url: '/api/console/audit?limit=2', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
    expect(page.entries).toHaveLength(2);
    expect(page.next_before).toBe(page.entries[1]?.id);
    const next = json<AuditPage>(
      await t.app.inject({ method: 'GET', url: `/api/console/audit?limit=2&before=${page.next_before}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    );
    expect(next.entries[0]?.id).toBeLessThan(page.entries[1]?.id ?? 0);
    const bad = await t.app.inject({ method: 'GET', url: '/api/console/audit?limit=0', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(bad.statusCode).toBe(400);
    expect(json<ApiErrorBody>(bad).error.field).toBe('limit');
  });

  it('masks secret fields', () => {
    expect(maskSecrets({ name: 'x', password: 'p', nested: [{ api_secret: 's', ok: 1 }] })).toEqual({ name: 'x', password: '***', nested: [{ api_secret: '***', ok: 1 }] });
  });
});

describe('wallboard', () => {
  it('lists a call in progress while it lasts, and not once it ended', async () => {
    const s = await signIn('Sam', 'sam-console-pw');
    // The board as a fresh read.
    const board = json<WallboardSnapshot>(await as(s, 'GET', '/api/console/wallboard'));
    expect(board.queues.map((q) => q.name)).toContain('Sales');
    expect(board.agents.map((a) => a.name)).toEqual(expect.arrayContaining(['Jane', 'Joe']));
    expect(board.agents.map((a) => a.name)).not.toContain('Dora');

    // A call: started, then answered by Jane, then completed — the call log's own events.
    const at = (s: number) => new Date(t.clock.nowMs + s * 1000).toISOString();
    await postEvent(t.app, { status: 'started', uuid: 'wb-caller', conversation_uuid: 'CON-wb', direction: 'inbound', from: '14155550111', to: '14155550199', timestamp: at(0) });
    let live = json<WallboardSnapshot>(await as(s, 'GET', '/api/console/wallboard'));
    expect(live.calls.find((c) => c.conversation_uuid === 'CON-wb')).toMatchObject({ from: '14155550111', state: 'in-flow' });
    await postEvent(t.app, { status: 'answered', uuid: 'wb-caller', conversation_uuid: 'CON-wb', direction: 'inbound', from: '14155550111', to: '14155550199', timestamp: at(1) });
    await postEvent(t.app, { status: 'completed', uuid: 'wb-caller', conversation_uuid: 'CON-wb', direction: 'inbound', from: '14155550111', to: '14155550199', timestamp: at(5) });
    live = json<WallboardSnapshot>(await as(s, 'GET', '/api/console/wallboard'));
    expect(live.calls.find((c) => c.conversation_uuid === 'CON-wb')).toBeUndefined();
  });

  it("shows an away agent's reason, and none once available", async () => {
    const s = await signIn('Sam', 'sam-console-pw');
    const refresh = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    const put = (payload: Record<string, unknown>) => t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: { authorization: `Bearer ${refresh}` }, payload });
    expect((await put({ status: 'away', reason: 'Lunch' })).statusCode).toBe(200);
    const joe = () => as(s, 'GET', '/api/console/wallboard').then((res) => json<WallboardSnapshot>(res).agents.find((a) => a.name === 'Joe'));
    expect(await joe()).toMatchObject({ status: 'away', reason: 'Lunch' });
    expect((await put({ status: 'available' })).statusCode).toBe(200);
    expect(await joe()).toMatchObject({ status: 'available', reason: null });
  });

  it('counts today per queue with the service level against its target', async () => {
    const day = new Date(t.clock.nowMs).toISOString().slice(0, 10);
    const rows: Array<[string, string, number | null]> = [
      ['sl-1', 'answered', 5],
      ['sl-2', 'answered', 40],
      ['sl-3', 'abandoned', null],
    ];
    for (const [id, outcome, wait] of rows) {
      await t.context.db.query(
        `INSERT INTO calls (conversation_uuid, status, started_at, ended_at, queue, outcome, wait_s, updated_at) VALUES ($1, 'completed', $2, $3, 'Sales', $4, $5, $3)`,
        [id, `${day}T08:00:00Z`, `${day}T08:05:00Z`, outcome, wait],
      );
    }
    const board = json<WallboardSnapshot>(await t.app.inject({ method: 'GET', url: '/api/console/wallboard', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
    expect(board.queues.find((q) => q.name === 'Sales')).toMatchObject({
      offered_today: 3,
      answered_today: 2,
      abandoned_today: 1,
      answered_within_target: 1,
      service_level_target_s: 20,
      service_level: 0.333,
    });
  });

  it('pushes the board over server-sent events when presence changes', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const s = await signIn('Sam', 'sam-console-pw');
    const controller = new AbortController();
    const res = await fetch(`${address}/api/console/wallboard/events`, { headers: { cookie: s.cookie }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const boards = (): WallboardSnapshot[] =>
      text
        .split('\n\n')
        .filter((block) => block.startsWith('event: board'))
        .map((block) => JSON.parse(block.split('\ndata: ')[1] ?? '{}') as WallboardSnapshot);
    const until = async (pred: () => boolean) => {
      while (!pred()) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value);
      }
    };
    await until(() => boards().length >= 1);
    const joe = await t.storage.agents.findByName('Joe');
    await t.context.presence.set(joe!.id, 'away', 'test');
    await until(() => boards().some((b) => b.agents.find((a) => a.name === 'Joe')?.status === 'away'));
    controller.abort();
  });
});

describe('the wallboard stream as it opens', () => {
  it('shows a call that starts while the stream’s first board is being read', async () => {
    const { Wallboard } = await import('../../../server/console/wallboard');
    const log = { warn: () => undefined };
    let wallboard: InstanceType<typeof Wallboard> | null = null;
    // Right after the first board has read the calls in progress, a call starts and its NOTIFY
    // arrives (what this instance's LISTEN would call), before that board is sent.
    let started = false;
    const db = Object.create(t.context.db) as typeof t.context.db;
    db.query = (async (...args: unknown[]) => {
      const result = await (t.context.db.query as (...a: unknown[]) => Promise<unknown>)(...args);
      if (!started && String(args[0]).includes('FROM calls WHERE ended_at IS NULL')) {
        started = true;
        await postEvent(t.app, { status: 'started', uuid: 'opening-caller', conversation_uuid: 'CON-opening', direction: 'inbound', from: '14155550123', to: '14155550199', timestamp: new Date(t.clock.nowMs).toISOString() });
        wallboard!.changed();
      }
      return result;
    }) as typeof t.context.db.query;
    wallboard = new Wallboard({ db, presence: t.context.presence, now: t.context.now, log });
    const boards: string[] = [];
    try {
      await wallboard.add({ write: (chunk) => void boards.push(chunk), end: () => undefined });
      expect(started).toBe(true);
      expect(boards[0]).not.toContain('CON-opening'); // the first board was read before the call
      await expect.poll(() => boards.at(-1) ?? '', { timeout: 5_000 }).toContain('CON-opening');
    } finally {
      await wallboard.close();
    }
  });
});

describe("an agent's day", () => {
  it('sums time per status from the status changes, clipped to the day', () => {
    const from = Date.parse('2026-03-02T00:00:00Z');
    const to = Date.parse('2026-03-02T10:00:00Z');
    expect(
      timeInStatus(
        [
          { status: 'offline', since: '2026-03-01T18:00:00Z' },
          { status: 'available', since: '2026-03-02T08:00:00Z' },
          { status: 'busy', since: '2026-03-02T09:00:00Z' },
          { status: 'available', since: '2026-03-02T09:30:00Z' },
        ],
        from,
        to,
      ),
    ).toEqual({ offline: 8 * 3600, available: 3600 + 1800, busy: 1800 });
  });

  it("answers an agent's day with calls, totals and time per status", async () => {
    const s = await signIn('Sam', 'sam-console-pw');
    const res = await as(s, 'GET', '/api/console/agents/Joe/day');
    expect(res.statusCode).toBe(200);
    const day = json<AgentDayView>(res);
    expect(day.agent).toBe('Joe');
    expect(day.totals.offered).toBe(day.calls.length);
    expect(Object.keys(day.time_in_status).length).toBeGreaterThan(0);
    const bad = await as(s, 'GET', '/api/console/agents/Joe/day?date=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(json<ApiErrorBody>(bad).error.field).toBe('date');
    expect((await as(s, 'GET', '/api/console/agents/Nobody/day')).statusCode).toBe(404);
  });
});

describe('two instances sharing the database', () => {
  it("knows a session opened on the other, and pushes a call the other instance recorded", async () => {
    const other = await createTestServer({ ADMIN_TOKEN }, {}, { database: t.database });
    try {
      const s = await signIn('Sam', 'sam-console-pw');
      // The session lives in the database: the other instance (or a restarted one) knows it.
      const there = await other.app.inject({ method: 'GET', url: '/api/console/session', headers: { cookie: s.cookie } });
      expect(json<ConsoleSessionView>(there).user.name).toBe('Sam');

      const address = await other.app.listen({ port: 0, host: '127.0.0.1' });
      const controller = new AbortController();
      const res = await fetch(`${address}/api/console/wallboard/events`, { headers: { cookie: s.cookie }, signal: controller.signal });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const sawCall = () => text.split('\n\n').some((block) => block.startsWith('event: board') && block.includes('CON-other'));
      const first = await reader.read();
      text += decoder.decode(first.value);
      expect(sawCall()).toBe(false);
      // The event lands on the first instance; the board on the other instance hears of it through NOTIFY.
      await postEvent(t.app, { status: 'started', uuid: 'other-caller', conversation_uuid: 'CON-other', direction: 'inbound', from: '14155550122', to: '14155550199', timestamp: new Date(t.clock.nowMs).toISOString() });
      while (!sawCall()) {
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value);
      }
      controller.abort();
    } finally {
      await other.close();
    }
  });
});

describe('voicemails in the console', () => {
  const ids = ['6f1c1a9e-0000-4000-8000-000000000001', '6f1c1a9e-0000-4000-8000-000000000002'];
  beforeAll(async () => {
    await t.context.db.query(
      `INSERT INTO voicemails (id, caller, number, queue, recording_url, duration_s, created_at) VALUES
       ($1, '14155550101', '14155550199', 'Sales', 'http://127.0.0.1:4010/v1/files/a', 12, '2026-03-02T08:00:00Z'),
       ($2, '14155550102', '14155550199', NULL, 'http://127.0.0.1:4010/v1/files/b', 7, '2026-03-02T08:30:00Z')`,
      ids,
    );
  });

  it('lists them by queue and state, newest first, with a playable link', async () => {
    const s = await signIn('Sam', 'sam-console-pw');
    const all = json<{ voicemails: Array<{ id: string; audio_url: string }> }>(await as(s, 'GET', '/api/console/voicemails'));
    expect(all.voicemails.map((v) => v.id)).toEqual([ids[1], ids[0]]);
    expect(all.voicemails[0]?.audio_url).toBe(`/api/admin/voicemails/${ids[1]}/audio`);
    const sales = json<{ voicemails: Array<{ id: string }> }>(await as(s, 'GET', '/api/console/voicemails?queue=sales'));
    expect(sales.voicemails.map((v) => v.id)).toEqual([ids[0]]);
    const none = json<{ voicemails: Array<{ id: string }> }>(await as(s, 'GET', '/api/console/voicemails?queue=-'));
    expect(none.voicemails.map((v) => v.id)).toEqual([ids[1]]);
    const bad = await as(s, 'GET', '/api/console/voicemails?state=done');
    expect(bad.statusCode).toBe(400);
    expect(json<ApiErrorBody>(bad).error.field).toBe('state');
  });

  it('lets a supervisor assign one to an agent and mark it handled, recording who and when; reopening clears it', async () => {
    const s = await signIn('Sam', 'sam-console-pw');
    const noCsrf = await as(s, 'POST', `/api/console/voicemails/${ids[0]}/assign`, { agent: 'jane' }, false);
    expect(noCsrf.statusCode).toBe(403);
    const assigned = await as(s, 'POST', `/api/console/voicemails/${ids[0]}/assign`, { agent: 'jane' });
    expect(assigned.statusCode).toBe(200);
    expect(json(assigned)).toMatchObject({ assigned_to: 'Jane' });
    const unknown = await as(s, 'POST', `/api/console/voicemails/${ids[0]}/assign`, { agent: 'Nobody' });
    expect(unknown.statusCode).toBe(404);
    expect(json<ApiErrorBody>(unknown).error.field).toBe('agent');
    const handled = await as(s, 'POST', `/api/console/voicemails/${ids[0]}/handled`, { handled: true });
    expect(json(handled)).toMatchObject({ handled_by: 'Sam', handled_at: new Date(t.clock.nowMs).toISOString(), assigned_to: 'Jane' });
    const open = json<{ voicemails: Array<{ id: string }> }>(await as(s, 'GET', '/api/console/voicemails'));
    expect(open.voicemails.map((v) => v.id)).toEqual([ids[1]]);
    const done = json<{ voicemails: Array<{ id: string }> }>(await as(s, 'GET', '/api/console/voicemails?state=handled'));
    expect(done.voicemails.map((v) => v.id)).toEqual([ids[0]]);
    const reopened = await as(s, 'POST', `/api/console/voicemails/${ids[0]}/handled`, { handled: false });
    expect(json(reopened)).toMatchObject({ handled_by: null, handled_at: null });
    const missing = await as(s, 'POST', '/api/console/voicemails/6f1c1a9e-0000-4000-8000-00000000ffff/handled', { handled: true });
    expect(missing.statusCode).toBe(404);
    const malformed = await as(s, 'POST', '/api/console/voicemails/not-an-id/handled', { handled: true });
    expect(malformed.statusCode).toBe(400);
  });

  it("refuses an agent's cookie", async () => {
    const web = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Jane', password: 'jane-secret-pw', client: 'web' } });
    const agentCookie = String(web.headers['set-cookie']).split(';')[0] ?? '';
    const res = await t.app.inject({ method: 'GET', url: '/api/console/voicemails', headers: { cookie: agentCookie } });
    expect(res.statusCode).toBe(401);
  });
});

describe('console users through the admin API', () => {
  it('an admin adds a supervisor who signs in; a role change applies at once; disabling ends their sessions', async () => {
    const ada = await signIn('Ada', 'ada-console-pw');
    const sam = await signIn('Sam', 'sam-console-pw');
    expect((await as(sam, 'POST', '/api/admin/console-users', { name: 'Kim', role: 'supervisor', password: 'kim-console-pw' })).statusCode).toBe(403);
    const created = await as(ada, 'POST', '/api/admin/console-users', { name: 'Kim', display_name: 'Kim K', role: 'supervisor', password: 'kim-console-pw' });
    expect(created.statusCode).toBe(201);
    expect(json(created)).toEqual({ name: 'Kim', display_name: 'Kim K', role: 'supervisor', disabled: false, created_at: expect.any(String) });
    expect(created.body).not.toMatch(/argon2|password/);
    const duplicate = await as(ada, 'POST', '/api/admin/console-users', { name: 'kim', role: 'admin', password: 'kim-console-pw' });
    expect(duplicate.statusCode).toBe(409);
    expect(json<ApiErrorBody>(duplicate).error.field).toBe('name');
    const badRole = await as(ada, 'POST', '/api/admin/console-users', { name: 'Lee', role: 'owner', password: 'lee-console-pw' });
    expect(json<ApiErrorBody>(badRole).error.field).toBe('role');

    const kim = await signIn('Kim', 'kim-console-pw');
    expect((await as(kim, 'POST', '/api/admin/agents/Joe/disable')).statusCode).toBe(403);
    expect((await as(ada, 'PATCH', '/api/admin/console-users/Kim', { role: 'admin' })).statusCode).toBe(200);
    expect(json<ConsoleSessionView>(await as(kim, 'GET', '/api/console/session')).user.role).toBe('admin');

    expect((await as(ada, 'POST', '/api/admin/console-users/Kim/disable')).statusCode).toBe(200);
    expect((await as(kim, 'GET', '/api/console/session')).statusCode).toBe(401);
    const again = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name: 'Kim', password: 'kim-console-pw' } });
    expect(again.statusCode).toBe(401);

    const actions = (await audit()).entries.filter((e) => e.target === 'console-user Kim' || e.action === 'create console user').map((e) => e.action);
    expect(actions).toEqual(['disable console user', 'edit console user', 'create console user']);
    expect(JSON.stringify((await audit()).entries)).not.toContain('kim-console-pw');
  });
});

describe('the wallboard stream and its session', () => {
  it('ends when its session is signed out', async () => {
    const { wallboardStreamTiming } = await import('../../../server/console/routes');
    const saved = wallboardStreamTiming.heartbeatMs;
    wallboardStreamTiming.heartbeatMs = 100;
    try {
      const address = t.app.server.listening ? `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}` : await t.app.listen({ port: 0, host: '127.0.0.1' });
      const s = await signIn('Sam', 'sam-console-pw');
      const res = await fetch(`${address}/api/console/wallboard/events`, { headers: { cookie: s.cookie } });
      const reader = res.body!.getReader();
      await reader.read();
      expect((await as(s, 'POST', '/api/console/logout')).statusCode).toBe(204);
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } finally {
      wallboardStreamTiming.heartbeatMs = saved;
    }
  });
});

describe('serving the console page', () => {
  it('serves /console/ and its deep links with the strict console CSP, never its source maps', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-console-ui-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Switchboard console</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'index-1.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, 'assets', 'index-1.js.map'), '{}');
    const served = await createTestServer({ CONSOLE_DIR: dir });
    try {
      for (const url of ['/console/', '/console/agents']) {
        const res = await served.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
        expect(res.body).toContain('Switchboard console');
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("connect-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe');
      }
      const asset = await served.app.inject({ method: 'GET', url: '/console/assets/index-1.js' });
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect((await served.app.inject({ method: 'GET', url: '/console/assets/index-1.js.map' })).statusCode).toBe(404);
      expect((await served.app.inject({ method: 'GET', url: '/console' })).headers.location).toBe('/console/');
    } finally {
      await served.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
