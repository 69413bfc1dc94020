import { randomUUID, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tokenGenerate } from '@vonage/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../../sandbox/media/wav';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
let token: string;
const PHONE = '14155550142';

interface Problem {
  type: string;
  title: string;
  detail: string;
  invalid_parameters?: Array<{ name: string; reason: string }>;
}

async function api(method: string, path: string, body?: unknown, bearer: string | null = token): Promise<Response> {
  const headers: Record<string, string> = {};
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${account.sandbox.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Expects a 400 naming `field` among the invalid parameters. */
async function expectInvalid(response: Response, field: string): Promise<Problem> {
  expect(response.status).toBe(400);
  const problem = (await response.json()) as Problem;
  expect(problem.invalid_parameters?.map((p) => p.name)).toContain(field);
  expect(problem.title).toBe('Bad Request');
  return problem;
}


/** An RS256 token with the given claims, signed with the application's key (tokenGenerate refuses a past exp). */
function rawToken(claims: Record<string, unknown>): string {
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), account.privateKey).toString('base64url')}`;
}

/** Places a Voice API call to the simulated phone, ringing; returns its uuid. */
async function ringPhone(extra: Record<string, unknown> = {}): Promise<string> {
  const response = await api('POST', '/v1/calls', {
    to: [{ type: 'phone', number: PHONE }],
    from: { type: 'phone', number: account.number },
    ncco: [{ action: 'conversation', name: `room-${randomUUID()}` }],
    ...extra,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { uuid: string }).uuid;
}

/** Places a call and has the phone answer it. */
async function answeredCall(): Promise<string> {
  const uuid = await ringPhone();
  await waitFor(async () => (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}/answer`, { method: 'POST' })).status, (s) => s === 200);
  await waitFor(() => account.sandbox.engine.leg(uuid)?.endpoint, (e) => Boolean(e));
  return uuid;
}

beforeAll(async () => {
  account = await startSandboxAccount();
  token = tokenGenerate(account.applicationId, account.privateKey);
});
afterAll(async () => {
  await account.stop();
});

describe('Voice API authentication', () => {
  it('answers 401 in RFC 7807 form without a token', async () => {
    const response = await api('GET', '/v1/calls', undefined, null);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const problem = (await response.json()) as Problem;
    expect(problem).toMatchObject({ type: 'unauthorized', title: 'Unauthorized', detail: expect.stringMatching(/missing/) });
  });

  it('refuses a malformed, an expired and a foreign-signed token', async () => {
    expect((await api('GET', '/v1/calls', undefined, 'not.a.jwt')).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const expired = await api('GET', '/v1/calls', undefined, rawToken({ application_id: account.applicationId, iat: now - 100, exp: now - 10, jti: randomUUID() }));
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as Problem).detail).toMatch(/expired/);
    const { privateKey: otherKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }));
    expect((await api('GET', '/v1/calls', undefined, tokenGenerate(account.applicationId, otherKey))).status).toBe(401);
  });

  it("refuses an SDK user's token whose ACL does not cover /v1/calls, and accepts one whose ACL does", async () => {
    const sdkToken = tokenGenerate(account.applicationId, account.privateKey, { sub: 'Jane', acl: { paths: { '/*/users/**': {}, '/*/conversations/**': {}, '/*/legs/**': {} } } });
    expect((await api('GET', '/v1/calls', undefined, sdkToken)).status).toBe(401);
    const wide = tokenGenerate(account.applicationId, account.privateKey, { acl: { paths: { '/*/calls/**': {} } } });
    expect((await api('GET', '/v1/calls', undefined, wide)).status).toBe(200);
  });

  it("hides one application's calls from another application's token", async () => {
    const created = await fetch(`${account.sandbox.url}/v2/applications`, { method: 'POST', headers: account.accountHeaders, body: JSON.stringify({ name: 'other' }) });
    const other = (await created.json()) as { id: string; keys: { private_key: string } };
    const otherToken = tokenGenerate(other.id, other.keys.private_key);
    const uuid = await ringPhone();
    expect((await api('GET', `/v1/calls/${uuid}`, undefined, otherToken)).status).toBe(404);
    expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'hangup' }, otherToken)).status).toBe(404);
    const list = (await (await api('GET', '/v1/calls', undefined, otherToken)).json()) as { count: number };
    expect(list.count).toBe(0);
    expect(account.sandbox.engine.leg(uuid)!.isOver).toBe(false);
    expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'hangup' })).status).toBe(204);
  });
});

