/**
 * The durable call model end to end, with real Client SDK agents in Chromium, simulated
 * phones and the sandbox: the queue caller who used to be stranded in the hold music, and the
 * agent's call control (hold / resume, blind transfer, a transfer to an agent who is not
 * available), warm transfer and the three-way conference. Here the page calls the backend's
 * API with its own session, as the app does; test/e2e/in-call-controls.spec.ts drives the
 * app's buttons.
 */
import { expect, test, type Page } from '@playwright/test';
import { TRANSFER_GREETING } from '../../server/flows/control';
import { agentDeskPerFile } from '../support/agent-desk';

const QUEUE = '14155550155';

const env = agentDeskPerFile();
const agent = (name: 'Jane' | 'Joe') => env.desk.agent(name);
const record = (conversation: string) => env.desk.callRecord(conversation);
const heard = (uuid: string) => env.desk.heard(uuid);

const answeredLeg = (conversation: string, name: string) => env.desk.answeredLeg(conversation, name);

/** Call the agent API from the page, with the page's own session (as the app does). */
async function agentApi(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(path, { method, credentials: 'include', headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
    },
    { method, path, body },
  );
}

test('queue: when the agent who answered hangs up, the caller is hung up too and the call closes as answered', async () => {
  const jane = await agent('Jane');
  const call = await env.platform.phone.call('+14155550121', `+${QUEUE}`);
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await jane.getByTestId('hangup-button').click();
  // Before, the caller stayed in the queue's music and was offered to Jane again.
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).status).toBe('completed');
  await expect.poll(async () => (await record(call.conversation_uuid)).ended_at).toBeTruthy();
  expect(await record(call.conversation_uuid)).toMatchObject({ agent: 'Jane', outcome: 'answered' });
  await expect(jane.getByTestId('incoming-call')).toHaveCount(0);
});

test('hold plays music to the caller and resume takes it away; a transfer to an agent who is not available is refused and the caller stays with the agent', async () => {
  const jane = await agent('Jane');
  const call = await env.platform.phone.call('+14155550122');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  const leg = await answeredLeg(call.conversation_uuid, 'Jane');

  const held = await agentApi(jane, 'PUT', `/api/agent/calls/${leg}/hold`, { held: true });
  expect(held).toMatchObject({ status: 200, body: { held: true } });
  await expect.poll(() => heard(call.uuid)).toContain('stream');
  const resumed = await agentApi(jane, 'PUT', `/api/agent/calls/${leg}/hold`, { held: false });
  expect(resumed).toMatchObject({ status: 200, body: { held: false, since: null } });

  // Joe is not signed in: a clear 409 naming the field, and nothing changes for the caller.
  const refused = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/transfer`, { target: { type: 'agent', agent: 'Joe' } });
  expect(refused).toMatchObject({ status: 409, body: { error: { code: 'agent_unavailable', field: 'target.agent' } } });
  const bad = await agentApi(jane, 'PUT', `/api/agent/calls/${leg}/hold`, { held: 'yes' });
  expect(bad.status).toBe(400);
  expect((await env.platform.phone.get(call.uuid)).status).toBe('answered');
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
});

/** Jane answers a call from `from`; her page, the caller's phone call and her answered leg. */
async function janeAnswers(from: string): Promise<{ jane: Page; call: { uuid: string; conversation_uuid: string }; leg: string }> {
  const jane = await agent('Jane');
  const call = await env.platform.phone.call(from);
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  return { jane, call, leg: await answeredLeg(call.conversation_uuid, 'Jane') };
}

/** The sandbox phone at `number` answers when the platform rings it. */
async function answeringPhone(number: string): Promise<void> {
  const rule = await fetch(`${env.platform.sandboxUrl}/sandbox/v1/phone/rules/${number}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'answer' }) });
  expect(rule.ok).toBe(true);
}

