/**
 * The flow webhooks over HTTP, on a real backend (PostgreSQL, presence, the event webhook).
 *
 * Flows write the call's record asynchronously, after answering: tests wait for it.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../../../common/backend-api';
import { waitFor } from '../../../support/wait';
import { createTestServer, json, loginDesktop, type TestServer } from '../helpers';

const ADMIN_TOKEN = 'admin-token-for-the-flow-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let t: TestServer;
let jane: string;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN, WRAP_UP_S: '0' });
  jane = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
  const res = await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: { authorization: `Bearer ${jane}` }, payload: { status: 'available' } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => {
  await t.close();
});

/** The caller hangs up: the flows forget the call (and free its agent). */
async function endCall(uuid: string, conversation: string): Promise<void> {
  const res = await t.app.inject({ method: 'POST', url: '/webhooks/event', payload: { status: 'completed', uuid, conversation_uuid: conversation, from: '14155550100', to: '14155550199' } });
  expect(res.statusCode).toBe(204);
}

const SEED_INBOUND_START = [
  { action: 'talk', text: 'Thank you for calling Jane' },
  { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Jane' }] },
];

describe('answer webhook', () => {
  it("answers GET with the seed's Inbound Call NCCO for the available agent", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550199&from=14155550100&uuid=leg-1&conversation_uuid=CON-A1' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const ncco = JSON.parse(res.body) as unknown[];
    expect(ncco.slice(0, 2)).toStrictEqual(SEED_INBOUND_START);
    expect(ncco[2]).toMatchObject({ action: 'stream', loop: 0, streamUrl: [expect.stringMatching(/\/assets\/hold-music\.wav$/)] });
    expect((await waitFor(() => t.storage.calls.getCall('CON-A1'), (c) => c?.flow != null))?.flow).toBe('inbound');
    await endCall('leg-1', 'CON-A1');
  });

  it('answers POST (JSON or form) the same way', async () => {
    const jsonRes = await t.app.inject({ method: 'POST', url: '/webhooks/answer', payload: { to: '14155550199', uuid: 'leg-2', conversation_uuid: 'CON-A2' } });
    expect((JSON.parse(jsonRes.body) as unknown[]).slice(0, 2)).toStrictEqual(SEED_INBOUND_START);
    await endCall('leg-2', 'CON-A2');
    const form = await t.app.inject({
      method: 'POST',
      url: '/webhooks/answer',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'to=14155550199&from=14155550100&uuid=leg-3&conversation_uuid=CON-A3',
    });
    expect((JSON.parse(form.body) as unknown[]).slice(0, 2)).toStrictEqual(SEED_INBOUND_START);
    await endCall('leg-3', 'CON-A3');
  });

  it("answers an agent's serverCall with the outbound NCCO, reading to from custom_data", async () => {
    const custom = encodeURIComponent(JSON.stringify({ to: '+14155550100' }));
    const res = await t.app.inject({ method: 'GET', url: `/webhooks/answer?from_user=Jane&uuid=leg-o&conversation_uuid=CON-O1&custom_data=${custom}` });
    expect(JSON.parse(res.body)).toEqual([
      { action: 'talk', text: 'Please wait while we connect you.' },
      { action: 'connect', timeout: 20, from: '14155550199', endpoint: [{ type: 'phone', number: '14155550100' }] },
    ]);
    const call = await waitFor(() => t.storage.calls.getCall('CON-O1'), (c) => c?.flow != null && c.agent != null);
    expect(call).toMatchObject({ flow: 'outbound', agent: 'Jane' });
  });

  it('speaks an error for an invalid dialled number with HTTP 200', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/answer', payload: { from_user: 'Jane', to: '12', uuid: 'leg-o2' } });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual([{ action: 'talk', text: expect.stringContaining('not a valid phone number') }]);
  });

  it.each([
    ['a repeated parameter', 'GET', '/webhooks/answer?to=1&to=2', undefined, 'to'],
    ['custom_data that is not JSON', 'GET', '/webhooks/answer?from_user=Jane&custom_data=%7Bnope', undefined, 'custom_data'],
    ['a too long from', 'POST', '/webhooks/answer', { from: 'x'.repeat(300) }, 'from'],
    ['a DTMF eventUrl without the number', 'POST', '/webhooks/dtmf?attempt=1', { dtmf: { digits: '1' } }, 'number'],
    ['a DTMF attempt out of range', 'POST', '/webhooks/dtmf?number=14155550188&attempt=7', { dtmf: { digits: '1' } }, 'attempt'],
    ['DTMF digits that are not keys', 'POST', '/webhooks/dtmf?number=14155550188&attempt=1', { dtmf: { digits: 'x' } }, 'dtmf.digits'],
    ['an agent answer without a conversation', 'GET', '/webhooks/agent-answer?call=c1', undefined, 'conversation'],
    ['an agent answer for a foreign conversation', 'GET', '/webhooks/agent-answer?call=c1&conversation=someone-elses', undefined, 'conversation'],
    ['a recording without its URL', 'POST', '/webhooks/recording?call=c1', { recording_uuid: 'r1' }, 'recording_url'],
  ])('refuses %s with 400 naming the field', async (_name, method, url, payload, field) => {
    const res = await t.app.inject({ method: method as 'GET' | 'POST', url, ...(payload ? { payload } : {}) });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.field).toBe(field);
  });

  it('answers the fallback_answer_url with an apology', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/webhooks/fallback?to=14155550199' });
    expect(JSON.parse(res.body)).toEqual([{ action: 'talk', text: expect.stringContaining('cannot take your call') }]);
  });
});

