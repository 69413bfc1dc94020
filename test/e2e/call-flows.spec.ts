/**
 * The call flows end to end: real Client SDK agents in Chromium (the web app), simulated
 * phones, the sandbox running the backend's NCCOs and Voice API calls. The platform starts
 * with the demo numbers `npm run platform` configures (scripts/setup.ts demoPlan):
 * 14155550199 inbound, 14155550188 IVR, 14155550177 whisper "the summer offer",
 * 14155550155 the support queue.
 */
import { expect, test } from '@playwright/test';
import { VOICEMAIL_GREETING } from '../../server/flows/actions';
import { agentDeskPerFile } from '../support/agent-desk';
import type { PhoneCallState } from '../support/platform';

const IVR = '14155550188';
const WHISPER = '14155550177';
const QUEUE = '14155550155';

/** The platform, a Chromium and the agent desk for this file; every agent signed out after each test. */
const env = agentDeskPerFile();

const agent = (name: 'Jane' | 'Joe') => env.desk.agent(name);
const heard = (uuid: string) => env.desk.heard(uuid);
const admin = <T>(path: string, init?: RequestInit) => env.desk.admin<T>(path, init);
const callRecord = (conversation: string) => env.desk.callRecord(conversation);

async function sandbox<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${env.platform.sandboxUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The simulated phone with this number that the platform is ringing, once it rings. */
async function ringingPhone(number: string): Promise<PhoneCallState & { from: string }> {
  const find = async () => (await sandbox<{ calls: Array<PhoneCallState & { from: string }> }>(`/sandbox/v1/phone/calls?number=${number}&status=ringing`)).calls[0];
  await expect.poll(async () => (await find())?.uuid).toBeTruthy();
  return (await find())!;
}

test('outbound: the agent dials a number from the app; a bad number is refused in place', async () => {
  const jane = await agent('Jane');
  await jane.getByTestId('dial-number').fill('+1 415 555');
  await jane.getByTestId('dial-button').click();
  await expect(jane.getByTestId('dial-error')).toContainText('international format');

  await jane.getByTestId('dial-number').fill('+1 415 555 0161');
  await jane.getByTestId('dial-button').click();
  await expect(jane.getByTestId('outgoing-call')).toBeVisible();
  await expect(jane.getByTestId('outgoing-to')).toHaveText('+1 415 555 0161');

  // The phone rings, shown as the contact-center number calling, 20 s ring time.
  const ringing = await ringingPhone('14155550161');
  expect(ringing.from).toBe(env.platform.contactNumber);
  await expect(jane.getByTestId('outgoing-status')).toHaveText('Ringing…');

  await sandbox(`/sandbox/v1/phone/calls/${ringing.uuid}/answer`, { method: 'POST', body: '{}' });
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect(jane.getByTestId('in-call-with')).toHaveText('+1 415 555 0161');
  await expect.poll(async () => Number(await jane.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);

  await jane.getByTestId('hangup-button').click();
  await expect(jane.getByTestId('call-ended')).toContainText('Call ended');
  await expect.poll(async () => (await env.platform.phone.get(ringing.uuid)).status).toBe('completed');
  const log = await env.platform.callLog('Jane');
  const row = log.find((r) => r.events.some((e) => e.uuid === ringing.uuid));
  expect(row).toBeDefined();
  expect(await callRecord(row!.conversation_uuid)).toMatchObject({ flow: 'outbound', agent: 'Jane' });
});

test('outbound: the phone does not answer and the app says so', async () => {
  const jane = await agent('Jane');
  await jane.getByTestId('dial-number').fill('+14155550162');
  await jane.getByTestId('dial-button').click();
  const ringing = await ringingPhone('14155550162');
  await sandbox(`/sandbox/v1/phone/calls/${ringing.uuid}/reject`, { method: 'POST', body: '{}' });
  await expect(jane.getByTestId('call-ended')).toContainText('No answer');
});

test('inbound: the longest-idle agent declines, the next one answers, and the caller is hung up with the agent', async () => {
  const jane = await agent('Jane');
  const joe = await agent('Joe');
  const call = await env.platform.phone.call('+14155550110');
  // Jane became available first: she has been idle longest.
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  expect(await heard(call.uuid)).toContain('Thank you for calling Jane');
  await expect(jane.getByTestId('call-number')).toHaveText('Dialled +1 415 555 0199 · Contact center');
  await jane.getByTestId('decline-button').click();
  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => Number(await joe.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
  // The agent ends the call: the caller must not be left listening to the hold music.
  await joe.getByTestId('hangup-button').click();
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).status).toBe('completed');
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ flow: 'inbound', agent: 'Joe' });
});

