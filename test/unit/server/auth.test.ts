import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, LoginResponse, SdkTokenResponse } from '../../../common/backend-api';
import { hashToken, REFRESH_TTL_MS } from '../../../server/auth/credentials';
import { SDK_ACL } from '../../../server/auth/sdk-token';
import {
  AGENTS,
  APPLICATION_ID,
  MOBILE_API_KEY,
  createTestServer,
  json,
  loginDesktop,
  verifyJwt,
  type TestServer,
} from './helpers';

let t: TestServer;
const [jane, joe, dora, lou] = AGENTS;

beforeAll(async () => {
  t = await createTestServer();
});
afterAll(async () => {
  await t.close();
});

const login = (payload: unknown) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: payload as Record<string, unknown> });

describe('POST /api/auth/login', () => {
  it('gives a desktop client its refresh token in the body, and stores only its hash', async () => {
    const res = await login({ name: jane.name, password: jane.password, client: 'desktop' });
    expect(res.statusCode).toBe(200);
    const body = json<LoginResponse>(res);
    expect(body.agent).toEqual({ name: 'Jane', display_name: 'Jane Doe' });
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(body.expires_at) - t.clock.nowMs).toBe(REFRESH_TTL_MS);
    expect(res.headers['set-cookie']).toBeUndefined();
    const stored = await t.storage.credentials.findByTokenHash(hashToken(body.refresh_token ?? ''));
    expect(stored?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(body.refresh_token);
  });

  it('defaults to the desktop client when none is named', async () => {
    const res = await login({ name: jane.name, password: jane.password });
    expect(json<LoginResponse>(res).refresh_token).toBeTypeOf('string');
  });

  it('matches the agent name case-insensitively and answers with its canonical spelling', async () => {
    const res = await login({ name: 'jANE', password: jane.password });
    expect(res.statusCode).toBe(200);
    expect(json<LoginResponse>(res).agent.name).toBe('Jane');
  });

  it('gives a web client an HttpOnly SameSite=Strict cookie and no token in the body', async () => {
    const res = await login({ name: joe.name, password: joe.password, client: 'web' });
    expect(res.statusCode).toBe(200);
    const body = json<LoginResponse>(res);
    expect(body).not.toHaveProperty('refresh_token');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^sb_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/api');
    expect(cookie).toContain(`Max-Age=${REFRESH_TTL_MS / 1000}`);
    const token = /^sb_session=([^;]+)/.exec(cookie)?.[1] ?? '';
    expect(res.body).not.toContain(token);

    // The cookie alone then authenticates the token exchange.
    const tokenRes = await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { cookie: `other=1; sb_session=${token}` } });
    expect(tokenRes.statusCode).toBe(200);
    expect(json<SdkTokenResponse>(tokenRes).agent.name).toBe('Joe');
  });

  it('answers a wrong password and an unknown name with identical 401 bodies', async () => {
    const wrong = await login({ name: jane.name, password: 'not-her-password' });
    const unknown = await login({ name: 'Nobody', password: 'whatever-password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
    expect(json<ApiErrorBody>(wrong)).toEqual({ error: { code: 'invalid_credentials', message: 'Name or password is incorrect' } });
  });

  it('refuses a disabled agent with the same 401, even with the right password', async () => {
    const res = await login({ name: dora.name, password: dora.password });
    expect(res.statusCode).toBe(401);
    expect(json<ApiErrorBody>(res).error.code).toBe('invalid_credentials');
  });

  it('locks a name and address out after 5 failures, with Retry-After, and lifts it after 5 minutes', async () => {
    for (let i = 0; i < 5; i += 1) {
      expect((await login({ name: lou.name, password: `wrong-${i}` })).statusCode).toBe(401);
    }
    const locked = await login({ name: lou.name, password: lou.password });
    expect(locked.statusCode).toBe(429);
    expect(json<ApiErrorBody>(locked).error.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(300);

    // The lock is per name and address: the same agent from another address may log in.
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { name: lou.name, password: lou.password },
      remoteAddress: '10.0.0.9',
    });
    expect(other.statusCode).toBe(200);

    t.clock.nowMs += 5 * 60 * 1000 + 1000;
    expect((await login({ name: lou.name, password: lou.password })).statusCode).toBe(200);
  });

  it('counts failures across instances sharing the database, and a success at either resets them', async () => {
    // A second backend on the same database, as behind a load balancer.
    const other = await createTestServer({}, {}, { database: t.database });
    try {
      other.clock.nowMs = t.clock.nowMs;
      const loginAt = (server: TestServer, password: string) =>
        server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'JOE', password }, remoteAddress: '10.0.0.7' });
      for (let i = 0; i < 4; i += 1) expect((await loginAt(i % 2 === 0 ? t : other, `wrong-${i}`)).statusCode).toBe(401);
      // A success resets the count everywhere.
      expect((await loginAt(other, joe.password)).statusCode).toBe(200);
      for (let i = 0; i < 5; i += 1) expect((await loginAt(i % 2 === 0 ? other : t, `wrong-${i}`)).statusCode).toBe(401);
      for (const server of [t, other]) {
        const locked = await loginAt(server, joe.password);
        expect(locked.statusCode).toBe(429);
        expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      }
    } finally {
      await other.close();
    }
  });

  const badInputs: Array<[string, unknown, string]> = [
    ['missing name', { password: 'x' }, 'name'],
    ['empty name', { name: '', password: 'x' }, 'name'],
    ['too-long name', { name: 'a'.repeat(65), password: 'x' }, 'name'],
    ['name with bad characters', { name: 'Jane Doe/..', password: 'x' }, 'name'],
    ['name of the wrong type', { name: 42, password: 'x' }, 'name'],
    ['missing password', { name: 'Jane' }, 'password'],
    ['empty password', { name: 'Jane', password: '' }, 'password'],
    ['too-long password', { name: 'Jane', password: 'p'.repeat(257) }, 'password'],
    ['password of the wrong type', { name: 'Jane', password: ['x'] }, 'password'],
    ['unknown client', { name: 'Jane', password: 'x', client: 'phone' }, 'client'],
  ];
  it.each(badInputs)('rejects %s with 400 naming the field', async (_label, payload, field) => {
    const res = await login(payload);
    expect(res.statusCode).toBe(400);
    const body = json<ApiErrorBody>(res);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.field).toBe(field);
    expect(body.error.message.startsWith(field)).toBe(true);
  });

  it('says "is required" for a missing field and names the expected type for a wrong one', async () => {
    expect(json<ApiErrorBody>(await login({ password: 'x' })).error.message).toBe('name is required');
    expect(json<ApiErrorBody>(await login({ name: 42, password: 'x' })).error.message).toBe('name must be a string');
  });

  it('rejects a body that is not JSON, is empty, or is not an object', async () => {
    const broken = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    expect(broken.statusCode).toBe(400);
    expect(json<ApiErrorBody>(broken).error.code).toBe('invalid_json');

    const text = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'name=Jane' });
    expect(text.statusCode).toBe(400);
    expect(json<ApiErrorBody>(text).error.code).toBe('invalid_json');

    const form = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `name=Jane&password=${jane.password}`,
    });
    expect(form.statusCode).toBe(400);

    const array = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '[1,2]' });
    expect(array.statusCode).toBe(400);
    expect(json<ApiErrorBody>(array).error.message).toMatch(/must be a JSON object/);

    const none = await t.app.inject({ method: 'POST', url: '/api/auth/login' });
    expect(none.statusCode).toBe(400);
  });
});