test('blind transfer: Jane sends the caller to Joe, who answers; Jane is free and the record names Joe', async () => {
  const jane = await agent('Jane');
  const call = await env.platform.phone.call('+14155550123');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  const joe = await agent('Joe');
  const leg = await answeredLeg(call.conversation_uuid, 'Jane');

  const targets = await agentApi(jane, 'GET', '/api/agent/transfer-targets');
  expect(targets.body.agents).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Joe', status: 'available' })]));
  const transferred = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/transfer`, { target: { type: 'agent', agent: 'Joe' } });
  expect(transferred.status).toBe(202);

  await expect(jane.getByTestId('call-ended')).toBeVisible();
  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  // The caller is told, while Joe's app already rings (the message no longer delays the connect).
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).heard.map((h) => h.text)).toContain(TRANSFER_GREETING);
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  expect((await env.platform.phone.get(call.uuid)).status).toBe('answered');
  await expect.poll(async () => (await record(call.conversation_uuid)).agent).toBe('Joe');
  await env.platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toBeVisible();
});

test('blind transfer to an outside number: the number rings and answers while the caller is told through the Voice API; Jane is free', async () => {
  const number = '14155550178';
  await answeringPhone(number);
  const { jane, call, leg } = await janeAnswers('+14155550125');

  const transferred = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/transfer`, { target: { type: 'phone', number } });
  expect(transferred.status).toBe(202);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  const party = await phoneCallTo(number);
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).heard.map((h) => h.text)).toContain('Please wait while we connect you.');
  // The number hears the caller.
  const tone = await fetch(`${env.platform.sandboxUrl}/sandbox/v1/phone/calls/${call.uuid}/play`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tone: true }) });
  expect(tone.ok, await tone.text()).toBe(true);
  await expect.poll(() => audible(party.uuid)).toBeGreaterThan(20);
  expect((await env.platform.phone.get(call.uuid)).status).toBe('answered');
  await expect.poll(async () => (await record(call.conversation_uuid)).flow_outcome).toBe('transferred');
  await env.platform.phone.hangup(call.uuid);
});

