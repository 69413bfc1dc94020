/**
 * Strict JWT checks, shared by the Client SDK's socket and REST paths and the Voice API: a
 * token with no `exp`, or with a non-numeric `exp`/`iat`/`nbf`, is refused, and so is one
 * whose `nbf` is more than the allowed clock skew ahead. The Voice API is driven through
 * `@vonage/server-sdk` (its credentials either sign with extra claims or hand over a token
 * made here, which `tokenGenerate` would refuse to make); the Client SDK's paths over plain
 * HTTP and socket.io, as the SDK talks to them.
 */
import { randomUUID } from 'node:crypto';
import { Vonage } from '@vonage/server-sdk';
import type { VetchError } from '@vonage/vetch';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_SKEW_S } from '../../../sandbox/sdk/tokens';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { signToken } from '../../support/sdk-tokens';

let account: SandboxAccount;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  account = await startSandboxAccount();
});
afterAll(async () => {
  await account.stop();
});

/** A user's token with these claims over (or instead of) the usual ones; `undefined` drops a claim. */
function userToken(claims: Record<string, unknown>): string {
  const all: Record<string, unknown> = { application_id: account.applicationId, sub: 'Jane', iat: now(), exp: now() + 600, jti: randomUUID(), ...claims };
  return signToken(account.privateKey, Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)));
}

/** The server SDK, authenticating every request with this very token. */
function vonageWithToken(token: string): Vonage {
  const credentials = {
    applicationId: account.applicationId,
    getQueryParams: async () => ({}),
    createSignatureHash: async () => ({}),
    createBasicHeader: async () => '',
    createBearerHeader: async () => `Bearer ${token}`,
  };
  return new Vonage(credentials as unknown as ConstructorParameters<typeof Vonage>[0], { apiHost: account.sandbox.url });
}

/** The HTTP status of a server SDK call: 200 when it succeeds. */
async function status(promise: Promise<unknown>): Promise<{ status: number; detail?: string }> {
  try {
    await promise;
    return { status: 200 };
  } catch (error) {
    const response = (error as VetchError).response;
    if (!response) throw error;
    return { status: response.status, detail: ((await response.json()) as { detail?: string }).detail };
  }
}

/** What a Client SDK REST path answers to this bearer token. */
async function clientApi(token: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${account.sandbox.url}/v0.3/users/me`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, code: ((await response.json()) as { code?: string }).code };
}

/** What the SDK's socket is told on connecting with this token: session:success or the error event. */
async function socketAnswer(token: string): Promise<string> {
  const socket = io(account.sandbox.url, { path: '/v2/rtc', transports: ['websocket'], query: { token }, forceNew: true, reconnection: false });
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.onAny((type: string) => {
        if (type === 'session:success' || type.startsWith('system:error:')) resolve(type);
      });
      socket.once('connect_error', reject);
    });
  } finally {
    socket.close();
  }
}

const refused: Array<[string, Record<string, unknown>]> = [
  ['no exp', { exp: undefined }],
  ['a string exp', { exp: String(now() + 600) }],
  ['a null exp', { exp: null }],
  ['a string iat', { iat: 'yesterday' }],
  ['a string nbf', { nbf: String(now()) }],
  ['an object nbf', { nbf: { seconds: now() } }],
  [`an nbf more than ${CLOCK_SKEW_S} s ahead`, { nbf: now() + CLOCK_SKEW_S + 60 }],
];

describe('Voice API, through @vonage/server-sdk', () => {
  it('takes the tokens the SDK makes, with a past nbf or one within the clock skew', async () => {
    const plain = new Vonage({ applicationId: account.applicationId, privateKey: account.privateKey }, { apiHost: account.sandbox.url });
    expect(await status(plain.voice.getCallsPage({}))).toEqual({ status: 200 });
    for (const nbf of [now() - 60, now() + CLOCK_SKEW_S - 10]) {
      const skewed = new Vonage({ applicationId: account.applicationId, privateKey: account.privateKey, jwtOptions: { nbf } }, { apiHost: account.sandbox.url });
      expect(await status(skewed.voice.getCallsPage({}))).toEqual({ status: 200 });
    }
  });

  it('refuses an nbf in the future that the SDK signed', async () => {
    const early = new Vonage(
      { applicationId: account.applicationId, privateKey: account.privateKey, jwtOptions: { nbf: now() + 3600 } },
      { apiHost: account.sandbox.url },
    );
    const answer = await status(early.voice.getCallsPage({}));
    expect(answer.status).toBe(401);
    expect(answer.detail).toMatch(/nbf/);
  });

  it.each(refused)('refuses a token with %s (401)', async (_name, claims) => {
    const answer = await status(vonageWithToken(userToken({ sub: undefined, ...claims })).voice.getCallsPage({}));
    expect(answer.status).toBe(401);
  });

  it('still tells an expired token apart', async () => {
    const answer = await status(vonageWithToken(userToken({ sub: undefined, iat: now() - 100, exp: now() - 10 })).voice.getCallsPage({}));
    expect(answer).toMatchObject({ status: 401, detail: expect.stringMatching(/expired/) });
  });
});

describe('Client SDK paths', () => {
  it('take a well-formed user token', async () => {
    expect(await clientApi(userToken({}))).toMatchObject({ status: 200 });
    expect(await socketAnswer(userToken({ nbf: now() - 5 }))).toBe('session:success');
  });

  it.each(refused)('refuse a token with %s as an invalid token', async (_name, claims) => {
    const token = userToken(claims);
    expect(await clientApi(token)).toEqual({ status: 401, code: 'system:error:invalid-token' });
    expect(await socketAnswer(token)).toBe('system:error:invalid-token');
  });
});