describe('POST /api/auth/token', () => {
  it('exchanges a refresh token for a Vonage SDK JWT signed with the application key', async () => {
    const refresh = await loginDesktop(t.app, jane.name, jane.password);
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { authorization: `Bearer ${refresh}` } });
    expect(res.statusCode).toBe(200);
    const body = json<SdkTokenResponse>(res);
    expect(body.agent).toEqual({ name: 'Jane', display_name: 'Jane Doe' });
    const { header, claims } = verifyJwt(body.jwt, t.files.publicKeyPem);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(claims.sub).toBe('Jane');
    expect(claims.application_id).toBe(APPLICATION_ID);
    expect(claims.acl).toEqual(SDK_ACL);
    expect(Object.keys(SDK_ACL.paths)).not.toContain('/*/calls/**');
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof claims.iat).toBe('number');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(10_800);
    expect(body.expires_at).toBe(new Date(Number(claims.exp) * 1000).toISOString());
  });

  it('does not verify with another key', async () => {
    const refresh = await loginDesktop(t.app, jane.name, jane.password);
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { authorization: `Bearer ${refresh}` } });
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => verifyJwt(json<SdkTokenResponse>(res).jwt, other)).toThrow('bad signature');
  });

  const unauthorized = async (headers: Record<string, string>) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/token', headers });
    expect(res.statusCode).toBe(401);
    expect(json<ApiErrorBody>(res).error.code).toBe('unauthorized');
  };

  it('refuses a missing, malformed or unknown credential with 401', async () => {
    await unauthorized({});
    await unauthorized({ authorization: 'Basic amFuZTpwdw==' });
    await unauthorized({ authorization: 'Bearer ' });
    await unauthorized({ authorization: `Bearer ${'A'.repeat(43)}` });
    await unauthorized({ cookie: `sb_session=${'B'.repeat(43)}` });
  });

  it('refuses a credential after logout, and logout clears the cookie', async () => {
    const refresh = await loginDesktop(t.app, joe.name, joe.password);
    const auth = { authorization: `Bearer ${refresh}` };
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: auth })).statusCode).toBe(200);
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^sb_session=; Path=\/api; Max-Age=0/);
    const stored = await t.storage.credentials.findByTokenHash(hashToken(refresh));
    expect(stored?.revoked_at).not.toBeNull();
    await unauthorized(auth);
    // Logging out again is harmless.
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth })).statusCode).toBe(204);
  });

  it('requires a credential to log out', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout' });
    expect(res.statusCode).toBe(401);
  });

  it('refuses an expired credential', async () => {
    const refresh = await loginDesktop(t.app, jane.name, jane.password);
    const auth = { authorization: `Bearer ${refresh}` };
    t.clock.nowMs += REFRESH_TTL_MS - 1000;
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: auth })).statusCode).toBe(200);
    t.clock.nowMs += 2000;
    await unauthorized(auth);
  });

  it('refuses a credential of an agent disabled after login', async () => {
    const refresh = await loginDesktop(t.app, joe.name, joe.password);
    const agent = await t.storage.agents.findByName('Joe');
    await t.storage.agents.setDisabled(agent?.id ?? '', true);
    try {
      await unauthorized({ authorization: `Bearer ${refresh}` });
    } finally {
      await t.storage.agents.setDisabled(agent?.id ?? '', false);
    }
  });

  it('refuses the session cookie from an untrusted origin', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: jane.name, password: jane.password, client: 'web' } });
    const token = /^sb_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1] ?? '';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/token',
      headers: { cookie: `sb_session=${token}`, origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(403);
    const same = await t.app.inject({
      method: 'POST',
      url: '/api/auth/token',
      headers: { cookie: `sb_session=${token}`, origin: 'http://localhost', host: 'localhost:80' },
    });
    expect(same.statusCode).toBe(200);
  });
});

