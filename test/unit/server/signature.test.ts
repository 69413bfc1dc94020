import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import type { ApiErrorBody } from '../../../common/backend-api';
import { captureRawBodies, requireVonageSignature } from '../../../server/webhooks/signature';
import { createTestServer, json, type TestServer } from './helpers';

const SECRET = 'signature-secret-for-tests-0123456789';

/** Sign a JWT the way Vonage signs webhooks: HS256 with the signature secret. */
function sign(claims: Record<string, unknown>, secret = SECRET, alg = 'HS256'): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg, typ: 'JWT' })}.${encode(claims)}`;
  const signature = alg === 'none' ? '' : createHmac('sha256', secret).update(head).digest('base64url');
  return `${head}.${signature}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The test server's clock, which the signature check judges `iat` by. */
const nowS = () => Math.floor(t.clock.nowMs / 1000);
let jtis = 0;

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ VONAGE_SIGNATURE_SECRET: SECRET });
});
afterAll(async () => {
  await t.close();
});

const body = JSON.stringify({ status: 'started', uuid: 'sig-leg', conversation_uuid: 'CON-sig', from: '14155550100', to: '14155550199' });
/** Vonage's claims for the body, issued now, each call with a token id of its own. */
const claims = () => ({ iat: nowS(), jti: `j${++jtis}`, iss: 'Vonage', payload_hash: sha256(body), api_key: 'abcd1234' });
const post = (authorization: string | undefined, payload = body, contentType = 'application/json') =>
  t.app.inject({
    method: 'POST',
    url: '/webhooks/event',
    headers: { 'content-type': contentType, ...(authorization === undefined ? {} : { authorization }) },
    payload,
  });

describe('signed webhooks', () => {
  it('accepts an event signed with the secret whose payload_hash matches the body', async () => {
    const res = await post(`Bearer ${sign(claims())}`);
    expect(res.statusCode).toBe(204);
    expect((await t.storage.calls.getCall('CON-sig'))?.status).toBe('started');
  });

  it('checks the hash against the form body as sent', async () => {
    const form = 'status=ringing&uuid=sig-leg&conversation_uuid=CON-sig';
    expect((await post(`Bearer ${sign({ ...claims(), payload_hash: sha256(form) })}`, form, 'application/x-www-form-urlencoded')).statusCode).toBe(204);
  });

  const refused: Array<[string, () => string | undefined, string?]> = [
    ['no Authorization header', () => undefined],
    ['a Basic header', () => 'Basic abc'],
    ['a token signed with another secret', () => `Bearer ${sign(claims(), 'another-secret-of-enough-length')}`],
    ['an unsigned token (alg none)', () => `Bearer ${sign(claims(), SECRET, 'none')}`],
    ['a tampered body', () => `Bearer ${sign(claims())}`, body.replace('started', 'answered')],
    ['a token without payload_hash', () => `Bearer ${sign({ iat: nowS(), jti: 'no-hash' })}`],
    ['an expired token', () => `Bearer ${sign({ ...claims(), exp: nowS() - 60 })}`],
    ['a token without iat', () => `Bearer ${sign({ ...claims(), iat: undefined })}`],
    ['a token issued a year ago', () => `Bearer ${sign({ ...claims(), iat: nowS() - 365 * 24 * 3600 })}`],
    ['a token issued over 5 minutes ago', () => `Bearer ${sign({ ...claims(), iat: nowS() - 301 })}`],
    ['a token issued over a minute in the future', () => `Bearer ${sign({ ...claims(), iat: nowS() + 61 })}`],
    ['a token without jti', () => `Bearer ${sign({ ...claims(), jti: undefined })}`],
    ['a token whose signature was altered', () => `Bearer ${sign(claims()).slice(0, -2)}xx`],
  ];
  it.each(refused)('refuses %s with 401 JSON and stores nothing', async (_label, header, payload) => {
    const before = await t.storage.calls.counts();
    const res = await post(header(), payload);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(json<ApiErrorBody>(res).error.code).toBe('invalid_signature');
    expect(await t.storage.calls.counts()).toEqual(before);
  });

  it('checks a GET by the JSON of its query parameters, in order', async () => {
    const app = Fastify();
    await app.register(async (scope) => {
      captureRawBodies(scope);
      const used = new Set<string>();
      const guard = {
        claim: async (jti: string) => {
          if (used.has(jti)) return false;
          used.add(jti);
          return true;
        },
      };
      scope.get('/hook', { preHandler: requireVonageSignature({ signatureSecret: SECRET }, guard, () => new Date(t.clock.nowMs)) }, async () => ({ ok: true }));
    });
    const query = 'to=14155550199&from=14155550100&uuid=u1';
    const good = sign({ ...claims(), payload_hash: sha256(JSON.stringify({ to: '14155550199', from: '14155550100', uuid: 'u1' })) });
    expect((await app.inject({ method: 'GET', url: `/hook?${query}`, headers: { authorization: `Bearer ${good}` } })).statusCode).toBe(200);
    // The same token on other parameters, or a token for an empty body, does not pass.
    expect((await app.inject({ method: 'GET', url: '/hook?to=14155550000&from=14155550100&uuid=u1', headers: { authorization: `Bearer ${good}` } })).statusCode).toBe(401);
    const empty = sign({ ...claims(), payload_hash: sha256('') });
    expect((await app.inject({ method: 'GET', url: `/hook?${query}`, headers: { authorization: `Bearer ${empty}` } })).statusCode).toBe(401);
    await app.close();
  });

  it('refuses a replayed signature: the same token a second time is a 401 and stores nothing', async () => {
    const token = `Bearer ${sign(claims())}`;
    expect((await post(token)).statusCode).toBe(204);
    const before = await t.storage.calls.counts();
    for (let i = 0; i < 2; i++) {
      const replay = await post(token);
      expect(replay.statusCode).toBe(401);
      expect(json<ApiErrorBody>(replay).error).toEqual({ code: 'invalid_signature', message: 'The webhook signature has already been used' });
    }
    expect(await t.storage.calls.counts()).toEqual(before);
  });

  it('refuses a token replayed against another signed webhook', async () => {
    const token = `Bearer ${sign(claims())}`;
    expect((await post(token)).statusCode).toBe(204);
    // The answer_url by POST hashes the same body; the token is spent all the same.
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/answer', headers: { 'content-type': 'application/json', authorization: token }, payload: body });
    expect(res.statusCode).toBe(401);
  });

  it('judges iat by the server clock: a token accepted now is refused once it is over 5 minutes old', async () => {
    const token = `Bearer ${sign(claims())}`;
    t.clock.nowMs += 301_000;
    try {
      const res = await post(token);
      expect(res.statusCode).toBe(401);
      expect(json<ApiErrorBody>(res).error.message).toMatch(/too old/);
    } finally {
      t.clock.nowMs -= 301_000;
    }
  });

  it('does not check signatures when no secret is configured', async () => {
    const plain = await createTestServer();
    try {
      const res = await plain.app.inject({ method: 'POST', url: '/webhooks/event', payload: JSON.parse(body) as Record<string, unknown> });
      expect(res.statusCode).toBe(204);
    } finally {
      await plain.close();
    }
  });
});