describe('IVR over HTTP', () => {
  beforeAll(async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/api/admin/numbers/+14155550188', headers: admin, payload: { flow: 'ivr' } });
    expect(res.statusCode).toBe(200);
  });

  // Changed: the chosen agent is connected only while available, so Joe signs in first.
  it('plays the menu, then connects the chosen agent from the DTMF webhook', async () => {
    const joe = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    const status = (value: string) => t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: { authorization: `Bearer ${joe}` }, payload: { status: value } });
    expect((await status('available')).statusCode).toBe(200);
    const menu = JSON.parse((await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550188&from=14155550100&uuid=ivr-1&conversation_uuid=CON-I1' })).body) as Array<Record<string, unknown>>;
    const eventUrl = new URL((menu[2]!.eventUrl as string[])[0]!);
    expect(eventUrl.pathname).toBe('/webhooks/dtmf');
    const res = await t.app.inject({
      method: 'POST',
      url: `/webhooks/dtmf${eventUrl.search}`,
      payload: { dtmf: { digits: '2', timed_out: false }, uuid: 'ivr-1', conversation_uuid: 'CON-I1', from: '14155550100', to: '14155550188' },
    });
    expect(res.statusCode).toBe(200);
    expect((JSON.parse(res.body) as unknown[]).slice(0, 2)).toEqual([
      { action: 'talk', text: 'Please wait while we connect you to Joe' },
      { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Joe' }] },
    ]);
    await endCall('ivr-1', 'CON-I1');
    expect((await status('away')).statusCode).toBe(200);
  });

  it('sends the caller to the fallback when the chosen agent is not available', async () => {
    await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550188&from=14155550100&uuid=ivr-3&conversation_uuid=CON-I3' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/dtmf?number=14155550188&attempt=1',
      payload: { dtmf: { digits: '2', timed_out: false }, uuid: 'ivr-3', conversation_uuid: 'CON-I3', from: '14155550100', to: '14155550188' },
    });
    const ncco = JSON.parse(res.body) as Array<Record<string, unknown>>;
    expect(ncco.some((a) => a.action === 'connect')).toBe(false);
    expect(ncco.some((a) => a.action === 'record')).toBe(true);
    await endCall('ivr-3', 'CON-I3');
  });

  it('repeats the menu on a timeout', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/dtmf?number=14155550188&attempt=1',
      payload: { dtmf: { digits: '', timed_out: true }, uuid: 'ivr-2' },
    });
    const ncco = JSON.parse(res.body) as Array<Record<string, unknown>>;
    expect(ncco[0]).toEqual({ action: 'talk', text: 'Sorry, that is not one of the options.' });
    expect(ncco[2]).toMatchObject({ eventUrl: [expect.stringContaining('attempt=2')] });
  });
});