test('IVR: the seed menu; 2 connects Joe, who sees the number dialled', async () => {
  await agent('Jane');
  const joe = await agent('Joe');
  const call = await env.platform.phone.call('+14155550100', `+${IVR}`);
  await expect.poll(() => heard(call.uuid)).toContain('To talk to Jane, please press 1, or, to talk to Joe, press 2.');
  expect((await heard(call.uuid))[0]).toBe('Thank you for calling my contact center.');
  await sandbox(`/sandbox/v1/phone/calls/${call.uuid}/dtmf`, { method: 'POST', body: JSON.stringify({ digits: '2' }) });

  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  await expect(joe.getByTestId('call-number')).toHaveText('Dialled +1 415 555 0188 · Menu (seed IVR)');
  expect(await heard(call.uuid)).toContain('Please wait while we connect you to Joe');
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => Number(await joe.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
  await env.platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toContainText('Call ended');
  await expect.poll(async () => (await callRecord(call.conversation_uuid)).agent).toBe('Joe');
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ flow: 'ivr' });
});

test('IVR: no key twice sends the caller to the fallback (the support queue), where Jane answers', async () => {
  const jane = await agent('Jane');
  const call = await env.platform.phone.call('+14155550101', `+${IVR}`);
  await expect.poll(() => heard(call.uuid), { timeout: 30_000 }).toContain('Sorry, that is not one of the options.');
  await expect(jane.getByTestId('incoming-call')).toBeVisible({ timeout: 30_000 });
  await expect(jane.getByTestId('call-queue')).toHaveText('From the support queue');
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => Number(await jane.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
  // Jane can answer while the caller still hears the queue's announcement: the caller hangs
  // up there, before reaching the queue's conversation, and Jane's call ends all the same.
  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ flow: 'ivr', flow_outcome: 'no-choice', queue: 'support', agent: 'Jane' });
});

test('whisper: the caller waits with music; the agent sees the topic and the campaign number, then talks to the caller', async () => {
  const jane = await agent('Jane');
  const call = await env.platform.phone.call('+14155550102', `+${WHISPER}`);
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await expect(jane.getByTestId('call-topic')).toHaveText('Regarding the summer offer');
  await expect(jane.getByTestId('call-number')).toHaveText('Dialled +1 415 555 0177 · Summer campaign');
  await expect(jane.getByTestId('incoming-from')).toHaveText('+1 415 555 0102');
  await expect.poll(() => heard(call.uuid)).toContain('music');
  expect((await heard(call.uuid))[0]).toBe('Please wait while we connect you');

  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect(jane.getByTestId('call-topic')).toHaveText('Regarding the summer offer');
  const phoneBefore = (await env.platform.phone.get(call.uuid)).media.packets_received;
  await expect.poll(async () => Number(await jane.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).media.packets_received).toBeGreaterThan(phoneBefore + 20);

  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toContainText('Call ended');
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ flow: 'whisper', topic: 'the summer offer', agent: 'Jane' });
});

test('whisper: the first agent declines, the next one gets the call', async () => {
  const jane = await agent('Jane');
  const joe = await agent('Joe');
  const call = await env.platform.phone.call('+14155550103', `+${WHISPER}`);
  // Jane has been idle longest: she is offered the call first.
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('decline-button').click();
  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  await expect(joe.getByTestId('call-topic')).toHaveText('Regarding the summer offer');
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => Number(await joe.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
  await env.platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toBeVisible();
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ agent: 'Joe' });
});

test('whisper: the caller hangs up while the agent rings, and the ringing stops', async () => {
  const jane = await agent('Jane');
  const call = await env.platform.phone.call('+14155550104', `+${WHISPER}`);
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('incoming-call')).toBeHidden();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available');
});

