/**
 * Signed webhooks: Vonage's `Authorization: Bearer <JWT>` on each webhook request.
 *
 * With a signature secret configured (`VONAGE_SIGNATURE_SECRET`), Vonage signs a JWT with
 * HS256 and puts the SHA-256 hex of the request body (for a GET: of the JSON of its query
 * parameters) in its `payload_hash` claim. We check
 * the signature with `@vonage/jwt`'s `verifySignature` (which also rejects expired tokens),
 * insist on HS256, and compare the hash with the body exactly as received, so a replayed
 * token cannot carry a different body. Without a secret, webhooks are accepted unsigned.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { verifySignature } from '@vonage/jwt';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { HttpError } from '../http/errors';

/** Raw request bodies, kept for the payload hash; weakly held, so they go with their request. */
const rawBodies = new WeakMap<FastifyRequest, string>();

/**
 * Parse JSON and form bodies in a webhook scope while keeping their raw text for
 * {@link requireVonageSignature}.
 *
 * Webhooks can be configured to POST forms; the agent API (outside the scope) stays JSON-only.
 */
export function captureRawBodies(scope: FastifyInstance): void {
  // Fastify's own JSON parser (prototype-poisoning checks, its error codes), fed the kept text.
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    rawBodies.set(request, text);
    parseJson(request, text, done);
  });
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    rawBodies.set(request, text);
    done(null, Object.fromEntries(new URLSearchParams(text)));
  });
}

function unsigned(message: string): HttpError {
  return new HttpError(401, 'invalid_signature', message);
}

function decodeSegment(segment: string | undefined): Record<string, unknown> | null {
  if (!segment) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The text `payload_hash` covers: the body exactly as received; for a request without one
 * (answer_url by GET), the JSON of its query parameters in order, as Vonage hashes it.
 */
function signedPayload(request: FastifyRequest): string {
  if (request.method !== 'GET' && request.method !== 'HEAD') return rawBodies.get(request) ?? '';
  const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
  return JSON.stringify(Object.fromEntries(new URLSearchParams(query)));
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Check one request's signature; throws a 401 `invalid_signature` when it is missing, not
 * HS256, not signed with `secret`, expired, or its `payload_hash` does not match the body
 * (or, for a GET, the query parameters).
 */
export function checkVonageSignature(request: FastifyRequest, secret: string): void {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer[ ]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)\s*$/i.exec(header);
  const token = match?.[1];
  if (!token) throw unsigned('The webhook is not signed');
  const [headerPart, claimsPart] = token.split('.');
  const jwtHeader = decodeSegment(headerPart);
  const claims = decodeSegment(claimsPart);
  if (jwtHeader?.alg !== 'HS256' || claims === null || !verifySignature(token, secret)) {
    throw unsigned('The webhook signature is not valid');
  }
  const hash = claims.payload_hash;
  if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) throw unsigned('The webhook signature carries no payload hash');
  if (!timingSafeEqual(Buffer.from(hash.toLowerCase(), 'utf8'), Buffer.from(sha256Hex(signedPayload(request)), 'utf8'))) {
    throw unsigned('The webhook body does not match its signature');
  }
}

/**
 * A preHandler for webhook routes: verifies the signature when `secret()` returns one.
 *
 * Use in a scope that called {@link captureRawBodies}, e.g.
 * `scope.post('/webhooks/dtmf', { preHandler: requireVonageSignature(ctx.config) }, handler)`.
 */
export function requireVonageSignature(config: { signatureSecret: string | null }): preHandlerAsyncHookHandler {
  return async (request) => {
    if (config.signatureSecret === null) return;
    try {
      checkVonageSignature(request, config.signatureSecret);
    } catch (error) {
      request.log.warn({ url: request.url.split('?')[0] }, 'webhook signature refused');
      throw error;
    }
  };
}
