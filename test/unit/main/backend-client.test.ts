import { describe, expect, it, vi } from 'vitest';
import { BackendClient, BackendError } from '../../../main/backend-client';

const BASE = 'http://127.0.0.1:3030';
const agent = { name: 'Jane', display_name: 'Jane Doe' };

function respond(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function client(handler: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const fetchMock = vi.fn(async (input: string | URL | Request, init?: RequestInit) => handler(String(input), init ?? {}));
  return { fetchMock, backend: new BackendClient({ baseUrl: `${BASE}/`, fetch: fetchMock as unknown as typeof fetch }) };
}

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

describe('BackendClient', () => {
  it('logs in as a desktop client and returns the refresh credential', async () => {
    const { backend, fetchMock } = client(() => respond(200, { agent, refresh_token: 'rt_1', expires_at: '2030-01-01T00:00:00Z' }));
    await expect(backend.login('Jane', 'pw')).resolves.toEqual({ agent, refreshToken: 'rt_1', expiresAt: '2030-01-01T00:00:00Z' });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`${BASE}/api/auth/login`);
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ name: 'Jane', password: 'pw', client: 'desktop' });
    expect((init?.headers as Record<string, string>)['content-type']).toBe('application/json');
  });

  it('turns a 401 at login into a wrong-credentials message', async () => {
    const { backend } = client(() => respond(401, { error: { code: 'invalid_credentials', message: 'Invalid name or password' } }));
    const error = await failure(backend.login('Jane', 'nope'));
    expect(error.kind).toBe('unauthorized');
    expect(error.message).toBe('The name or password is not correct.');
  });

  it('refuses a login answer without a desktop credential', async () => {
    const { backend } = client(() => respond(200, { agent, expires_at: 'x' }));
    expect((await failure(backend.login('Jane', 'pw'))).kind).toBe('protocol');
  });

  it('says clearly when the server cannot be reached', async () => {
    const { backend } = client(() => {
      throw new TypeError('fetch failed');
    });
    const error = await failure(backend.getConfig());
    expect(error.kind).toBe('network');
    expect(error.message).toContain(`Cannot reach the Switchboard server at ${BASE}`);
  });

  it('exchanges the credential in the Authorization header, never the URL', async () => {
    const { backend, fetchMock } = client(() => respond(200, { agent, jwt: 'jwt_1', expires_at: '2030-01-01T00:00:00Z' }));
    await expect(backend.exchangeToken('rt_secret')).resolves.toMatchObject({ jwt: 'jwt_1' });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`${BASE}/api/auth/token`);
    expect(url).not.toContain('rt_secret');
    expect((init?.headers as Record<string, string>).authorization).toBe('Bearer rt_secret');
  });

  it('reports a revoked credential as a session that ended', async () => {
    const { backend } = client(() => respond(401, { error: { code: 'session_ended', message: 'nope' } }));
    const error = await failure(backend.exchangeToken('rt'));
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, code: 'session_ended' });
    expect(error.message).toBe('Your session has ended. Please sign in again.');
  });

  it('passes a 4xx message through, naming the field', async () => {
    const { backend } = client(() => respond(400, { error: { code: 'invalid_request', message: 'is required', field: 'name' } }));
    const error = await failure(backend.login('', 'pw'));
    expect(error).toMatchObject({ kind: 'rejected', status: 400 });
    expect(error.message).toBe('name: is required');
  });

  it('reports a 5xx without its body', async () => {
    const { backend } = client(() => respond(503, { error: { code: 'x', message: 'db password wrong' } }));
    const error = await failure(backend.getConfig());
    expect(error.kind).toBe('server');
    expect(error.message).not.toContain('db password');
  });

  it('accepts an empty logout answer and reads the config', async () => {
    const sdk = { apiUrl: 'http://a', websocketUrl: 'ws://a' };
    const { backend } = client((url) => (url.endsWith('/logout') ? new Response(null, { status: 204 }) : respond(200, { sdk, contact_number: null })));
    await expect(backend.logout('rt')).resolves.toBeUndefined();
    await expect(backend.getConfig()).resolves.toEqual({ sdk, contact_number: null });
  });

  it('refuses a config without SDK endpoints', async () => {
    const { backend } = client(() => respond(200, { contact_number: null }));
    expect((await failure(backend.getConfig())).kind).toBe('protocol');
  });

  it('checks every answer against its schema in common/: a status or away reasons outside the contract are unreadable', async () => {
    const { backend } = client((url) =>
      url.endsWith('/away-reasons') ? respond(200, { reasons: 'Lunch' }) : respond(200, { status: 'napping', since: 'x', wrap_up_ends_at: null, away_reason: null, reachable: true }),
    );
    expect(await failure(backend.getStatus('rt'))).toMatchObject({ kind: 'protocol', status: 200 });
    expect(await failure(backend.getAwayReasons('rt'))).toMatchObject({ kind: 'protocol' });
  });

  it('refuses a token answer whose expiry is not a date', async () => {
    const { backend } = client(() => respond(200, { agent: { name: 'Jane', display_name: 'Jane' }, jwt: 'j', expires_at: 'soon' }));
    const error = await failure(backend.exchangeToken('rt'));
    expect(error).toMatchObject({ kind: 'protocol' });
    expect(error.message).toBe('The Switchboard server sent an unreadable token.');
  });
});
