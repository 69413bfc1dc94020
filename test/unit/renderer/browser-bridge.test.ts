/**
 * The browser bridge reads the backend with the same schemas main uses (`common/backend-api.ts`,
 * `common/ipc-contract.ts`): an answer outside the contract is a visible error, never a
 * half-typed object; and the renderer takes its API type from `common/`, never from `preload/`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBrowserBridge } from '../../../renderer/src/bridge/browser';

const ORIGIN = 'http://127.0.0.1:3030';
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function answering(handler: (url: string) => Response) {
  vi.stubGlobal('fetch', vi.fn(async (url: string) => handler(url)));
  return createBrowserBridge(ORIGIN);
}

afterEach(() => vi.unstubAllGlobals());

describe('browser bridge', () => {
  it('returns an answer that matches the contract', async () => {
    const status = { status: 'away', since: '2026-03-02T09:00:00.000Z', wrap_up_ends_at: null, away_reason: 'Lunch', reachable: true };
    const bridge = answering(() => json(200, status));
    await expect(bridge.getStatus()).resolves.toEqual(status);
  });

  it('rejects an answer outside the contract with a message', async () => {
    const bridge = answering((url) => (url.endsWith('/away-reasons') ? json(200, { reasons: [1] }) : json(200, { status: 'napping', since: 'x' })));
    await expect(bridge.getStatus()).rejects.toThrow('The Switchboard server sent an unreadable answer.');
    await expect(bridge.getAwayReasons()).rejects.toThrow('unreadable');
    await expect(bridge.getTransferTargets()).rejects.toThrow('unreadable');
  });

  it("shows the backend's error message, and the HTTP status when the body is not the contract's", async () => {
    const bridge = answering((url) => (url.includes('status') ? json(409, { error: { code: 'on_call', message: 'You are on a call' } }) : json(500, { oops: true })));
    await expect(bridge.setStatus('away')).rejects.toThrow('You are on a call');
    await expect(bridge.getAwayReasons()).rejects.toThrow('HTTP 500');
  });

  it('reads the login and token answers with the shared schemas', async () => {
    const agent = { name: 'Jane', display_name: 'Jane Doe' };
    const sdk = { apiUrl: 'http://a', websocketUrl: 'ws://a' };
    const bridge = answering((url) =>
      url.endsWith('/login') ? json(200, { agent, expires_at: '2030-01-01T00:00:00.000Z' }) : url.endsWith('/config') ? json(200, { sdk, contact_number: null }) : json(200, { agent, jwt: 'j', expires_at: 'never' }),
    );
    await expect(bridge.login('Jane', 'pw')).resolves.toEqual({ ok: true, session: { agent, sdk } });
    await expect(bridge.getSdkToken()).rejects.toThrow('unreadable');
  });

  it('restores a session with the token and config requests under way together, and starts the voice session with that token', async () => {
    const agent = { name: 'Jane', display_name: 'Jane Doe' };
    const sdk = { apiUrl: 'http://a', websocketUrl: 'ws://a' };
    const asked: string[] = [];
    const pending: Array<() => void> = [];
    let tokens = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string) => {
        asked.push(new URL(url).pathname);
        // Nothing answers until both requests were sent: sequential requests would never finish.
        return new Promise<Response>((resolve) => {
          pending.push(() => resolve(url.endsWith('/config') ? json(200, { sdk, contact_number: null }) : json(200, { agent, jwt: `jwt-${++tokens}`, expires_at: '2030-01-01T00:00:00.000Z' })));
          if (pending.length === 2) for (const answer of pending.splice(0)) answer();
        });
      }),
    );
    const bridge = createBrowserBridge(ORIGIN);
    await expect(bridge.restoreSession()).resolves.toEqual({ agent, sdk });
    expect(asked.sort()).toEqual(['/api/auth/token', '/api/config']);
    // The softphone's first token is the one the restore received; the next is asked for.
    await expect(bridge.getSdkToken()).resolves.toEqual({ token: 'jwt-1', expiresAt: Date.parse('2030-01-01T00:00:00.000Z') });
    vi.stubGlobal('fetch', vi.fn(async () => json(200, { agent, jwt: 'jwt-2', expires_at: '2030-01-01T00:00:00.000Z' })));
    await expect(bridge.getSdkToken()).resolves.toMatchObject({ token: 'jwt-2' });
  });

  it("takes the page's early token and config requests for the first restore only, and asks again for a later one", async () => {
    const agent = { name: 'Jane', display_name: 'Jane Doe' };
    const sdk = { apiUrl: 'http://a', websocketUrl: 'ws://a' };
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(new URL(url).pathname);
        return url.endsWith('/config') ? json(200, { sdk, contact_number: null }) : json(200, { agent, jwt: 'jwt-late', expires_at: '2030-01-01T00:00:00.000Z' });
      }),
    );
    const early = {
      token: Promise.resolve(json(200, { agent, jwt: 'jwt-early', expires_at: '2030-01-01T00:00:00.000Z' })),
      config: Promise.resolve(json(200, { sdk, contact_number: null })),
    };
    const bridge = createBrowserBridge(ORIGIN, undefined, early);
    await expect(bridge.restoreSession()).resolves.toEqual({ agent, sdk });
    expect(asked).toEqual([]);
    await expect(bridge.getSdkToken()).resolves.toMatchObject({ token: 'jwt-early' });
    // A second restore (after a sign-out and a new page state) sends its own requests.
    await expect(bridge.restoreSession()).resolves.toEqual({ agent, sdk });
    expect(asked.sort()).toEqual(['/api/auth/token', '/api/config']);
  });

  it('an early token request that failed (offline) fails the restore like a late one would', async () => {
    const early = { token: Promise.reject(new TypeError('Failed to fetch')), config: Promise.reject(new TypeError('Failed to fetch')) };
    early.token.catch(() => undefined);
    early.config.catch(() => undefined);
    const bridge = createBrowserBridge(ORIGIN, undefined, early);
    await expect(bridge.restoreSession()).rejects.toThrow('Failed to fetch');
  });

  it('a restore that finds nobody signed in is null, whatever the config request does; a sign-out drops the kept token', async () => {
    const bridge = answering((url) => (url.endsWith('/token') ? json(401, { error: { code: 'unauthorized', message: 'Sign in' } }) : json(500, {})));
    await expect(bridge.restoreSession()).resolves.toBeNull();
    const agent = { name: 'Jane', display_name: 'Jane Doe' };
    let jwt = 0;
    const signedIn = answering((url) =>
      url.endsWith('/config')
        ? json(200, { sdk: { apiUrl: 'http://a', websocketUrl: 'ws://a' }, contact_number: null })
        : url.endsWith('/token')
          ? json(200, { agent, jwt: `jwt-${++jwt}`, expires_at: '2030-01-01T00:00:00.000Z' })
          : json(200, {}),
    );
    await signedIn.restoreSession();
    await signedIn.logout();
    await expect(signedIn.getSdkToken()).resolves.toMatchObject({ token: 'jwt-2' });
  });

  it('a control state outside the contract is a refusal the agent can read', async () => {
    const bridge = answering(() => json(200, { held: 'yes' }));
    await expect(bridge.callControl({ action: 'hold', callId: 'leg-1', held: true })).resolves.toMatchObject({ ok: false, code: 'protocol' });
  });
});

describe('the renderer and the preload', () => {
  it('the renderer never imports from preload/ (its API type is the contract in common/)', () => {
    const root = path.resolve(__dirname, '../../../renderer/src');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (/\.tsx?$/.test(name) && /from ['"][^'"]*\/preload\//.test(readFileSync(file, 'utf8'))) offenders.push(path.relative(root, file));
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });

  it("the web app's early-requests script is a bundle of its own: it imports nothing, and the app only imports its types", () => {
    const root = path.resolve(__dirname, '../../../renderer/src');
    const runtimeImports = (source: string) => [...source.matchAll(/^import\s(?!type\b)[^;]*?['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(runtimeImports(readFileSync(path.join(root, 'early/early-requests.ts'), 'utf8'))).toEqual([]);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (/\.tsx?$/.test(name) && runtimeImports(readFileSync(file, 'utf8')).some((spec) => spec?.endsWith('early/early-requests'))) offenders.push(path.relative(root, file));
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });

  it('an early-requests script sends both requests before the bridge looks, and nothing after (it runs async)', async () => {
    const sent = vi.fn(async () => json(200, {}));
    vi.stubGlobal('fetch', sent);
    const page: Record<string, unknown> = { location: { protocol: 'http:', origin: ORIGIN }, focus: () => undefined };
    vi.stubGlobal('window', page);
    vi.resetModules();
    await import('../../../renderer/src/early/early-requests');
    expect(sent).toHaveBeenCalledTimes(2);
    expect(page.__switchboardEarly).toBeTruthy();

    const { resolveBridge } = await import('../../../renderer/src/bridge/index');
    expect(resolveBridge().shell).toBe('browser');
    expect(page.__switchboardEarly).toBeNull();
    // The script arriving after the bundle: nothing more is sent.
    vi.resetModules();
    await import('../../../renderer/src/early/early-requests');
    expect(sent).toHaveBeenCalledTimes(2);
  });
});
