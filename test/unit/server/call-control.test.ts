/**
 * The agent's call-control API over HTTP (`server/calls/routes.ts`), on the real backend with
 * a fake Voice API owned by the test: validation (400 naming the field), someone else's call
 * (404), refusals that change nothing (409), and a warm transfer whose record shows each step
 * and counts the caller's hold in Jane's segment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogRecord, CallSegment } from '../../../common/backend-api';
import { waitFor } from '../../support/wait';
import { startFakeVoiceApi, type FakeVoiceApi } from '../../support/fake-voice-api';
import { createTestServer, json, loginDesktop, postEvent, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-call-control-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const QUEUE_NUMBER = '14155550155';
const CALLER = '14155550100';

let voice: FakeVoiceApi;
let t: TestServer;
let jane: { authorization: string };
let joe: { authorization: string };

beforeAll(async () => {
  voice = await startFakeVoiceApi();
  t = await createTestServer({ ADMIN_TOKEN, VONAGE_API_URL: voice.url }, { jobPollIntervalMs: 50 });
  t.clock.nowMs = Date.now();
  for (const [url, payload] of [
    ['/api/admin/queues/support', {}],
    [`/api/admin/numbers/${QUEUE_NUMBER}`, { flow: 'queue', queue: 'support' }],
  ] as const) {
    const res = await t.app.inject({ method: 'PUT', url, headers: admin, payload });
    expect(res.statusCode, res.body).toBe(200);
  }
  jane = { authorization: `Bearer ${await loginDesktop(t.app, 'Jane', 'jane-secret-pw')}` };
  joe = { authorization: `Bearer ${await loginDesktop(t.app, 'Joe', 'joe-secret-pw')}` };
}, 30_000);

afterAll(async () => {
  await t.close();
  await voice.close();
});

const post = (payload: Record<string, unknown>): Promise<void> => postEvent(t.app, payload);

/** Set an agent's status as an admin would (forced: each test leaves its call open, and its agent busy). */
async function setStatus(name: string, status: 'available' | 'away'): Promise<void> {
  const res = await t.app.inject({ method: 'PUT', url: `/api/admin/agents/${name}/status`, headers: admin, payload: { status } });
  expect(res.statusCode, res.body).toBe(200);
}

