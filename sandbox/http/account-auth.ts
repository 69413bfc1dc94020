/**
 * The account's own credentials (API key and secret), as Vonage's account-level APIs take
 * them: basic auth (Applications API, the server SDK's Numbers client) or, for the older REST
 * APIs such as Numbers, `api_key` and `api_secret` parameters.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { SandboxStore } from '../state/store';

/** Compares two secrets in constant time whatever their lengths. */
function same(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Whether a key and secret are the account's. */
export function accountKeyOk(store: SandboxStore, key: unknown, secret: unknown): boolean {
  if (typeof key !== 'string' || typeof secret !== 'string') return false;
  // Both compared every time, so a wrong key takes as long as a wrong secret.
  const keyOk = same(key, store.account.api_key);
  const secretOk = same(secret, store.account.api_secret);
  return keyOk && secretOk;
}

/** Whether the request carries the account's key and secret in an `Authorization: Basic` header. */
export function basicAuthOk(store: SandboxStore, request: FastifyRequest): boolean {
  const match = /^basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return accountKeyOk(store, decoded.slice(0, colon), decoded.slice(colon + 1));
}