describe('POST /v1/calls', () => {
  it('rejects bad bodies, naming the field', async () => {
    await expectInvalid(await api('POST', '/v1/calls', {}), 'to');
    const base = { to: [{ type: 'phone', number: PHONE }], ncco: [{ action: 'talk', text: 'Hi' }] };
    await expectInvalid(await api('POST', '/v1/calls', base), 'from');
    const from = { type: 'phone', number: account.number };
    await expectInvalid(await api('POST', '/v1/calls', { ...base, from, random_from_number: true }), 'from');
    await expectInvalid(await api('POST', '/v1/calls', { ...base, from, answer_url: ['https://example.com/answer'] }), 'ncco');
    await expectInvalid(await api('POST', '/v1/calls', { to: base.to, from }), 'ncco');
    const badNcco = await expectInvalid(await api('POST', '/v1/calls', { ...base, from, ncco: [{ action: 'talk' }] }), 'ncco');
    expect(badNcco.invalid_parameters![0]!.reason).toMatch(/\[0\]\.text/);
    await expectInvalid(await api('POST', '/v1/calls', { ...base, from, to: [{ type: 'phone', number: 'Jane' }] }), 'to.0.number');
    await expectInvalid(await api('POST', '/v1/calls', { ...base, from, to: [{ type: 'sip', uri: 'sip:a@b' }] }), 'to.0.type');
    await expectInvalid(await api('POST', '/v1/calls', { ...base, from, ringing_timer: 0 }), 'ringing_timer');
    await expectInvalid(await api('POST', '/v1/calls', { ...base, from, length_timer: 9000 }), 'length_timer');
    await expectInvalid(await api('POST', '/v1/calls', { to: base.to, from, answer_url: ['ftp://x'] }), 'answer_url.0');
    const notJson = await fetch(`${account.sandbox.url}/v1/calls`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"to":' });
    expect(notJson.status).toBe(400);
  });

  it('picks a from number among the application\'s numbers with random_from_number', async () => {
    const response = await api('POST', '/v1/calls', { to: [{ type: 'phone', number: PHONE }], random_from_number: true, ncco: [{ action: 'talk', text: 'Hi' }] });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { uuid: string; status: string; direction: string; conversation_uuid: string };
    expect(created).toMatchObject({ status: 'started', direction: 'outbound', conversation_uuid: expect.stringMatching(/^CON-/) });
    expect(account.sandbox.engine.leg(created.uuid)!.from).toBe(account.number);
    expect((await api('PUT', `/v1/calls/${created.uuid}`, { action: 'hangup' })).status).toBe(204);
  });

  it('fetches the answer_url given in the request, with its method, once the phone answers', async () => {
    account.respond('/api-answer', [{ action: 'talk', text: 'From the API answer_url' }]);
    const response = await api('POST', '/v1/calls', {
      to: [{ type: 'phone', number: PHONE }],
      from: { type: 'phone', number: account.number },
      answer_url: [`${account.hookUrl}/api-answer`],
      answer_method: 'POST',
      event_url: [`${account.hookUrl}/api-events`],
    });
    const { uuid } = (await response.json()) as { uuid: string };
    await waitFor(async () => (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}/answer`, { method: 'POST' })).status, (s) => s === 200);
    const heard = await waitFor(
      async () => ((await (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}`)).json()) as { heard: unknown[] }).heard,
      (h) => h.length > 0,
    );
    expect(heard).toContainEqual({ type: 'talk', text: 'From the API answer_url' });
    const answer = account.hooks.find((h) => h.path === '/api-answer' && h.body?.uuid === uuid);
    expect(answer?.method).toBe('POST');
    const statuses = await waitFor(
      () => account.hooks.filter((h) => h.path === '/api-events' && h.body?.uuid === uuid).map((h) => h.body?.status),
      (s) => s.includes('completed'),
    );
    expect(statuses).toEqual(['started', 'ringing', 'answered', 'completed']);
  });
});

