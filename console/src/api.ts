/**
 * The console's calls to the backend: same origin, the session cookie sent by the browser,
 * and the session's CSRF token on every change.
 */
import type { ApiErrorBody } from '../../common/backend-api';
import type { ConsoleSessionView } from '../../common/console-api';

let csrfToken = '';

/** Remember the session's CSRF token (from sign-in or the session read). */
export function useSession(session: ConsoleSessionView | null): void {
  csrfToken = session?.csrf_token ?? '';
}

/** A refusal from the backend, in its own words, with the field it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Called when the backend says the session is gone (401), so the page shows the sign-in. */
let onSignedOut: () => void = () => undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

/** Call the API; JSON in and out. */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'network', 'The backend cannot be reached; check the connection and try again');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (parsed as ApiErrorBody | undefined)?.error;
    if (response.status === 401 && !path.startsWith('/api/console/login')) onSignedOut();
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `The backend answered ${response.status}`, error?.field);
  }
  return parsed as T;
}
