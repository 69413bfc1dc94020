/**
 * Supervisor monitoring over HTTP (`server/console/monitor.ts`, rules in
 * `server/flows/monitor.ts`) on the real backend and PostgreSQL with a fake Voice API: the
 * supervisor's SDK token, roles (agent and automation token refused), 409 for a call that is
 * not live, the legs moved into the call's named conversation, the supervisor leg's NCCO in
 * each mode (canHear / canSpeak), switching by transfer, leaving, the call ending under a
 * supervisor, and every step on the call's timeline and in the audit log.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, CallLogRecord } from '../../../common/backend-api';
import type { AuditPage, ConsoleCallPage, ConsoleSessionView } from '../../../common/console-api';
import { computeWallboard } from '../../../server/console/wallboard';
import { CONSOLE_COOKIE } from '../../../server/console/session';
import { buildConsoleCsp } from '../../../server/console/csp';
import { monitorNcco } from '../../../server/flows/monitor';
import type { MonitorView } from '../../../server/flows/monitor';
import { startFakeVoiceApi, type FakeVoiceApi } from '../../support/fake-voice-api';
import { waitFor } from '../../support/wait';
import { createTestServer, json, loginDesktop, postEvent, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-monitor-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const QUEUE_NUMBER = '14155550166';
const CALLER = '14155550100';
const USERS = [
  { name: 'Sam', display_name: 'Sam Supervisor', role: 'supervisor' as const, password: 'sam-console-pw' },
  { name: 'Sue', display_name: 'Sue Supervisor', role: 'supervisor' as const, password: 'sue-console-pw' },
  { name: 'Ada', display_name: 'Ada Admin', role: 'admin' as const, password: 'ada-console-pw' },
];

let voice: FakeVoiceApi;
let t: TestServer;

beforeAll(async () => {
  voice = await startFakeVoiceApi();
  t = await createTestServer({ ADMIN_TOKEN, VONAGE_API_URL: voice.url }, { jobPollIntervalMs: 50, seedConsoleUsers: USERS });
  t.clock.nowMs = Date.now();
  for (const [url, payload] of [
    ['/api/admin/queues/monitored', {}],
    [`/api/admin/numbers/${QUEUE_NUMBER}`, { flow: 'queue', queue: 'monitored' }],
  ] as const) {
    const res = await t.app.inject({ method: 'PUT', url, headers: admin, payload });
    expect(res.statusCode, res.body).toBe(200);
  }
}, 30_000);

afterAll(async () => {
  await t?.close();
  await voice?.close();
});

interface Session {
  cookie: string;
  csrf: string;
}

function cookieOf(res: LightMyRequestResponse): string {
  const match = new RegExp(`${CONSOLE_COOKIE}=([^;]*)`).exec(String(res.headers['set-cookie'] ?? ''));
  if (!match) throw new Error('no console cookie');
  return `${CONSOLE_COOKIE}=${match[1]}`;
}

async function signIn(name: string, password: string): Promise<Session> {
  const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name, password } });
  expect(res.statusCode, res.body).toBe(200);
  return { cookie: cookieOf(res), csrf: json<ConsoleSessionView>(res).csrf_token };
}

function as(session: Session, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: session.cookie, ...(method !== 'GET' ? { 'x-csrf-token': session.csrf } : {}) },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

const monitorUrl = (conversation: string) => `/api/admin/calls/${conversation}/monitor`;

/** A queue call Jane answered; returns the caller's leg, her leg and the conversation. */
async function liveCall(n: number): Promise<{ caller: string; agent: string; conversation: string }> {
  const caller = `mon-caller-${n}`;
  const conversation = `CON-mon-${n}`;
  const at = (s: number) => new Date(t.clock.nowMs + s * 1000).toISOString();
  const status = await t.app.inject({ method: 'PUT', url: '/api/admin/agents/Jane/status', headers: admin, payload: { status: 'available' } });
  expect(status.statusCode, status.body).toBe(200);
  const answer = await t.app.inject({ method: 'GET', url: `/webhooks/answer?${new URLSearchParams({ from: CALLER, to: QUEUE_NUMBER, uuid: caller, conversation_uuid: conversation }).toString()}` });
  expect(answer.statusCode, answer.body).toBe(200);
  const legs = { uuid: caller, conversation_uuid: conversation, direction: 'inbound', from: CALLER, to: QUEUE_NUMBER };
  await postEvent(t.app, { ...legs, status: 'started', timestamp: at(0) });
  await postEvent(t.app, { ...legs, status: 'answered', timestamp: at(0.5) });
  const bound = async () => (await t.context.db.query<{ leg: string | null }>(`SELECT state->'attempt'->>'legUuid' AS leg FROM flow_calls WHERE id = $1`, [caller])).rows[0]?.leg ?? null;
  const agent = (await waitFor(bound, (l) => l !== null))!;
  await postEvent(t.app, { uuid: agent, conversation_uuid: `queue-${caller}`, direction: 'outbound', from: CALLER, to: 'Jane', status: 'answered', timestamp: at(2) });
  return { caller, agent, conversation };
}

