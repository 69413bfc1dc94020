import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../../main/backend-client';
import { PublicError } from '../../../main/ipc';
import { createRecordingLogger } from '../../../main/log';
import { RESTORE_FRESH_MS, SessionService } from '../../../main/session';
import { SessionAuthority } from '../../../main/session-authority';
import { TokenVault } from '../../../main/vault';
import { MemoryStore, safeStorage } from '../../desktop/double';

const agent = { name: 'Jane', display_name: 'Jane Doe' };
const sdk = { apiUrl: 'http://a/api', websocketUrl: 'ws://a' };

function setup(options: { now?: () => number } = {}) {
  const store = new MemoryStore();
  const vault = new TokenVault(safeStorage, store, { platform: 'linux', log: createRecordingLogger() });
  const backend = {
    login: vi.fn(async () => ({ agent, refreshToken: 'rt_1', expiresAt: '2030-01-01T00:00:00Z' })),
    exchangeToken: vi.fn(async () => ({ agent, jwt: 'jwt_1', expires_at: '2030-01-01T00:00:00.000Z' })),
    logout: vi.fn(async () => undefined),
    getConfig: vi.fn(async () => ({ sdk, contact_number: '+1' })),
  };
  const onSessionEnded = vi.fn();
  const onSignedOut = vi.fn();
  // The authority tells a sign-out (no reason) from an ended session (a reason to show).
  const authority = new SessionAuthority({ vault, onEnded: (reason) => (reason === undefined ? onSignedOut() : onSessionEnded(reason)), log: createRecordingLogger() });
  const session = new SessionService({ backend, authority, log: createRecordingLogger(), ...(options.now ? { now: options.now } : {}) });
  return { store, vault, backend, onSessionEnded, onSignedOut, session };
}