describe('GET /v1/calls', () => {
  it('pages through the calls in HAL form, newest last or first, and filters', async () => {
    const uuids = [await ringPhone(), await ringPhone(), await ringPhone()];
    const all = (await (await api('GET', '/v1/calls?page_size=100')).json()) as { count: number };
    const firstPage = (await (await api('GET', '/v1/calls?page_size=2')).json()) as {
      count: number;
      page_size: number;
      record_index: number;
      _links: Record<string, { href: string }>;
      _embedded: { calls: Array<{ uuid: string }> };
    };
    expect(firstPage).toMatchObject({ count: all.count, page_size: 2, record_index: 0 });
    expect(firstPage._embedded.calls).toHaveLength(2);
    expect(firstPage._links.next!.href).toContain('record_index=2');
    const next = (await (await fetch(firstPage._links.next!.href, { headers: { authorization: `Bearer ${token}` } })).json()) as typeof firstPage;
    expect(next.record_index).toBe(2);
    expect(next._links.prev!.href).toContain('record_index=0');
    const desc = (await (await api('GET', '/v1/calls?page_size=3&order=desc')).json()) as typeof firstPage;
    expect(desc._embedded.calls.map((c) => c.uuid)).toEqual([...uuids].reverse());
    const ringing = (await (await api('GET', '/v1/calls?status=ringing&page_size=100')).json()) as typeof firstPage;
    expect(ringing._embedded.calls.map((c) => c.uuid)).toEqual(expect.arrayContaining(uuids));
    const byConversation = account.sandbox.engine.leg(uuids[0]!)!.conversation.id;
    const one = (await (await api('GET', `/v1/calls?conversation_uuid=${byConversation}`)).json()) as typeof firstPage;
    expect(one._embedded.calls.map((c) => c.uuid)).toEqual([uuids[0]]);
    const future = (await (await api('GET', `/v1/calls?date_start=${new Date(Date.now() + 60_000).toISOString()}`)).json()) as typeof firstPage;
    expect(future.count).toBe(0);
    for (const uuid of uuids) expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'hangup' })).status).toBe(204);
  });

  it('rejects bad filters, naming the field', async () => {
    await expectInvalid(await api('GET', '/v1/calls?status=sleeping'), 'status');
    await expectInvalid(await api('GET', '/v1/calls?page_size=0'), 'page_size');
    await expectInvalid(await api('GET', '/v1/calls?page_size=many'), 'page_size');
    await expectInvalid(await api('GET', '/v1/calls?date_start=yesterday'), 'date_start');
    await expectInvalid(await api('GET', '/v1/calls?order=sideways'), 'order');
  });
});

describe('a call through the Voice API', () => {
  it('answers 404 for an unknown call on every path', async () => {
    const uuid = randomUUID();
    expect((await api('GET', `/v1/calls/${uuid}`)).status).toBe(404);
    expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'hangup' })).status).toBe(404);
    expect((await api('PUT', `/v1/calls/${uuid}/talk`, { text: 'Hi' })).status).toBe(404);
    expect((await api('DELETE', `/v1/calls/${uuid}/talk`)).status).toBe(404);
    expect((await api('PUT', `/v1/calls/${uuid}/stream`, { stream_url: ['http://127.0.0.1/x.wav'] })).status).toBe(404);
    expect((await api('DELETE', `/v1/calls/${uuid}/stream`)).status).toBe(404);
    expect((await api('PUT', `/v1/calls/${uuid}/dtmf`, { digits: '1' })).status).toBe(404);
  });

  it('rejects bad actions and bodies, naming the field', async () => {
    const uuid = await answeredCall();
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}`, { action: 'explode' }), 'action');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}`, { action: 'transfer' }), 'destination');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}`, { action: 'transfer', destination: { type: 'ncco' } }), 'destination.ncco');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}`, { action: 'transfer', destination: { type: 'ncco', ncco: [{ action: 'dance' }] } }), 'destination.ncco');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}/talk`, {}), 'text');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}/talk`, { text: 'Hi', level: 3 }), 'level');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}/talk`, { text: 'Hi', language: 'xx-XX' }), 'language');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}/stream`, { stream_url: [] }), 'stream_url');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}/stream`, { stream_url: [`${account.hookUrl}/missing.wav`] }), 'stream_url');
    account.respond('/not-audio.wav', Buffer.from('this is not a wav file'));
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}/stream`, { stream_url: [`${account.hookUrl}/not-audio.wav`] }), 'stream_url');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}/dtmf`, { digits: '12x' }), 'digits');
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}/dtmf`, {}), 'digits');
    account.misbehave('/broken-transfer', { status: 500 });
    await expectInvalid(await api('PUT', `/v1/calls/${uuid}`, { action: 'transfer', destination: { type: 'ncco', url: [`${account.hookUrl}/broken-transfer`] } }), 'destination.url');
    expect(account.sandbox.engine.leg(uuid)!.isOver).toBe(false);
    expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'hangup' })).status).toBe(204);
  });

  it('refuses talk, stream, DTMF and transfer on a call still ringing', async () => {
    const uuid = await ringPhone();
    const talk = await api('PUT', `/v1/calls/${uuid}/talk`, { text: 'Too early' });
    expect(talk.status).toBe(400);
    expect(((await talk.json()) as Problem).detail).toMatch(/not been answered/);
    expect((await api('PUT', `/v1/calls/${uuid}/dtmf`, { digits: '1' })).status).toBe(400);
    expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'transfer', destination: { type: 'ncco', ncco: [{ action: 'talk', text: 'x' }] } })).status).toBe(400);
    expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'hangup' })).status).toBe(204);
    expect(account.sandbox.engine.leg(uuid)!.status).toBe('cancelled');
  });

  it('still describes an ended call, but will not change it (404)', async () => {
    const uuid = await answeredCall();
    expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'hangup' })).status).toBe(204);
    const described = (await (await api('GET', `/v1/calls/${uuid}`)).json()) as Record<string, unknown>;
    expect(described).toMatchObject({
      uuid,
      status: 'completed',
      direction: 'outbound',
      to: { type: 'phone', number: PHONE },
      from: { type: 'phone', number: account.number },
      duration: expect.stringMatching(/^[0-9]+$/),
      start_time: expect.any(String),
      end_time: expect.any(String),
      rate: expect.any(String),
      price: expect.any(String),
      network: expect.any(String),
    });
    for (const [method, path, body] of [
      ['PUT', '', { action: 'hangup' }],
      ['PUT', '', { action: 'mute' }],
      ['PUT', '/talk', { text: 'Hello?' }],
      ['DELETE', '/talk', undefined],
      ['PUT', '/dtmf', { digits: '1' }],
    ] as const) {
      const response = await api(method, `/v1/calls/${uuid}${path}`, body);
      expect(response.status).toBe(404);
      expect(((await response.json()) as Problem).detail).toMatch(/no longer active/);
    }
  });
});