test('queue: a caller waits while the only agent is busy, the supervisor sees it, and the agent gets the call when free', async () => {
  const jane = await agent('Jane');
  const first = await env.platform.phone.call('+14155550105');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();

  const second = await env.platform.phone.call('+14155550106', `+${QUEUE}`);
  await expect.poll(() => heard(second.uuid)).toContain('music');
  expect(await heard(second.uuid)).toContain('You are next in line.');
  const view = await admin<{ queues: Array<{ name: string; waiting: Array<{ call_uuid: string; caller: string }> }> }>('/api/admin/queues');
  expect(view.queues.find((q) => q.name === 'support')?.waiting).toEqual([expect.objectContaining({ call_uuid: second.uuid, caller: '14155550106' })]);

  await jane.getByTestId('hangup-button').click();
  await expect.poll(async () => (await env.platform.phone.get(first.uuid)).status).toBe('completed');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await expect(jane.getByTestId('call-queue')).toHaveText('From the support queue');
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await env.platform.phone.hangup(second.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  expect(await callRecord(second.conversation_uuid)).toMatchObject({ flow: 'queue', queue: 'support', agent: 'Jane' });
});

test('queue: with nobody serving it, the caller leaves a voicemail, and agents can play it', async () => {
  await admin('/api/admin/queues/support', { method: 'PUT', body: JSON.stringify({ on_no_agents: { type: 'voicemail', greeting: 'Leave a message.' } }) });
  const jane = await agent('Jane');
  await jane.getByTestId('agent-status-away').click();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Away');
  // An away agent does not serve the queue: the no-agents redirect (voicemail) applies.
  const call = await env.platform.phone.call('+14155550107', `+${QUEUE}`);
  await expect.poll(() => heard(call.uuid)).toContain('Leave a message.');
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ flow: 'queue', flow_outcome: 'no-agents' });

  // The caller speaks (a tone) through the greeting and the beep, then presses # to finish.
  await sandbox(`/sandbox/v1/phone/calls/${call.uuid}/play`, { method: 'POST', body: JSON.stringify({ tone: true }) });
  await expect
    .poll(async () => {
      await sandbox(`/sandbox/v1/phone/calls/${call.uuid}/dtmf`, { method: 'POST', body: JSON.stringify({ digits: '#' }) }).catch(() => undefined);
      return heard(call.uuid);
    })
    .toContain('Thank you for your message. Goodbye.');
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).status).toBe('completed');

  const login = await fetch(`${env.platform.serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Joe', password: env.platform.agents.Joe, client: 'desktop' }),
  });
  const token = ((await login.json()) as { refresh_token: string }).refresh_token;
  const list = async () =>
    (await (await fetch(`${env.platform.serverUrl}/api/voicemails`, { headers: { authorization: `Bearer ${token}` } })).json()) as Array<{ caller: string; audio_url: string; duration_s: number }>;
  await expect.poll(async () => (await list()).find((v) => v.caller === '14155550107')).toBeTruthy();
  const voicemail = (await list()).find((v) => v.caller === '14155550107')!;
  expect(voicemail.duration_s).toBeGreaterThanOrEqual(0);
  const audio = await fetch(`${env.platform.serverUrl}${voicemail.audio_url}`, { headers: { authorization: `Bearer ${token}` } });
  expect(audio.status).toBe(200);
  expect(audio.headers.get('content-type')).toMatch(/^audio\//);
  expect((await audio.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  expect((await callRecord(call.conversation_uuid)).voicemail_url).toContain('/api/voicemails/');
});

test('queue: the wait runs out and the caller goes to voicemail', async () => {
  await admin('/api/admin/queues/support', { method: 'PUT', body: JSON.stringify({ max_wait_s: 10, on_timeout: { type: 'voicemail' } }) });
  const jane = await agent('Jane');
  const call = await env.platform.phone.call('+14155550108', `+${QUEUE}`);
  // Jane is offered the caller and lets it ring out by declining; the pause keeps her from being offered again.
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('decline-button').click();
  await expect.poll(() => heard(call.uuid), { timeout: 30_000 }).toContain(VOICEMAIL_GREETING);
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ flow: 'queue', flow_outcome: 'timeout' });
  await env.platform.phone.hangup(call.uuid);
});

test('a caller hanging up at the menu leaves a finished call in the log', async () => {
  const call = await env.platform.phone.call('+14155550109', `+${IVR}`);
  await expect.poll(() => heard(call.uuid)).toContain('Thank you for calling my contact center.');
  await env.platform.phone.hangup(call.uuid);
  await expect.poll(async () => (await callRecord(call.conversation_uuid)).status).not.toMatch(/^(started|ringing|answered)$/);
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ flow: 'ivr', ended_at: expect.any(String) });
});

test('a hang-up the agent\'s SDK never hears still ends the call in the app (it checks the platform when the agent\'s status changes), and the next call rings', async () => {
  const jane = await agent('Jane');
  const call = await env.platform.phone.call('+14155550111');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('On a call');
  // A test double in the platform loses its word of the hang-up on the way to Jane's SDK.
  const signalling = env.platform.platform.sandbox.engine.sdk;
  const push = signalling.push.bind(signalling);
  const lost: string[] = [];
  signalling.push = (session, leg, type, body, extra) => {
    if (type === 'rtc:hangup' || type === 'member:left') lost.push(type);
    else push(session, leg, type, body, extra);
  };
  try {
    await env.platform.phone.hangup(call.uuid);
    await expect(jane.getByTestId('call-ended')).toContainText('Call ended');
    expect(lost).toContain('rtc:hangup');
    await expect(jane.getByTestId('in-call')).toBeHidden();
  } finally {
    Reflect.deleteProperty(signalling, 'push');
  }
  // The call the SDK still holds does not get in the way of the next one.
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available');
  const next = await env.platform.phone.call('+14155550112');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => Number(await jane.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
  await env.platform.phone.hangup(next.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
});
