/**
 * Minimal cookie parsing and serialising, for the one session cookie the web client uses.
 */

/** Name of the web client's session cookie (holds the refresh credential). */
export const SESSION_COOKIE = 'sb_session';

/**
 * Parse a `Cookie` request header into name → value.
 *
 * The first occurrence of a name wins (browsers send the most specific path first);
 * undecodable values are skipped rather than failing the request.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!name || cookies.has(name)) continue;
    try {
      cookies.set(name, decodeURIComponent(value));
    } catch {
      // Malformed percent-encoding: ignore this cookie only.
    }
  }
  return cookies;
}

/** Attributes of a `Set-Cookie` header. */
export interface CookieOptions {
  maxAgeS: number;
  path: string;
  secure: boolean;
}

/**
 * Serialise the session cookie: HttpOnly (scripts never see it), SameSite=Strict (no
 * cross-site request carries it), scoped to the API path.
 */
export function serializeSessionCookie(value: string, options: CookieOptions): string {
  const parts = [
    `${SESSION_COOKIE}=${encodeURIComponent(value)}`,
    `Path=${options.path}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`,
    'HttpOnly',
    'SameSite=Strict',
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/**
 * A `Set-Cookie` header that deletes the session cookie.
 *
 * Same name, path and flags as when set, with Max-Age=0, so the browser matches and drops it.
 */
export function clearSessionCookie(secure: boolean): string {
  return serializeSessionCookie('', { maxAgeS: 0, path: '/api', secure });
}