describe('SessionService', () => {
  it('login stores the credential and returns only what the renderer needs', async () => {
    const { session, vault, backend } = setup();
    const outcome = await session.login('Jane', 'pw');
    expect(outcome).toEqual({ ok: true, session: { agent, sdk } });
    expect(JSON.stringify(outcome)).not.toContain('rt_1');
    expect(backend.login).toHaveBeenCalledWith('Jane', 'pw');
    expect(vault.read()).toEqual({ refreshToken: 'rt_1', agent });
  });

  it('login failures come back as a message for the form, and store nothing', async () => {
    const { session, backend, vault } = setup();
    backend.login.mockRejectedValueOnce(new BackendError('unauthorized', 'The name or password is not correct.', 401));
    await expect(session.login('Jane', 'bad')).resolves.toEqual({ ok: false, error: 'The name or password is not correct.' });
    backend.login.mockRejectedValueOnce(new Error('boom'));
    await expect(session.login('Jane', 'pw')).resolves.toEqual({ ok: false, error: 'Signing in failed. Please try again.' });
    expect(vault.read()).toBeNull();
  });

  it('restore returns null without a stored credential, and does not call the backend', async () => {
    const { session, backend } = setup();
    await expect(session.restore()).resolves.toBeNull();
    expect(backend.exchangeToken).not.toHaveBeenCalled();
  });

  it('restore checks the credential is alive and returns the session', async () => {
    const { session, vault, backend } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    await expect(session.restore()).resolves.toEqual({ agent, sdk });
    expect(backend.exchangeToken).toHaveBeenCalledWith('rt_1');
  });

  it('restore clears a revoked credential and ends the session with the reason, as any 401 does', async () => {
    const { session, vault, backend, store, onSessionEnded } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    backend.exchangeToken.mockRejectedValueOnce(new BackendError('unauthorized', 'ended', 401));
    await expect(session.restore()).resolves.toBeNull();
    expect(store.data).toEqual({});
    expect(onSessionEnded).toHaveBeenCalledWith('ended');
  });

  it('restore keeps the credential when the server is unreachable', async () => {
    const { session, vault, backend } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    backend.exchangeToken.mockRejectedValueOnce(new BackendError('network', 'Cannot reach'));
    await expect(session.restore()).resolves.toBeNull();
    expect(vault.read()?.refreshToken).toBe('rt_1');
  });

  it('sdkToken returns the JWT and its expiry in ms', async () => {
    const { session, vault } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    await expect(session.sdkToken()).resolves.toEqual({ token: 'jwt_1', expiresAt: Date.parse('2030-01-01T00:00:00.000Z') });
  });

  it('sdkToken on a revoked credential clears the vault and ends the session', async () => {
    const { session, vault, backend, onSessionEnded } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    backend.exchangeToken.mockRejectedValueOnce(new BackendError('unauthorized', 'Your session has ended. Please sign in again.', 401));
    await expect(session.sdkToken()).rejects.toThrow(PublicError);
    expect(vault.read()).toBeNull();
    expect(onSessionEnded).toHaveBeenCalledWith('Your session has ended. Please sign in again.');
  });

  it('sdkToken while signed out ends the session', async () => {
    const { session, onSessionEnded } = setup();
    await expect(session.sdkToken()).rejects.toThrow('You are signed out');
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
  });

  it('sdkToken on a network failure keeps the session', async () => {
    const { session, vault, backend, onSessionEnded } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    backend.exchangeToken.mockRejectedValueOnce(new BackendError('network', 'Cannot reach the Switchboard server at x.'));
    await expect(session.sdkToken()).rejects.toThrow('Cannot reach the Switchboard server');
    expect(vault.read()).not.toBeNull();
    expect(onSessionEnded).not.toHaveBeenCalled();
  });

  it('logout revokes at the backend and clears locally even when the backend fails', async () => {
    const { session, vault, backend, onSignedOut } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    backend.logout.mockRejectedValueOnce(new BackendError('network', 'down'));
    await session.logout();
    expect(backend.logout).toHaveBeenCalledWith('rt_1');
    expect(vault.read()).toBeNull();
    expect(onSignedOut).toHaveBeenCalledTimes(1);
  });

  it('restore asks for the token and the config at once, not one after the other', async () => {
    const { session, vault, backend } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    let answerToken!: () => void;
    backend.exchangeToken.mockImplementationOnce(
      () => new Promise((resolve) => (answerToken = () => resolve({ agent, jwt: 'jwt_1', expires_at: '2030-01-01T00:00:00.000Z' }))),
    );
    const restored = session.restore();
    await vi.waitFor(() => expect(backend.exchangeToken).toHaveBeenCalledTimes(1));
    // The config request is out while the token's answer is still pending.
    expect(backend.getConfig).toHaveBeenCalledTimes(1);
    answerToken();
    await expect(restored).resolves.toEqual({ agent, sdk });
  });

  it("the renderer's first sdkToken right after a restore is the restore's token; the next asks the backend", async () => {
    const { session, vault, backend } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    await session.restore();
    backend.exchangeToken.mockResolvedValueOnce({ agent, jwt: 'jwt_2', expires_at: '2030-01-01T00:00:00.000Z' });
    await expect(session.sdkToken()).resolves.toEqual({ token: 'jwt_1', expiresAt: Date.parse('2030-01-01T00:00:00.000Z') });
    expect(backend.exchangeToken).toHaveBeenCalledTimes(1);
    await expect(session.sdkToken()).resolves.toMatchObject({ token: 'jwt_2' });
    expect(backend.exchangeToken).toHaveBeenCalledTimes(2);
  });

  it("a restore's token is not handed out after a new sign-in, once stale, or with little time left", async () => {
    let now = Date.parse('2029-12-31T23:00:00.000Z');
    const { session, vault, backend } = setup({ now: () => now });
    vault.save({ refreshToken: 'rt_1', agent });
    await session.restore();
    backend.login.mockResolvedValueOnce({ agent, refreshToken: 'rt_2', expiresAt: '2030-01-01T00:00:00Z' });
    await session.login('Jane', 'pw');
    await session.sdkToken();
    expect(backend.exchangeToken).toHaveBeenLastCalledWith('rt_2');
    expect(backend.exchangeToken).toHaveBeenCalledTimes(2);

    await session.restore();
    now += RESTORE_FRESH_MS + 1;
    await session.sdkToken();
    expect(backend.exchangeToken).toHaveBeenCalledTimes(4);

    backend.exchangeToken.mockResolvedValueOnce({ agent, jwt: 'jwt_short', expires_at: new Date(now + 30_000).toISOString() });
    await session.restore();
    await expect(session.sdkToken()).resolves.toMatchObject({ token: 'jwt_1' });
    expect(backend.exchangeToken).toHaveBeenCalledTimes(6);
  });

  it('prefetch asks at app start; the first restore takes its answers without asking again', async () => {
    const { session, vault, backend } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    session.prefetch();
    session.prefetch(); // once
    expect(backend.exchangeToken).toHaveBeenCalledTimes(1);
    expect(backend.getConfig).toHaveBeenCalledTimes(1);
    await expect(session.restore()).resolves.toEqual({ agent, sdk });
    await expect(session.sdkToken()).resolves.toMatchObject({ token: 'jwt_1' });
    expect(backend.exchangeToken).toHaveBeenCalledTimes(1);
    expect(backend.getConfig).toHaveBeenCalledTimes(1);
    // Taken once: a later restore (a reload) asks again.
    await session.restore();
    expect(backend.exchangeToken).toHaveBeenCalledTimes(2);
  });

  it('prefetch without a stored session asks nothing', async () => {
    const { session, backend } = setup();
    session.prefetch();
    await expect(session.restore()).resolves.toBeNull();
    expect(backend.exchangeToken).not.toHaveBeenCalled();
    expect(backend.getConfig).not.toHaveBeenCalled();
  });

  it('a prefetch the server refused decides nothing: the restore asks again, and that refusal ends the session with its reason', async () => {
    const { session, vault, backend, onSessionEnded } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    backend.exchangeToken.mockRejectedValueOnce(new BackendError('unauthorized', 'ended', 401));
    session.prefetch();
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Still signed in until the renderer, listening, restores.
    expect(vault.read()?.refreshToken).toBe('rt_1');
    expect(onSessionEnded).not.toHaveBeenCalled();
    backend.exchangeToken.mockRejectedValueOnce(new BackendError('unauthorized', 'ended', 401));
    await expect(session.restore()).resolves.toBeNull();
    expect(backend.exchangeToken).toHaveBeenCalledTimes(2);
    expect(onSessionEnded).toHaveBeenCalledWith('ended');
    expect(vault.read()).toBeNull();
  });

  it('a prefetch that had already found no server is asked again by the restore (the network may be up now); a stale one too', async () => {
    let now = 1_000_000;
    const { session, vault, backend } = setup({ now: () => now });
    vault.save({ refreshToken: 'rt_1', agent });
    backend.getConfig.mockRejectedValueOnce(new BackendError('network', 'down'));
    session.prefetch();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(session.restore()).resolves.toEqual({ agent, sdk });
    expect(backend.getConfig).toHaveBeenCalledTimes(2);

    session.prefetch();
    now += RESTORE_FRESH_MS + 1;
    await session.restore();
    expect(backend.getConfig).toHaveBeenCalledTimes(4);
  });

  it('a restore that waited for a prefetch finding no server fails as one restore would: no second wait', async () => {
    const { session, vault, backend } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    let fail!: () => void;
    backend.getConfig.mockImplementationOnce(() => new Promise((_resolve, reject) => (fail = () => reject(new BackendError('network', 'Cannot reach')))));
    session.prefetch();
    const restored = session.restore();
    fail();
    await expect(restored).resolves.toBeNull();
    expect(backend.getConfig).toHaveBeenCalledTimes(1);
    expect(backend.exchangeToken).toHaveBeenCalledTimes(1);
    expect(vault.read()?.refreshToken).toBe('rt_1');
  });

  it('a restore whose session ended while it waited for the prefetch returns nothing', async () => {
    const { session, vault, backend } = setup();
    vault.save({ refreshToken: 'rt_1', agent });
    let answer!: () => void;
    backend.getConfig.mockImplementationOnce(() => new Promise((resolve) => (answer = () => resolve({ sdk, contact_number: '+1' }))));
    session.prefetch();
    const restored = session.restore();
    await session.logout();
    answer();
    await expect(restored).resolves.toBeNull();
    await expect(session.sdkToken()).rejects.toThrow('You are signed out');
  });
});
