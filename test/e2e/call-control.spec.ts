/**
 * The durable call model end to end, with real Client SDK agents in Chromium, simulated
 * phones and the sandbox: the queue caller who used to be stranded in the hold music, and the
 * agent's call control (hold / resume, blind transfer, a transfer to an agent who is not
 * available). The app has no buttons for call control yet: the page calls the backend's API
 * with its own session, as the app will.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { AgentDesk } from '../support/agent-desk';
import { launchChromium } from '../support/chromium';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const QUEUE = '14155550155';

let platform: TestPlatform;
let browser: Browser;
let desk: AgentDesk;

test.beforeAll(async () => {
  platform = await startTestPlatform();
  browser = await launchChromium();
  desk = new AgentDesk(platform, browser);
});

test.afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

test.afterEach(async () => {
  await desk.signOutAll();
});

const agent = (name: 'Jane' | 'Joe') => desk.agent(name);
const record = (conversation: string) => desk.callRecord(conversation);
const heard = (uuid: string) => desk.heard(uuid);

/** The agent's answered leg of a call, from the call log. */
async function answeredLeg(conversation: string, name: string): Promise<string> {
  const find = async () => (await record(conversation)).events.find((e) => e.agent === name && e.status === 'answered')?.uuid;
  await expect.poll(find).toBeTruthy();
  return (await find())!;
}

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
  const call = await platform.phone.call('+14155550121', `+${QUEUE}`);
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await jane.getByTestId('hangup-button').click();
  // Before, the caller stayed in the queue's music and was offered to Jane again.
  await expect.poll(async () => (await platform.phone.get(call.uuid)).status).toBe('completed');
  await expect.poll(async () => (await record(call.conversation_uuid)).ended_at).toBeTruthy();
  expect(await record(call.conversation_uuid)).toMatchObject({ agent: 'Jane', outcome: 'answered' });
  await expect(jane.getByTestId('incoming-call')).toHaveCount(0);
});

test('hold plays music to the caller and resume takes it away; a transfer to an agent who is not available is refused and the caller stays with the agent', async () => {
  const jane = await agent('Jane');
  const call = await platform.phone.call('+14155550122');
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
  expect((await platform.phone.get(call.uuid)).status).toBe('answered');
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
});

test('blind transfer: Jane sends the caller to Joe, who answers; Jane is free and the record names Joe', async () => {
  const jane = await agent('Jane');
  const call = await platform.phone.call('+14155550123');
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
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  expect((await platform.phone.get(call.uuid)).status).toBe('answered');
  await expect.poll(async () => (await record(call.conversation_uuid)).agent).toBe('Joe');
  await platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toBeVisible();
});