test('blind transfer to a queue: the caller hears its greeting before its line; Joe is offered the call and answers', async () => {
  const { jane, call, leg } = await janeAnswers('+14155550126');
  const joe = await agent('Joe');
  const greeting = (await env.desk.admin<{ settings: { greeting: string } }>('/api/admin/queues/support')).settings.greeting;

  const transferred = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/transfer`, { target: { type: 'queue', queue: 'support' } });
  expect(transferred.status).toBe(202);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).heard.map((h) => h.text)).toContainEqual(expect.stringContaining(greeting));
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => (await record(call.conversation_uuid)).agent).toBe('Joe');
  expect((await env.platform.phone.get(call.uuid)).status).toBe('answered');
  await env.platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toBeVisible();
});

/** A simulated phone's call to `number` placed by the platform (the consulted party), once it exists. */
async function phoneCallTo(number: string): Promise<{ uuid: string }> {
  const find = async () => {
    const list = (await (await fetch(`${env.platform.sandboxUrl}/sandbox/v1/phone/calls`)).json()) as { calls: Array<{ uuid: string; to: string }> };
    return list.calls.find((c) => c.to === number);
  };
  await expect.poll(find).toBeTruthy();
  return (await find())!;
}

const audible = (uuid: string) => env.desk.audible(uuid);

test('warm transfer to an outside phone: the caller holds with music while Jane consults, then talks to the phone once she completes', async () => {
  const consulted = '14155550177';
  await answeringPhone(consulted);
  const { jane, call, leg } = await janeAnswers('+14155550124');

  const consult = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/consult`, { target: { type: 'phone', number: consulted } });
  expect(consult).toMatchObject({ status: 202, body: { held: true, consult: { state: 'ringing', target: { type: 'phone', number: consulted } } } });
  await expect.poll(() => heard(call.uuid)).toContain('stream');
  const party = await phoneCallTo(consulted);
  // The phone answered and hears Jane (Chromium's fake microphone), who is still on her call.
  await expect.poll(() => audible(party.uuid)).toBeGreaterThan(20);
  await expect.poll(async () => (await agentApi(jane, 'GET', `/api/agent/calls/${leg}/control`)).body).toMatchObject({ held: true, consult: { state: 'talking' } });
  await expect(jane.getByTestId('in-call')).toBeVisible();

  const completed = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/consult/complete`);
  expect(completed.status).toBe(202);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  // Jane gone and the caller silent, the phone hears nothing; when the caller speaks, it hears the caller.
  const play = async (body: object) => {
    const res = await fetch(`${env.platform.sandboxUrl}/sandbox/v1/phone/calls/${call.uuid}/play`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.ok, await res.text()).toBe(true);
  };
  await play({ silence: true });
  let settled = await audible(party.uuid);
  await expect
    .poll(
      async () => {
        const now = await audible(party.uuid);
        const still = now === settled;
        settled = now;
        return still;
      },
      { intervals: [500] },
    )
    .toBe(true);
  await play({ tone: true });
  await expect.poll(() => audible(party.uuid)).toBeGreaterThan(settled + 20);
  expect((await env.platform.phone.get(call.uuid)).status).toBe('answered');

  // The record names the last agent (a phone is no agent) and the transfer.
  await expect.poll(async () => (await record(call.conversation_uuid)).flow_outcome).toBe('transferred');
  expect((await record(call.conversation_uuid)).agent).toBe('Jane');
  const controls = (await record(call.conversation_uuid)).events.filter((e) => e.kind === 'control').map((e) => e.status);
  expect(controls).toEqual(['consult', 'transfer-completed']);
  // The caller hanging up ends the phone's leg too.
  await env.platform.phone.hangup(call.uuid);
  await expect.poll(async () => (await env.platform.phone.get(party.uuid)).status).toBe('completed');
  await expect.poll(async () => (await record(call.conversation_uuid)).ended_at).toBeTruthy();
  await expect.poll(async () => (await env.desk.statuses()).Jane).toBe('available');
});

test('three-way conference: Jane brings Joe in, then leaves; Joe stays with the caller until the caller hangs up', async () => {
  const jane = await agent('Jane');
  const joe = await agent('Joe');
  const call = await env.platform.phone.call('+14155550125');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  const leg = await answeredLeg(call.conversation_uuid, 'Jane');

  const consult = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/consult`, { target: { type: 'agent', agent: 'Joe' } });
  expect(consult.status).toBe(202);
  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  // Joe sees whose call it is.
  await expect(joe.getByTestId('incoming-call')).toContainText('+1 415 555 0125');
  const early = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/conference`);
  expect(early).toMatchObject({ status: 409, body: { error: { code: 'not_answered' } } });
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => (await agentApi(jane, 'GET', `/api/agent/calls/${leg}/control`)).body).toMatchObject({ consult: { state: 'talking' } });

  const conference = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/conference`);
  expect(conference).toMatchObject({ status: 200, body: { held: false, consult: { state: 'conference', by: 'Jane' } } });
  // The caller hears the agents (their fake microphones), no longer the music.
  const before = await audible(call.uuid);
  await expect.poll(() => audible(call.uuid)).toBeGreaterThan(before + 20);

  const left = await agentApi(jane, 'POST', `/api/agent/calls/${leg}/leave`);
  expect(left).toMatchObject({ status: 202, body: { status: 'left' } });
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  const joePackets = Number(await joe.getByTestId('audio-stats').getAttribute('data-packets-received'));
  await expect.poll(async () => Number(await joe.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(joePackets + 20);
  expect((await env.platform.phone.get(call.uuid)).status).toBe('answered');
  await expect.poll(async () => (await record(call.conversation_uuid)).events.filter((e) => e.kind === 'control').map((e) => e.status)).toEqual(['consult', 'conference', 'left-conference']);

  await env.platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toBeVisible();
  await expect.poll(async () => (await record(call.conversation_uuid)).ended_at).toBeTruthy();
  expect(await record(call.conversation_uuid)).toMatchObject({ outcome: 'answered' });
});
