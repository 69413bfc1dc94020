/**
 * "A restart loses nothing" (docs/ARCHITECTURE.md, "The call model, jobs and instances"),
 * end to end: the backend runs as a process of its own (`server/index.ts`, as `npm run
 * backend` runs it) against the sandbox, with a real Client SDK agent in Chromium (the web
 * app) and simulated phones. The test SIGKILLs the backend in the middle of calls, lets the
 * platform carry on without it (its webhooks fail and are retried once, as Vonage does, then
 * dropped), starts it again on the same port and checks that every call still ends, no agent
 * is left Busy and the next call is served.
 *
 * The backend's own timing applies (nothing is shortened): a leg whose end was missed is
 * looked up by reconciliation once it is older than 25 s, at start and then every 30 s, so
 * the waits for that are bounded accordingly.
 */
import { expect, test, type Browser } from '@playwright/test';
import { SETTLE_MS, RECONCILE_EVERY_MS } from '../../server/calls/reconcile';
import { VOICEMAIL_GREETING } from '../../server/flows/actions';
import { AgentDesk } from '../support/agent-desk';
import { launchChromium } from '../support/chromium';
import { startProcessPlatform, type ProcessPlatform } from '../support/backend-process';

const QUEUE = '14155550155';
/** Longest a missed end can take to be reconciled after a restart: settle, one period, and some slack. */
const RECONCILED_WITHIN_MS = SETTLE_MS + RECONCILE_EVERY_MS + 15_000;

let platform: ProcessPlatform;
let browser: Browser;
let desk: AgentDesk;

test.beforeAll(async () => {
  platform = await startProcessPlatform();
  browser = await launchChromium();
  desk = new AgentDesk(platform, browser);
});

test.afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus && platform) {
    const output = platform.backendOutput();
    console.error(`backend process output:\n${output}`);
    await testInfo.attach('backend-output.txt', { body: output, contentType: 'text/plain' });
  }
  await desk.signOutAll();
  // A scenario that failed with the backend down leaves it down: the next one needs it.
  if (platform && platform.backendPid() === null) await platform.startBackend();
});

const agent = (name: 'Jane' | 'Joe') => desk.agent(name);
const callRecord = (conversation: string) => desk.callRecord(conversation);
const statuses = () => desk.statuses();
const waiting = (queue: string) => desk.waiting(queue);
const heard = (uuid: string) => desk.heard(uuid);

test('killed mid-call: the caller hangs up while the backend is down; after the restart the call ends, Jane is free and the next call rings her', async () => {
  test.setTimeout(RECONCILED_WITHIN_MS + 60_000);
  const jane = await agent('Jane');
  const call = await platform.phone.call('+14155550131');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('On a call');
  await expect.poll(async () => (await callRecord(call.conversation_uuid)).agent).toBe('Jane');
  expect((await statuses()).Jane).toBe('busy');

  await platform.killBackend();
  // The platform ends both legs; its completed events find nobody (one retry each, then dropped).
  await platform.phone.hangup(call.uuid);
  await expect.poll(async () => (await platform.phone.get(call.uuid)).status).toBe('completed');
  // The SDK hears the hang-up from the platform, not from the backend.
  await expect(jane.getByTestId('call-ended')).toBeVisible();

  await platform.startBackend();
  // Nothing told the new process the call ended: reconciliation asks the platform about the
  // legs it still holds open once they have settled, and closes them as the events would have.
  await expect
    .poll(async () => (await callRecord(call.conversation_uuid)).ended_at, { timeout: RECONCILED_WITHIN_MS, intervals: [1_000] })
    .toBeTruthy();
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ agent: 'Jane', outcome: 'answered' });
  await expect.poll(async () => (await statuses()).Jane, { timeout: 15_000 }).toBe('available');
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available', { timeout: 15_000 });

  // The next call rings Jane and is answered.
  await desk.takeCall(jane, 'Jane', '+14155550132');
});

test('killed while queue callers wait and one is being offered: after the restart every caller is served or sent on, and nobody stays Busy', async () => {
  test.setTimeout(RECONCILED_WITHIN_MS + 90_000);
  const jane = await agent('Jane');
  const callers: Array<{ uuid: string; conversation_uuid: string }> = [];
  // Six callers at once: a storm of answer and event webhooks and queue jobs.
  for (let i = 0; i < 6; i++) callers.push(await platform.phone.call(`+1415555014${i}`, `+${QUEUE}`));
  // All six are in line (their answer webhooks done), and the first is being offered to Jane.
  await expect.poll(async () => (await waiting('support')).length).toBe(6);
  await expect(jane.getByTestId('incoming-call')).toBeVisible();

  await platform.killBackend();
  // The callers keep waiting with the music the platform plays; nothing is decided meanwhile.
  await new Promise((r) => setTimeout(r, 2_000));
  for (const caller of callers) expect((await platform.phone.get(caller.uuid)).status).toBe('answered');
  await platform.startBackend();

  // Jane takes every caller the backend offers her, one by one, and hangs up; a caller the
  // queue sends to voicemail instead (its wait ran out) hangs up at the greeting.
  const served = new Set<string>();
  const sentOn = new Set<string>();
  const deadline = Date.now() + RECONCILED_WITHIN_MS + 30_000;
  const open = async () => {
    const left: string[] = [];
    for (const caller of callers) if ((await platform.phone.get(caller.uuid)).status !== 'completed') left.push(caller.uuid);
    return left;
  };
  while ((await open()).length > 0) {
    expect(Date.now(), `callers still waiting: ${(await open()).join(', ')}`).toBeLessThan(deadline);
    for (const uuid of await open()) {
      if ((await heard(uuid)).includes(VOICEMAIL_GREETING)) {
        sentOn.add(uuid);
        await platform.phone.hangup(uuid);
      }
    }
    const incoming = jane.getByTestId('incoming-call');
    if (!(await incoming.isVisible())) {
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    await jane.getByTestId('answer-button').click({ timeout: 5_000 }).catch(() => undefined);
    const inCall = await jane
      .getByTestId('in-call')
      .waitFor({ state: 'visible', timeout: 10_000 })
      .then(() => true)
      .catch(() => false);
    if (!inCall) continue;
    const before = new Set(await open());
    await jane.getByTestId('hangup-button').click();
    // (The next offer may replace the "call ended" view at once: there is no wrap-up here.)
    await expect(jane.getByTestId('in-call')).toBeHidden();
    // The caller Jane talked to is hung up with her.
    await expect.poll(async () => before.size - (await open()).length, { timeout: 15_000 }).toBeGreaterThan(0);
    for (const uuid of before) if (!(await open()).includes(uuid)) served.add(uuid);
  }

  // Nobody stranded: every call record ends, answered by Jane or sent on by the queue.
  for (const caller of callers) {
    await expect
      .poll(async () => (await callRecord(caller.conversation_uuid)).ended_at, { timeout: RECONCILED_WITHIN_MS, intervals: [1_000], message: `record of ${caller.uuid}` })
      .toBeTruthy();
    const record = await callRecord(caller.conversation_uuid);
    if (sentOn.has(caller.uuid)) expect(record, caller.uuid).toMatchObject({ flow_outcome: 'timeout' });
    else expect(record, caller.uuid).toMatchObject({ agent: 'Jane', outcome: 'answered' });
  }
  expect(served.size).toBeGreaterThan(0);
  expect(await waiting('support')).toEqual([]);
  await expect.poll(async () => (await statuses()).Jane, { timeout: 15_000 }).toBe('available');
  expect((await statuses()).Joe).not.toBe('busy');
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available');
});
