import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { classifyAudio, goertzel, rms } from '../../../sandbox/media/analysis';
import { decodeAudio } from '../../../sandbox/media/decode';
import { encodeWav } from '../../../sandbox/media/wav';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
const post = (path: string, body: unknown) =>
  fetch(`${account.sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const put = (path: string, body: unknown) =>
  fetch(`${account.sandbox.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const del = (path: string) => fetch(`${account.sandbox.url}${path}`, { method: 'DELETE' });
const get = (path: string) => fetch(`${account.sandbox.url}${path}`);

/** A phone call as the phone API describes it. */
interface PhoneCall {
  uuid: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  status: string;
  heard: Array<Record<string, string>>;
  dtmf_received: string[];
  media: { packets_sent: number; packets_received: number; audible_frames_received: number };
}
/** An RFC 7807 error body. */
interface Problem {
  type: string;
  detail: string;
  invalid_parameters?: Array<{ name: string; reason: string }>;
}
const phoneCall = async (uuid: string) => (await (await get(`/sandbox/v1/phone/calls/${uuid}`)).json()) as PhoneCall;
const invalidNames = async (response: Response) => ((await response.json()) as Problem).invalid_parameters?.map((p) => p.name);


beforeAll(async () => {
  account = await startSandboxAccount();
});
afterAll(async () => {
  await account.stop();
});

describe('simulated phone API', () => {
  it('rejects a body without numbers, naming the field', async () => {
    const response = await post('/sandbox/v1/phone/calls', { from: '+14155550100' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { invalid_parameters: Array<{ name: string }>; detail: string };
    expect(body.invalid_parameters.map((p) => p.name)).toContain('to');
    expect(body.detail).toMatch(/to/);
  });

  it('rejects a malformed number and malformed JSON', async () => {
    const bad = await post('/sandbox/v1/phone/calls', { from: 'Jane', to: account.number });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { invalid_parameters: Array<{ name: string }> }).invalid_parameters[0]!.name).toBe('from');
    const notJson = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"from":',
    });
    expect(notJson.status).toBe(400);
  });

  it('answers 404 for an unknown call, for reads, keys and hang-ups', async () => {
    expect((await get('/sandbox/v1/phone/calls/nope')).status).toBe(404);
    expect((await post('/sandbox/v1/phone/calls/nope/dtmf', { digits: '1' })).status).toBe(404);
    expect((await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/nope`, { method: 'DELETE' })).status).toBe(404);
  });

  it('plays "not in service" on an unlinked number and completes the call', async () => {
    const response = await post('/sandbox/v1/phone/calls', { from: '+14155550100', to: '+14155550123' });
    expect(response.status).toBe(201);
    const { uuid } = (await response.json()) as { uuid: string };
    const state = await waitFor(
      async () => (await (await get(`/sandbox/v1/phone/calls/${uuid}`)).json()) as { status: string; heard: Array<{ text?: string }> },
      (s) => s.status === 'completed',
    );
    expect(state.status).toBe('completed');
    expect(state.heard[0]?.text).toMatch(/not in service/);
  });

  it('runs the answer_url NCCO and reports statuses to event_url in order', async () => {
    account.setNcco([{ action: 'talk', text: 'Thanks for calling' }]);
    account.hooks.length = 0;
    const response = await post('/sandbox/v1/phone/calls', { from: '+14155550100', to: `+${account.number}` });
    const call = (await response.json()) as { uuid: string; conversation_uuid: string };
    const state = await waitFor(
      async () => (await (await get(`/sandbox/v1/phone/calls/${call.uuid}`)).json()) as { status: string; heard: Array<{ text?: string }> },
      (s) => s.status === 'completed',
    );
    expect(state.heard).toContainEqual({ type: 'talk', text: 'Thanks for calling' });
    const answer = account.hooks.find((h) => h.path === '/answer')!;
    expect(answer.method).toBe('GET');
    expect(answer.query).toMatchObject({ from: '14155550100', to: account.number, uuid: call.uuid, conversation_uuid: call.conversation_uuid });
    const statuses = await waitFor(
      async () => account.hooks.filter((h) => h.path === '/event').map((h) => h.body?.status),
      (s) => s.includes('completed'),
    );
    expect(statuses).toEqual(['started', 'ringing', 'answered', 'completed']);
    const completed = account.hooks.find((h) => h.body?.status === 'completed')!.body!;
    expect(completed).toMatchObject({ uuid: call.uuid, direction: 'inbound', from: '14155550100' });
    expect(completed.duration).toEqual(expect.any(String));
  });

  it('fails the app leg when the user has no session, and the call still completes', async () => {
    account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Nobody' }] }]);
    account.hooks.length = 0;
    const call = (await (await post('/sandbox/v1/phone/calls', { from: '+14155550100', to: `+${account.number}` })).json()) as { uuid: string };
    await waitFor(
      async () => ((await (await get(`/sandbox/v1/phone/calls/${call.uuid}`)).json()) as { status: string }).status,
      (s) => s === 'completed',
    );
    const appEvents = await waitFor(
      async () => account.hooks.filter((h) => h.body?.to === 'Nobody').map((h) => h.body?.status),
      (s) => s.includes('failed'),
    );
    expect(appEvents).toEqual(['started', 'failed']);
  });

  it('lists numbers with their application', async () => {
    const body = (await (await get('/sandbox/v1/numbers')).json()) as { numbers: Array<{ msisdn: string; app_id: string }> };
    expect(body.numbers).toContainEqual(expect.objectContaining({ msisdn: account.number, app_id: account.applicationId }));
  });
});

describe('applications API', () => {
  it('refuses requests without the account credentials', async () => {
    const response = await fetch(`${account.sandbox.url}/v2/applications`);
    expect(response.status).toBe(401);
  });

  it('rejects an application with a bad webhook address, naming the field', async () => {
    const { api_key, api_secret } = account.sandbox.store.account;
    const response = await fetch(`${account.sandbox.url}/v2/applications`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${api_key}:${api_secret}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', capabilities: { voice: { webhooks: { answer_url: { address: 'not a url' } } } } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { invalid_parameters: Array<{ name: string }> };
    expect(body.invalid_parameters[0]!.name).toBe('capabilities.voice.webhooks.answer_url.address');
  });
});

describe('sandbox hardening', () => {
  const forged = () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode({ alg: 'RS256' })}.${encode({ application_id: '__proto__', sub: 'Jane' })}.AAAA`;
  };

  it('checks the account credentials on the routed path, not the raw URL', async () => {
    expect((await fetch(`${account.sandbox.url}/v2/%61pplications`)).status).toBe(401);
    const link = await post('/sandbox/v1/numbers', { msisdn: '14155550177', application_id: account.applicationId });
    expect(link.status).toBe(401);
  });

  it('answers CORS on Client SDK paths only', async () => {
    const sdk = await fetch(`${account.sandbox.url}/v0.3/users/me`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:9' } });
    expect(sdk.status).toBe(204);
    expect(sdk.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9');
    const phone = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, { headers: { origin: 'http://evil.example' } });
    expect(phone.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses text/plain bodies on control APIs (no simple cross-site posts)', async () => {
    const response = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ from: '+14155550100', to: `+${account.number}` }),
    });
    expect(response.status).toBe(415);
  });

  it('treats a token naming a prototype key as invalid, and keeps running', async () => {
    const response = await fetch(`${account.sandbox.url}/v0.3/users/me`, { headers: { authorization: `Bearer ${forged()}` } });
    expect(response.status).toBe(401);
    const { io } = await import('socket.io-client');
    const socket = io(account.sandbox.url, { path: '/v2/rtc', transports: ['websocket'], query: { token: forged() }, reconnection: false });
    const event = await new Promise<string>((resolve) => socket.onAny((name: string) => resolve(name)));
    socket.close();
    expect(event).toBe('system:error:invalid-token');
    expect((await get('/sandbox/v1/health')).status).toBe(200);
  });
});

/** A phone calls the test number, whose NCCO connects it to the simulated phone `number`; returns the caller's uuid. */
async function callThrough(number: string, connect: Record<string, unknown> = {}, after: unknown[] = []): Promise<string> {
  account.setNcco([{ action: 'connect', from: account.number, endpoint: [{ type: 'phone', number }], ...connect }, ...after]);
  const response = await post('/sandbox/v1/phone/calls', { from: '+14155550100', to: `+${account.number}` });
  expect(response.status).toBe(201);
  return ((await response.json()) as { uuid: string }).uuid;
}
const listed = async (query: string) => ((await (await get(`/sandbox/v1/phone/calls?${query}`)).json()) as { calls: PhoneCall[] }).calls;
/** The phone the platform rings at `number`, once it rings. */
async function ringing(number: string): Promise<PhoneCall> {
  const calls = await waitFor(() => listed(`number=${number}&status=ringing`), (c) => c.length > 0);
  expect(calls).toHaveLength(1);
  return calls[0]!;
}
const statusOf = (uuid: string, status: string) => waitFor(async () => (await phoneCall(uuid)).status, (s) => s === status);
const eventStatuses = (uuid: string) => account.hooks.filter((h) => h.body?.uuid === uuid && typeof h.body?.status === 'string').map((h) => h.body!.status);
/** Two phones talking: one called the test number, which connected it to the other (answered through the API). */
async function bridged(number: string): Promise<{ caller: string; callee: string }> {
  const caller = await callThrough(number);
  const callee = (await ringing(number)).uuid;
  expect((await post(`/sandbox/v1/phone/calls/${callee}/answer`, {})).status).toBe(200);
  await waitFor(() => phoneCall(callee), (c) => c.media.audible_frames_received > 5);
  return { caller, callee };
}
/** The last `ms` of what a phone received, decoded from the audio route's WAV. */
async function lastHeard(uuid: string, ms: number): Promise<Int16Array> {
  const response = await get(`/sandbox/v1/phone/calls/${uuid}/audio`);
  expect(response.status).toBe(200);
  const samples = await decodeAudio(new Uint8Array(await response.arrayBuffer()));
  return samples.subarray(Math.max(0, samples.length - ms * 8));
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('phones the platform rings', () => {
  it('lists a ringing phone, answers it once, and bridges audio both ways', async () => {
    const caller = await callThrough('14155550131');
    const callee = await ringing('14155550131');
    expect(callee).toMatchObject({ direction: 'outbound', from: account.number, to: '14155550131', status: 'ringing' });
    expect((await listed(`number=${encodeURIComponent('+14155550131')}`)).map((c) => c.uuid)).toEqual([callee.uuid]);

    const answered = await post(`/sandbox/v1/phone/calls/${callee.uuid}/answer`, {});
    expect(answered.status).toBe(200);
    expect(((await answered.json()) as PhoneCall).status).toBe('answered');
    const again = await post(`/sandbox/v1/phone/calls/${callee.uuid}/answer`, {});
    expect(again.status).toBe(409);
    expect(((await again.json()) as Problem).type).toBe('not_ringing');
    expect((await post(`/sandbox/v1/phone/calls/${callee.uuid}/reject`, {})).status).toBe(409);
    expect(await listed('number=14155550131&status=ringing')).toEqual([]);

    await waitFor(() => phoneCall(callee.uuid), (c) => c.media.audible_frames_received > 10);
    await waitFor(() => phoneCall(caller), (c) => c.media.audible_frames_received > 10);
    expect((await phoneCall(callee.uuid)).media.audible_frames_received).toBeGreaterThan(10);
    expect((await phoneCall(caller)).media.audible_frames_received).toBeGreaterThan(10);

    expect((await del(`/sandbox/v1/phone/calls/${caller}`)).status).toBe(204);
    expect(await statusOf(callee.uuid, 'completed')).toBe('completed');
    expect((await phoneCall(callee.uuid)).heard).toContainEqual({ type: 'hangup', reason: 'the other side hung up' });
  });

  it('rejecting a ringing phone ends its leg as rejected and the NCCO goes on', async () => {
    account.hooks.length = 0;
    const caller = await callThrough('14155550132', {}, [{ action: 'talk', text: 'Nobody is available' }]);
    const callee = await ringing('14155550132');
    const rejected = await post(`/sandbox/v1/phone/calls/${callee.uuid}/reject`, {});
    expect(rejected.status).toBe(200);
    expect(((await rejected.json()) as PhoneCall).status).toBe('rejected');
    await statusOf(caller, 'completed');
    expect((await phoneCall(caller)).heard).toContainEqual({ type: 'talk', text: 'Nobody is available' });
    await waitFor(async () => eventStatuses(callee.uuid), (s) => s.includes('rejected'));
    expect(eventStatuses(callee.uuid)).toEqual(['started', 'ringing', 'rejected']);
  });

  it('answers 404 for an unknown call and 409 for a call that is not ringing', async () => {
    expect((await post('/sandbox/v1/phone/calls/nope/answer', {})).status).toBe(404);
    expect((await post('/sandbox/v1/phone/calls/nope/reject', {})).status).toBe(404);
    account.setNcco([{ action: 'talk', text: 'Hello there', loop: 0 }]);
    const { uuid } = (await (await post('/sandbox/v1/phone/calls', { from: '+14155550100', to: account.number })).json()) as { uuid: string };
    const response = await post(`/sandbox/v1/phone/calls/${uuid}/answer`, {});
    expect(response.status).toBe(409);
    expect(((await response.json()) as Problem).detail).toMatch(/not ringing/);
    await del(`/sandbox/v1/phone/calls/${uuid}`);
  });

  it('rejects bad list filters, naming the field', async () => {
    const badStatus = await get('/sandbox/v1/phone/calls?status=ringy');
    expect(badStatus.status).toBe(400);
    expect(await invalidNames(badStatus)).toEqual(['status']);
    const badNumber = await get('/sandbox/v1/phone/calls?number=Jane');
    expect(badNumber.status).toBe(400);
    expect(await invalidNames(badNumber)).toEqual(['number']);
  });

  it('sends keys pressed on one phone to the other, which hears them as tones', async () => {
    const caller = await callThrough('14155550133');
    const callee = await ringing('14155550133');
    const early = await post(`/sandbox/v1/phone/calls/${callee.uuid}/dtmf`, { digits: '1' });
    expect(early.status).toBe(409);
    expect(((await early.json()) as Problem).type).toBe('not_answered');
    await post(`/sandbox/v1/phone/calls/${callee.uuid}/answer`, {});
    expect((await post(`/sandbox/v1/phone/calls/${caller}/dtmf`, { digits: '12#' })).status).toBe(200);
    const heard = await waitFor(() => phoneCall(callee.uuid), (c) => c.dtmf_received.length === 3);
    expect(heard.dtmf_received).toEqual(['1', '2', '#']);
    expect(heard.heard).toContainEqual({ type: 'dtmf', digits: '12#' });
    expect((await phoneCall(caller)).dtmf_received).toEqual([]);
    await del(`/sandbox/v1/phone/calls/${caller}`);
  });

  it('feeds keys pressed on the phone to an input action, whose eventUrl receives them', async () => {
    account.hooks.length = 0;
    account.setNcco([
      { action: 'talk', text: 'Press 1 for sales', bargeIn: true },
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 10 }, eventUrl: [`${account.hookUrl}/phone-input`] },
    ]);
    const { uuid } = (await (await post('/sandbox/v1/phone/calls', { from: '+14155550100', to: account.number })).json()) as { uuid: string };
    await waitFor(() => phoneCall(uuid), (c) => c.heard.length > 0);
    expect((await post(`/sandbox/v1/phone/calls/${uuid}/dtmf`, { digits: '1' })).status).toBe(200);
    const input = await waitFor(async () => account.hooks.find((h) => h.path === '/phone-input'), Boolean);
    expect(input?.body).toMatchObject({ uuid, dtmf: { digits: '1', timed_out: false } });
    await statusOf(uuid, 'completed');
  });

  it('lists the streams and talks a phone heard, in order', async () => {
    const tone = new Int16Array(4000).map((_, i) => Math.round(Math.sin((2 * Math.PI * 600 * i) / 8000) * 8000));
    account.respond('/clip.wav', encodeWav(tone));
    account.setNcco([
      { action: 'stream', streamUrl: [`${account.hookUrl}/clip.wav`] },
      { action: 'talk', text: 'After the clip' },
    ]);
    const { uuid } = (await (await post('/sandbox/v1/phone/calls', { from: '+14155550100', to: account.number })).json()) as { uuid: string };
    const call = await waitFor(() => phoneCall(uuid), (c) => c.status === 'completed');
    expect(call.heard).toEqual([
      { type: 'stream', url: `${account.hookUrl}/clip.wav` },
      { type: 'talk', text: 'After the clip' },
      { type: 'hangup', reason: 'the other side hung up' },
    ]);
  });
});

