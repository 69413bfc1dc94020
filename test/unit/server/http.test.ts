import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, ClientConfig, LoginResponse, SdkTokenResponse } from '../../../common/backend-api';
import { AGENTS, MOBILE_API_KEY, createTestServer, json, type TestServer } from './helpers';

let t: TestServer;
let renderer: string;

beforeAll(async () => {
  // A stand-in for the built web UI, next to a secret the handler must never serve.
  const base = fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'switchboard-ui-'));
  renderer = path.join(base, 'dist');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Switchboard</title>');
  fs.writeFileSync(path.join(renderer, 'assets', 'app-1234.js'), 'console.log(1)');
  fs.writeFileSync(path.join(renderer, 'assets', 'app.css'), 'body{}');
  fs.writeFileSync(path.join(renderer, 'ring.wav'), 'RIFF');
  fs.writeFileSync(path.join(renderer, 'font.woff2'), 'wOF2');
  fs.writeFileSync(path.join(renderer, 'logo.svg'), '<svg/>');
  fs.writeFileSync(path.join(renderer, '.env'), 'SECRET=1');
  fs.writeFileSync(path.join(base, 'secret.txt'), 'TOP-SECRET');
  fs.symlinkSync(path.join(base, 'secret.txt'), path.join(renderer, 'link.txt'));
  t = await createTestServer({
    RENDERER_DIR: renderer,
    CORS_ORIGINS: 'http://localhost:5173, https://agents.example.com',
    VONAGE_API_URL: 'http://127.0.0.1:4010/',
    VONAGE_WS_URL: 'http://127.0.0.1:4011',
  });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(path.dirname(renderer), { recursive: true, force: true });
});

describe('security headers and errors', () => {
  it('puts the security headers on every answer, errors included', async () => {
    for (const url of ['/api/health', '/no/such/route', '/app/']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nothing' });
    expect(res.statusCode).toBe(404);
    expect(json<ApiErrorBody>(res).error.code).toBe('not_found');
  });

  it('never leaks an internal error message or stack in a 500', async () => {
    const failing = { ...t.storage.agents, findByName: async () => Promise.reject(new Error('SQLITE_CORRUPT at /secret/path.db')) };
    const broken = await createTestServer({}, {});
    const original = broken.storage.agents.findByName;
    broken.storage.agents.findByName = failing.findByName;
    try {
      const res = await broken.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Jane', password: 'x' } });
      expect(res.statusCode).toBe(500);
      expect(json<ApiErrorBody>(res).error.code).toBe('internal_error');
      expect(res.body).not.toContain('SQLITE_CORRUPT');
      expect(res.body).not.toContain('/secret/path.db');
      expect(res.body).not.toContain('at ');
      // The detail goes to the log instead, for the operator.
      expect(broken.logs.join('')).toContain('SQLITE_CORRUPT');
    } finally {
      broken.storage.agents.findByName = original;
      await broken.close();
    }
  });

  it('answers a malformed URL with the JSON error body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/app/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.code).toBe('invalid_request');
  });

  it('marks API answers as not cacheable', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/config' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers a too-large body with 413', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/event', payload: { status: 'started', uuid: 'u', conversation_uuid: 'c', pad: 'x'.repeat(70_000) } });
    expect(res.statusCode).toBe(413);
    expect(json<ApiErrorBody>(res).error.code).toBe('payload_too_large');
  });
});

describe('CORS', () => {
  it('answers a preflight from a listed origin, with credentials and no wildcard', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/auth/token',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(String(res.headers['access-control-allow-headers'])).toContain('Authorization');
  });

  it('refuses a preflight from any other origin and adds no CORS headers to its requests', async () => {
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/auth/token',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.statusCode).toBe(403);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const get = await t.app.inject({ method: 'GET', url: '/api/config', headers: { origin: 'https://evil.example' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
    const ok = await t.app.inject({ method: 'GET', url: '/api/config', headers: { origin: 'https://agents.example.com' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://agents.example.com');
  });
});

describe('GET /api/config and /api/health', () => {
  it('tells clients where the SDK connects and the contact number', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/config' });
    expect(json<ClientConfig>(res)).toEqual({
      sdk: { apiUrl: 'http://127.0.0.1:4010', websocketUrl: 'http://127.0.0.1:4011' },
      contact_number: '14155550199',
    });
  });

  it('reports health', async () => {
    expect(json((await t.app.inject({ method: 'GET', url: '/api/health' })))).toEqual({ ok: true });
  });
});

describe('static web UI', () => {
  it('redirects / and /app to /app/', async () => {
    for (const url of ['/', '/app']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/app/');
    }
  });

  it('serves index.html at /app/ with the app CSP and no-cache', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/app/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('<title>Switchboard</title>');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("media-src 'self' blob: mediastream:");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:4010 http://127.0.0.1:4011 ws://127.0.0.1:4011");
    expect(csp).toContain("form-action 'none'");
  });

  it.each([
    ['assets/app-1234.js', 'text/javascript; charset=utf-8'],
    ['assets/app.css', 'text/css; charset=utf-8'],
    ['ring.wav', 'audio/wav'],
    ['font.woff2', 'font/woff2'],
    ['logo.svg', 'image/svg+xml'],
  ])('serves %s as %s', async (file, type) => {
    const res = await t.app.inject({ method: 'GET', url: `/app/${file}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
  });

  it('falls back to index.html for client-side routes but 404s missing files', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/app/history' })).body).toContain('<title>');
    const missing = await t.app.inject({ method: 'GET', url: '/app/missing.js' });
    expect(missing.statusCode).toBe(404);
    expect(json<ApiErrorBody>(missing).error.code).toBe('not_found');
  });

  it.each(['/app/../secret.txt', '/app/%2e%2e/secret.txt', '/app/..%2fsecret.txt', '/app/.env', '/app/link.txt', '/app/%00index.html', '/app/..%5csecret.txt', '/app//etc/passwd'])(
    'does not serve %s',
    async (url) => {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.body).not.toContain('TOP-SECRET');
      expect(res.body).not.toContain('SECRET=1');
    },
  );
});

describe('logging', () => {
  it('writes no password, refresh token, JWT, API key or cookie to the log', async () => {
    const jane = AGENTS[0];
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: jane.name, password: jane.password } });
    const refresh = json<LoginResponse>(login).refresh_token ?? '';
    const token = await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { authorization: `Bearer ${refresh}` } });
    const jwt = json<SdkTokenResponse>(token).jwt;
    const web = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: jane.name, password: jane.password, client: 'web' } });
    const cookie = String(web.headers['set-cookie']).split(';')[0] ?? '';
    await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { cookie } });
    await t.app.inject({ method: 'POST', url: '/api/jwt', payload: { mobile_api_key: MOBILE_API_KEY, user_name: 'Jane' } });
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${refresh}` } });
    // Someone later logging a whole object must still not leak it.
    t.app.log.info({ body: { password: jane.password, refresh_token: refresh }, headers: { authorization: `Bearer ${refresh}` } }, 'careless');

    const log = t.logs.join('');
    expect(log).toContain('"msg":"login"');
    expect(log).toContain('"msg":"careless"');
    expect(log).toContain('[redacted]');
    for (const secret of [jane.password, refresh, jwt, jwt.split('.')[2] ?? 'x', MOBILE_API_KEY, cookie.split('=')[1] ?? 'x', t.files.privateKeyPem.split('\n')[1] ?? 'x']) {
      expect(secret.length).toBeGreaterThan(8);
      expect(log).not.toContain(secret);
    }
  });
});
