/**
 * Security headers, Content-Security-Policy and CORS.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SdkConnection } from '../config';
import { errorBody } from './errors';

/** CSP for everything that is not the web UI's HTML: nothing may load or frame it. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Build the web UI's Content-Security-Policy.
 *
 * Scripts, styles and fonts come only from this server; the page may talk to this server and
 * to the Client SDK's REST and socket hosts (the socket host in both its http(s) form, for
 * long-polling, and its ws(s) form).
 */
export function buildAppCsp(sdk: SdkConnection): string {
  const connect = sdkConnectSources(sdk);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src ${[...connect].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** `connect-src` of a page running the Client SDK: this server, the SDK's REST host and its socket host (http(s) and ws(s)). */
export function sdkConnectSources(sdk: SdkConnection): Set<string> {
  const connect = new Set<string>(["'self'"]);
  connect.add(new URL(sdk.apiUrl).origin);
  const ws = new URL(sdk.websocketUrl);
  const secure = ws.protocol === 'https:' || ws.protocol === 'wss:';
  connect.add(`${secure ? 'https' : 'http'}://${ws.host}`);
  connect.add(`${secure ? 'wss' : 'ws'}://${ws.host}`);
  return connect;
}

/**
 * Add the security headers every answer carries.
 *
 * API answers are also marked `no-store`: they carry tokens and personal data that no
 * cache (browser or proxy) should keep.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('X-Content-Type-Options', 'nosniff');
    void reply.header('Referrer-Policy', 'no-referrer');
    void reply.header('X-Frame-Options', 'DENY');
    void reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    if (!reply.hasHeader('Content-Security-Policy')) void reply.header('Content-Security-Policy', API_CSP);
    if (request.url.startsWith('/api/') && !reply.hasHeader('Cache-Control')) void reply.header('Cache-Control', 'no-store');
    return payload;
  });
}

/**
 * Answer CORS for the configured origins only.
 *
 * Credentials are allowed (the web client's cookie), which is why the origin is echoed
 * from an explicit list and never `*`. A preflight from any other origin gets a 403.
 */
export function installCors(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (origin === undefined || !allowed.has(origin)) {
      if (preflight) return reply.code(403).send(errorBody('cors_forbidden', 'This origin may not call the API'));
      return;
    }
    void reply.header('Access-Control-Allow-Origin', origin);
    void reply.header('Access-Control-Allow-Credentials', 'true');
    void reply.header('Vary', 'Origin');
    if (preflight) {
      void reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS');
      void reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      void reply.header('Access-Control-Max-Age', '600');
      return reply.code(204).send();
    }
    return;
  });
}

/**
 * True when the request comes from a page this server trusts with cookie credentials: no
 * Origin header (not a browser cross-origin request), this server's own origin, or a
 * configured CORS origin.
 *
 * SameSite=Strict already keeps the cookie off cross-site requests; this is the second lock.
 */
export function isTrustedOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    // Parse both sides so default ports compare equal (Host "x:80" vs Origin "http://x").
    const own = new URL(`${request.protocol}://${request.headers.host ?? ''}`);
    return new URL(origin).origin === own.origin;
  } catch {
    return false;
  }
}