describe('hold music', () => {
  it('is a WAV file anyone (the platform) can fetch', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/assets/hold-music.wav' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    const body = res.rawPayload;
    expect(body.subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(body.subarray(8, 12).toString('ascii')).toBe('WAVE');
    expect(body.readUInt32LE(24)).toBe(8000);
    expect(body.length).toBeGreaterThan(44 + 8000 * 2 * 5);
  });
});

describe('call context API', () => {
  it('needs a login', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/calls/leg-x/context' });
    expect(res.statusCode).toBe(401);
  });

  it("gives an agent the context of their own leg only, waiting briefly for it", async () => {
    await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550199&from=14155550100&uuid=ctx-caller&conversation_uuid=CON-CTX' });
    const pending = t.app.inject({ method: 'GET', url: '/api/calls/ctx-agent-leg/context', headers: { authorization: `Bearer ${jane}` } });
    // The agent's leg rings: its first event arrives after the app asked.
    const event = await t.app.inject({
      method: 'POST',
      url: '/webhooks/event',
      payload: { status: 'ringing', uuid: 'ctx-agent-leg', conversation_uuid: 'CON-CTX', from: '14155550100', to: 'Jane', direction: 'outbound' },
    });
    expect(event.statusCode).toBe(204);
    const res = await pending;
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({
      leg_uuid: 'ctx-agent-leg',
      call_uuid: 'ctx-caller',
      flow: 'inbound',
      number: '14155550199',
      caller: '14155550100',
      topic: null,
      queue: null,
      label: null,
    });
    const joe = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    const other = await t.app.inject({ method: 'GET', url: '/api/calls/ctx-agent-leg/context', headers: { authorization: `Bearer ${joe}` } });
    expect(other.statusCode).toBe(404);
  });

  it('refuses a malformed leg id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/calls/a.b/context', headers: { authorization: `Bearer ${jane}` } });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.field).toBe('legUuid');
  });
});

describe('signed webhooks', () => {
  const SECRET = 'signature-secret-for-flows-0123';
  let signed: TestServer;
  beforeAll(async () => {
    signed = await createTestServer({ VONAGE_SIGNATURE_SECRET: SECRET });
  });
  afterAll(async () => {
    await signed.close();
  });

  it.each(['/webhooks/answer?to=14155550199', '/webhooks/fallback', '/webhooks/dtmf?number=14155550188&attempt=1', '/webhooks/agent-answer?call=c&conversation=queue-c'])(
    'refuses an unsigned %s',
    async (url) => {
      const res = await signed.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(401);
    },
  );

  it('accepts a signed recording webhook body only when it matches its hash', async () => {
    const body = JSON.stringify({ recording_url: 'https://elsewhere.example/x' });
    const tampered = await signed.app.inject({
      method: 'POST',
      url: '/webhooks/recording?call=c',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hs256(body, SECRET, signed.clock.nowMs, 'tampered')}` },
      payload: body.replace('elsewhere', 'other'),
    });
    expect(tampered.statusCode).toBe(401);
    const honest = await signed.app.inject({
      method: 'POST',
      url: '/webhooks/recording?call=c',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hs256(body, SECRET, signed.clock.nowMs, 'honest')}` },
      payload: body,
    });
    // Signed, so it reaches validation, which refuses a recording outside the platform.
    expect(honest.statusCode).toBe(400);
    expect(json<ApiErrorBody>(honest).error.field).toBe('recording_url');
  });
});

/**
 * An HS256 JWT as Vonage signs webhooks: `payload_hash` of the body, signed with the secret,
 * issued at `nowMs` (the test server's clock, which the server checks `iat` against).
 */
function hs256(body: string, secret: string, nowMs: number, jti: string): string {
  const enc = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(nowMs / 1000);
  const head = enc({ alg: 'HS256', typ: 'JWT' });
  const claims = enc({ iat: now, exp: now + 300, jti, payload_hash: createHash('sha256').update(body).digest('hex') });
  const signature = createHmac('sha256', secret).update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${signature}`;
}
