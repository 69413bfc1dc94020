/**
 * Conformance with the real Client SDK in Chromium: sessions. Create, `getUser`,
 * `refreshSession` (the new token is verified and its expiry bound to the session),
 * `deleteSession`, a token running out, and a socket dropped mid-call (the SDK resumes the
 * same session and the call's audio never stops).
 */
import { expect, test } from '@playwright/test';
import { useSdkFixture } from '../support/sdk-conformance';
import { expiredUserToken, signToken } from '../support/sdk-tokens';

const sdk = useSdkFixture();
const agent = () => sdk.agent();
const token = (user: string, ttlS?: number) => sdk.token(user, ttlS);

test('a session is created and getUser reads the user by "me", name and id', async () => {
  const jane = await agent();
  const sessionId = await jane.login(token('Jane'));
  expect(sdk.account.sandbox.sessions.get(sessionId)?.user.name).toBe('Jane');

  const me = await jane.call<{ id: string; name: string; displayName: string | null }>('getUser', 'me');
  expect(me.name).toBe('Jane');
  expect(me.id).toMatch(/^USR-/);
  expect((await jane.call<{ id: string }>('getUser', 'Jane')).id).toBe(me.id);
  expect((await jane.call<{ name: string }>('getUser', me.id)).name).toBe('Jane');

  const missing = await jane.run('getUser', 'nobody-by-that-name');
  expect(missing.ok).toBe(false);
  if (!missing.ok) expect(missing.error.code).toBe('user:error:not-found');
});

test('refreshSession binds the new token: the session outlives the old token, an unrefreshed one does not', async () => {
  const refreshed = await agent();
  const stale = await agent();
  const shortLife = 4;
  const refreshedId = await refreshed.login(token('Jane', shortLife));
  const staleId = await stale.login(token('Joe', shortLife));
  const oldExpiry = sdk.account.sandbox.sessions.get(refreshedId)!.expiresAt!;

  const longer = token('Jane', 3600);
  await refreshed.call('refreshSession', longer);
  const claims = JSON.parse(Buffer.from(longer.split('.')[1]!, 'base64url').toString()) as { exp: number };
  expect(sdk.account.sandbox.sessions.get(refreshedId)!.expiresAt).toBe(claims.exp * 1000);
  expect(claims.exp * 1000).toBeGreaterThan(oldExpiry);

  // The session that was not refreshed is disconnected when its token runs out...
  const expired = await stale.waitFor('sessionError');
  expect(expired.args[0]).toBe('EXPIRED_TOKEN');
  expect(sdk.account.sandbox.sessions.get(staleId)?.socket ?? null).toBeNull();
  // ...while the refreshed one, whose first token expired at the same moment, carries on.
  expect(Date.now()).toBeGreaterThan(oldExpiry);
  expect(await refreshed.events('sessionError')).toEqual([]);
  expect(sdk.account.sandbox.sessions.get(refreshedId)?.socket?.connected).toBe(true);
  expect((await refreshed.call<{ name: string }>('getUser', 'me')).name).toBe('Jane');
});

test('a session whose token ran out is resumed with a new token and its call carries on', async () => {
  sdk.account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }]);
  const jane = await agent();
  const sessionId = await jane.login(token('Jane', 5));
  const call = await sdk.phones.call('+14155550133');
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  await jane.call('answer', callId);
  await jane.expectAudioFlowing(callId);

  expect((await jane.waitFor('sessionError')).args[0]).toBe('EXPIRED_TOKEN');
  // Media does not ride on the session: the call is still up and carrying audio.
  await jane.expectAudioFlowing(callId);
  expect((await sdk.phones.get(call.uuid)).status).toBe('answered');

  expect(await jane.login(token('Jane'), sessionId)).toBe(sessionId);
  expect(sdk.account.sandbox.sessions.get(sessionId)?.socket?.connected).toBe(true);
  await jane.call('mute', callId);
  expect((await jane.waitFor('mute')).args[2]).toBe(true);
  await sdk.phones.hangup(call.uuid);
  expect((await jane.waitFor('callHangup')).args[2]).toBe('REMOTE_HANGUP');
});

