/**
 * Console sessions: a random token in an HttpOnly, SameSite=Strict cookie (`sb_console`,
 * Secure over https), stored as its SHA-256 in `console_sessions` with the session's CSRF
 * token, so any instance recognises it and signing out (or disabling the user) ends it
 * everywhere.
 *
 * CSRF: every request that changes something must carry the session's token in
 * `X-CSRF-Token` (the synchronizer-token pattern); the page reads it from the sign-in answer
 * or `GET /api/console/session`, never from a cookie. SameSite=Strict and the JSON-only body
 * parser are the other two locks.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { hashToken } from '../auth/credentials';
import type { Sql } from '../db/database';
import { parseCookies } from '../http/cookies';
import { HttpError } from '../http/errors';
import { isTrustedOrigin } from '../http/security';
import type { ConsoleRole } from './users';

/** The console's session cookie. */
export const CONSOLE_COOKIE = 'sb_console';
/** The header carrying the CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';
/** A console session lives 12 hours (a working day), then the person signs in again. */
export const CONSOLE_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Who acts through the admin API: a console user, or the admin token (automation). */
export interface ConsoleActor {
  name: string;
  role: ConsoleRole;
  via: 'session' | 'token';
  /** The session's id and CSRF token (session actors only). */
  sessionId?: string;
  csrfToken?: string;
  displayName?: string;
}

/** A session just opened: the cookie's token goes to the browser once. */
export interface OpenedSession {
  token: string;
  csrfToken: string;
  expiresAt: string;
}

/** Open a session for a user. */
export async function openConsoleSession(sql: Sql, userId: string, now: Date): Promise<OpenedSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + CONSOLE_SESSION_TTL_MS).toISOString();
  await sql.query(
    'INSERT INTO console_sessions (id, user_id, token_hash, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [randomUUID(), userId, hashToken(token), csrfToken, now.toISOString(), expiresAt],
  );
  return { token, csrfToken, expiresAt };
}

/** The `Set-Cookie` value of the console cookie (an empty value with Max-Age 0 clears it). */
export function consoleCookie(token: string, maxAgeS: number, secure: boolean): string {
  const parts = [`${CONSOLE_COOKIE}=${encodeURIComponent(token)}`, 'Path=/api', `Max-Age=${Math.max(0, Math.floor(maxAgeS))}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

/** The console session token a request carries, or null. */
export function presentedConsoleToken(request: FastifyRequest): string | null {
  return parseCookies(request.headers.cookie).get(CONSOLE_COOKIE) ?? null;
}

interface SessionRow {
  id: string;
  csrf_token: string;
  name: string;
  display_name: string;
  role: ConsoleRole;
}

/**
 * The actor of a request's console cookie, or null when it has none, or one that is unknown,
 * expired, signed out or of a disabled user. A cookie sent from another origin is a 403.
 */
export async function consoleSessionActor(sql: Sql, request: FastifyRequest, corsOrigins: readonly string[], now: Date): Promise<ConsoleActor | null> {
  const token = presentedConsoleToken(request);
  if (token === null) return null;
  if (!isTrustedOrigin(request, corsOrigins)) throw new HttpError(403, 'forbidden_origin', 'This origin may not use the console session');
  const { rows } = await sql.query<SessionRow>(
    `UPDATE console_sessions s SET last_used_at = $2
       FROM console_users u
      WHERE s.token_hash = $1 AND u.id = s.user_id AND s.revoked_at IS NULL AND s.expires_at > $2 AND NOT u.disabled
      RETURNING s.id, s.csrf_token, u.name, u.display_name, u.role`,
    [hashToken(token), now.toISOString()],
  );
  const row = rows[0];
  if (!row) return null;
  return { name: row.name, displayName: row.display_name, role: row.role, via: 'session', sessionId: row.id, csrfToken: row.csrf_token };
}

/** Whether a session can still be used (not signed out, not expired, its user not disabled). */
export async function sessionStillValid(sql: Sql, sessionId: string, now: Date): Promise<boolean> {
  const { rows } = await sql.query(
    `SELECT 1 FROM console_sessions s JOIN console_users u ON u.id = s.user_id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND NOT u.disabled`,
    [sessionId, now.toISOString()],
  );
  return rows.length > 0;
}

/** Throw 403 `csrf_failed` unless the request carries the session's CSRF token. */
export function checkCsrf(request: FastifyRequest, actor: ConsoleActor): void {
  if (actor.via !== 'session') return;
  const header = request.headers[CSRF_HEADER];
  const presented = Buffer.from(typeof header === 'string' ? header : '', 'utf8');
  const expected = Buffer.from(actor.csrfToken ?? '', 'utf8');
  if (expected.length === 0 || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new HttpError(403, 'csrf_failed', `A change needs the session's CSRF token in the X-CSRF-Token header; reload the console`);
  }
}

/** End a session (signing out). */
export async function revokeConsoleSession(sql: Sql, sessionId: string, now: Date): Promise<void> {
  await sql.query('UPDATE console_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [sessionId, now.toISOString()]);
}

/** Drop sessions that can never be used again. */
export async function deleteExpiredConsoleSessions(sql: Sql, now: Date): Promise<void> {
  await sql.query('DELETE FROM console_sessions WHERE expires_at < $1', [now.toISOString()]);
}

/** True for methods that change something (and so need the admin role and the CSRF token). */
export function isChange(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}
