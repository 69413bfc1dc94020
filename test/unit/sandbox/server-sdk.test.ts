/**
 * The official `@vonage/server-sdk` drives the sandbox's Voice API unchanged: only its
 * `apiHost` option points at the sandbox.
 */
import { Vonage } from '@vonage/server-sdk';
import type { VetchError } from '@vonage/vetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../../sandbox/media/wav';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
let vonage: Vonage;
const PHONE = '14155550177';

interface PhoneState {
  status: string;
  heard: Array<{ type: string; text?: string; url?: string; digits?: string }>;
  dtmf_received: string[];
}


const phone = async (uuid: string) => (await (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}`)).json()) as PhoneState;
const heardTalk = (state: PhoneState, text: string) => state.heard.some((h) => h.type === 'talk' && h.text === text);

/** The rejection's HTTP status and RFC 7807 body. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; body: { invalid_parameters?: Array<{ name: string }> } }> {
  const error = (await promise.then(
    () => {
      throw new Error('expected the SDK call to fail');
    },
    (e: unknown) => e,
  )) as VetchError;
  return { status: error.response!.status, body: (await error.response!.json()) as { invalid_parameters?: Array<{ name: string }> } };
}

beforeAll(async () => {
  account = await startSandboxAccount();
  vonage = new Vonage({ applicationId: account.applicationId, privateKey: account.privateKey }, { apiHost: account.sandbox.url });
  const tone = new Int16Array(8000);
  for (let i = 0; i < tone.length; i++) tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  account.respond('/music.wav', encodeWav(tone));
});
afterAll(async () => {
  await account.stop();
});

describe('@vonage/server-sdk against the sandbox', () => {
  it('places a call to a phone, then talks, sends DTMF, streams, mutes, transfers, lists and hangs up', async () => {
    const room = `sdk-room-${Date.now()}`;
    const created = await vonage.voice.createOutboundCall({
      to: [{ type: 'phone', number: PHONE }],
      from: { type: 'phone', number: account.number },
      ncco: [{ action: 'talk', text: 'Hello from the server SDK' }, { action: 'conversation', name: room }],
      eventUrl: [`${account.hookUrl}/sdk-events`],
    } as Parameters<Vonage['voice']['createOutboundCall']>[0]);
    expect(created).toMatchObject({ status: 'started', direction: 'outbound' });
    const uuid = created.uuid;
    expect(created.conversationUUID).toMatch(/^CON-/);

    // The simulated phone rings; answer it through the phone API.
    const ringing = await waitFor(() => phone(uuid), (s) => s.status === 'ringing');
    expect(ringing.status).toBe('ringing');
    const answered = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}/answer`, { method: 'POST' });
    expect(answered.status).toBe(200);
    await waitFor(() => phone(uuid), (s) => heardTalk(s, 'Hello from the server SDK'));
    expect((await vonage.voice.getCall(uuid)).status).toBe('answered');

    const talk = await vonage.voice.playTTS(uuid, { text: 'Please hold the line', loop: 0 } as Parameters<Vonage['voice']['playTTS']>[1]);
    expect(talk).toMatchObject({ message: 'Talk started', uuid });
    expect(heardTalk(await phone(uuid), 'Please hold the line')).toBe(true);
    const leg = account.sandbox.engine.leg(uuid)!;
    expect(leg.apiPlaybacks.talk.size).toBe(1);
    expect(await vonage.voice.stopTTS(uuid)).toMatchObject({ message: 'Talk stopped', uuid });
    expect(leg.apiPlaybacks.talk.size).toBe(0);

    expect(await vonage.voice.playDTMF(uuid, '12#')).toMatchObject({ message: 'DTMF sent', uuid });
    expect((await phone(uuid)).dtmf_received).toEqual(['1', '2', '#']);

    expect(await vonage.voice.streamAudio(uuid, `${account.hookUrl}/music.wav`, 0, 0.5)).toMatchObject({ message: 'Stream started', uuid });
    expect((await phone(uuid)).heard).toContainEqual({ type: 'stream', url: `${account.hookUrl}/music.wav` });
    expect(leg.apiPlaybacks.stream.size).toBe(1);
    expect(await vonage.voice.stopStreamAudio(uuid)).toMatchObject({ message: 'Stream stopped', uuid });
    expect(leg.apiPlaybacks.stream.size).toBe(0);

    await vonage.voice.muteCall(uuid);
    expect(leg.muted).toBe(true);
    await vonage.voice.unmuteCall(uuid);
    expect(leg.muted).toBe(false);
    await vonage.voice.earmuffCall(uuid);
    expect(leg.earmuffed).toBe(true);
    await vonage.voice.unearmuffCall(uuid);
    expect(leg.earmuffed).toBe(false);

    await vonage.voice.transferCallWithNCCO(uuid, [
      { action: 'talk', text: 'You have been transferred' },
      { action: 'conversation', name: `${room}-2` },
    ] as Parameters<Vonage['voice']['transferCallWithNCCO']>[1]);
    await waitFor(() => leg.conversation.name, (name) => name === `${room}-2`);
    expect(heardTalk(await phone(uuid), 'You have been transferred')).toBe(true);
    const second = leg.conversation.id;

    account.respond('/transfer-ncco', [{ action: 'talk', text: 'Transferred by URL' }, { action: 'conversation', name: `${room}-3` }]);
    await vonage.voice.transferCallWithURL(uuid, `${account.hookUrl}/transfer-ncco`);
    await waitFor(() => leg.conversation.name, (name) => name === `${room}-3`);
    expect(heardTalk(await phone(uuid), 'Transferred by URL')).toBe(true);
    const third = leg.conversation.id;

    const call = await vonage.voice.getCall(uuid);
    expect(call).toMatchObject({
      uuid,
      conversationUUID: third,
      status: 'answered',
      direction: 'outbound',
      to: { type: 'phone', number: PHONE },
      from: { type: 'phone', number: account.number },
    });
    const listed: string[] = [];
    for await (const item of vonage.voice.getAllCalls({ status: 'answered' } as Parameters<Vonage['voice']['getAllCalls']>[0])) listed.push(item.uuid);
    expect(listed).toContain(uuid);
    const page = await vonage.voice.search({ pageSize: 1 } as Parameters<Vonage['voice']['search']>[0]);
    expect(page._embedded?.calls).toHaveLength(1);

    await vonage.voice.hangupCall(uuid);
    const ended = await waitFor(() => phone(uuid), (s) => s.status === 'completed');
    expect(ended.status).toBe('completed');
    expect((await vonage.voice.getCall(uuid)).status).toBe('completed');
    const statuses = await waitFor(
      () => account.hooks.filter((h) => h.path === '/sdk-events' && h.body?.uuid === uuid && h.body.status).map((h) => h.body!.status),
      (s) => s.includes('completed'),
    );
    expect(statuses).toEqual(['started', 'ringing', 'answered', 'completed']);
    const transfers = account.hooks.filter((h) => h.path === '/sdk-events' && h.body?.uuid === uuid && h.body.type === 'transfer');
    expect(transfers.map((h) => h.body!.conversation_uuid_to)).toEqual(expect.arrayContaining([second, third]));
  });

  it('reports a call to an app user with no session as failed', async () => {
    const created = await vonage.voice.createOutboundCall({
      to: [{ type: 'app', user: 'NobodyHome' }],
      from: { type: 'phone', number: account.number },
      ncco: [{ action: 'talk', text: 'Hello' }],
    } as Parameters<Vonage['voice']['createOutboundCall']>[0]);
    const status = await waitFor(async () => (await vonage.voice.getCall(created.uuid)).status, (s) => s === 'failed');
    expect(status).toBe('failed');
    const call = await vonage.voice.getCall(created.uuid);
    expect(call.to).toEqual({ type: 'app', user: 'NobodyHome' });
  });

  it('surfaces bad inputs as HTTP errors naming the field', async () => {
    const noFrom = await failure(
      vonage.voice.createOutboundCall({ to: [{ type: 'phone', number: PHONE }], ncco: [{ action: 'talk', text: 'Hi' }] } as Parameters<Vonage['voice']['createOutboundCall']>[0]),
    );
    expect(noFrom.status).toBe(400);
    expect(noFrom.body.invalid_parameters?.map((p) => p.name)).toContain('from');
    const unknownCallDtmf = await failure(vonage.voice.playDTMF('00000000-0000-4000-8000-000000000000', '1'));
    expect(unknownCallDtmf.status).toBe(404);
    const unknown = await failure(vonage.voice.getCall('00000000-0000-4000-8000-000000000000'));
    expect(unknown.status).toBe(404);
    const stranger = new Vonage({ applicationId: account.applicationId, privateKey: (await import('node:crypto')).generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, { apiHost: account.sandbox.url });
    expect((await failure(stranger.voice.search({}))).status).toBe(401);
  });
});
