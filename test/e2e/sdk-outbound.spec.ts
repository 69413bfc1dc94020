/**
 * Conformance with the real Client SDK in Chromium: calls the agent places. `serverCall`
 * (POST /v0.3/legs answers the SDK's offer, POST /v0.3/knocking starts the call) → the
 * answer_url gets `to`, `from_user` and `custom_data` → a `connect` to a simulated phone →
 * `legStatusUpdate` ringing / answered / completed; `getLeg` and `getCallLegs` on the call.
 */
import { expect, test } from '@playwright/test';
import { useSdkFixture } from '../support/sdk-conformance';

const sdk = useSdkFixture();
const CONTACT_NUMBER = '14155550199';

/** The answer_url's NCCO for agents' calls: connect to the dialled number, as the seed guide does. */
function dialOut(number: string) {
  sdk.account.setNcco([
    { action: 'talk', text: 'Please wait while we connect you.' },
    { action: 'connect', from: CONTACT_NUMBER, timeout: 20, endpoint: [{ type: 'phone', number }] },
  ]);
}

/** The answer_url requests for one conversation. */
function answerRequests(conversationUuid: string) {
  return sdk.account.hooks.filter((h) => h.path === '/answer' && h.query.conversation_uuid === conversationUuid);
}

interface SdkLeg {
  id: string;
  type: string;
  direction: string;
  conversationId: string;
  status: string;
  startTime: string;
  endTime: string;
  from: { type: string; user: string | null; number: string | null };
  to: { type: string; user: string | null; number: string | null };
}

test('serverCall dials a phone: answer_url gets to/from_user/custom_data, legStatusUpdate follows the phone, audio flows', async () => {
  const customer = '14155550161';
  dialOut(customer);
  const jane = await sdk.agent('Jane');
  const callId = await jane.call<string>('serverCall', { to: customer, queue: 'sales', priority: 2 });
  const leg = sdk.account.sandbox.engine.leg(callId);
  expect(leg?.type).toBe('app');

  await expect.poll(() => answerRequests(leg!.conversation.id).length).toBe(1);
  const answer = answerRequests(leg!.conversation.id)[0]!.query;
  expect(answer.to).toBe(customer);
  expect(answer.from_user).toBe('Jane');
  expect(answer.uuid).toBe(callId);
  expect(JSON.parse(answer.custom_data!)).toEqual({ to: customer, queue: 'sales', priority: 2 });

  const ringing = await sdk.phones.ringing(customer);
  expect(ringing.from).toBe(CONTACT_NUMBER);
  const rung = await jane.waitFor('legStatusUpdate', (e) => e.args[2] === 'RINGING');
  expect(rung.args.slice(0, 2)).toEqual([callId, ringing.uuid]);

  await sdk.phones.answer(ringing.uuid);
  expect((await jane.waitFor('legStatusUpdate', (e) => e.args[2] === 'ANSWERED')).args).toEqual([callId, ringing.uuid, 'ANSWERED']);
  await jane.expectAudioFlowing(callId);
  const before = (await sdk.phones.get(ringing.uuid)).media;
  await expect.poll(async () => (await sdk.phones.get(ringing.uuid)).media.audible_frames_received).toBeGreaterThan(before.audible_frames_received + 10);

  await sdk.phones.hangup(ringing.uuid);
  expect((await jane.waitFor('legStatusUpdate', (e) => e.args[2] === 'COMPLETED')).args).toEqual([callId, ringing.uuid, 'COMPLETED']);
  // connect was the NCCO's last action: the platform ends the agent's leg.
  const hangup = await jane.waitFor('callHangup');
  expect(hangup.args[0]).toBe(callId);
  expect(hangup.args[2]).toBe('REMOTE_HANGUP');
  const statuses = sdk.account.hooks
    .filter((h) => h.path === '/event' && h.body?.uuid === callId && typeof h.body?.status === 'string')
    .map((h) => h.body!.status);
  expect(statuses).toEqual(['started', 'ringing', 'answered', 'completed']);
});

test('the phone refuses: legStatusUpdate completes the leg and the agent\'s call ends', async () => {
  const customer = '14155550162';
  dialOut(customer);
  const jane = await sdk.agent('Jane');
  const callId = await jane.call<string>('serverCall', { to: customer });
  const ringing = await sdk.phones.ringing(customer);
  await jane.waitFor('legStatusUpdate', (e) => e.args[2] === 'RINGING');
  const refused = await fetch(`${sdk.account.sandbox.url}/sandbox/v1/phone/calls/${ringing.uuid}/reject`, { method: 'POST' });
  expect(refused.status).toBe(200);
  expect((await jane.waitFor('legStatusUpdate', (e) => e.args[2] === 'COMPLETED')).args[1]).toBe(ringing.uuid);
  expect((await jane.waitFor('callHangup')).args[0]).toBe(callId);
  expect(await jane.events('legStatusUpdate').then((events) => events.some((e) => e.args[2] === 'ANSWERED'))).toBe(false);
});