describe('GET /v1/files/:id', () => {
  it('serves a recording as WAV to the application token, and 401 without one', async () => {
    const id = randomUUID();
    const wav = encodeWav(new Int16Array(800).fill(1000));
    const path = account.sandbox.engine.recordingPath(account.applicationId, id, 'wav');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, wav);
    const response = await api('GET', `/v1/files/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await response.arrayBuffer()).equals(wav)).toBe(true);
    expect((await api('GET', `/v1/files/${id}`, undefined, null)).status).toBe(401);
  });

  it('answers 404 for an unknown recording, a non-UUID id and a path that tries to leave the folder', async () => {
    expect((await api('GET', `/v1/files/${randomUUID()}`)).status).toBe(404);
    expect((await api('GET', '/v1/files/state')).status).toBe(404);
    expect((await api('GET', '/v1/files/..%2F..%2Fstate.json')).status).toBe(404);
    expect((await api('GET', '/v1/files/..%2Fstate.json')).status).toBe(404);
  });
});

describe('finished calls', () => {
  it('stay readable for a while and are then forgotten; a call still live after a transfer is not', async () => {
    const engine = account.sandbox.engine;
    const kept = engine.retainFinishedCallMs;
    engine.retainFinishedCallMs = 50;
    try {
      const uuid = await answeredCall();
      // The transfer ends the call's first NCCO while the leg lives on in another conversation.
      expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'transfer', destination: { type: 'ncco', ncco: [{ action: 'conversation', name: `moved-${uuid}` }] } })).status).toBe(204);
      await waitFor(() => engine.leg(uuid)?.conversation.name, (name) => name === `moved-${uuid}`);
      await new Promise((r) => setTimeout(r, 300));
      const live = await api('GET', `/v1/calls/${uuid}`);
      expect(live.status).toBe(200);
      expect(((await live.json()) as { status: string }).status).toBe('answered');

      // Ended, it stays readable for the retention time, then goes (waitFor allows 10 s). The
      // retention is read when the call ends, so a longer one here keeps a slow machine's next
      // GET inside it; the short one above let the 300 ms wait show a live call is never retired.
      engine.retainFinishedCallMs = 5000;
      expect((await api('PUT', `/v1/calls/${uuid}`, { action: 'hangup' })).status).toBe(204);
      expect((await api('GET', `/v1/calls/${uuid}`)).status).toBe(200);
      expect(await waitFor(async () => (await api('GET', `/v1/calls/${uuid}`)).status, (status) => status === 404)).toBe(404);
    } finally {
      engine.retainFinishedCallMs = kept;
    }
  });
});
