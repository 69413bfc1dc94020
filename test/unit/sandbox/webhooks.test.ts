import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifySignature } from '@vonage/jwt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SandboxStore } from '../../../sandbox/state/store';
import { startSandboxAccount, type Recorded, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
const CALLER = '+14155550100';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const tokenOf = (hook: Recorded) => /^Bearer (.+)$/.exec(String(hook.headers.authorization ?? ''))?.[1];
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;


interface PhoneState {
  status: string;
  heard: Array<{ type: string; text?: string }>;
}

/** Sets the application's voice capability (webhooks and options) through the Applications API. */
async function configureVoice(webhooks: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<void> {
  const response = await fetch(`${account.sandbox.url}/v2/applications/${account.applicationId}`, {
    method: 'PUT',
    headers: account.accountHeaders,
    body: JSON.stringify({ name: 'test', capabilities: { voice: { webhooks, ...extra } } }),
  });
  expect(response.status).toBe(200);
}

const answerHook = () => ({ address: `${account.hookUrl}/answer`, http_method: 'GET' });
const eventHook = () => ({ address: `${account.hookUrl}/event`, http_method: 'POST' });
const fallbackHook = () => ({ address: `${account.hookUrl}/fallback`, http_method: 'POST' });

/** A phone calls the contact center; resolves with the call's uuid. */
async function call(): Promise<string> {
  const response = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: CALLER, to: `+${account.number}` }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { uuid: string }).uuid;
}