test('serverCall without context reaches the answer_url with empty custom data; the agent hangs up first', async () => {
  sdk.account.setNcco([{ action: 'talk', text: 'Hello agent, this is a long message so that the call is still up when you hang up.', loop: 0 }]);
  const jane = await sdk.agent('Jane');
  const callId = await jane.call<string>('serverCall');
  const conversation = sdk.account.sandbox.engine.leg(callId)!.conversation.id;
  await expect.poll(() => answerRequests(conversation).length).toBe(1);
  const answer = answerRequests(conversation)[0]!.query;
  expect(answer.from_user).toBe('Jane');
  expect(JSON.parse(answer.custom_data!)).toEqual({});
  await jane.expectAudioFlowing(callId);
  await jane.call('hangup', callId);
  expect((await jane.waitFor('callHangup')).args[2]).toBe('LOCAL_HANGUP');
  await expect.poll(() => sdk.account.sandbox.engine.leg(callId)?.status).toBe('completed');
});

test('getLeg and getCallLegs describe the call\'s legs; pages follow the cursor', async () => {
  const customer = '14155550163';
  dialOut(customer);
  const jane = await sdk.agent('Jane');
  const callId = await jane.call<string>('serverCall', { to: customer });
  const ringing = await sdk.phones.ringing(customer);
  await sdk.phones.answer(ringing.uuid);
  await jane.waitFor('legStatusUpdate', (e) => e.args[2] === 'ANSWERED');

  const own = await jane.call<SdkLeg>('getLeg', callId);
  const conversationId = sdk.account.sandbox.engine.leg(callId)!.conversation.id;
  expect(own).toMatchObject({ id: callId, type: 'app', direction: 'inbound', status: 'answered', conversationId, endTime: '' });
  expect(own.from).toMatchObject({ type: 'app', user: 'Jane' });
  expect(own.to).toMatchObject({ type: 'phone', number: customer });
  expect(Date.parse(own.startTime)).not.toBeNaN();

  const phoneLeg = await jane.call<SdkLeg>('getLeg', ringing.uuid);
  expect(phoneLeg).toMatchObject({ id: ringing.uuid, type: 'phone', direction: 'outbound', status: 'answered', conversationId });
  expect(phoneLeg.from).toMatchObject({ type: 'phone', number: CONTACT_NUMBER });
  expect(phoneLeg.to).toMatchObject({ type: 'phone', number: customer });

  const all = await jane.call<{ legs: SdkLeg[]; nextCursor: string | null }>('getCallLegs', callId);
  expect(all.legs.map((l) => l.id)).toEqual([callId, ringing.uuid]);
  expect(all.nextCursor).toBeNull();

  const first = await jane.call<{ legs: SdkLeg[]; nextCursor: string | null; previousCursor: string | null }>('getCallLegs', callId, { pageSize: 1 });
  expect(first.legs.map((l) => l.id)).toEqual([callId]);
  expect(first.nextCursor).not.toBeNull();
  const second = await jane.call<{ legs: SdkLeg[]; nextCursor: string | null; previousCursor: string | null }>('getCallLegs', callId, {
    pageSize: 1,
    cursor: first.nextCursor,
  });
  expect(second.legs.map((l) => l.id)).toEqual([ringing.uuid]);
  expect(second.nextCursor).toBeNull();
  expect(second.previousCursor).not.toBeNull();

  await sdk.phones.hangup(ringing.uuid);
  await jane.waitFor('callHangup');
  const ended = await jane.call<SdkLeg>('getLeg', ringing.uuid);
  expect(ended.status).toBe('completed');
  expect(Date.parse(ended.endTime)).not.toBeNaN();

  // Legs the agent has no part in, or that do not exist, are refused with the SDK's error.
  const missing = await jane.run('getLeg', 'no-such-leg');
  expect(missing.ok).toBe(false);
  if (!missing.ok) expect(missing.error.code).toBe('voice:error:no_leg_found');
  const joe = await sdk.agent('Joe');
  const notHis = await joe.run('getLeg', callId);
  expect(notHis.ok).toBe(false);
  if (!notHis.ok) expect(notHis.error.code).toBe('conversation:error:forbidden');
});
