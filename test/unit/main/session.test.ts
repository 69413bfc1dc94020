import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../../main/backend-client';
import { PublicError } from '../../../main/ipc';
import { createRecordingLogger } from '../../../main/log';
import { SessionService } from '../../../main/session';
import { SessionAuthority } from '../../../main/session-authority';
import { TokenVault } from '../../../main/vault';
import { MemoryStore, safeStorage } from '../../desktop/double';

const agent = { name: 'Jane', display_name: 'Jane Doe' };
const sdk = { apiUrl: 'http://a/api', websocketUrl: 'ws://a' };

function setup() {
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
  const session = new SessionService({ backend, authority, log: createRecordingLogger() });
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
});
