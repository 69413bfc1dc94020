/**
 * Conformance with the real Client SDK in Chromium: what an agent does during a call, and
 * what the platform does to it. DTMF both ways, mute/unmute and earmuff (echoed to the SDK,
 * and the mixer really follows), `say` into the call, `reconnectCall` (new media, same call)
 * and `callTransfer` when the backend moves the call with the Voice API.
 */
import { expect, test } from '@playwright/test';
import { useSdkFixture } from '../support/sdk-conformance';
import type { SdkAgent } from '../support/sdk-page';
import { AppLeg } from '../../sandbox/voice/legs';

const sdk = useSdkFixture();

/** A phone calls the contact number, Jane answers, audio flows: the call every test starts from. */
async function answeredCall(from: string): Promise<{ jane: SdkAgent; phoneUuid: string; callId: string; leg: AppLeg }> {
  sdk.account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }]);
  const jane = await sdk.agent('Jane');
  const call = await sdk.phones.call(from);
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  await jane.call('answer', callId);
  await jane.expectAudioFlowing(callId);
  const leg = sdk.account.sandbox.engine.leg(callId);
  if (!(leg instanceof AppLeg)) throw new Error('the call has no app leg');
  return { jane, phoneUuid: call.uuid, callId, leg };
}

/** The energy of what the agent received while `packets` more packets arrived. */
async function energyOver(agent: SdkAgent, callId: string, packets: number): Promise<number> {
  const start = await agent.media(callId);
  await expect.poll(async () => (await agent.media(callId)).packetsReceived).toBeGreaterThan(start.packetsReceived + packets);
  return (await agent.media(callId)).audioEnergy - start.audioEnergy;
}

/** Frames with sound the phone has received so far. */
async function phoneHeard(uuid: string): Promise<number> {
  return (await sdk.phones.get(uuid)).media.audible_frames_received;
}

test('the agent sends DTMF: an input action collects the digits and its eventUrl gets them', async () => {
  sdk.account.setNcco([
    { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 4, timeOut: 10 }, eventUrl: [`${sdk.account.hookUrl}/digits`] },
    { action: 'talk', text: 'No digits arrived' },
  ]);
  sdk.account.respond('/digits', [{ action: 'talk', text: 'Thank you' }]);
  const jane = await sdk.agent('Jane');
  const callId = await jane.call<string>('serverCall', { to: 'ivr' });
  await jane.expectAudioFlowing(callId);
  await jane.call('sendDTMF', callId, '12');
  await jane.call('sendDTMF', callId, '#9');
  await expect.poll(() => sdk.account.hooks.filter((h) => h.path === '/digits').length).toBe(1);
  const collected = sdk.account.hooks.find((h) => h.path === '/digits')!.body!;
  expect(collected.dtmf).toEqual({ digits: '12#9', timed_out: false });
  expect(collected.uuid).toBe(callId);
});

test('DTMF reaches the agent from the phone\'s keypad and from the Voice API; the agent\'s keys reach the phone', async () => {
  const { jane, phoneUuid, callId, leg } = await answeredCall('+14155550151');
  await sdk.phones.press(phoneUuid, '5*');
  await expect.poll(async () => (await jane.events('dtmf')).map((e) => e.args[2]).join('')).toBe('5*');
  const first = (await jane.events('dtmf'))[0]!;
  expect(first.args.slice(0, 2)).toEqual([callId, leg.uuid]);

  const viaApi = await sdk.voiceApi('PUT', `/v1/calls/${callId}/dtmf`, { digits: '31' });
  expect(viaApi.status).toBe(200);
  await expect.poll(async () => (await jane.events('dtmf')).map((e) => e.args[2]).join('')).toBe('5*31');

  await jane.call('sendDTMF', callId, '08');
  await expect.poll(async () => (await sdk.phones.get(phoneUuid)).dtmf_received.join('')).toBe('08');

  const bad = await jane.run('sendDTMF', callId, 'x!');
  expect(bad.ok).toBe(false);
});

test('mute and unmute are echoed to the SDK and the phone stops and resumes hearing the agent', async () => {
  const { jane, phoneUuid, callId, leg } = await answeredCall('+14155550152');
  await expect.poll(() => phoneHeard(phoneUuid)).toBeGreaterThan(0);

  await jane.call('mute', callId);
  expect((await jane.waitFor('mute')).args).toEqual([callId, leg.uuid, true]);
  expect(leg.muted).toBe(true);
  const whileMuted = await phoneHeard(phoneUuid);
  // Long enough for the page's tone to have been heard several times over, were it not muted.
  const sent = (await jane.media(callId)).packetsSent;
  await expect.poll(async () => (await jane.media(callId)).packetsSent).toBeGreaterThan(sent + 150);
  expect(await phoneHeard(phoneUuid)).toBe(whileMuted);

  await jane.call('unmute', callId);
  await jane.waitFor('mute', (e) => e.args[2] === false);
  expect(leg.muted).toBe(false);
  await expect.poll(() => phoneHeard(phoneUuid)).toBeGreaterThan(whileMuted);
});