describe('POST /api/jwt (seed guide compatibility)', () => {
  const compat = (payload: unknown, server: TestServer = t) =>
    server.app.inject({ method: 'POST', url: '/api/jwt', payload: payload as Record<string, unknown> });

  it('returns a JWT for an existing agent when the key matches', async () => {
    const res = await compat({ mobile_api_key: MOBILE_API_KEY, user_name: 'Jane' });
    expect(res.statusCode).toBe(200);
    const body = json<{ user_name: string; jwt: string; expires_at: string }>(res);
    expect(body.user_name).toBe('Jane');
    const { claims } = verifyJwt(body.jwt, t.files.publicKeyPem);
    expect(claims.sub).toBe('Jane');
    expect(body.expires_at).toBe(new Date(Number(claims.exp) * 1000).toISOString());
  });

  it('answers 403 for a wrong key', async () => {
    const res = await compat({ mobile_api_key: `${MOBILE_API_KEY}x`, user_name: 'Jane' });
    expect(res.statusCode).toBe(403);
    expect(json<ApiErrorBody>(res).error).toMatchObject({ code: 'forbidden', field: 'mobile_api_key' });
  });

  it('answers 404 for an unknown or disabled agent', async () => {
    const unknown = await compat({ mobile_api_key: MOBILE_API_KEY, user_name: 'Nobody' });
    expect(unknown.statusCode).toBe(404);
    expect(json<ApiErrorBody>(unknown).error).toMatchObject({ code: 'unknown_agent', field: 'user_name' });
    expect((await compat({ mobile_api_key: MOBILE_API_KEY, user_name: 'Dora' })).statusCode).toBe(404);
  });

  it('answers 400 for a malformed or non-JSON body', async () => {
    const missing = await compat({ user_name: 'Jane' });
    expect(missing.statusCode).toBe(400);
    expect(json<ApiErrorBody>(missing).error.field).toBe('mobile_api_key');
    const badName = await compat({ mobile_api_key: MOBILE_API_KEY, user_name: '../etc' });
    expect(json<ApiErrorBody>(badName).error.field).toBe('user_name');
    const notJson = await t.app.inject({ method: 'POST', url: '/api/jwt', headers: { 'content-type': 'application/json' }, payload: 'mobile_api_key=x' });
    expect(notJson.statusCode).toBe(400);
    expect(json<ApiErrorBody>(notJson).error.code).toBe('invalid_json');
  });

  it('answers 404 when no MOBILE_API_KEY is configured', async () => {
    const off = await createTestServer({ MOBILE_API_KEY: '' });
    try {
      const res = await compat({ mobile_api_key: MOBILE_API_KEY, user_name: 'Jane' }, off);
      expect(res.statusCode).toBe(404);
      expect(json<ApiErrorBody>(res).error.code).toBe('not_found');
    } finally {
      await off.close();
    }
  });
});