test('refreshSession refuses an expired, a forged and another user\'s token with the SDK\'s errors', async () => {
  const jane = await agent();
  const sessionId = await jane.login(token('Jane'));
  const expiresAt = sdk.account.sandbox.sessions.get(sessionId)!.expiresAt;

  const expired = await jane.run('refreshSession', expiredUserToken(sdk.account.applicationId, sdk.account.privateKey, 'Jane'));
  expect(expired.ok).toBe(false);
  const forged = await jane.run('refreshSession', `${token('Jane').slice(0, -8)}AAAAAAAA`);
  expect(forged.ok).toBe(false);
  const notJane = await jane.run('refreshSession', token('Joe'));
  expect(notJane.ok).toBe(false);
  if (!expired.ok && !forged.ok && !notJane.ok) {
    // 401 surfaces as the SDK's authorisation error; the 403 as a CS error with our code.
    expect(`${expired.error.type} ${expired.error.code} ${expired.error.message}`.toLowerCase()).toMatch(/auth|expired|token/);
    expect(`${forged.error.type} ${forged.error.code} ${forged.error.message}`.toLowerCase()).toMatch(/auth|invalid|token/);
    expect(notJane.error.code).toBe('session:error:invalid-session');
  }
  // Nothing changed: same expiry, same user, still usable.
  expect(sdk.account.sandbox.sessions.get(sessionId)!.expiresAt).toBe(expiresAt);
  expect((await jane.call<{ name: string }>('getUser', 'me')).name).toBe('Jane');
});

test('deleteSession logs out: the platform forgets the session and ends its call', async () => {
  sdk.account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }]);
  const jane = await agent();
  const sessionId = await jane.login(token('Jane'));
  const call = await sdk.phones.call('+14155550132');
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  await jane.call('answer', callId);
  await jane.expectAudioFlowing(callId);

  await jane.call('deleteSession');
  await expect.poll(() => sdk.account.sandbox.sessions.get(sessionId)).toBeUndefined();
  await sdk.phones.until(call.uuid, 'completed');
  // The SDK has no session any more: calls that need one fail with its own error.
  const after = await jane.run('refreshSession', token('Jane'));
  expect(after.ok).toBe(false);
});

test('a dropped socket resumes the same session; the call keeps its audio and missed events arrive', async () => {
  sdk.account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }]);
  const jane = await agent();
  const sessionId = await jane.login(token('Jane'));
  const call = await sdk.phones.call('+14155550131');
  const invite = await jane.waitFor('callInvite');
  const callId = invite.args[0] as string;
  await jane.call('answer', callId);
  await jane.expectAudioFlowing(callId);

  // Drop the transport under the session (as a network failure would), not a server "disconnect".
  const session = sdk.account.sandbox.sessions.get(sessionId)!;
  const firstSocket = session.socket!;
  firstSocket.conn.close();
  await expect.poll(() => session.socket).toBeNull();
  // An event while the SDK is away waits for it.
  await sdk.phones.press(call.uuid, '7');
  // Audio does not depend on the socket: both sides keep receiving while it is down.
  const phoneBefore = (await sdk.phones.get(call.uuid)).media;
  await jane.expectAudioFlowing(callId);
  await expect.poll(async () => (await sdk.phones.get(call.uuid)).media.packets_received).toBeGreaterThan(phoneBefore.packets_received + 25);

  await jane.waitFor('reconnecting');
  await jane.waitFor('reconnection');
  expect(session.socket).not.toBeNull();
  expect(session.socket).not.toBe(firstSocket);
  expect(sdk.account.sandbox.sessions.get(sessionId)).toBe(session);
  const dtmf = await jane.waitFor('dtmf');
  expect(dtmf.args[0]).toBe(callId);
  expect(dtmf.args[2]).toBe('7');

  await jane.expectAudioFlowing(callId);
  const phoneAfter = (await sdk.phones.get(call.uuid)).media;
  await expect.poll(async () => (await sdk.phones.get(call.uuid)).media.packets_received).toBeGreaterThan(phoneAfter.packets_received + 25);
  expect((await sdk.phones.get(call.uuid)).media.audible_frames_received).toBeGreaterThan(0);

  await sdk.phones.hangup(call.uuid);
  const hangup = await jane.waitFor('callHangup');
  expect(hangup.args[2]).toBe('REMOTE_HANGUP');
});

test('a session token without a subject, or for an unknown application, is refused', async () => {
  const jane = await agent();
  const sessionsBefore = sdk.account.sandbox.sessions.count();
  const now = Math.floor(Date.now() / 1000);
  const noSub = signToken(sdk.account.privateKey, { application_id: sdk.account.applicationId, iat: now, exp: now + 600, jti: 'x' });
  const unknownApp = signToken(sdk.account.privateKey, { application_id: 'no-such-app', sub: 'Jane', iat: now, exp: now + 600, jti: 'y' });
  for (const bad of [noSub, unknownApp]) {
    const outcome = await jane.run('createSession', bad, null);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(`${outcome.error.code} ${outcome.error.message}`.toLowerCase()).toContain('invalid');
  }
  expect(sdk.account.sandbox.sessions.count()).toBe(sessionsBefore);
});
