/**
 * The console's configuration pages' backend: numbers and their flows, queues, away reasons
 * and dispositions through the admin API with a console session. A bad body is a 400 naming
 * the exact field and saves nothing; a supervisor gets 403 and changes nothing; every change
 * an admin makes is in the audit log. The queue's service-level target reaches the wallboard;
 * the seed guide's sample NCCOs pass the schema; test calls go to the embedded platform's
 * phone API, and say why not against the Vonage cloud.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../../common/backend-api';
import type { AuditPage, ConsoleSessionView, NccoSample, TestCallsView, TestCallView, WallboardSnapshot } from '../../../common/console-api';
import { CONSOLE_COOKIE } from '../../../server/console/session';
import { validateNcco } from '../../../server/flows/validate-ncco';
import { createTestServer, json, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-console-config-tests-0123';
const USERS = [
  { name: 'Ada', display_name: 'Ada Admin', role: 'admin' as const, password: 'ada-console-pw' },
  { name: 'Sam', display_name: 'Sam Supervisor', role: 'supervisor' as const, password: 'sam-console-pw' },
];
const NUMBER = '14155550155';
const GOOD_NCCO = [
  { action: 'talk', text: 'Hello from the custom flow' },
  { action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] },
];

interface Session {
  cookie: string;
  csrf: string;
}

function cookieOf(res: LightMyRequestResponse): string {
  const match = new RegExp(`${CONSOLE_COOKIE}=([^;]*)`).exec(String(res.headers['set-cookie'] ?? ''));
  if (!match) throw new Error('no console cookie');
  return `${CONSOLE_COOKIE}=${match[1]}`;
}

async function signIn(t: TestServer, name: string, password: string): Promise<Session> {
  const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name, password } });
  expect(res.statusCode, res.body).toBe(200);
  return { cookie: cookieOf(res), csrf: json<ConsoleSessionView>(res).csrf_token };
}

function as(t: TestServer, session: Session, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url,
    headers: { cookie: session.cookie, ...(method !== 'GET' ? { 'x-csrf-token': session.csrf } : {}) },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
}

async function auditActions(t: TestServer): Promise<AuditPage['entries']> {
  const res = await t.app.inject({ method: 'GET', url: '/api/console/audit?limit=200', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.statusCode).toBe(200);
  return json<AuditPage>(res).entries;
}

function expectField(res: LightMyRequestResponse, field: string): void {
  expect(res.statusCode, res.body).toBe(400);
  const error = json<ApiErrorBody>(res).error;
  expect(error.code).toBe('invalid_request');
  expect(error.field).toBe(field);
  expect(error.message.startsWith(field)).toBe(true);
}

describe('console configuration through the admin API', () => {
  let t: TestServer;
  let ada: Session;
  let sam: Session;
  beforeAll(async () => {
    t = await createTestServer({ ADMIN_TOKEN }, { seedConsoleUsers: USERS });
    ada = await signIn(t, 'Ada', 'ada-console-pw');
    sam = await signIn(t, 'Sam', 'sam-console-pw');
    expect((await as(t, ada, 'PUT', `/api/admin/numbers/${NUMBER}`, { flow: 'inbound', label: 'Front desk' })).statusCode).toBe(200);
    expect((await as(t, ada, 'PUT', '/api/admin/queues/support', {})).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each([
    ['an NCCO endpoint without its user', { flow: 'custom', ncco: [GOOD_NCCO[0], { action: 'connect', endpoint: [{ type: 'app' }] }] }, 'ncco[1].endpoint[0].user'],
    ['an NCCO with a mistyped field', { flow: 'custom', ncco: [{ action: 'talk', text: 'Hi', txt: 'Hi' }] }, 'ncco[0].txt'],
    ['an NCCO that is not JSON array', { flow: 'custom', ncco: '[{"action":' }, 'ncco'],
    ['an IVR key used twice', { flow: 'ivr', options: [{ digit: '1', target: { type: 'voicemail' } }, { digit: '1', target: { type: 'voicemail' } }] }, 'options[1].digit'],
    ['a fallback queue that does not exist', { flow: 'inbound', fallback: { type: 'queue', queue: 'nowhere' } }, 'fallback.queue'],
    ['a whisper without its topic', { flow: 'whisper' }, 'topic'],
    ['a ring timeout out of range', { flow: 'inbound', ring_timeout_s: 2 }, 'ring_timeout_s'],
  ])('refuses %s with 400 naming the field, and saves nothing', async (_what, body, field) => {
    const before = json<{ settings: unknown; updated_at: string }>(await as(t, ada, 'GET', `/api/admin/numbers/${NUMBER}`));
    const entries = (await auditActions(t)).length;
    expectField(await as(t, ada, 'PUT', `/api/admin/numbers/${NUMBER}`, body), field);
    const after = json<{ settings: unknown; updated_at: string }>(await as(t, ada, 'GET', `/api/admin/numbers/${NUMBER}`));
    expect(after).toEqual(before);
    expect((await auditActions(t)).length).toBe(entries);
  });

  it('saves a good custom NCCO, audited with who and the flow before and after', async () => {
    const res = await as(t, ada, 'PUT', `/api/admin/numbers/${NUMBER}`, { flow: 'custom', label: 'Custom', ncco: GOOD_NCCO });
    expect(res.statusCode, res.body).toBe(200);
    expect(json<{ flow: string; settings: { ncco: unknown } }>(res)).toMatchObject({ flow: 'custom', settings: { ncco: GOOD_NCCO } });
    const entry = (await auditActions(t)).find((e) => e.action === 'save number');
    expect(entry).toMatchObject({ actor: 'Ada', actor_role: 'admin', target: `number ${NUMBER}` });
    expect(entry?.before).toMatchObject({ flow: 'inbound' });
    expect(entry?.after).toMatchObject({ flow: 'custom', settings: { ncco: GOOD_NCCO } });
  });

  it('offers the seed guide’s inbound, outbound and IVR NCCOs, each valid as given', async () => {
    const res = await as(t, sam, 'GET', `/api/admin/numbers/${NUMBER}/ncco-samples`);
    expect(res.statusCode).toBe(200);
    const { samples } = json<{ samples: NccoSample[] }>(res);
    expect(samples.map((s) => s.id)).toEqual(['inbound', 'outbound', 'ivr']);
    for (const sample of samples) expect(validateNcco(sample.ncco), sample.id).toMatchObject({ ok: true });
    expect(JSON.stringify(samples)).not.toMatch(/PARAMS_TO|DTMF_URL|YOUR_NEXMO_NUMBER/);
  });

  it('lets a supervisor read every page but change nothing (403), and nothing changes', async () => {
    for (const url of ['/api/admin/numbers', '/api/admin/queues', '/api/admin/away-reasons', '/api/admin/dispositions', '/api/admin/test-calls']) {
      expect((await as(t, sam, 'GET', url)).statusCode, url).toBe(200);
    }
    const numberBefore = (await as(t, ada, 'GET', `/api/admin/numbers/${NUMBER}`)).body;
    const queueBefore = (await as(t, ada, 'GET', '/api/admin/queues/support')).body;
    const reasonsBefore = (await as(t, ada, 'GET', '/api/admin/away-reasons')).body;
    const dispositionsBefore = (await as(t, ada, 'GET', '/api/admin/dispositions')).body;
    const entries = (await auditActions(t)).length;
    const changes: Array<['PUT' | 'POST', string, unknown]> = [
      ['PUT', `/api/admin/numbers/${NUMBER}`, { flow: 'inbound' }],
      ['PUT', '/api/admin/queues/support', { max_wait_s: 60 }],
      ['PUT', '/api/admin/away-reasons', { reasons: ['Lunch'] }],
      ['PUT', '/api/admin/dispositions', { dispositions: [{ code: 'sale', label: 'Sale' }] }],
      ['POST', `/api/admin/numbers/${NUMBER}/test-call`, {}],
    ];
    for (const [method, url, body] of changes) {
      const res = await as(t, sam, method, url, body);
      expect(res.statusCode, url).toBe(403);
      expect(json<ApiErrorBody>(res).error.code).toBe('forbidden_role');
    }
    expect((await as(t, ada, 'GET', `/api/admin/numbers/${NUMBER}`)).body).toBe(numberBefore);
    expect((await as(t, ada, 'GET', '/api/admin/queues/support')).body).toBe(queueBefore);
    expect((await as(t, ada, 'GET', '/api/admin/away-reasons')).body).toBe(reasonsBefore);
    expect((await as(t, ada, 'GET', '/api/admin/dispositions')).body).toBe(dispositionsBefore);
    expect((await auditActions(t)).length).toBe(entries);
  });

  it('validates queue settings by field, and the saved service-level target is the one the wallboard measures against', async () => {
    expectField(await as(t, ada, 'PUT', '/api/admin/queues/support', { service_level_s: 0 }), 'service_level_s');
    expectField(await as(t, ada, 'PUT', '/api/admin/queues/support', { on_overflow: { type: 'phone', number: '12' } }), 'on_overflow.number');
    expectField(await as(t, ada, 'PUT', '/api/admin/queues/support', { max_length: 0 }), 'max_length');
    const defaults = json<{ settings: { service_level_s: number } }>(await as(t, ada, 'GET', '/api/admin/queues/support'));
    expect(defaults.settings.service_level_s).toBe(20);

    const body = { label: 'Support', max_wait_s: 90, max_length: 5, announce_position: true, announce_every_s: 45, service_level_s: 35, on_timeout: { type: 'disconnect', message: 'Sorry, goodbye' }, on_no_agents: { type: 'voicemail' } };
    const res = await as(t, ada, 'PUT', '/api/admin/queues/support', body);
    expect(res.statusCode, res.body).toBe(200);
    expect(json<{ settings: unknown }>(res).settings).toMatchObject(body);
    const board = json<WallboardSnapshot>(await as(t, sam, 'GET', '/api/console/wallboard'));
    expect(board.queues.find((q) => q.name === 'support')).toMatchObject({ label: 'Support', service_level_target_s: 35 });
    const entry = (await auditActions(t)).find((e) => e.action === 'save queue');
    expect(entry).toMatchObject({ actor: 'Ada', target: 'queue support' });
    expect(entry?.after).toMatchObject({ settings: { service_level_s: 35, max_wait_s: 90 } });
  });

  it('edits the away reasons: a bad list names the row and saves nothing; a good one is saved and audited', async () => {
    const before = json<{ reasons: string[] }>(await as(t, ada, 'GET', '/api/admin/away-reasons'));
    const empty = await as(t, ada, 'PUT', '/api/admin/away-reasons', { reasons: ['Lunch', '  '] });
    expect(empty.statusCode).toBe(400);
    expect(json<ApiErrorBody>(empty).error.field).toBe('reasons.1');
    expect(json<ApiErrorBody>(await as(t, ada, 'PUT', '/api/admin/away-reasons', { reasons: ['Lunch', 'lunch'] })).error.field).toBe('reasons');
    expect(json<{ reasons: string[] }>(await as(t, ada, 'GET', '/api/admin/away-reasons'))).toEqual(before);

    const saved = await as(t, ada, 'PUT', '/api/admin/away-reasons', { reasons: ['Lunch', 'Training', 'Coaching'] });
    expect(json<{ reasons: string[] }>(saved)).toEqual({ reasons: ['Lunch', 'Training', 'Coaching'] });
    const entry = (await auditActions(t)).find((e) => e.action === 'save away reasons');
    expect(entry).toMatchObject({ actor: 'Ada', before, after: { reasons: ['Lunch', 'Training', 'Coaching'] } });
  });

  it('edits the dispositions: a repeated code names its row and saves nothing; a good list is saved and audited', async () => {
    const before = json<{ dispositions: unknown[] }>(await as(t, ada, 'GET', '/api/admin/dispositions'));
    const twice = await as(t, ada, 'PUT', '/api/admin/dispositions', { dispositions: [{ code: 'sale', label: 'Sale' }, { code: 'sale', label: 'Sold' }] });
    expect(twice.statusCode).toBe(400);
    expect(json<ApiErrorBody>(twice).error.field).toBe('dispositions.1.code');
    expect(json<ApiErrorBody>(await as(t, ada, 'PUT', '/api/admin/dispositions', { dispositions: [{ code: 'Bad Code', label: 'x' }] })).error.field).toBe('dispositions.0.code');
    expect(json<{ dispositions: unknown[] }>(await as(t, ada, 'GET', '/api/admin/dispositions'))).toEqual(before);

    const list = [
      { code: 'sale', label: 'Sale' },
      { code: 'callback', label: 'Call back later' },
    ];
    expect(json<{ dispositions: unknown[] }>(await as(t, ada, 'PUT', '/api/admin/dispositions', { dispositions: list }))).toEqual({ dispositions: list });
    expect((await auditActions(t)).find((e) => e.action === 'save dispositions')).toMatchObject({ actor: 'Ada', after: { dispositions: list } });
  });

  it('says test calls need the embedded platform when the backend talks to the Vonage cloud', async () => {
    const view = json<TestCallsView>(await as(t, ada, 'GET', '/api/admin/test-calls'));
    expect(view).toMatchObject({ available: false });
    expect(view.reason).toMatch(/embedded platform/);
    const res = await as(t, ada, 'POST', `/api/admin/numbers/${NUMBER}/test-call`, {});
    expect(res.statusCode).toBe(409);
    expect(json<ApiErrorBody>(res).error.code).toBe('test_calls_unavailable');
  });
});

/** A stand-in for the platform's phone API: records the calls it was asked to place. */
function fakePhones(): Promise<{ server: Server; url: string; placed: unknown[]; hungUp: string[] }> {
  const placed: unknown[] = [];
  const hungUp: string[] = [];
  const body = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString() || '{}');
  };
  const server = createServer((req, res) => {
    void (async () => {
      const send = (status: number, value?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(value === undefined ? '' : JSON.stringify(value));
      };
      if (req.method === 'POST' && req.url === '/sandbox/v1/phone/calls') {
        placed.push(await body(req));
        return send(201, { uuid: 'phone-call-1', conversation_uuid: 'CON-1', status: 'started' });
      }
      if (req.url === '/sandbox/v1/phone/calls/phone-call-1') {
        if (req.method === 'DELETE') {
          hungUp.push('phone-call-1');
          return send(204);
        }
        return send(200, { uuid: 'phone-call-1', from: '14155550100', to: NUMBER, status: 'answered', heard: [{ type: 'talk', text: 'Hello from the custom flow' }, { type: 'music', url: null }] });
      }
      return send(404, { title: 'Not found' });
    })();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, placed, hungUp }));
  });
}

