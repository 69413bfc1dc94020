/**
 * One session authority in main: a 401 from any backend call (token exchange, status,
 * away reasons, voice, desk, voicemail audio, call control, transfer targets, quality, call
 * context) and the status stream's 401 end the session the same way: the credential is
 * forgotten and `onEnded` runs once with the one reason. A stale credential's 401 (the agent
 * signed in again meanwhile) ends nothing.
 */
import { describe, expect, it, vi } from 'vitest';
import { AgentDeskService } from '../../../main/agent-desk';
import { BackendClient, SESSION_ENDED_MESSAGE } from '../../../main/backend-client';
import { CallContextService } from '../../../main/call-context';
import { CallControlService } from '../../../main/call-control';
import { AgentStatusService, SessionService } from '../../../main/session';
import { SIGNED_OUT_MESSAGE } from '../../../main/session-authority';
import { StatusStream } from '../../../main/status-stream';
import { testAuthority } from './support';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const revoked = () => new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'revoked' } }), { status: 401, headers: { 'content-type': 'application/json' } });

function services(fetchImpl: () => Promise<Response>) {
  const authority = testAuthority('rt_1');
  const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:3030', fetch: vi.fn(fetchImpl) as unknown as typeof fetch });
  return {
    authority,
    session: new SessionService({ backend, authority, log: quiet }),
    status: new AgentStatusService({ backend, authority }),
    desk: new AgentDeskService({ backend, authority, log: quiet }),
    control: new CallControlService({ backend, authority, log: quiet }),
    context: new CallContextService({ backend, authority, log: quiet }),
    stream: new StatusStream({ backend, authority, onStatus: () => undefined, retryMs: 1, maxRetryMs: 2, log: quiet }),
  };
}

type Services = ReturnType<typeof services>;
const requests: Array<[string, (s: Services) => Promise<unknown>]> = [
  ['token exchange', (s) => s.session.sdkToken()],
  ['session restore', (s) => s.session.restore()],
  ['status read', (s) => s.status.get()],
  ['status change', (s) => s.status.set('away', 'Lunch')],
  ['away reasons', (s) => s.status.awayReasons()],
  ['voice report', (s) => s.status.reportVoice('up')],
  ['desk request', (s) => s.desk.run({ action: 'dispositions' })],
  ['voicemail audio', (s) => s.desk.voicemailAudio('0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70')],
  ['call control', (s) => s.control.run({ action: 'hold', callId: 'leg-1', held: true })],
  ['transfer targets', (s) => s.control.targets()],
  ['call quality', (s) => s.control.saveQuality('leg-1', { samples: 0 } as never)],
  ['call context', (s) => s.context.get('leg-1')],
];

describe('SessionAuthority', () => {
  it.each(requests)('a 401 on the %s ends the session once, with the one reason', async (_name, call) => {
    const s = services(async () => revoked());
    await call(s).catch(() => undefined);
    expect(s.authority.credential()).toBeNull();
    expect(s.authority.ended).toEqual([SESSION_ENDED_MESSAGE]);
    // Signed out now: the next request sends nothing and ends nothing again.
    await call(s).catch(() => undefined);
    expect(s.authority.ended.filter((reason) => reason === SESSION_ENDED_MESSAGE)).toHaveLength(1);
  });

  it('a 401 on the status stream ends the session the same way', async () => {
    const s = services(async () => revoked());
    s.stream.start();
    await vi.waitFor(() => expect(s.authority.ended).toEqual([SESSION_ENDED_MESSAGE]));
    expect(s.authority.credential()).toBeNull();
    expect(s.stream.running).toBe(false);
  });

  it('requests failing together with 401 end the session once', async () => {
    const s = services(async () => revoked());
    await Promise.allSettled([s.status.get(), s.desk.run({ action: 'unseen' }), s.control.targets(), s.session.sdkToken()]);
    expect(s.authority.ended).toEqual([SESSION_ENDED_MESSAGE]);
  });

  it("a stale credential's 401 does not end a newer sign-in", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const s = services(async () => {
      await gate;
      return revoked();
    });
    const pending = s.status.get().catch((error: unknown) => error);
    s.authority.begin({ refreshToken: 'rt_2', agent: { name: 'Jane', display_name: 'Jane Doe' } });
    release();
    await expect(pending).resolves.toBeInstanceOf(Error);
    expect(s.authority.credential()).toBe('rt_2');
    expect(s.authority.ended).toEqual([]);
  });

  it('other failures keep the session', async () => {
    const s = services(async () => new Response('{}', { status: 503 }));
    await s.status.get().catch(() => undefined);
    await s.control.run({ action: 'conference', callId: 'leg-1' });
    expect(s.authority.credential()).toBe('rt_1');
    expect(s.authority.ended).toEqual([]);
  });

  it('signed out, nothing is sent and the answer says so', async () => {
    const fetchImpl = vi.fn(async () => new Response('{}'));
    const s = services(fetchImpl);
    s.authority.signOut();
    expect(s.authority.ended).toEqual([undefined]);
    await expect(s.status.get()).rejects.toThrow(SIGNED_OUT_MESSAGE);
    await expect(s.control.run({ action: 'conference', callId: 'leg-1' })).resolves.toEqual({ ok: false, code: 'signed_out', message: SIGNED_OUT_MESSAGE });
    expect(fetchImpl).not.toHaveBeenCalled();
  });
});
