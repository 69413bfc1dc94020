/**
 * The caller hangs up at the very moment the agent answers: whatever order the answer and
 * the hang-up cross in, the SDK must not be left holding a call the platform has ended. The
 * same holds when the answered leg moves into another conversation at once (the queue's
 * shape): the SDK drops a move it hears of before its answer response, so the platform
 * holds the call's events until the SDK has had it.
 */
import { expect, test } from '@playwright/test';
import { useSdkFixture } from '../support/sdk-conformance';
import type { SdkAgent } from '../support/sdk-page';

const sdk = useSdkFixture();

/** The backend calls Jane with the Voice API; resolves with the SDK's call id (the leg's uuid). */
async function callJane(jane: SdkAgent, ncco: unknown[]): Promise<string> {
  const created = await sdk.voiceApi('POST', '/v1/calls', { to: [{ type: 'app', user: 'Jane' }], from: { type: 'phone', number: '14155550150' }, ncco });
  expect(created.status).toBe(201);
  const { uuid } = (await created.json()) as { uuid: string };
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  expect(callId).toBe(uuid);
  return callId;
}

/**
 * Jane presses answer and, `delayMs` later, the call is ended by `end`: either the answer
 * failed (the call had gone) or it succeeded and the hang-up followed; the leg ends either way.
 */
async function answerWhileEnding(jane: SdkAgent, callId: string, delayMs: number, end: () => Promise<void>): Promise<void> {
  const answering = jane.run('answer', callId);
  await new Promise((r) => setTimeout(r, delayMs));
  await end();
  const answered = await answering;
  if (answered.ok) {
    const hangup = await jane.waitFor('callHangup');
    expect(hangup.args[0]).toBe(callId);
  } else {
    expect(answered.error).toBeTruthy();
  }
  await expect.poll(() => sdk.account.sandbox.engine.leg(callId)?.isOver).toBe(true);
}

for (const delayMs of [0, 30, 80, 150]) {
  test(`the caller hangs up ${delayMs} ms after the agent presses answer: the agent's call ends too`, async () => {
    sdk.account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }]);
    const jane = await sdk.agent('Jane');
    const call = await sdk.phones.call('+14155550149');
    const callId = (await jane.waitFor('callInvite')).args[0] as string;
    await answerWhileEnding(jane, callId, delayMs, () => sdk.phones.hangup(call.uuid));
  });
}

for (const delayMs of [0, 50, 150]) {
  test(`the backend hangs up a Voice API call ${delayMs} ms after the agent presses answer: the agent's call ends too`, async () => {
    const jane = await sdk.agent('Jane');
    const callId = await callJane(jane, [{ action: 'talk', text: 'Incoming call regarding the summer offer' }, { action: 'conversation', name: `race-${delayMs}` }]);
    await answerWhileEnding(jane, callId, delayMs, async () => {
      expect((await sdk.voiceApi('PUT', `/v1/calls/${callId}`, { action: 'hangup' })).status).toBe(204);
    });
  });
}

for (const answerDelayMs of [0, 600]) {
  test(`an answered agent leg joins a named conversation at once, the caller arrives and hangs up (${answerDelayMs} ms to answer): the agent's call ends`, async () => {
    // The queue's shape: the caller hears an announcement, then waits in a conversation the
    // agent's leg (placed with the Voice API) has already joined. The agent's leg moves there
    // the moment it is answered; the SDK must still learn of the move, or the caller's
    // hang-up (sent in the new conversation) never reaches it.
    const room = `queue-race-${answerDelayMs}`;
    sdk.account.setNcco([
      { action: 'talk', text: 'Thank you for calling. You are next in line.' },
      { action: 'conversation', name: room, startOnEnter: false, endOnExit: true },
    ]);
    const jane = await sdk.agent('Jane');
    const call = await sdk.phones.call('+14155550148');
    const callId = await callJane(jane, [{ action: 'conversation', name: room, startOnEnter: true, endOnExit: true }]);
    await new Promise((r) => setTimeout(r, answerDelayMs));
    await jane.call('answer', callId);
    const transfer = await jane.waitFor('callTransfer');
    expect(transfer.args).toEqual([callId, sdk.account.sandbox.engine.leg(callId)?.conversation.id]);
    await expect.poll(() => sdk.account.sandbox.engine.leg(call.uuid)?.conversation.name ?? '', { timeout: 20_000 }).toBe(room);
    await sdk.phones.hangup(call.uuid);
    expect((await jane.waitFor('callHangup')).args.slice(0, 1)).toEqual([callId]);
    expect(sdk.account.sandbox.engine.leg(callId)?.isOver).toBe(true);
  });
}
