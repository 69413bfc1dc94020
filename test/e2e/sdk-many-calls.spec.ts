/**
 * Conformance with the real Client SDK in Chromium: several agents on several calls at once,
 * each isolated from the others. Three agents answer three callers; each hears only their
 * own caller, each caller hears only their own agent, and keys and hang-ups reach only the
 * call they belong to.
 */
import { expect, test } from '@playwright/test';
import { useSdkFixture } from '../support/sdk-conformance';
import type { SdkAgent } from '../support/sdk-page';
import type { AppLeg } from '../../sandbox/voice/legs';

const sdk = useSdkFixture();

interface Line {
  name: string;
  agent: SdkAgent;
  callId: string;
  phoneUuid: string;
}

/** The energy of what an agent received while `packets` more packets arrived. */
async function energyOver(line: Line, packets: number): Promise<number> {
  const start = await line.agent.media(line.callId);
  await expect.poll(async () => (await line.agent.media(line.callId)).packetsReceived).toBeGreaterThan(start.packetsReceived + packets);
  return (await line.agent.media(line.callId)).audioEnergy - start.audioEnergy;
}

async function phoneHeard(line: Line): Promise<number> {
  return (await sdk.phones.get(line.phoneUuid)).media.audible_frames_received;
}

test('three agents on three simultaneous calls each hear only their own caller', async () => {
  const lines: Line[] = [];
  for (const [name, from] of [['Jane', '+14155550171'], ['Joe', '+14155550172'], ['Ann', '+14155550173']] as const) {
    // Each call's answer_url is fetched as it starts, so the NCCO can change between calls.
    sdk.account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: name }] }]);
    const agent = await sdk.agent(name);
    const call = await sdk.phones.call(from);
    const callId = (await agent.waitFor('callInvite')).args[0] as string;
    expect((await agent.events('callInvite'))[0]!.args[1]).toBe(from.slice(1));
    lines.push({ name, agent, callId, phoneUuid: call.uuid });
  }
  await Promise.all(lines.map((line) => line.agent.call('answer', line.callId)));
  for (const line of lines) await line.agent.expectAudioFlowing(line.callId);
  const [jane, joe, ann] = lines as [Line, Line, Line];

  // Every agent was rung once, for their own call only, and the calls are separate conversations.
  for (const line of lines) expect(await line.agent.events('callInvite')).toHaveLength(1);
  const conversations = lines.map((line) => sdk.account.sandbox.engine.leg(line.callId)!.conversation.id);
  expect(new Set(conversations).size).toBe(3);
  for (const [i, line] of lines.entries()) expect((await sdk.phones.get(line.phoneUuid)).conversation_uuid).toBe(conversations[i]);

  // Only Joe's caller makes a sound: only Joe receives audio with energy.
  await sdk.phones.play(jane.phoneUuid, { silence: true });
  await sdk.phones.play(ann.phoneUuid, { silence: true });
  for (const line of lines) await energyOver(line, 50); // what was under way before the callers fell silent
  const heard = { jane: await energyOver(jane, 100), joe: await energyOver(joe, 100), ann: await energyOver(ann, 100) };
  expect(heard.joe).toBeGreaterThan(0.01);
  expect(heard.jane).toBeLessThan(heard.joe / 100);
  expect(heard.ann).toBeLessThan(heard.joe / 100);

  // Jane mutes: her caller stops hearing her; the other callers still hear their agents.
  await expect.poll(() => phoneHeard(jane)).toBeGreaterThan(0);
  await jane.agent.call('mute', jane.callId);
  await jane.agent.waitFor('mute');
  const janeCaller = await phoneHeard(jane);
  const others = { joe: await phoneHeard(joe), ann: await phoneHeard(ann) };
  await expect.poll(() => phoneHeard(joe)).toBeGreaterThan(others.joe);
  await expect.poll(() => phoneHeard(ann)).toBeGreaterThan(others.ann);
  expect(await phoneHeard(jane)).toBe(janeCaller);
  // The mute event went to Jane alone.
  expect(await joe.agent.events('mute')).toEqual([]);
  expect(await ann.agent.events('mute')).toEqual([]);

  // Joe's caller presses a key: only Joe gets it.
  await sdk.phones.press(joe.phoneUuid, '9');
  expect((await joe.agent.waitFor('dtmf')).args).toEqual([joe.callId, joe.callId, '9']);
  expect(await jane.agent.events('dtmf')).toEqual([]);
  expect(await ann.agent.events('dtmf')).toEqual([]);

  // Ann's caller hangs up: only Ann's call ends; the others carry on with audio.
  await sdk.phones.hangup(ann.phoneUuid);
  expect((await ann.agent.waitFor('callHangup')).args[2]).toBe('REMOTE_HANGUP');
  await jane.agent.expectAudioFlowing(jane.callId);
  await joe.agent.expectAudioFlowing(joe.callId);
  expect(await jane.agent.events('callHangup')).toEqual([]);
  expect(await joe.agent.events('callHangup')).toEqual([]);
  for (const line of [jane, joe]) expect((await sdk.phones.get(line.phoneUuid)).status).toBe('answered');
});

test('an agent\'s REST calls cannot touch another agent\'s call', async () => {
  sdk.account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }]);
  const jane = await sdk.agent('Jane');
  const joe = await sdk.agent('Joe');
  await sdk.phones.call('+14155550174');
  const callId = (await jane.waitFor('callInvite')).args[0] as string;
  await jane.call('answer', callId);
  const leg = sdk.account.sandbox.engine.leg(callId) as AppLeg;
  const member = leg.memberId;

  // Joe's own SDK knows nothing of the call; his token against Jane's member is refused outright.
  expect((await joe.run('hangup', callId)).ok).toBe(false);
  const joeToken = sdk.token('Joe');
  const mute = await fetch(`${sdk.account.sandbox.url}/v0.3/conversations/${leg.conversation.id}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${joeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'audio:mute:on', from: member, to: member, body: { rtc_id: callId } }),
  });
  expect(mute.status).toBe(403);
  expect(((await mute.json()) as { code: string }).code).toBe('conversation:error:forbidden');
  const hangup = await fetch(`${sdk.account.sandbox.url}/v0.2/conversations/${leg.conversation.id}/members/${member}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${joeToken}` },
  });
  expect(hangup.status).toBe(403);
  expect(leg.muted).toBe(false);
  expect(leg.isOver).toBe(false);
  await jane.expectAudioFlowing(callId);
});
