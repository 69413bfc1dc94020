/**
 * Verifies the JWTs that Client SDKs and backends present, as Vonage does.
 *
 * RS256, signed with the application's private key, checked with the public key the
 * sandbox stored when it made the key pair. Expired and invalid are told apart because
 * the SDK reacts differently to each.
 *
 * The time claims are checked strictly, as Vonage does: `exp` is required, and `exp`, `iat`
 * and `nbf` must be NumericDates (numbers of seconds) when present; a token with no `exp`, a
 * string or any other non-number in one of them is invalid, as is one whose `nbf` is still
 * in the future (beyond {@link CLOCK_SKEW_S}).
 */
import { createPublicKey, verify } from 'node:crypto';
import type { SandboxStore } from '../state/store';

/** The claims the sandbox reads. */
export interface TokenClaims {
  application_id: string;
  sub?: string;
  exp: number;
  iat?: number;
  nbf?: number;
  acl?: unknown;
}

/** The claims of a good token, or why one is refused (what the caller answers) and, in words, for error details and logs. */
export type TokenCheck =
  | { ok: true; claims: TokenClaims; applicationId: string }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired'; detail: string };

/**
 * Clock skew allowed on `nbf`: a token minted by a backend whose clock runs up to 30 s
 * ahead of the sandbox's is already valid. (`exp` gets no leeway: an expired token is
 * refused at once, which is what the SDK's refresh logic is tested against.)
 */
export const CLOCK_SKEW_S = 30;

/** A JWT NumericDate: a finite number of seconds (not a string, not null). */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

const refuse = (reason: 'missing' | 'invalid' | 'expired', detail: string): TokenCheck => ({ ok: false, reason, detail });

function decodePart(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Checks a token's signature against its application's public key, then its time claims. */
export function verifyToken(store: SandboxStore, token: string | undefined | null, now = Date.now()): TokenCheck {
  if (!token) return refuse('missing', 'missing');
  const parts = token.split('.');
  if (parts.length !== 3) return refuse('invalid', 'not a JWT');
  const [head, body, signature] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: Record<string, unknown>;
  try {
    header = decodePart(head) as { alg?: string };
    claims = decodePart(body) as Record<string, unknown>;
  } catch {
    return refuse('invalid', 'not a JWT');
  }
  if (header?.alg !== 'RS256' || typeof claims?.application_id !== 'string') return refuse('invalid', 'not an RS256 application JWT');
  const app = store.application(claims.application_id);
  if (!app) return refuse('invalid', 'unknown application');
  let valid = false;
  try {
    valid = verify('sha256', Buffer.from(`${head}.${body}`), createPublicKey(app.public_key), Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return refuse('invalid', 'bad signature');
  if (claims.exp === undefined) return refuse('invalid', 'no exp claim');
  for (const name of ['exp', 'iat', 'nbf'] as const) {
    if (claims[name] !== undefined && !isNumericDate(claims[name])) return refuse('invalid', `the ${name} claim is not a number of seconds`);
  }
  if ((claims.exp as number) * 1000 <= now) return refuse('expired', 'expired');
  if (claims.nbf !== undefined && ((claims.nbf as number) - CLOCK_SKEW_S) * 1000 > now) return refuse('invalid', 'not valid yet (nbf is in the future)');
  return { ok: true, claims: claims as unknown as TokenClaims, applicationId: app.id };
}

/** Reads the bearer token of an Authorization header. */
export function bearer(header: string | undefined): string | null {
  const match = /^bearer\s+(.+)$/i.exec(header ?? '');
  return match ? match[1]!.trim() : null;
}

/**
 * Checks a token for the REST APIs an application's backend calls (Voice API, files): the
 * same signature and expiry rules, no `sub` needed, and when the token carries an `acl` its
 * paths must cover `path` — an agent's SDK token, limited to the SDK's paths, cannot drive
 * the Voice API.
 */
export function verifyApplicationToken(store: SandboxStore, token: string | undefined | null, path: string, now = Date.now()): TokenCheck {
  const check = verifyToken(store, token, now);
  if (check.ok && !aclAllows(check.claims.acl, path)) return refuse('invalid', 'its acl does not cover this path');
  return check;
}

/** Whether an ACL claim (`{paths: {<pattern>: {}}}`) allows a path; no ACL allows all. */
export function aclAllows(acl: unknown, path: string): boolean {
  if (acl === undefined || acl === null) return true;
  const paths = typeof acl === 'object' ? (acl as { paths?: unknown }).paths : undefined;
  if (!paths || typeof paths !== 'object') return false;
  return Object.keys(paths).some((pattern) => aclPattern(pattern).test(path));
}

/** An ACL path as a regular expression: `*` is one segment, `**` anything, `/**` also nothing. */
function aclPattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith('/**', i)) {
      source += '(?:/.*)?';
      i += 2;
    } else if (pattern.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (pattern[i] === '*') source += '[^/]*';
    else source += pattern[i]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
