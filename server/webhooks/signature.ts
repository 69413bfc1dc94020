/**
 * Signed webhooks: Vonage's `Authorization: Bearer <JWT>` on each webhook request.
 *
 * With a signature secret configured (`VONAGE_SIGNATURE_SECRET`), Vonage signs a JWT with
 * HS256 and puts the SHA-256 hex of the request body (for a GET: of the JSON of its query
 * parameters) in its `payload_hash` claim, with an issue time (`iat`) and a token id (`jti`).
 * We check the HMAC ourselves with a key prepared once per secret (HS256 only, compared in
 * constant time), compare the hash with the body exactly as received, and refuse a token
 * that is stale, from the future, or already used: Vonage signs every delivery afresh (a
 * retry too), so a token seen twice is a replay. Without a secret, webhooks are accepted unsigned.
 */
import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { boundedJsonParser, jsonNestingExceeds, tooDeep } from '../http/body';
import { HttpError } from '../http/errors';

/** How old a token's `iat` may be: Vonage signs each request as it sends it. */
export const MAX_TOKEN_AGE_S = 5 * 60;

/** How far ahead of our clock a token's `iat` may be (clock skew between Vonage and us). */
export const MAX_CLOCK_SKEW_S = 60;

/** Longest token id accepted; Vonage's are UUIDs. */
const MAX_JTI_LENGTH = 256;

/**
 * Remembers the token ids (`jti`) of accepted signed webhooks, so none is accepted twice.
 *
 * `claim` is true the first time an id is claimed and false ever after (until `expiresAt`,
 * ISO 8601, when the token would be refused as stale anyway and the id may be forgotten).
 * It must be atomic: two instances claiming one id at once get one true between them.
 */
export interface ReplayGuard {
  claim(jti: string, expiresAt: string): Promise<boolean>;
}

/** What a valid token tells us; the caller claims `jti` with its {@link ReplayGuard}. */
export interface VerifiedWebhookToken {
  jti: string;
  /** Issue time, in seconds since the epoch. */
  iat: number;
  /** When the token stops being accepted (its `iat` plus {@link MAX_TOKEN_AGE_S}), ISO 8601. */
  expiresAt: string;
}

/** Raw request bodies, kept for the payload hash; weakly held, so they go with their request. */
const rawBodies = new WeakMap<FastifyRequest, string>();

/**
 * Parse JSON and form bodies in a webhook scope while keeping their raw text for
 * {@link requireVonageSignature}.
 *
 * Webhooks can be configured to POST forms; the agent API (outside the scope) stays JSON-only.
 * Both are refused with a 400 when nested too deep (a form field may carry JSON text).
 */
export function captureRawBodies(scope: FastifyInstance): void {
  // The app's JSON parser (the same checks) is replaced here by one that also keeps the text.
  if (scope.hasContentTypeParser('application/json')) scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, boundedJsonParser(scope, (request, text) => rawBodies.set(request, text)));
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const fields = new URLSearchParams(text);
    for (const value of fields.values()) {
      if (jsonNestingExceeds(value)) {
        done(tooDeep());
        return;
      }
    }
    rawBodies.set(request, text);
    done(null, Object.fromEntries(fields));
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

