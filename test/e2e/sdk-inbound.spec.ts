/**
 * Conformance with the real Client SDK in Chromium: calls the platform rings an agent with.
 * Invite, answer with audio both ways, reject, the caller giving up (RemoteCancel), the ring
 * timer running out (RemoteTimeout), one agent logged in twice (AnsweredElsewhere,
 * RejectedElsewhere) and hang-ups from either side with their reasons and quality reports.
 * (The agent UI's own inbound scenarios live in inbound-call.spec.ts.)
 */
import { expect, test } from '@playwright/test';
import { useSdkFixture } from '../support/sdk-conformance';

const sdk = useSdkFixture();

/** Calls to the contact number ring Jane, with this connect timeout. */
function ringJane(timeoutS = 60) {
  sdk.account.setNcco([{ action: 'connect', timeout: timeoutS, endpoint: [{ type: 'app', user: 'Jane' }] }]);
}

/** Statuses the app leg of a conversation reported to event_url, in order. */
function appLegStatuses(conversationUuid: string): string[] {
  return sdk.account.hooks
    .filter((h) => h.path === '/event' && h.body?.conversation_uuid === conversationUuid && h.body?.to === 'Jane' && typeof h.body?.status === 'string')
    .map((h) => h.body!.status as string);
}

interface Quality {
  mos_score: number;
  packet_cnt: number;
  packet_loss_perc: number;
  quality_percentage: number;
}

test('an invite is answered: audio flows both ways, the agent hangs up (LOCAL_HANGUP) with a quality report', async () => {
  ringJane();
  const jane = await sdk.agent('Jane');
  const call = await sdk.phones.call('+14155550141');
  const invite = await jane.waitFor('callInvite');
  const [callId, from, channelType] = invite.args as [string, string, string];
  expect(from).toBe('14155550141');
  expect(channelType).toBe('phone');
  expect(sdk.account.sandbox.engine.leg(callId)?.conversation.id).toBe(call.conversation_uuid);

  await jane.call('answer', callId);
  await jane.expectAudioFlowing(callId);
  const before = (await sdk.phones.get(call.uuid)).media;
  await expect.poll(async () => (await sdk.phones.get(call.uuid)).media.audible_frames_received).toBeGreaterThan(before.audible_frames_received + 10);
  // The platform's RTCP reports reach Chromium: its sender reports (remote-outbound-rtp), and
  // receiver reports whose LSR/DLSR give the round trip the call-quality indicator reads first.
  // Reports go every ~5 s, so this can take a few of them.
  await expect.poll(async () => (await jane.rtcp(callId)).remoteInbound?.roundTripTime ?? null, { timeout: 20_000, message: 'RTCP round trip' }).not.toBeNull();
  const rtcp = await jane.rtcp(callId);
  expect(rtcp.remoteInbound!.roundTripTime!).toBeLessThan(1);
  // Loopback: nothing, or next to nothing on a loaded machine, is lost.
  expect(rtcp.remoteInbound!.packetsLost).toBeGreaterThanOrEqual(0);
  expect(rtcp.remoteInbound!.packetsLost).toBeLessThanOrEqual(2);
  expect(rtcp.remoteOutbound?.packetsSent ?? 0).toBeGreaterThan(0);

  await jane.call('hangup', callId);
  const hangup = await jane.waitFor('callHangup');
  const [hungUp, quality, reason] = hangup.args as [string, Quality, string];
  expect(hungUp).toBe(callId);
  expect(reason).toBe('LOCAL_HANGUP');
  expect(quality.packet_cnt).toBeGreaterThan(50);
  expect(quality.mos_score).toBeGreaterThan(1);
  await sdk.phones.until(call.uuid, 'completed');
  await expect.poll(() => appLegStatuses(call.conversation_uuid)).toEqual(['started', 'ringing', 'answered', 'completed']);
});

