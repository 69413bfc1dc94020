import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, ClientConfig, LoginResponse, SdkTokenResponse } from '../../../common/backend-api';
import { precompress } from '../../../scripts/web-delivery';
import { AGENTS, MOBILE_API_KEY, createTestServer, json, type TestServer } from './helpers';

let t: TestServer;
let renderer: string;
/** A bundle big enough to compress, with a source map beside it (as a debugging build leaves one). */
const BUNDLE = 'assets/index-Cv54j5pI.js';
const BUNDLE_TEXT = Array.from({ length: 2000 }, (_, i) => `export const value${i} = "switchboard ${i % 7}";`).join('\n');

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
  fs.writeFileSync(path.join(renderer, BUNDLE), BUNDLE_TEXT);
  fs.writeFileSync(path.join(renderer, `${BUNDLE}.map`), '{"version":3,"sources":["secret-source.ts"]}');
  // The build's last step: .br and .gz copies beside the files (scripts/web-delivery.ts).
  precompress(renderer);
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

describe('static web UI delivery', () => {
  const get = (url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') => t.app.inject({ method, url, headers });

  it('sends the brotli copy to a client that accepts br, decompressing to the file', async () => {
    const res = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    expect(res.rawPayload.length).toBeLessThan(BUNDLE_TEXT.length / 5);
    expect(zlib.brotliDecompressSync(res.rawPayload).toString()).toBe(BUNDLE_TEXT);
  });

  it('sends the gzip copy to a client that accepts gzip only, or prefers it', async () => {
    for (const accept of ['gzip, deflate', 'br;q=0.5, gzip', 'GZIP']) {
      const res = await get(`/app/${BUNDLE}`, { 'accept-encoding': accept });
      expect(res.headers['content-encoding'], accept).toBe('gzip');
      expect(zlib.gunzipSync(res.rawPayload).toString()).toBe(BUNDLE_TEXT);
    }
  });

  it('sends the file itself without Accept-Encoding, or when no copy is acceptable', async () => {
    const cases: Record<string, string>[] = [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'deflate, br;q=0, gzip;q=0' }, { 'accept-encoding': 'gzip;q=x' }];
    for (const headers of cases) {
      const res = await get(`/app/${BUNDLE}`, headers);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.headers.vary).toBe('Accept-Encoding');
      expect(res.body).toBe(BUNDLE_TEXT);
      expect(res.headers['content-length']).toBe(String(BUNDLE_TEXT.length));
    }
  });

  it('takes * as any coding', async () => {
    expect((await get(`/app/${BUNDLE}`, { 'accept-encoding': '*' })).headers['content-encoding']).toBe('br');
    expect((await get(`/app/${BUNDLE}`, { 'accept-encoding': 'br;q=0, *' })).headers['content-encoding']).toBe('gzip');
  });

  it('compresses index.html too, keeping its CSP, no-cache and the security headers', async () => {
    for (const url of ['/app/', '/app/history']) {
      const res = await get(url, { 'accept-encoding': 'br' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      expect(zlib.brotliDecompressSync(res.rawPayload).toString()).toContain('<title>Switchboard</title>');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('keeps the security headers and marks hashed assets immutable for a year', async () => {
    const res = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'br' });
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    // Files outside assets/ are not content-hashed: revalidated like the HTML.
    expect((await get('/app/logo.svg')).headers['cache-control']).toBe('no-cache');
  });

  it('keeps the CORS Vary field beside Accept-Encoding', async () => {
    const res = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'br', origin: 'https://agents.example.com' });
    expect(res.headers['access-control-allow-origin']).toBe('https://agents.example.com');
    expect(res.headers.vary).toBe('Origin, Accept-Encoding');
  });

  it('answers HEAD with the headers of the GET and no body', async () => {
    const get200 = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'br' });
    const head = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.statusCode).toBe(200);
    expect(head.rawPayload.length).toBe(0);
    for (const name of ['content-encoding', 'content-length', 'content-type', 'etag', 'cache-control', 'vary']) expect(head.headers[name], name).toBe(get200.headers[name]);
  });

  it('answers a matching If-None-Match with 304, per representation', async () => {
    const br = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'br' });
    const gz = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'gzip' });
    const plain = await get(`/app/${BUNDLE}`);
    const tags = [br, gz, plain].map((r) => String(r.headers.etag));
    for (const tag of tags) expect(tag).toMatch(/^"[^"]+"$/);
    expect(new Set(tags).size).toBe(3);

    for (const match of [tags[0] as string, `W/${tags[0]}`, `"nope", ${tags[0]}`, '*']) {
      const res = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'br', 'if-none-match': match });
      expect(res.statusCode, match).toBe(304);
      expect(res.rawPayload.length).toBe(0);
      expect(res.headers.etag).toBe(tags[0]);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers.vary).toBe('Accept-Encoding');
    }
    // brotli's validator does not validate the gzip representation.
    const other = await get(`/app/${BUNDLE}`, { 'accept-encoding': 'gzip', 'if-none-match': tags[0] as string });
    expect(other.statusCode).toBe(200);
    expect(zlib.gunzipSync(other.rawPayload).toString()).toBe(BUNDLE_TEXT);

    const html = await get('/app/', { 'accept-encoding': 'br' });
    const revalidated = await get('/app/', { 'accept-encoding': 'br', 'if-none-match': String(html.headers.etag) });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.headers['cache-control']).toBe('no-cache');
    expect(String(revalidated.headers['content-security-policy'])).toContain("script-src 'self'");
  });

  it.each([`/app/${BUNDLE}.map`, `/app/${BUNDLE}.MAP`, `/app/${BUNDLE}.br`, `/app/${BUNDLE}.gz`, '/app/index.html.br'])('404s %s, though the file is there', async (url) => {
    for (const accept of ['br, gzip', '']) {
      const res = await get(url, accept ? { 'accept-encoding': accept } : {});
      expect(res.statusCode).toBe(404);
      expect(json<ApiErrorBody>(res).error.code).toBe('not_found');
      expect(res.body).not.toContain('secret-source');
    }
  });

  it('sends a file without compressed copies as it is, with no Vary', async () => {
    const res = await get('/app/ring.wav', { 'accept-encoding': 'br, gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toBeUndefined();
    expect(res.body).toBe('RIFF');
  });
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