test('the mixer follows a platform-side mute and earmuff (Voice API), with the SDK\'s tracks left on', async () => {
  const { jane, phoneUuid, callId, leg } = await answeredCall('+14155550153');
  await expect.poll(() => phoneHeard(phoneUuid)).toBeGreaterThan(0);
  expect((await sdk.voiceApi('PUT', `/v1/calls/${callId}`, { action: 'mute' })).status).toBe(204);
  expect(leg.muted).toBe(true);
  const whileMuted = await phoneHeard(phoneUuid);
  const sent = (await jane.media(callId)).packetsSent;
  await expect.poll(async () => (await jane.media(callId)).packetsSent).toBeGreaterThan(sent + 150);
  expect(await phoneHeard(phoneUuid)).toBe(whileMuted);
  expect((await sdk.voiceApi('PUT', `/v1/calls/${callId}`, { action: 'unmute' })).status).toBe(204);
  await expect.poll(() => phoneHeard(phoneUuid)).toBeGreaterThan(whileMuted);

  const open = await energyOver(jane, callId, 100);
  expect((await sdk.voiceApi('PUT', `/v1/calls/${callId}`, { action: 'earmuff' })).status).toBe(204);
  await energyOver(jane, callId, 50); // audio already under way or in the page's jitter buffer
  expect(await energyOver(jane, callId, 100)).toBeLessThan(open / 100);
  expect((await sdk.voiceApi('PUT', `/v1/calls/${callId}`, { action: 'unearmuff' })).status).toBe(204);
  await energyOver(jane, callId, 10);
  expect(await energyOver(jane, callId, 100)).toBeGreaterThan(open / 2);
});

test('earmuff is echoed to the SDK and the agent receives silence until it is lifted', async () => {
  const { jane, callId, leg } = await answeredCall('+14155550154');
  const open = await energyOver(jane, callId, 100);
  expect(open).toBeGreaterThan(0);

  await jane.call('enableEarmuff', callId);
  expect((await jane.waitFor('earmuff')).args).toEqual([callId, leg.uuid, true]);
  expect(leg.earmuffed).toBe(true);
  await energyOver(jane, callId, 50); // audio already under way or in the page's jitter buffer
  // The phone's tone no longer reaches the agent: next to nothing, against the open line.
  expect(await energyOver(jane, callId, 100)).toBeLessThan(open / 100);

  await jane.call('disableEarmuff', callId);
  await jane.waitFor('earmuff', (e) => e.args[2] === false);
  expect(leg.earmuffed).toBe(false);
  await energyOver(jane, callId, 10);
  expect(await energyOver(jane, callId, 100)).toBeGreaterThan(open / 2);
});

test('say speaks into the call: both parties hear it and the SDK gets audio:say:done with its say_id', async () => {
  const { jane, phoneUuid, callId } = await answeredCall('+14155550155');
  await sdk.phones.play(phoneUuid, { silence: true });
  await energyOver(jane, callId, 10);
  const quiet = await energyOver(jane, callId, 25);

  await jane.call('say', callId, { text: 'Your order has shipped and will arrive on Tuesday', level: 0, loop: 1 });
  expect(await energyOver(jane, callId, 40)).toBeGreaterThan(quiet * 10 + 0.001);
  await expect.poll(async () => (await sdk.phones.get(phoneUuid)).heard).toContainEqual({ type: 'talk', text: 'Your order has shipped and will arrive on Tuesday' });

  // The SDK logs the platform's answer to its audio:say event, with the say_id.
  const answered = (await jane.logs()).find((line) => line.includes('callback response') && line.includes('"say_id"'));
  const sayId = /"say_id":"([^"]+)"/.exec(answered ?? '')?.[1];
  expect(sayId).toBeTruthy();
  await expect.poll(async () => (await jane.received('audio:say:done')).length).toBe(1);
  expect((await jane.received('audio:say:done'))[0]!.body).toEqual({ say_id: sayId });

  const empty = await jane.run('say', callId, { text: '' });
  expect(empty.ok).toBe(false);
});