/** The supervisor's SDK call reaching the answer_url, as the platform asks for it. */
async function supervisorAnswer(user: string, customData: Record<string, unknown>, uuid: string): Promise<unknown[]> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/webhooks/answer',
    payload: { from_user: user, to: 'monitor', uuid, conversation_uuid: `CON-${uuid}`, custom_data: customData },
  });
  expect(res.statusCode, res.body).toBe(200);
  return json<unknown[]>(res);
}

/** Voice API requests made since `from`, once `count` of them have arrived. */
async function voiceSince(from: number, count: number) {
  await waitFor(async () => voice.requests.length - from, (n) => n >= count);
  return voice.requests.slice(from).map((r) => ({ method: r.method, path: r.path, body: r.body }));
}

async function controlEvents(conversation: string): Promise<string[]> {
  const res = await t.app.inject({ method: 'GET', url: `/api/admin/calls/${conversation}`, headers: admin });
  expect(res.statusCode, res.body).toBe(200);
  const call = json<CallLogRecord & { events: Array<{ kind: string; status: string; raw: string | null }> }>(res);
  return call.events.filter((e) => e.kind === 'control' && e.status.startsWith('monitor-')).map((e) => e.status);
}

describe('supervisor monitoring: who may', () => {
  it('gives a signed-in supervisor an SDK token for their own identity, and refuses the admin token, an agent and nobody', async () => {
    const sam = await signIn('Sam', 'sam-console-pw');
    const res = await as(sam, 'GET', '/api/console/monitor/token');
    expect(res.statusCode, res.body).toBe(200);
    const body = json<{ user: string; jwt: string; expires_at: string; sdk: { api_url: string } }>(res);
    expect(body.user).toBe('supervisor:sam');
    const claims = JSON.parse(Buffer.from(body.jwt.split('.')[1]!, 'base64url').toString()) as { sub: string; acl: { paths: Record<string, unknown> } };
    expect(claims.sub).toBe('supervisor:sam');
    expect(Object.keys(claims.acl.paths)).not.toContain('/*/calls/**');
    expect(res.body).not.toMatch(/PRIVATE KEY/);

    const token = await t.app.inject({ method: 'GET', url: '/api/console/monitor/token', headers: admin });
    expect(token.statusCode).toBe(403);
    expect(json<ApiErrorBody>(token).error.code).toBe('person_required');

    const { conversation } = await liveCall(1);
    const jane = { authorization: `Bearer ${await loginDesktop(t.app, 'Jane', 'jane-secret-pw')}` };
    for (const headers of [jane, {}]) {
      for (const [method, url] of [['GET', '/api/console/monitor/token'], ['POST', monitorUrl(conversation)]] as const) {
        const refused = await t.app.inject({ method, url, headers, payload: method === 'POST' ? { mode: 'listen' } : undefined });
        expect(refused.statusCode, `${method} ${url}`).toBe(401);
      }
    }
    // A cookie without the CSRF token changes nothing.
    const noCsrf = await t.app.inject({ method: 'POST', url: monitorUrl(conversation), headers: { cookie: sam.cookie }, payload: { mode: 'listen' } });
    expect(noCsrf.statusCode).toBe(403);
    expect(json<MonitorView>(await as(sam, 'GET', monitorUrl(conversation))).monitor).toBeNull();
  });

  it('answers 409 not_live for a call that has ended or is unknown, and 400 naming mode for a bad one', async () => {
    const sam = await signIn('Sam', 'sam-console-pw');
    const unknown = await as(sam, 'POST', monitorUrl('CON-nobody'), { mode: 'listen' });
    expect(unknown.statusCode).toBe(409);
    expect(json<ApiErrorBody>(unknown).error.code).toBe('not_live');

    const { caller, conversation } = await liveCall(2);
    const bad = await as(sam, 'POST', monitorUrl(conversation), { mode: 'whisper' });
    expect(bad.statusCode).toBe(400);
    expect(json<ApiErrorBody>(bad).error.field).toBe('mode');

    await postEvent(t.app, { uuid: caller, conversation_uuid: conversation, direction: 'inbound', from: CALLER, to: QUEUE_NUMBER, status: 'completed', timestamp: new Date(t.clock.nowMs + 30_000).toISOString() });
    const ended = await as(sam, 'POST', monitorUrl(conversation), { mode: 'listen' });
    expect(ended.statusCode).toBe(409);
    expect(json<ApiErrorBody>(ended).error).toMatchObject({ code: 'not_live' });
  });
});

