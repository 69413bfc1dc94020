/**
 * Signed-webhook checks and body limits on bare Fastify instances: no storage, no test server.
 */
import { createHash, createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../../common/backend-api';
import { jsonNestingExceeds, installJsonBodyParser, MAX_BODY_DEPTH } from '../../../server/http/body';
import { HttpError, installErrorHandlers } from '../../../server/http/errors';
import {
  captureRawBodies,
  checkVonageSignature,
  MAX_CLOCK_SKEW_S,
  MAX_TOKEN_AGE_S,
  prepareSignatureKey,
  requireVonageSignature,
  type ReplayGuard,
} from '../../../server/webhooks/signature';

const SECRET = 'signature-secret-for-guard-tests-0123456789';
const NOW = new Date('2026-03-02T09:00:00.000Z');
const nowS = NOW.getTime() / 1000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Sign a JWT the way Vonage signs webhooks: HS256 with the signature secret. */
function sign(claims: Record<string, unknown>, secret = SECRET, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode(header)}.${encode(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

let jtiCount = 0;
/** Vonage's claims for `body`, issued now, with a token id of their own. */
const claimsFor = (body: string, extra: Record<string, unknown> = {}) => ({
  iat: nowS,
  jti: `jti-${++jtiCount}`,
  iss: 'Vonage',
  api_key: 'abcd1234',
  payload_hash: sha256(body),
  ...extra,
});

/** A replay guard in memory that records what it was asked. */
function memoryGuard(): ReplayGuard & { claims: Array<[string, string]> } {
  const seen = new Set<string>();
  const claims: Array<[string, string]> = [];
  return {
    claims,
    async claim(jti, expiresAt) {
      claims.push([jti, expiresAt]);
      if (seen.has(jti)) return false;
      seen.add(jti);
      return true;
    },
  };
}

/** A request as the signature check sees it: a POST whose raw body was not captured hashes as ''. */
const fakeRequest = (authorization: string | undefined) =>
  ({ method: 'POST', url: '/webhooks/event', headers: authorization === undefined ? {} : { authorization } }) as unknown as FastifyRequest;

const check = (token: string | undefined, at = NOW) => checkVonageSignature(fakeRequest(token === undefined ? undefined : `Bearer ${token}`), prepareSignatureKey(SECRET), at);

function refusal(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('checkVonageSignature', () => {
  it('accepts a fresh token and says until when its id must be remembered', () => {
    const verified = check(sign(claimsFor('', { jti: 'fresh' })));
    expect(verified).toEqual({ jti: 'fresh', iat: nowS, expiresAt: new Date(NOW.getTime() + MAX_TOKEN_AGE_S * 1000).toISOString() });
  });

  it.each<[string, () => string | undefined, RegExp]>([
    ['no token', () => undefined, /not signed/],
    ['another secret', () => sign(claimsFor(''), 'another-secret-of-enough-length'), /not valid/],
    ['alg none', () => `${sign(claimsFor(''), SECRET, { alg: 'none' }).split('.').slice(0, 2).join('.')}.`, /not valid/],
    ['alg HS512 signed as HS256', () => sign(claimsFor(''), SECRET, { alg: 'HS512' }), /not valid/],
    ['a crit header', () => sign(claimsFor(''), SECRET, { alg: 'HS256', crit: ['x'] }), /not valid/],
    ['an altered signature', () => `${sign(claimsFor('')).slice(0, -2)}xx`, /not valid/],
    ['no payload_hash', () => sign({ iat: nowS, jti: 'j' }), /no payload hash/],
    ['another body', () => sign(claimsFor('{}')), /does not match/],
    ['no iat', () => sign(claimsFor('', { iat: undefined })), /no issue time/],
    ['an iat as text', () => sign(claimsFor('', { iat: String(nowS) })), /no issue time/],
    ['an iat a year old', () => sign(claimsFor('', { iat: nowS - 365 * 24 * 3600 })), /too old/],
    ['an iat just over 5 minutes old', () => sign(claimsFor('', { iat: nowS - MAX_TOKEN_AGE_S - 1 })), /too old/],
    ['an iat over a minute ahead', () => sign(claimsFor('', { iat: nowS + MAX_CLOCK_SKEW_S + 1 })), /in the future/],
    ['an iat an hour ahead', () => sign(claimsFor('', { iat: nowS + 3600 })), /in the future/],
    ['an expired exp', () => sign(claimsFor('', { exp: nowS - 1 })), /expired/],
    ['no jti', () => sign(claimsFor('', { jti: undefined })), /no token id/],
    ['an empty jti', () => sign(claimsFor('', { jti: '' })), /no token id/],
    ['a numeric jti', () => sign(claimsFor('', { jti: 7 })), /no token id/],
  ])('refuses %s with a 401 invalid_signature', (_label, token, message) => {
    const error = refusal(() => check(token()));
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe('invalid_signature');
    expect(error.message).toMatch(message);
  });

  it('accepts an iat at the edges of the window: 5 minutes old, a minute ahead', () => {
    expect(check(sign(claimsFor('', { iat: nowS - MAX_TOKEN_AGE_S }))).jti).toMatch(/^jti-/);
    expect(check(sign(claimsFor('', { iat: nowS + MAX_CLOCK_SKEW_S }))).jti).toMatch(/^jti-/);
  });

  it('judges age by the clock it is given, not the system clock', () => {
    const token = sign(claimsFor(''));
    expect(() => check(token, new Date(NOW.getTime() + (MAX_TOKEN_AGE_S + 1) * 1000))).toThrow(/too old/);
    expect(check(token, new Date(NOW.getTime() + 1000)).iat).toBe(nowS);
  });
});

describe('requireVonageSignature on a webhook scope', () => {
  let app: FastifyInstance;
  afterEach(async () => {
    await app.close();
  });

  async function hookApp(guard: ReplayGuard, clock: { now: Date } = { now: NOW }): Promise<{ app: FastifyInstance; handled: unknown[] }> {
    const handled: unknown[] = [];
    app = Fastify();
    installJsonBodyParser(app);
    installErrorHandlers(app);
    await app.register(async (scope) => {
      captureRawBodies(scope);
      const signed = { preHandler: requireVonageSignature({ signatureSecret: SECRET }, guard, () => clock.now) };
      scope.post('/hook', signed, async (request, reply) => {
        handled.push(request.body);
        return reply.code(204).send();
      });
      scope.post('/other-hook', signed, async (request, reply) => {
        handled.push(request.body);
        return reply.code(204).send();
      });
      scope.get('/hook', signed, async () => ({ ok: true }));
    });
    return { app, handled };
  }

  const body = JSON.stringify({ status: 'started', uuid: 'leg', conversation_uuid: 'CON-1' });
  const post = (token: string, payload = body, url = '/hook', contentType = 'application/json') =>
    app.inject({ method: 'POST', url, headers: { 'content-type': contentType, authorization: `Bearer ${token}` }, payload });

  it('refuses a replayed signature: the second use of a token is a 401, whichever webhook it is sent to', async () => {
    const guard = memoryGuard();
    const { handled } = await hookApp(guard);
    const token = sign(claimsFor(body, { jti: 'once' }));
    expect((await post(token)).statusCode).toBe(204);
    for (const url of ['/hook', '/other-hook']) {
      const replay = await post(token, body, url);
      expect(replay.statusCode).toBe(401);
      expect(json(replay).error).toEqual({ code: 'invalid_signature', message: 'The webhook signature has already been used' });
    }
    expect(handled).toHaveLength(1);
    expect(guard.claims[0]).toEqual(['once', new Date(NOW.getTime() + MAX_TOKEN_AGE_S * 1000).toISOString()]);
  });

  it('accepts two deliveries of the same body signed afresh (a retry)', async () => {
    const { handled } = await hookApp(memoryGuard());
    expect((await post(sign(claimsFor(body)))).statusCode).toBe(204);
    expect((await post(sign(claimsFor(body)))).statusCode).toBe(204);
    expect(handled).toHaveLength(2);
  });

  it('refuses a stale iat and a future iat, and claims no token id for them', async () => {
    const guard = memoryGuard();
    const { handled } = await hookApp(guard);
    const stale = await post(sign(claimsFor(body, { iat: nowS - 365 * 24 * 3600 })));
    expect(stale.statusCode).toBe(401);
    expect(json(stale).error.message).toMatch(/too old/);
    const future = await post(sign(claimsFor(body, { iat: nowS + 120 })));
    expect(future.statusCode).toBe(401);
    expect(json(future).error.message).toMatch(/in the future/);
    expect(handled).toHaveLength(0);
    expect(guard.claims).toHaveLength(0);
  });

  it('refuses a token that was fresh when signed once the app clock has moved on', async () => {
    const clock = { now: NOW };
    await hookApp(memoryGuard(), clock);
    const token = sign(claimsFor(body));
    clock.now = new Date(NOW.getTime() + 6 * 60 * 1000);
    expect((await post(token)).statusCode).toBe(401);
  });

  it('answers 503 when the token id cannot be recorded (Vonage retries a 503)', async () => {
    const { handled } = await hookApp({ claim: async () => Promise.reject(new Error('database down')) });
    const res = await post(sign(claimsFor(body)));
    expect(res.statusCode).toBe(503);
    expect(JSON.stringify(json(res))).not.toContain('database down');
    expect(handled).toHaveLength(0);
  });

  it('checks form bodies and GET queries, and claims their token ids too', async () => {
    await hookApp(memoryGuard());
    const form = 'status=ringing&uuid=leg&conversation_uuid=CON-1';
    const token = sign(claimsFor(form));
    expect((await post(token, form, '/hook', 'application/x-www-form-urlencoded')).statusCode).toBe(204);
    expect((await post(token, form, '/hook', 'application/x-www-form-urlencoded')).statusCode).toBe(401);
    const query = 'to=14155550199&from=14155550100&uuid=u1';
    const get = sign(claimsFor(JSON.stringify({ to: '14155550199', from: '14155550100', uuid: 'u1' })));
    const headers = { authorization: `Bearer ${get}` };
    expect((await app.inject({ method: 'GET', url: `/hook?${query}`, headers })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/hook?${query}`, headers })).statusCode).toBe(401);
  });

  it('lets everything through unchecked without a secret', async () => {
    app = Fastify();
    await app.register(async (scope) => {
      captureRawBodies(scope);
      scope.post('/hook', { preHandler: requireVonageSignature({ signatureSecret: null }, memoryGuard(), () => NOW) }, async (_r, reply) => reply.code(204).send());
    });
    expect((await app.inject({ method: 'POST', url: '/hook', payload: { a: 1 } })).statusCode).toBe(204);
  });
});

/** JSON text `levels` objects deep. */
const deepJson = (levels: number, leaf = '1') => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);

describe('jsonNestingExceeds', () => {
  it('measures nesting without a stack, skipping brackets inside strings', () => {
    expect(jsonNestingExceeds(deepJson(MAX_BODY_DEPTH))).toBe(false);
    expect(jsonNestingExceeds(deepJson(MAX_BODY_DEPTH + 1))).toBe(true);
    expect(jsonNestingExceeds(deepJson(1_000_000))).toBe(true);
    expect(jsonNestingExceeds(JSON.stringify({ text: '[[[[[[{{{{{{'.repeat(100), quoted: 'a\\"[[[[' }))).toBe(false);
    expect(jsonNestingExceeds(JSON.stringify([[[1]], [[2]], [[3]]]), 3)).toBe(false);
    expect(jsonNestingExceeds('[[[[', 3)).toBe(true);
  });
});

describe('absurd bodies', () => {
  let app: FastifyInstance;
  let handled: unknown[];
  afterEach(async () => {
    await app.close();
  });

  /** The JSON API and a webhook scope, as the backend sets them up (64 KB body limit). */
  async function bodyApp(): Promise<void> {
    handled = [];
    app = Fastify({ bodyLimit: 64 * 1024 });
    installJsonBodyParser(app);
    installErrorHandlers(app);
    // What stored events do with a body: JSON.stringify overflows on one nested thousands deep.
    app.post('/api/thing', async (request) => {
      handled.push(JSON.stringify(request.body));
      return { ok: true };
    });
    await app.register(async (scope) => {
      captureRawBodies(scope);
      scope.post('/webhooks/event', async (request, reply) => {
        handled.push(JSON.stringify(request.body));
        return reply.code(204).send();
      });
    });
  }

  it.each(['/api/thing', '/webhooks/event'])('answers JSON nested 8,000 levels deep at %s with a 400 naming the problem, not a 500', async (url) => {
    await bodyApp();
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: deepJson(8000) });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(json(res).error).toEqual({ code: 'body_too_deep', message: `The request body is nested more than ${MAX_BODY_DEPTH} levels deep` });
    expect(handled).toHaveLength(0);
  });

  it('still accepts JSON nested up to the limit, and still refuses malformed JSON as invalid_json', async () => {
    await bodyApp();
    expect((await app.inject({ method: 'POST', url: '/webhooks/event', headers: { 'content-type': 'application/json' }, payload: deepJson(MAX_BODY_DEPTH - 1) })).statusCode).toBe(204);
    const bad = await app.inject({ method: 'POST', url: '/api/thing', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.code).toBe('invalid_json');
    const poisoned = await app.inject({ method: 'POST', url: '/api/thing', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' });
    expect(poisoned.statusCode).toBe(400);
  });

  it('refuses a form field carrying JSON nested too deep', async () => {
    await bodyApp();
    const form = new URLSearchParams({ status: 'started', custom_data: `${'['.repeat(8000)}${']'.repeat(8000)}` }).toString();
    expect(form.length).toBeLessThan(64 * 1024);
    const res = await app.inject({ method: 'POST', url: '/webhooks/event', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.code).toBe('body_too_deep');
    expect(handled).toHaveLength(0);
  });

  it.each<[string, string, string]>([
    ['/api/thing', 'application/json', JSON.stringify({ pad: 'x'.repeat(70 * 1024) })],
    ['/webhooks/event', 'application/json', JSON.stringify({ pad: 'x'.repeat(70 * 1024) })],
    ['/webhooks/event', 'application/x-www-form-urlencoded', `pad=${'x'.repeat(70 * 1024)}`],
  ])('answers an oversized body at %s (%s) with a 413', async (url, contentType, payload) => {
    await bodyApp();
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });
    expect(res.statusCode).toBe(413);
    expect(json(res).error.code).toBe('payload_too_large');
    expect(handled).toHaveLength(0);
  });
});

function json(response: { body: string }): ApiErrorBody {
  return JSON.parse(response.body) as ApiErrorBody;
}