async function phone(uuid: string): Promise<PhoneState> {
  return (await (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}`)).json()) as PhoneState;
}

const ended = (state: PhoneState) => !['started', 'ringing', 'answered'].includes(state.status);
const requestsTo = (path: string, uuid: string) => account.hooks.filter((h) => h.path === path && (h.query.uuid ?? h.body?.uuid) === uuid);
const statusesOf = (uuid: string) => requestsTo('/event', uuid).map((h) => h.body?.status).filter(Boolean);

beforeAll(async () => {
  account = await startSandboxAccount();
});
afterAll(async () => {
  await account.stop();
});
beforeEach(async () => {
  for (const path of ['/answer', '/event', '/fallback', '/dtmf']) account.misbehave(path, null);
  account.setNcco([{ action: 'talk', text: 'Hello' }]);
  await configureVoice({ answer_url: answerHook(), event_url: eventHook() });
});

describe('signed webhooks', () => {
  it('signs the answer GET: @vonage/jwt verifies it, payload_hash covers the query as Vonage hashes a GET, a changed query does not match', async () => {
    const uuid = await call();
    await waitFor(() => phone(uuid), ended);
    const answer = requestsTo('/answer', uuid)[0]!;
    const token = tokenOf(answer)!;
    expect(token).toBeDefined();
    expect(verifySignature(token, account.signatureSecret)).toBe(true);
    expect(verifySignature(token, 'not-the-secret')).toBe(false);
    const claims = claimsOf(token);
    expect(claims).toMatchObject({
      iss: 'Vonage',
      api_key: account.sandbox.store.account.api_key,
      application_id: account.applicationId,
      jti: expect.any(String),
      iat: expect.any(Number),
    });
    expect(answer.raw).toBe('');
    expect(claims.payload_hash).toBe(sha256(JSON.stringify(answer.query)));
    expect(claims.payload_hash).not.toBe(sha256(JSON.stringify({ ...answer.query, to: '14155550000' })));
    expect(claims.payload_hash).not.toBe(sha256(''));
  });

  it('signs every event POST over the exact body bytes; a changed body or a forged claim fails; every event has its own jti', async () => {
    const uuid = await call();
    await waitFor(() => statusesOf(uuid), (s) => s.includes('completed'));
    const events = requestsTo('/event', uuid);
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (const event of events) {
      const token = tokenOf(event)!;
      expect(verifySignature(token, account.signatureSecret)).toBe(true);
      const claims = claimsOf(token);
      expect(claims.payload_hash).toBe(sha256(event.raw));
      expect(claims.payload_hash).not.toBe(sha256(`${event.raw} `));
      expect(claims.application_id).toBe(account.applicationId);
    }
    const jtis = events.map((e) => claimsOf(tokenOf(e)!).jti);
    expect(new Set(jtis).size).toBe(jtis.length);
    // A token whose claims were altered (a different payload_hash) no longer verifies.
    const [head, body, signature] = tokenOf(events[0]!)!.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), payload_hash: sha256('{}') })).toString('base64url');
    expect(verifySignature(`${head}.${forged}.${signature}`, account.signatureSecret)).toBe(false);
  });

  it('sends no Authorization header when the application sets signed_callbacks to false', async () => {
    await configureVoice({ answer_url: answerHook(), event_url: eventHook() }, { signed_callbacks: false });
    const uuid = await call();
    await waitFor(() => statusesOf(uuid), (s) => s.includes('completed'));
    expect(requestsTo('/answer', uuid)[0]!.headers.authorization).toBeUndefined();
    expect(requestsTo('/event', uuid).every((h) => h.headers.authorization === undefined)).toBe(true);
  });

  it('keeps the signature secret in the account and exposes it next to the API key', () => {
    const { signature_secret, api_key, api_secret } = account.sandbox.store.account;
    expect(signature_secret).toBe(account.signatureSecret);
    expect(signature_secret.length).toBeGreaterThanOrEqual(32);
    expect(signature_secret).not.toBe(api_secret);
    expect(api_key).toMatch(/^[0-9a-f]{8}$/);
  });

  it('adds a signature secret to a state file written before webhooks were signed, and keeps it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));
    try {
      const file = join(dir, 'state.json');
      writeFileSync(file, JSON.stringify({ account: { api_key: 'abcd1234', api_secret: 'secret' }, applications: {}, numbers: {} }));
      const secret = new SandboxStore(file).account.signature_secret;
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(JSON.parse(readFileSync(file, 'utf8')).account).toEqual({ api_key: 'abcd1234', api_secret: 'secret', signature_secret: secret });
      expect(new SandboxStore(file).account.signature_secret).toBe(secret);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('event_url', () => {
  it("sends started, ringing, answered, completed in order, each with Vonage's fields", async () => {
    const uuid = await call();
    await waitFor(() => statusesOf(uuid), (s) => s.includes('completed'));
    expect(statusesOf(uuid)).toEqual(['started', 'ringing', 'answered', 'completed']);
    const bodies = requestsTo('/event', uuid).map((h) => h.body!);
    for (const body of bodies) {
      expect(body).toMatchObject({
        from: CALLER.slice(1),
        to: account.number,
        uuid,
        conversation_uuid: expect.stringMatching(/^CON-/),
        direction: 'inbound',
        timestamp: expect.any(String),
      });
      expect(Number.isNaN(Date.parse(String(body.timestamp)))).toBe(false);
    }
    expect(bodies.at(-1)).toMatchObject({
      duration: expect.stringMatching(/^[0-9]+$/),
      start_time: expect.any(String),
      end_time: expect.any(String),
      rate: expect.any(String),
      price: expect.any(String),
      network: expect.any(String),
    });
  });

  it('retries an event once when event_url answers 503, and keeps the order', async () => {
    account.misbehave('/event', { status: 503, times: 1 });
    const uuid = await call();
    await waitFor(() => statusesOf(uuid), (s) => s.includes('completed'));
    expect(statusesOf(uuid)).toEqual(['started', 'started', 'ringing', 'answered', 'completed']);
  });

  it('gives an event one retry only: after two 503s it is dropped and the next events follow', async () => {
    account.misbehave('/event', { status: 503, times: 2 });
    const uuid = await call();
    await waitFor(() => statusesOf(uuid), (s) => s.includes('completed'));
    expect(statusesOf(uuid)).toEqual(['started', 'started', 'ringing', 'answered', 'completed']);
  });

  it('does not retry an event that event_url answers 500', async () => {
    account.misbehave('/event', { status: 500, times: 1 });
    const uuid = await call();
    await waitFor(() => statusesOf(uuid), (s) => s.includes('completed'));
    expect(statusesOf(uuid)).toEqual(['started', 'ringing', 'answered', 'completed']);
  });
});

describe('fallback_answer_url', () => {
  beforeEach(async () => {
    await configureVoice({ answer_url: answerHook(), event_url: eventHook(), fallback_answer_url: fallbackHook() });
    account.respond('/fallback', [{ action: 'talk', text: 'From the fallback' }]);
  });

  it('replaces an answer_url that answers HTTP 500 (not retried), with reason and original_request, and runs its NCCO', async () => {
    account.misbehave('/answer', { status: 500 });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.status).toBe('completed');
    expect(state.heard).toContainEqual({ type: 'talk', text: 'From the fallback' });
    expect(requestsTo('/answer', uuid)).toHaveLength(1);
    const fallback = requestsTo('/fallback', uuid);
    expect(fallback).toHaveLength(1);
    expect(fallback[0]!.body).toMatchObject({
      uuid,
      to: account.number,
      from: CALLER.slice(1),
      reason: expect.stringContaining('HTTP 500'),
      original_request: { url: `${account.hookUrl}/answer`, type: 'answer' },
    });
    expect(verifySignature(tokenOf(fallback[0]!)!, account.signatureSecret)).toBe(true);
  });

  it('tries an answer_url that drops the connection three times (two retries), then the fallback', async () => {
    account.misbehave('/answer', { destroy: true });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.heard).toContainEqual({ type: 'talk', text: 'From the fallback' });
    expect(requestsTo('/answer', uuid)).toHaveLength(3);
    expect(requestsTo('/fallback', uuid)).toHaveLength(1);
  });

  it('uses the fallback when the answer_url is offline (connection refused)', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    await configureVoice({
      answer_url: { address: `http://127.0.0.1:${closedPort}/answer`, http_method: 'GET' },
      event_url: eventHook(),
      fallback_answer_url: fallbackHook(),
    });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.heard).toContainEqual({ type: 'talk', text: 'From the fallback' });
    expect(requestsTo('/fallback', uuid)[0]!.body!.reason).toMatch(/ECONNREFUSED/);
  });

  it('gives up on an answer_url slower than its socket_timeout after three attempts, then asks the fallback', async () => {
    await configureVoice({
      answer_url: { ...answerHook(), socket_timeout: 1000 },
      event_url: eventHook(),
      fallback_answer_url: fallbackHook(),
    });
    account.misbehave('/answer', { delayMs: 1500 });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended, 15_000);
    expect(state.heard).toContainEqual({ type: 'talk', text: 'From the fallback' });
    expect(requestsTo('/answer', uuid)).toHaveLength(3);
    expect(requestsTo('/fallback', uuid)[0]!.body!.reason).toMatch(/socket_timeout/);
  });

  it('retries an answer_url that answers 503 twice, and uses its NCCO when the second retry succeeds', async () => {
    account.misbehave('/answer', { status: 503, times: 2 });
    account.setNcco([{ action: 'talk', text: 'Third time lucky' }]);
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.heard).toContainEqual({ type: 'talk', text: 'Third time lucky' });
    expect(requestsTo('/answer', uuid)).toHaveLength(3);
    expect(requestsTo('/fallback', uuid)).toHaveLength(0);
  });

  it('uses the fallback when the answer_url returns something that is not JSON', async () => {
    account.misbehave('/answer', { body: '<html>oops</html>' });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.heard).toContainEqual({ type: 'talk', text: 'From the fallback' });
    expect(requestsTo('/fallback', uuid)[0]!.body!.reason).toMatch(/JSON/);
  });

  it('uses the fallback when the answer_url returns an invalid NCCO', async () => {
    account.setNcco([{ action: 'talk' }]);
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.heard).toContainEqual({ type: 'talk', text: 'From the fallback' });
    expect(requestsTo('/fallback', uuid)[0]!.body!.reason).toMatch(/invalid NCCO.*text/);
  });

  it('ends a new call as failed when the fallback fails too (tried twice), and reports why', async () => {
    account.misbehave('/answer', { status: 500 });
    account.misbehave('/fallback', { status: 503 });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.status).toBe('failed');
    expect(state.heard.filter((h) => h.type === 'talk')).toEqual([]);
    expect(requestsTo('/fallback', uuid)).toHaveLength(2);
    await waitFor(() => statusesOf(uuid), (s) => s.includes('failed'));
    expect(statusesOf(uuid)).toEqual(['started', 'ringing', 'failed']);
    const error = requestsTo('/event', uuid).find((h) => h.body?.type === 'error');
    expect(String(error?.body?.reason)).toMatch(/fallback_answer_url/);
  });

  it("continues a call with the fallback's NCCO when an input eventUrl fails", async () => {
    account.setNcco([
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 1 }, eventUrl: [`${account.hookUrl}/dtmf`] },
      { action: 'talk', text: 'After the input' },
    ]);
    account.misbehave('/dtmf', { status: 500 });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.heard).toContainEqual({ type: 'talk', text: 'From the fallback' });
    expect(state.heard).not.toContainEqual({ type: 'talk', text: 'After the input' });
    const fallback = requestsTo('/fallback', uuid)[0]!;
    expect(fallback.body).toMatchObject({
      dtmf: { digits: '', timed_out: true },
      original_request: { url: `${account.hookUrl}/dtmf`, type: 'event' },
    });
  });

  it('lets the call flow go on when an input eventUrl and the fallback both fail', async () => {
    account.setNcco([
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 1 }, eventUrl: [`${account.hookUrl}/dtmf`] },
      { action: 'talk', text: 'After the input' },
    ]);
    account.misbehave('/dtmf', { status: 500 });
    account.misbehave('/fallback', { status: 404 });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.status).toBe('completed');
    expect(state.heard).toContainEqual({ type: 'talk', text: 'After the input' });
    expect(requestsTo('/fallback', uuid)).toHaveLength(1);
  });

  it('ends the call as failed when the answer_url fails and no fallback is configured', async () => {
    await configureVoice({ answer_url: answerHook(), event_url: eventHook() });
    account.misbehave('/answer', { status: 404 });
    const uuid = await call();
    const state = await waitFor(() => phone(uuid), ended);
    expect(state.status).toBe('failed');
    expect(requestsTo('/fallback', uuid)).toHaveLength(0);
  });
});