test('the caller hangs up an answered call: REMOTE_HANGUP with a quality report', async () => {
  ringJane();
  const jane = await sdk.agent('Jane');
  const call = await sdk.phones.call('+14155550142');
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  await jane.call('answer', callId);
  await jane.expectAudioFlowing(callId);
  await sdk.phones.hangup(call.uuid);
  const [hungUp, quality, reason] = (await jane.waitFor('callHangup')).args as [string, Quality, string];
  expect(hungUp).toBe(callId);
  expect(reason).toBe('REMOTE_HANGUP');
  expect(quality.packet_cnt).toBeGreaterThan(50);
  await expect.poll(() => appLegStatuses(call.conversation_uuid).at(-1)).toBe('completed');
});

test('the agent rejects: the app leg is rejected and the caller\'s NCCO goes on', async () => {
  ringJane();
  const jane = await sdk.agent('Jane');
  const call = await sdk.phones.call('+14155550143');
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  await jane.call('reject', callId);
  await expect.poll(() => appLegStatuses(call.conversation_uuid).at(-1)).toBe('rejected');
  // connect was the last action: the caller's call ends once the agent refused.
  await sdk.phones.until(call.uuid, 'completed');
  expect(await jane.events('callHangup')).toEqual([]);
});

test('the caller gives up while it rings: callInviteCancel RemoteCancel', async () => {
  ringJane();
  const jane = await sdk.agent('Jane');
  const call = await sdk.phones.call('+14155550144');
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  await sdk.phones.hangup(call.uuid);
  const cancel = await jane.waitFor('callInviteCancel');
  expect(cancel.args).toEqual([callId, 'RemoteCancel']);
  await expect.poll(() => appLegStatuses(call.conversation_uuid).at(-1)).toBe('cancelled');
  // The cancelled call can no longer be answered.
  const late = await jane.run('answer', callId);
  expect(late.ok).toBe(false);
});

test('the connect timeout runs out: callInviteCancel RemoteTimeout', async () => {
  ringJane(3);
  const jane = await sdk.agent('Jane');
  const call = await sdk.phones.call('+14155550145');
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  const cancel = await jane.waitFor('callInviteCancel');
  expect(cancel.args).toEqual([callId, 'RemoteTimeout']);
  await expect.poll(() => appLegStatuses(call.conversation_uuid).at(-1)).toBe('timeout');
});

test('an agent logged in twice: both ring, one answers, the other gets AnsweredElsewhere', async () => {
  ringJane();
  const desk = await sdk.agent('Jane');
  const laptop = await sdk.agent('Jane');
  const call = await sdk.phones.call('+14155550146');
  const onDesk = (await desk.waitFor('callInvite')).args[0] as string;
  const onLaptop = (await laptop.waitFor('callInvite')).args[0] as string;
  expect(onLaptop).toBe(onDesk);

  await desk.call('answer', onDesk);
  expect((await laptop.waitFor('callInviteCancel')).args).toEqual([onLaptop, 'AnsweredElsewhere']);
  await desk.expectAudioFlowing(onDesk);
  expect(await desk.events('callInviteCancel')).toEqual([]);
  // The laptop can't take the call any more; the desk still has it.
  expect((await laptop.run('answer', onLaptop)).ok).toBe(false);
  await sdk.phones.hangup(call.uuid);
  expect((await desk.waitFor('callHangup')).args[2]).toBe('REMOTE_HANGUP');
  expect(await laptop.events('callHangup')).toEqual([]);
});

test('an agent logged in twice rejects on one: the other gets RejectedElsewhere', async () => {
  ringJane();
  const desk = await sdk.agent('Jane');
  const laptop = await sdk.agent('Jane');
  const call = await sdk.phones.call('+14155550147');
  const callId = (await desk.waitFor('callInvite')).args[0] as string;
  await laptop.waitFor('callInvite');
  await desk.call('reject', callId);
  expect((await laptop.waitFor('callInviteCancel')).args).toEqual([callId, 'RejectedElsewhere']);
  await expect.poll(() => appLegStatuses(call.conversation_uuid).at(-1)).toBe('rejected');
});

test('an agent with no session is not rung; the call goes on without her', async () => {
  ringJane();
  expect(sdk.account.sandbox.sessions.sessionsOf(sdk.account.applicationId, 'Jane')).toEqual([]);
  const call = await sdk.phones.call('+14155550148');
  await sdk.phones.until(call.uuid, 'completed');
  await expect.poll(() => appLegStatuses(call.conversation_uuid).at(-1)).toBe('failed');
});
