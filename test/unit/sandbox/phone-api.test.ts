import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';

let account: SandboxAccount;
const post = (path: string, body: unknown) =>
  fetch(`${account.sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = (path: string) => fetch(`${account.sandbox.url}${path}`);

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

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