const control = (headers: Record<string, string>, method: 'GET' | 'POST' | 'PUT', path: string, payload?: unknown) =>
  t.app.inject({ method, url: `/api/agent/calls/${path}`, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

/** A queue call Jane answered on `agent-leg-N`; returns her leg and the time base. */
async function janeAnswers(caller: string, conversation: string): Promise<{ leg: string; at: (s: number) => string }> {
  const base = t.clock.nowMs;
  const at = (s: number) => new Date(base + s * 1000).toISOString();
  await setStatus('Jane', 'available');
  const answer = await t.app.inject({ method: 'GET', url: `/webhooks/answer?${new URLSearchParams({ from: CALLER, to: QUEUE_NUMBER, uuid: caller, conversation_uuid: conversation }).toString()}` });
  expect(answer.statusCode, answer.body).toBe(200);
  const legs = { uuid: caller, conversation_uuid: conversation, direction: 'inbound', from: CALLER, to: QUEUE_NUMBER };
  await post({ ...legs, status: 'started', timestamp: at(0) });
  await post({ ...legs, status: 'answered', timestamp: at(0.5) });
  // Her leg, once the flows placed it and bound it to the call.
  const bound = async () => (await t.context.db.query<{ leg: string | null }>(`SELECT state->'attempt'->>'legUuid' AS leg FROM flow_calls WHERE id = $1`, [caller])).rows[0]?.leg ?? null;
  const leg = (await waitFor(bound, (l) => l !== null))!;
  await post({ uuid: leg, conversation_uuid: `queue-${caller}`, direction: 'outbound', from: CALLER, to: 'Jane', status: 'answered', timestamp: at(2) });
  return { leg, at };
}

describe('call-control API: bad requests and other people\'s calls', () => {
  it('answers 400 naming the field, 404 for a leg that is not yours, 401 without a login; nothing reaches the platform', async () => {
    const { leg } = await janeAnswers('cc-caller-1', 'CON-cc-1');
    const platformRequests = voice.requests.length;
    const cases: Array<[Record<string, string>, 'POST' | 'PUT', string, unknown, number, string | undefined]> = [
      [jane, 'PUT', `${leg}/hold`, { held: 'yes' }, 400, 'held'],
      [jane, 'POST', `${leg}/consult`, { target: { type: 'queue', queue: 'support' } }, 400, 'target.type'],
      [jane, 'POST', `${leg}/consult`, { target: { type: 'phone', number: 'call me' } }, 400, 'target.number'],
      [jane, 'POST', `${leg}/consult`, { target: { type: 'agent', agent: 'Joe' }, extra: 1 }, 400, undefined],
      [jane, 'POST', `${leg}/conference`, { now: true }, 400, undefined],
      [joe, 'PUT', `${leg}/hold`, { held: true }, 404, 'legUuid'],
      [joe, 'POST', `${leg}/consult`, { target: { type: 'agent', agent: 'Jane' } }, 404, 'legUuid'],
      [jane, 'POST', 'no-such-leg/leave', undefined, 404, 'legUuid'],
      [{}, 'POST', `${leg}/consult/complete`, undefined, 401, undefined],
    ];
    for (const [headers, method, path, payload, status, field] of cases) {
      const res = await control(headers, method, path, payload);
      expect(res.statusCode, `${method} ${path} ${JSON.stringify(payload)}: ${res.body}`).toBe(status);
      const { error } = json<{ error: { code: string; message: string; field?: string } }>(res);
      expect(error.message.length).toBeGreaterThan(0);
      if (field) expect(error.field).toBe(field);
    }
    expect(voice.requests.length).toBe(platformRequests);
  });

  it('refuses a consult to an agent who is away with a clear 409, and the caller stays with Jane', async () => {
    const { leg } = await janeAnswers('cc-caller-2', 'CON-cc-2');
    await setStatus('Joe', 'away');
    const platformRequests = voice.requests.length;
    const res = await control(jane, 'POST', `${leg}/consult`, { target: { type: 'agent', agent: 'Joe' } });
    expect(res.statusCode).toBe(409);
    expect(json(res)).toEqual({ error: { code: 'agent_unavailable', message: 'Joe is not available', field: 'target.agent' } });
    expect(voice.requests.length).toBe(platformRequests);
    expect(json(await control(jane, 'GET', `${leg}/control`))).toEqual({ held: false, since: null, total_s: 0, consult: null });
  });
});

describe('warm transfer over the API', () => {
  it('consult, Joe answers, complete: the record shows each step, names Joe, and counts the hold in Jane\'s segment', async () => {
    const { leg, at } = await janeAnswers('cc-caller-3', 'CON-cc-3');
    await setStatus('Joe', 'available');
    const consult = await control(jane, 'POST', `${leg}/consult`, { target: { type: 'agent', agent: 'Joe' } });
    expect(consult.statusCode, consult.body).toBe(202);
    expect(json(consult)).toMatchObject({ held: true, consult: { target: { type: 'agent', agent: 'Joe' }, state: 'ringing', by: 'Jane' } });
    // The platform is asked, in order: music to the caller, Jane's leg to the consult, then a call to Joe.
    const placed = await waitFor(
      () => voice.requests.filter((r) => r.method === 'POST' && r.path === '/v1/calls' && JSON.stringify(r.body).includes('"user":"Joe"')),
      (r) => r.length > 0,
    );
    const joeLeg = (await waitFor(async () => (await t.context.db.query<{ leg: string | null }>(`SELECT state->'consult'->>'legUuid' AS leg FROM flow_calls WHERE id = 'cc-caller-3'`)).rows[0]?.leg ?? null, (l) => l !== null))!;
    expect(String((placed[0]?.body?.answer_url as string[])[0])).toContain('consult=');
    t.clock.nowMs += 20_000;
    await post({ uuid: joeLeg, conversation_uuid: `CON-${joeLeg}`, direction: 'outbound', from: CALLER, to: 'Joe', status: 'answered', timestamp: at(22) });
    expect(json(await control(jane, 'GET', `${leg}/control`))).toMatchObject({ held: true, consult: { state: 'talking' } });
    t.clock.nowMs += 10_000;
    const done = await control(jane, 'POST', `${leg}/consult/complete`);
    expect(done.statusCode, done.body).toBe(202);
    expect(json(done)).toMatchObject({ held: false, total_s: 30, consult: null });
    await waitFor(() => voice.requests.filter((r) => r.method === 'PUT' && r.path === `/v1/calls/${leg}` && r.body?.action === 'hangup').length, (n) => n === 1);
    await post({ uuid: leg, conversation_uuid: `consult-cc-caller-3-1`, direction: 'outbound', from: CALLER, to: 'Jane', status: 'completed', timestamp: at(32) });
    // Joe now controls the call; Jane does not.
    expect((await control(jane, 'PUT', `${leg}/hold`, { held: true })).statusCode).toBe(404);
    expect((await control(joe, 'PUT', `${joeLeg}/hold`, { held: false })).statusCode).toBe(200);

    const record = await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-cc-3', headers: admin });
    const call = json<CallLogRecord & { segments: CallSegment[]; events: Array<{ kind: string; status: string; agent: string | null }> }>(record);
    expect(call.agent).toBe('Joe');
    expect(call.events.filter((e) => e.kind === 'control').map((e) => [e.status, e.agent])).toEqual([
      ['consult', 'Jane'],
      ['transfer-completed', 'Jane'],
    ]);
    const janeSegment = call.segments.find((s) => s.agent === 'Jane');
    expect(janeSegment).toMatchObject({ hold_s: 30, talk_s: 0 });
    expect(call.segments.find((s) => s.agent === 'Joe')).toMatchObject({ hold_s: 0, answered_at: at(22) });
  });
});