/** Constant-time equality of two ASCII strings (a length difference reveals nothing secret). */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Make the signature secret into an HMAC key once, so verifying a webhook parses no key
 * (`@vonage/jwt`'s `verifySignature` did that on every call).
 */
export function prepareSignatureKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

const TOKEN = /^Bearer[ ]+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\s*$/i;

/**
 * Check one request's signature at time `now`; throws a 401 `invalid_signature` when it is
 * missing, not HS256, not signed with `key`, expired (`exp`), not yet valid (`nbf`), has no
 * `iat` or one more than {@link MAX_TOKEN_AGE_S} old or {@link MAX_CLOCK_SKEW_S} ahead, has
 * no `jti`, or its `payload_hash` does not match the body (for a GET, the query parameters).
 *
 * Whether the `jti` was used before is the caller's to ask ({@link requireVonageSignature}).
 */
export function checkVonageSignature(request: FastifyRequest, key: KeyObject, now: Date): VerifiedWebhookToken {
  const header = request.headers.authorization;
  const match = header === undefined ? null : TOKEN.exec(header);
  if (!match) throw unsigned('The webhook is not signed');
  const [, headerPart = '', claimsPart = '', signaturePart = ''] = match;
  const jwtHeader = decodeSegment(headerPart);
  const expected = createHmac('sha256', key).update(`${headerPart}.${claimsPart}`).digest('base64url');
  // HS256 only: anything else (none, RS256 with the secret as a "public key") is refused.
  if (jwtHeader?.alg !== 'HS256' || jwtHeader.crit !== undefined || !sameText(signaturePart, expected)) {
    throw unsigned('The webhook signature is not valid');
  }
  const claims = decodeSegment(claimsPart);
  if (claims === null) throw unsigned('The webhook signature is not valid');

  const hash = claims.payload_hash;
  if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) throw unsigned('The webhook signature carries no payload hash');
  if (!sameText(hash.toLowerCase(), sha256Hex(signedPayload(request)))) throw unsigned('The webhook body does not match its signature');

  const nowS = now.getTime() / 1000;
  const { iat, exp, nbf, jti } = claims;
  if (exp !== undefined && (typeof exp !== 'number' || nowS >= exp)) throw unsigned('The webhook signature has expired');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowS + MAX_CLOCK_SKEW_S)) throw unsigned('The webhook signature is not valid yet');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw unsigned('The webhook signature carries no issue time (iat)');
  if (nowS - iat > MAX_TOKEN_AGE_S) throw unsigned('The webhook signature is too old');
  if (iat - nowS > MAX_CLOCK_SKEW_S) throw unsigned('The webhook signature was issued in the future');
  // Printable characters only (Vonage sends a UUID): a control character is no token id we store.
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH || /[\u0000-\u001f\u007f]/.test(jti)) {
    throw unsigned('The webhook signature carries no token id (jti)');
  }
  return { jti, iat, expiresAt: new Date((iat + MAX_TOKEN_AGE_S) * 1000).toISOString() };
}

/**
 * A preHandler for webhook routes: verifies the signature when `config.signatureSecret` is
 * set, against the clock `now`, and claims the token's `jti` with `replay` (a second use is a 401).
 *
 * Use in a scope that called {@link captureRawBodies}, e.g.
 * `scope.post('/webhooks/dtmf', { preHandler: requireVonageSignature(ctx.config, guard, ctx.now) }, handler)`.
 * Share one guard between every webhook route: a token is good for one request, whichever route.
 */
export function requireVonageSignature(config: { signatureSecret: string | null }, replay: ReplayGuard, now: () => Date): preHandlerAsyncHookHandler {
  let prepared: { secret: string; key: KeyObject } | undefined;
  return async (request) => {
    const secret = config.signatureSecret;
    if (secret === null) return;
    if (prepared?.secret !== secret) prepared = { secret, key: prepareSignatureKey(secret) };
    const url = request.url.split('?')[0];
    let token: VerifiedWebhookToken;
    try {
      token = checkVonageSignature(request, prepared.key, now());
    } catch (error) {
      request.log.warn({ url, reason: error instanceof Error ? error.message : undefined }, 'webhook signature refused');
      throw error;
    }
    let first: boolean;
    try {
      first = await replay.claim(token.jti, token.expiresAt);
    } catch (error) {
      // Vonage retries a 503 (signed afresh), so a storage hiccup loses no webhook.
      request.log.error({ err: error, url }, 'webhook token id could not be recorded');
      throw new HttpError(503, 'unavailable', 'The webhook could not be checked; try again');
    }
    if (!first) {
      request.log.warn({ url, jti: token.jti }, 'webhook signature replayed');
      throw unsigned('The webhook signature has already been used');
    }
  };
}