describe('auto-answer rules', () => {
  afterEach(async () => {
    const { rules } = (await (await get('/sandbox/v1/phone/rules')).json()) as { rules: Array<{ number: string }> };
    for (const rule of rules) await del(`/sandbox/v1/phone/rules/${encodeURIComponent(rule.number)}`);
  });

  it('rejects bad rules, naming the field', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['Jane', { action: 'answer' }, 'number'],
      ['14155550140', { action: 'maybe' }, 'action'],
      ['14155550140', {}, 'action'],
      ['14155550140', { action: 'answer', after_ms: -5 }, 'after_ms'],
      ['14155550140', { action: 'answer', after_ms: 1.5 }, 'after_ms'],
      ['14155550140', { action: 'answer', after_ms: '100' }, 'after_ms'],
      ['14155550140', { action: 'answer', afterMs: 100 }, '(body)'],
    ];
    for (const [number, body, field] of cases) {
      const response = await put(`/sandbox/v1/phone/rules/${number}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await invalidNames(response), JSON.stringify(body)).toContain(field);
    }
    expect((await get('/sandbox/v1/phone/rules/14155550140')).status).toBe(404);
    expect((await del('/sandbox/v1/phone/rules/14155550140')).status).toBe(404);
    expect((await get('/sandbox/v1/phone/rules/Jane')).status).toBe(400);
  });

  it('stores, replaces, lists and deletes a rule', async () => {
    const created = await put(`/sandbox/v1/phone/rules/${encodeURIComponent('+14155550140')}`, { action: 'answer', after_ms: 50 });
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ number: '14155550140', action: 'answer', after_ms: 50 });
    expect(await (await get('/sandbox/v1/phone/rules/14155550140')).json()).toEqual({ number: '14155550140', action: 'answer', after_ms: 50 });
    await put('/sandbox/v1/phone/rules/14155550140', { action: 'reject' });
    expect(await (await get('/sandbox/v1/phone/rules')).json()).toEqual({ rules: [{ number: '14155550140', action: 'reject', after_ms: 0 }] });
    expect((await del('/sandbox/v1/phone/rules/14155550140')).status).toBe(204);
    expect((await get('/sandbox/v1/phone/rules/14155550140')).status).toBe(404);
  });

  it('answers a ringing phone after the rule’s delay, with no one pressing anything', async () => {
    await put('/sandbox/v1/phone/rules/14155550141', { action: 'answer', after_ms: 300 });
    const caller = await callThrough('14155550141');
    const callee = await ringing('14155550141');
    expect(await statusOf(callee.uuid, 'answered')).toBe('answered');
    await waitFor(() => phoneCall(caller), (c) => c.media.audible_frames_received > 10);
    expect((await phoneCall(caller)).media.audible_frames_received).toBeGreaterThan(10);
    await del(`/sandbox/v1/phone/calls/${caller}`);
  });

  it('ends the ring as busy or rejected by rule, reported to event_url', async () => {
    account.hooks.length = 0;
    await put('/sandbox/v1/phone/rules/14155550143', { action: 'busy' });
    await put('/sandbox/v1/phone/rules/14155550144', { action: 'reject', after_ms: 100 });
    await callThrough('14155550143');
    const busy = await waitFor(() => listed('number=14155550143'), (c) => c[0]?.status === 'busy');
    expect(busy[0]!.status).toBe('busy');
    await callThrough('14155550144');
    const rejected = await waitFor(() => listed('number=14155550144'), (c) => c[0]?.status === 'rejected');
    expect(rejected[0]!.status).toBe('rejected');
    await waitFor(async () => eventStatuses(busy[0]!.uuid), (s) => s.includes('busy'));
    expect(eventStatuses(busy[0]!.uuid)).toEqual(['started', 'ringing', 'busy']);
  });

  it('applies the * rule to numbers without their own; ignore lets a phone ring to the timeout', async () => {
    await put('/sandbox/v1/phone/rules/*', { action: 'answer' });
    await put('/sandbox/v1/phone/rules/14155550146', { action: 'ignore' });
    const first = await callThrough('14155550145');
    expect((await waitFor(() => listed('number=14155550145'), (c) => c[0]?.status === 'answered'))[0]!.status).toBe('answered');
    await del(`/sandbox/v1/phone/calls/${first}`);
    await callThrough('14155550146', { timeout: 3 });
    await ringing('14155550146');
    expect((await waitFor(() => listed('number=14155550146'), (c) => c[0]?.status === 'timeout', 6000))[0]!.status).toBe('timeout');
  });
});

describe('a phone speaks and records what it hears', () => {
  it('rejects bad play bodies, naming the field', async () => {
    const { caller } = await bridged('14155550151');
    const cases: Array<[unknown, string]> = [
      [{}, '(body)'],
      [{ text: 'Hi', silence: true }, '(body)'],
      [{ language: 'en-US' }, 'language'],
      [{ text: 'Hi', language: 'xx-XX' }, 'language'],
      [{ text: '' }, 'text'],
      [{ wav: '***' }, 'wav'],
      [{ wav: Buffer.from('not audio at all').toString('base64') }, 'wav'],
      [{ url: 'ftp://example.com/a.wav' }, 'url'],
      [{ url: `${account.hookUrl}/not-audio` }, 'url'],
      [{ silence: false }, 'silence'],
      [{ text: 'Hi', volume: 3 }, '(body)'],
    ];
    for (const [body, field] of cases) {
      const response = await post(`/sandbox/v1/phone/calls/${caller}/play`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await invalidNames(response), JSON.stringify(body)).toContain(field);
    }
    expect((await post('/sandbox/v1/phone/calls/nope/play', { text: 'Hi' })).status).toBe(404);
    await del(`/sandbox/v1/phone/calls/${caller}`);
    const ended = await post(`/sandbox/v1/phone/calls/${caller}/play`, { text: 'Hi' });
    expect(ended.status).toBe(409);
    expect(((await ended.json()) as Problem).type).toBe('call_ended');
  });

  it('cannot play or record on a phone that has not answered', async () => {
    const caller = await callThrough('14155550152');
    const callee = await ringing('14155550152');
    const play = await post(`/sandbox/v1/phone/calls/${callee.uuid}/play`, { text: 'Hi' });
    expect(play.status).toBe(409);
    expect(((await play.json()) as Problem).type).toBe('not_answered');
    expect((await get(`/sandbox/v1/phone/calls/${callee.uuid}/audio`)).status).toBe(409);
    expect((await get('/sandbox/v1/phone/calls/nope/audio')).status).toBe(404);
    await del(`/sandbox/v1/phone/calls/${caller}`);
  });

  it('what one phone says (silence, speech, a WAV, its tone) the other hears', async () => {
    const { caller, callee } = await bridged('14155550153');
    const play = async (body: unknown) => {
      const response = await post(`/sandbox/v1/phone/calls/${caller}/play`, body);
      expect(response.status, JSON.stringify(body)).toBe(200);
      return (await response.json()) as { playing: string; duration_ms: number };
    };

    expect(await play({ silence: true })).toMatchObject({ playing: 'silence', duration_ms: 0 });
    await sleep(600);
    expect(rms(await lastHeard(callee, 400))).toBeLessThan(100);

    const speech = await play({ text: 'Hello, I would like to check the status of my order please.', language: 'en-GB' });
    expect(speech.playing).toBe('text');
    expect(speech.duration_ms).toBeGreaterThan(1000);
    await sleep(speech.duration_ms + 300);
    expect(classifyAudio(await lastHeard(callee, speech.duration_ms)).kind).toBe('speech');

    const tone = new Int16Array(8000).map((_, i) => Math.round(Math.sin((2 * Math.PI * 1000 * i) / 8000) * 8000));
    const wav = await play({ wav: encodeWav(tone).toString('base64') });
    expect(wav).toEqual({ uuid: caller, playing: 'wav', duration_ms: 1000 });
    await sleep(1100);
    const clip = await lastHeard(callee, 900);
    expect(goertzel(clip, 1000)).toBeGreaterThan(2000);
    expect(goertzel(clip, 425)).toBeLessThan(500);

    await play({ tone: true });
    await sleep(600);
    const back = await lastHeard(callee, 400);
    expect(goertzel(back, 425)).toBeGreaterThan(2000);

    const response = await get(`/sandbox/v1/phone/calls/${callee}/audio`);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 4).toString('latin1')).toBe('RIFF');
    await del(`/sandbox/v1/phone/calls/${caller}`);
  });
});

/** Just enough of an SDP answer to pass the caller API's shape check. */
const ANSWER_SHAPE = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:abcd\r\na=fingerprint:sha-256 00:11\r\n';

describe('caller page and its API', () => {
  it('serves the page with a strict CSP, and only its own files', async () => {
    const bare = await fetch(`${account.sandbox.url}/caller`, { redirect: 'manual' });
    expect(bare.status).toBe(302);
    expect(bare.headers.get('location')).toBe('/caller/');
    const page = await get('/caller/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(await page.text()).toContain('src="./caller.js"');
    expect((await get('/caller/caller.js')).headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const path of ['/caller/tsconfig.json', '/caller/..%2Fhttp%2Fcaller.ts', '/caller/constructor', '/caller/nope.js']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('rejects a bad call request, naming the field', async () => {
    const empty = await post('/sandbox/v1/caller/calls', {});
    expect(empty.status).toBe(400);
    expect(await invalidNames(empty)).toEqual(expect.arrayContaining(['offer_id', 'sdp', 'from', 'to']));
    const unknown = await post('/sandbox/v1/caller/calls', { offer_id: 'nope', sdp: ANSWER_SHAPE, from: '+14155550100', to: account.number });
    expect(unknown.status).toBe(404);
    expect(await invalidNames(unknown)).toEqual(['offer_id']);
  });

  it('offers G.711 and refuses a malformed answer', async () => {
    const offered = await post('/sandbox/v1/caller/offers', {});
    expect(offered.status).toBe(201);
    const offer = (await offered.json()) as { offer_id: string; sdp: string };
    expect(offer.sdp).toMatch(/m=audio/);
    expect(offer.sdp).toMatch(/PCMU\/8000/);
    const call = { offer_id: offer.offer_id, sdp: 'v=0\r\nnot an answer\r\n', from: '+14155550100', to: account.number };
    const bad = await post('/sandbox/v1/caller/calls', call);
    expect(bad.status).toBe(400);
    expect(await invalidNames(bad)).toEqual(['sdp']);
  });

  it('answers no CORS on the caller API', async () => {
    const preflight = await fetch(`${account.sandbox.url}/sandbox/v1/caller/offers`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