describe('supervisor monitoring: listen, coach, barge, leave', () => {
  it('moves the call into its named conversation, joins the supervisor with the rights of each mode, and records every step', async () => {
    const sam = await signIn('Sam', 'sam-console-pw');
    const { caller, agent, conversation } = await liveCall(3);
    const room = `monitor-${caller}`;

    let mark = voice.requests.length;
    const started = await as(sam, 'POST', monitorUrl(conversation), { mode: 'listen' });
    expect(started.statusCode, started.body).toBe(200);
    const view = json<MonitorView>(started);
    expect(view).toMatchObject({ call: caller, conversation_uuid: conversation, monitor: { supervisor: 'Sam', mode: 'listen', joined: false } });
    // Agent first, then the caller (who ends the conversation when they leave).
    expect(await voiceSince(mark, 2)).toEqual([
      { method: 'PUT', path: `/v1/calls/${agent}`, body: { action: 'transfer', destination: { type: 'ncco', ncco: [{ action: 'conversation', name: room, startOnEnter: true }] } } },
      { method: 'PUT', path: `/v1/calls/${caller}`, body: { action: 'transfer', destination: { type: 'ncco', ncco: [{ action: 'conversation', name: room, startOnEnter: true, endOnExit: true }] } } },
    ]);

    // Another supervisor cannot take the call over; the wrong identity or monitor id gets a goodbye.
    const sue = await signIn('Sue', 'sue-console-pw');
    const taken = await as(sue, 'POST', monitorUrl(conversation), { mode: 'barge' });
    expect(taken.statusCode).toBe(409);
    expect(json<ApiErrorBody>(taken).error.code).toBe('already_monitored');
    const id = view.monitor!.id;
    expect(JSON.stringify(await supervisorAnswer('supervisor:sue', { monitor: id, call: caller }, 'sup-leg-x'))).toMatch(/no longer available/);
    expect(JSON.stringify(await supervisorAnswer('supervisor:sam', { monitor: 'not-it', call: caller }, 'sup-leg-x'))).toMatch(/no longer available/);

    // Listen: hears caller and agent, heard by nobody.
    const supLeg = 'sup-leg-3';
    expect(await supervisorAnswer('supervisor:sam', { monitor: id, call: caller }, supLeg)).toEqual([
      { action: 'conversation', name: room, startOnEnter: true, canHear: [caller, agent], canSpeak: [] },
    ]);
    expect(json<MonitorView>(await as(sam, 'GET', monitorUrl(conversation))).monitor).toMatchObject({ mode: 'listen', joined: true });
    // Sam's own leg is not a call of the contact center: not in progress on the wallboard, not in the call log.
    const supLegEvent = { uuid: supLeg, conversation_uuid: `CON-${supLeg}`, direction: 'outbound', from: 'supervisor:sam', to: 'monitor' };
    await postEvent(t.app, { ...supLegEvent, status: 'started', timestamp: new Date(t.clock.nowMs).toISOString() });
    await postEvent(t.app, { ...supLegEvent, status: 'answered', timestamp: new Date(t.clock.nowMs + 100).toISOString() });
    const board = await computeWallboard(t.context);
    expect(board.calls.map((c) => c.conversation_uuid)).toContain(conversation);
    expect(board.calls.map((c) => c.conversation_uuid)).not.toContain(`CON-${supLeg}`);
    const log = json<ConsoleCallPage>(await as(sam, 'GET', '/api/console/calls?limit=100'));
    expect(log.calls.map((c) => c.conversation_uuid)).toContain(conversation);
    expect(log.calls.map((c) => c.conversation_uuid)).not.toContain(`CON-${supLeg}`);

    // Coach: only the agent hears; barge: everyone. Each is a transfer of the supervisor's leg.
    mark = voice.requests.length;
    expect((await as(sam, 'PUT', monitorUrl(conversation), { mode: 'coach' })).statusCode).toBe(200);
    expect((await as(sam, 'PUT', monitorUrl(conversation), { mode: 'barge' })).statusCode).toBe(200);
    // The same mode again changes nothing.
    expect((await as(sam, 'PUT', monitorUrl(conversation), { mode: 'barge' })).statusCode).toBe(200);
    expect(await voiceSince(mark, 2)).toEqual([
      { method: 'PUT', path: `/v1/calls/${supLeg}`, body: { action: 'transfer', destination: { type: 'ncco', ncco: monitorNcco(room, 'coach', { caller, agent }) } } },
      { method: 'PUT', path: `/v1/calls/${supLeg}`, body: { action: 'transfer', destination: { type: 'ncco', ncco: [{ action: 'conversation', name: room, startOnEnter: true }] } } },
    ]);
    expect(monitorNcco(room, 'coach', { caller, agent })).toEqual([{ action: 'conversation', name: room, startOnEnter: true, canHear: [caller, agent], canSpeak: [agent] }]);

    // Another supervisor cannot change or end Sam's monitoring.
    expect((await as(sue, 'PUT', monitorUrl(conversation), { mode: 'listen' })).statusCode).toBe(409);
    expect((await as(sue, 'DELETE', monitorUrl(conversation))).statusCode).toBe(409);

    // Leave: Sam's leg is hung up; caller and agent stay.
    mark = voice.requests.length;
    const left = await as(sam, 'DELETE', monitorUrl(conversation));
    expect(left.statusCode, left.body).toBe(200);
    expect(json<MonitorView>(left).monitor).toBeNull();
    expect(await voiceSince(mark, 1)).toEqual([{ method: 'PUT', path: `/v1/calls/${supLeg}`, body: { action: 'hangup' } }]);
    expect((await as(sam, 'DELETE', monitorUrl(conversation))).statusCode).toBe(409);

    expect(await controlEvents(conversation)).toEqual(['monitor-listen', 'monitor-joined', 'monitor-coach', 'monitor-barge', 'monitor-left']);
    const entries = (await t.app.inject({ method: 'GET', url: '/api/console/audit', headers: admin })).json<AuditPage>().entries;
    const mine = entries.filter((e) => e.target?.includes(conversation) && e.actor === 'Sam').map((e) => e.action);
    expect(mine).toEqual(['stop monitoring a call', 'change monitoring mode', 'change monitoring mode', 'change monitoring mode', 'start monitoring a call']);
  });

  it('an admin may monitor too; starting again replaces the earlier leg; the caller hanging up hangs up the supervisor', async () => {
    const ada = await signIn('Ada', 'ada-console-pw');
    const { caller, agent, conversation } = await liveCall(4);
    const first = json<MonitorView>(await as(ada, 'POST', monitorUrl(conversation), { mode: 'coach' }));
    expect(await supervisorAnswer('supervisor:ada', { monitor: first.monitor!.id, call: caller }, 'ada-leg-1')).toEqual(monitorNcco(`monitor-${caller}`, 'coach', { caller, agent }));

    // A second attempt (the page reloaded): the old leg goes, the call does not move again.
    let mark = voice.requests.length;
    const second = json<MonitorView>(await as(ada, 'POST', monitorUrl(conversation), {}));
    expect(second.monitor).toMatchObject({ mode: 'listen', joined: false });
    expect(second.monitor!.id).not.toBe(first.monitor!.id);
    expect(await voiceSince(mark, 1)).toEqual([{ method: 'PUT', path: '/v1/calls/ada-leg-1', body: { action: 'hangup' } }]);
    await supervisorAnswer('supervisor:ada', { monitor: second.monitor!.id, call: caller }, 'ada-leg-2');

    mark = voice.requests.length;
    await postEvent(t.app, { uuid: caller, conversation_uuid: conversation, direction: 'inbound', from: CALLER, to: QUEUE_NUMBER, status: 'completed', timestamp: new Date(t.clock.nowMs + 60_000).toISOString() });
    const after = await voiceSince(mark, 2);
    expect(after).toContainEqual({ method: 'PUT', path: '/v1/calls/ada-leg-2', body: { action: 'hangup' } });
    expect(await controlEvents(conversation)).toEqual(['monitor-coach', 'monitor-joined', 'monitor-listen', 'monitor-joined', 'monitor-ended']);
    expect((await as(ada, 'PUT', monitorUrl(conversation), { mode: 'barge' })).statusCode).toBe(409);
  });

  it("a supervisor whose leg ends without Leave (page closed) leaves the call: the timeline says so and another may monitor", async () => {
    const sam = await signIn('Sam', 'sam-console-pw');
    const sue = await signIn('Sue', 'sue-console-pw');
    const { caller, conversation } = await liveCall(5);
    const started = json<MonitorView>(await as(sam, 'POST', monitorUrl(conversation), { mode: 'listen' }));
    const supLeg = 'sam-closed-tab';
    await supervisorAnswer('supervisor:sam', { monitor: started.monitor!.id, call: caller }, supLeg);
    expect((await as(sue, 'POST', monitorUrl(conversation), { mode: 'listen' })).statusCode).toBe(409);

    // The browser went away: the platform ends Sam's leg; nobody pressed Leave.
    const supEvent = { uuid: supLeg, conversation_uuid: `CON-${supLeg}`, direction: 'outbound', from: 'supervisor:sam', to: 'monitor' };
    await postEvent(t.app, { ...supEvent, status: 'answered', timestamp: new Date(t.clock.nowMs).toISOString() });
    expect(json<MonitorView>(await as(sam, 'GET', monitorUrl(conversation))).monitor).toMatchObject({ joined: true });
    await postEvent(t.app, { ...supEvent, status: 'completed', timestamp: new Date(t.clock.nowMs + 1000).toISOString() });
    expect(json<MonitorView>(await as(sam, 'GET', monitorUrl(conversation))).monitor).toBeNull();
    expect(await controlEvents(conversation)).toEqual(['monitor-listen', 'monitor-joined', 'monitor-left']);

    // The call goes on and can be monitored again.
    const again = await as(sue, 'POST', monitorUrl(conversation), { mode: 'coach' });
    expect(again.statusCode, again.body).toBe(200);
    expect(json<MonitorView>(again).monitor).toMatchObject({ supervisor: 'Sue', mode: 'coach' });
  });
});

describe('the console CSP with monitoring', () => {
  it('adds only the Client SDK hosts and call audio to the console policy', () => {
    const csp = buildConsoleCsp({ apiUrl: 'https://api-us.vonage.com', websocketUrl: 'https://ws-us.vonage.com' });
    expect(csp).toContain("connect-src 'self' https://api-us.vonage.com https://ws-us.vonage.com wss://ws-us.vonage.com;");
    expect(csp).toContain("media-src 'self' blob: mediastream:;");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe');
    expect(csp).not.toContain('*');
  });
});