describe('test calls on the embedded platform', () => {
  let t: TestServer;
  let phones: Awaited<ReturnType<typeof fakePhones>>;
  let ada: Session;
  beforeAll(async () => {
    phones = await fakePhones();
    t = await createTestServer({ ADMIN_TOKEN, VONAGE_API_URL: phones.url, VONAGE_WS_URL: phones.url }, { seedConsoleUsers: USERS });
    ada = await signIn(t, 'Ada', 'ada-console-pw');
    expect((await as(t, ada, 'PUT', `/api/admin/numbers/${NUMBER}`, { flow: 'custom', ncco: GOOD_NCCO })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => phones?.server.close(resolve));
  });

  it('places a call from the test phone to the number, follows it, hangs it up, and audits it', async () => {
    expect(json<TestCallsView>(await as(t, ada, 'GET', '/api/admin/test-calls'))).toEqual({ available: true, reason: null, from: '14155550100' });
    const placed = await as(t, ada, 'POST', `/api/admin/numbers/+${NUMBER}/test-call`, {});
    expect(placed.statusCode, placed.body).toBe(201);
    expect(json<TestCallView>(placed)).toMatchObject({ uuid: 'phone-call-1', to: NUMBER, from: '14155550100' });
    expect(phones.placed).toEqual([{ from: '14155550100', to: NUMBER }]);

    const status = json<TestCallView>(await as(t, ada, 'GET', '/api/admin/test-calls/phone-call-1'));
    expect(status).toEqual({ uuid: 'phone-call-1', from: '14155550100', to: NUMBER, status: 'answered', heard: ['Hello from the custom flow'] });
    expect((await as(t, ada, 'DELETE', '/api/admin/test-calls/phone-call-1')).statusCode).toBe(204);
    expect(phones.hungUp).toEqual(['phone-call-1']);
    const actions = (await auditActions(t)).map((e) => e.action);
    expect(actions).toContain('place test call');
    expect(actions).toContain('hang up test call');
  });

  it('refuses a number with no flow (404) and a bad caller number (400 naming from), placing nothing', async () => {
    const count = phones.placed.length;
    const unknown = await as(t, ada, 'POST', '/api/admin/numbers/14155550999/test-call', {});
    expect(unknown.statusCode).toBe(404);
    expect(json<ApiErrorBody>(unknown).error.field).toBe('number');
    expectField(await as(t, ada, 'POST', `/api/admin/numbers/${NUMBER}/test-call`, { from: '12' }), 'from');
    expect(phones.placed.length).toBe(count);
  });
});