test('reconnectCall gives the call new media: the platform answers the new offer and audio flows again', async () => {
  const { jane, phoneUuid, callId, leg } = await answeredCall('+14155550156');
  const oldMedia = leg.endpoint;
  await jane.call('reconnectCall', callId);
  await expect.poll(() => leg.endpoint).not.toBe(oldMedia);
  expect(await jane.received('rtc:answer')).toHaveLength(1);
  expect((await jane.received('rtc:answer'))[0]!.body).toMatchObject({ rtc_id: callId });
  await jane.expectAudioFlowing(callId);
  const phone = (await sdk.phones.get(phoneUuid)).media;
  await expect.poll(async () => (await sdk.phones.get(phoneUuid)).media.packets_received).toBeGreaterThan(phone.packets_received + 25);
  await expect.poll(() => phoneHeard(phoneUuid)).toBeGreaterThan(phone.audible_frames_received);
  expect(leg.isOver).toBe(false);
});

test('the backend transfers the call into a conversation: callTransfer fires and the parties talk again there', async () => {
  const { jane, phoneUuid, callId, leg } = await answeredCall('+14155550157');
  const into = [{ action: 'conversation', name: 'escalations' }];
  expect((await sdk.voiceApi('PUT', `/v1/calls/${callId}`, { action: 'transfer', destination: { type: 'ncco', ncco: into } })).status).toBe(204);
  const transfer = await jane.waitFor('callTransfer');
  expect(transfer.args[0]).toBe(callId);
  const room = transfer.args[1] as string;
  expect(room).toBe(leg.conversation.id);
  expect(room).not.toBe((await sdk.phones.get(phoneUuid)).conversation_uuid);

  expect((await sdk.voiceApi('PUT', `/v1/calls/${phoneUuid}`, { action: 'transfer', destination: { type: 'ncco', ncco: into } })).status).toBe(204);
  await expect.poll(async () => (await sdk.phones.get(phoneUuid)).conversation_uuid).toBe(room);
  const heard = await phoneHeard(phoneUuid);
  await jane.expectAudioFlowing(callId);
  await expect.poll(() => phoneHeard(phoneUuid)).toBeGreaterThan(heard);
  // The call's controls keep working in its new conversation.
  await jane.call('mute', callId);
  expect((await jane.waitFor('mute')).args).toEqual([callId, callId, true]);
  const legs = await jane.call<{ legs: Array<{ id: string }> }>('getCallLegs', callId);
  expect(legs.legs.map((l) => l.id).sort()).toEqual([callId, phoneUuid].sort());
});

test('an NCCO conversation action moves the agent\'s own call: callTransfer names the new conversation', async () => {
  sdk.account.setNcco([
    { action: 'talk', text: 'Joining the team room' },
    { action: 'conversation', name: 'team-room' },
  ]);
  const jane = await sdk.agent('Jane');
  const callId = await jane.call<string>('serverCall', { to: 'team-room' });
  const first = sdk.account.sandbox.engine.leg(callId)!.conversation.id;
  const transfer = await jane.waitFor('callTransfer');
  expect(transfer.args[0]).toBe(callId);
  expect(transfer.args[1]).not.toBe(first);
  expect(transfer.args[1]).toBe(sdk.account.sandbox.engine.leg(callId)!.conversation.id);
  const events = sdk.account.hooks.filter((h) => h.path === '/event' && h.body?.uuid === callId && h.body?.type === 'transfer');
  expect(events.map((h) => [h.body!.conversation_uuid_from, h.body!.conversation_uuid_to])).toEqual([[first, transfer.args[1]]]);
  await jane.expectAudioFlowing(callId);
  await jane.call('hangup', callId);
  expect((await jane.waitFor('callHangup')).args[2]).toBe('LOCAL_HANGUP');
});

test('reconnectCall from a new session takes the call over (the agent reloaded the app mid-call)', async () => {
  const { jane, phoneUuid, callId, leg } = await answeredCall('+14155550158');
  const reloaded = await sdk.agent();
  const sessionId = await reloaded.login(sdk.token('Jane'));
  await reloaded.call('reconnectCall', callId);
  expect(leg.answeredBy?.session.id).toBe(sessionId);
  await reloaded.expectAudioFlowing(callId);
  const heard = await phoneHeard(phoneUuid);
  await expect.poll(() => phoneHeard(phoneUuid)).toBeGreaterThan(heard);
  // The old page going away no longer concerns the call; its hang-up reaches the new session.
  await jane.close();
  await reloaded.expectAudioFlowing(callId);
  await sdk.phones.hangup(phoneUuid);
  expect((await reloaded.waitFor('callHangup')).args[0]).toBe(callId);
});
