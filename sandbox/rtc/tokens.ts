/**
 * Verifies the JWTs that Client SDKs and backends present, as Vonage does.
 *
 * RS256, signed with the application's private key, checked with the public key the
 * sandbox stored when it made the key pair. Expired and invalid are told apart because
 * the SDK reacts differently to each.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { SandboxStore } from '../state/store';

/** The claims the sandbox reads. */
export interface TokenClaims {
  application_id: string;
  sub?: string;
  exp?: number;
  iat?: number;
  acl?: unknown;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims; applicationId: string }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

function decodePart(part: string): unknown {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Checks a token's signature against its application's public key and its expiry. */
export function verifyToken(store: SandboxStore, token: string | undefined | null, now = Date.now()): TokenCheck {
  if (!token) return { ok: false, reason: 'missing' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'invalid' };
  const [head, body, signature] = parts as [string, string, string];
  let header: { alg?: string };
  let claims: TokenClaims;
  try {
    header = decodePart(head) as { alg?: string };
    claims = decodePart(body) as TokenClaims;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (header.alg !== 'RS256' || typeof claims.application_id !== 'string') return { ok: false, reason: 'invalid' };
  const app = store.application(claims.application_id);
  if (!app) return { ok: false, reason: 'invalid' };
  let valid = false;
  try {
    valid = verify('sha256', Buffer.from(`${head}.${body}`), createPublicKey(app.public_key), Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'invalid' };
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims, applicationId: app.id };
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
  if (check.ok && !aclAllows(check.claims.acl, path)) return { ok: false, reason: 'invalid' };
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
