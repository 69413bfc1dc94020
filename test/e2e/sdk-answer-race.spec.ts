/**
 * The caller hangs up at the very moment the agent answers: whatever order the answer and
 * the hang-up cross in, the SDK must not be left holding a call the platform has ended. The
 * same holds when the answered leg moves into another conversation at once (the queue's
 * shape): the SDK drops a move it hears of before its answer response, so the platform
 * holds the call's events until the SDK has had it.
 */
import { expect, test } from '@playwright/test';
import { useSdkFixture } from '../support/sdk-conformance';

const sdk = useSdkFixture();

for (const delayMs of [0, 30, 80, 150]) {
  test(`the caller hangs up ${delayMs} ms after the agent presses answer: the agent's call ends too`, async () => {
    sdk.account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }]);
    const jane = await sdk.agent('Jane');
    const call = await sdk.phones.call('+14155550149');
    const callId = (await jane.waitFor('callInvite')).args[0] as string;
    const answering = jane.run('answer', callId);
    await new Promise((r) => setTimeout(r, delayMs));
    await sdk.phones.hangup(call.uuid);
    const answered = await answering;
    // Either the answer failed (the call had gone) or it succeeded and the hang-up followed.
    if (answered.ok) {
      const hangup = await jane.waitFor('callHangup');
      expect(hangup.args[0]).toBe(callId);
    } else {
      expect(answered.error).toBeTruthy();
    }
    await expect.poll(() => sdk.account.sandbox.engine.leg(callId)?.isOver).toBe(true);
  });
}

for (const delayMs of [0, 50, 150]) {
  test(`the backend hangs up a Voice API call ${delayMs} ms after the agent presses answer: the agent's call ends too`, async () => {
    const jane = await sdk.agent('Jane');
    const created = await sdk.voiceApi('POST', '/v1/calls', {
      to: [{ type: 'app', user: 'Jane' }],
      from: { type: 'phone', number: '14155550150' },
      ncco: [{ action: 'talk', text: 'Incoming call regarding the summer offer' }, { action: 'conversation', name: `race-${delayMs}` }],
    });
    expect(created.status).toBe(201);
    const { uuid } = (await created.json()) as { uuid: string };
    const callId = (await jane.waitFor('callInvite')).args[0] as string;
    expect(callId).toBe(uuid);
    const answering = jane.run('answer', callId);
    await new Promise((r) => setTimeout(r, delayMs));
    expect((await sdk.voiceApi('PUT', `/v1/calls/${uuid}`, { action: 'hangup' })).status).toBe(204);
    const answered = await answering;
    if (answered.ok) {
      const hangup = await jane.waitFor('callHangup');
      expect(hangup.args[0]).toBe(callId);
    } else {
      expect(answered.error).toBeTruthy();
    }
    await expect.poll(() => sdk.account.sandbox.engine.leg(callId)?.isOver).toBe(true);
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
    const created = await sdk.voiceApi('POST', '/v1/calls', {
      to: [{ type: 'app', user: 'Jane' }],
      from: { type: 'phone', number: '14155550150' },
      ncco: [{ action: 'conversation', name: room, startOnEnter: true, endOnExit: true }],
    });
    expect(created.status).toBe(201);
    const callId = (await jane.waitFor('callInvite')).args[0] as string;
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
