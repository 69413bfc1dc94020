/**
 * The agent's in-call controls in the web app, driven through the UI's buttons and keys,
 * with the real Client SDK, real WebRTC and the sandbox's phones judging what the far end
 * experiences: mute (the caller's audible frames stop), hold (the caller hears the hold music
 * and the backend holds the call), the keypad (the phone's `dtmf_received`), blind transfer to
 * Joe, warm transfer completed, a consult cancelled, a conference left, and call waiting.
 *
 * Jane's and Joe's fake microphones (Chromium's) beep; a phone speaks a 425 Hz tone, or
 * silence when told to. What an agent hears is measured by WebRTC's `totalAudioEnergy`
 * (`data-energy-received`), which grows only with sound.
 */
import { expect, test, type Page } from '@playwright/test';
import { agentDeskPerFile } from '../support/agent-desk';
import { seriousA11yViolations } from '../support/axe';

/** A demo number given a custom NCCO here that rings Jane whatever she is doing: how a second call reaches her. */
const DIRECT_TO_JANE = '14155550166';

const env = agentDeskPerFile();
const agent = (name: 'Jane' | 'Joe') => env.desk.agent(name);
const record = (conversation: string) => env.desk.callRecord(conversation);
const heard = (uuid: string) => env.desk.heard(uuid);
const audible = (uuid: string) => env.desk.audible(uuid);
const energy = async (page: Page): Promise<number> => Number(await page.getByTestId('audio-stats').getAttribute('data-energy-received'));

async function play(uuid: string, body: { tone: true } | { silence: true }): Promise<void> {
  const response = await fetch(`${env.platform.sandboxUrl}/sandbox/v1/phone/calls/${uuid}/play`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.ok, await response.text()).toBe(true);
}

/** Polls `read` until two reads 600 ms apart agree; returns the settled value. */
async function settled(read: () => Promise<number>): Promise<number> {
  let last = await read();
  await expect
    .poll(
      async () => {
        const now = await read();
        const still = now === last;
        last = now;
        return still;
      },
      { intervals: [600], timeout: 15_000 },
    )
    .toBe(true);
  return last;
}

/** A phone calls the contact number; the agent answers with the button and the caller's audio flows. */
async function answerCall(page: Page, from: string, to?: string): Promise<{ uuid: string; conversation_uuid: string }> {
  const call = await env.platform.phone.call(from, to);
  await expect(page.getByTestId('incoming-call')).toBeVisible();
  expect(await seriousA11yViolations(page)).toEqual([]);
  await page.getByTestId('answer-button').click();
  await expect(page.getByTestId('in-call')).toBeVisible();
  await expect.poll(() => audible(call.uuid)).toBeGreaterThan(10);
  return call;
}

/** The call's control state as the backend has it (the agent's own session, from the page). */
async function controlOf(page: Page, leg: string): Promise<{ held: boolean; consult: unknown }> {
  return page.evaluate(async (path) => (await (await fetch(path, { credentials: 'include' })).json()) as { held: boolean; consult: unknown }, `/api/agent/calls/${leg}/control`);
}

/** Jane consults Joe from the transfer panel and Joe answers; they talk while the caller holds. */
async function consultJoe(jane: Page, joe: Page): Promise<void> {
  await jane.getByTestId('transfer-button').click();
  await jane.getByTestId('transfer-agent-Joe-consult').click();
  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect(jane.getByTestId('call-state')).toContainText('Talking with Joe');
}

/** What the other party hears of the caller: nothing while the caller is silent, sound once it speaks. */
async function expectHearsCaller(listener: Page, callUuid: string): Promise<void> {
  await play(callUuid, { silence: true });
  const quiet = await settled(() => energy(listener));
  await play(callUuid, { tone: true });
  await expect.poll(() => energy(listener)).toBeGreaterThan(quiet);
}

/** The call's control events in its record, in order. */
async function expectControls(conversation: string, statuses: string[]): Promise<void> {
  await expect.poll(async () => (await record(conversation)).events.filter((e) => e.kind === 'control').map((e) => e.status)).toEqual(statuses);
}

test('mute: the caller stops hearing Jane while muted and hears her again after unmute; the screen passes axe', async () => {
  const jane = await agent('Jane');
  const call = await answerCall(jane, '+14155550131');
  await expect(jane.getByTestId('mute-button')).toHaveAttribute('aria-keyshortcuts', 'M');
  await expect(jane.getByTestId('muted-indicator')).toHaveCount(0);
  expect(await seriousA11yViolations(jane)).toEqual([]);

  await jane.getByTestId('mute-button').click();
  await expect(jane.getByTestId('muted-indicator')).toBeVisible();
  await expect(jane.getByTestId('mute-button')).toHaveText(/Unmute/);
  await jane.emulateMedia({ colorScheme: 'dark' });
  expect(await seriousA11yViolations(jane)).toEqual([]);
  await jane.emulateMedia({ colorScheme: 'light' });
  await expect(jane.getByTestId('in-call')).toHaveAttribute('data-muted', 'true');
  const silent = await settled(() => audible(call.uuid));
  await jane.waitForTimeout(1500);
  expect(await audible(call.uuid)).toBe(silent);
  expect(await seriousA11yViolations(jane)).toEqual([]);

  // Unmute from the keyboard (focus is on the button, not in a field).
  await jane.keyboard.press('m');
  await expect(jane.getByTestId('muted-indicator')).toHaveCount(0);
  await expect.poll(() => audible(call.uuid)).toBeGreaterThan(silent + 20);

  await jane.getByTestId('hangup-button').click();
  await expect(jane.getByTestId('call-ended')).toBeVisible();
});

test('hold: the caller hears the hold music and the backend holds the call, with the hold time shown; resume by key', async () => {
  const jane = await agent('Jane');
  const call = await answerCall(jane, '+14155550132');
  const leg = await env.desk.answeredLeg(call.conversation_uuid, 'Jane');

  await jane.getByTestId('hold-button').click();
  await expect(jane.getByTestId('call-state')).toContainText('On hold');
  await expect(jane.getByTestId('hold-button')).toHaveText(/Resume/);
  await expect(jane.getByTestId('hold-timer')).toHaveText(/0:0[1-9]/);
  await expect.poll(() => heard(call.uuid)).toContain('stream');
  expect(await controlOf(jane, leg)).toMatchObject({ held: true });
  expect(await seriousA11yViolations(jane)).toEqual([]);

  await jane.keyboard.press('h');
  await expect(jane.getByTestId('call-state')).toHaveCount(0);
  await expect(jane.getByTestId('hold-button')).toHaveText(/Hold/);
  await expect.poll(async () => (await controlOf(jane, leg)).held).toBe(false);
  await expectControls(call.conversation_uuid, ['hold', 'resume']);
  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
});

test('keypad: buttons and the keyboard send tones the phone receives; typing in a field sends none', async () => {
  const jane = await agent('Jane');
  const call = await answerCall(jane, '+14155550133');

  await jane.keyboard.press('k');
  await expect(jane.getByTestId('keypad-panel')).toBeVisible();
  await jane.getByTestId('dtmf-key-1').click();
  await jane.getByTestId('dtmf-key-star').click();
  await jane.keyboard.press('7');
  await jane.keyboard.press('#');
  await expect(jane.getByTestId('dtmf-sent')).toHaveText('1*7#');
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).dtmf_received.join('')).toBe('1*7#');

  // Digits typed into the transfer panel's number field are not tones.
  await jane.keyboard.press('Escape');
  await expect(jane.getByTestId('keypad-panel')).toHaveCount(0);
  await jane.getByTestId('transfer-button').click();
  await jane.getByTestId('transfer-number').pressSequentially('4155');
  await expect(jane.getByTestId('transfer-number')).toHaveValue('4155');
  await jane.waitForTimeout(1000);
  expect((await env.platform.phone.get(call.uuid)).dtmf_received.join('')).toBe('1*7#');

  await jane.getByTestId('hangup-button').click();
  await expect(jane.getByTestId('call-ended')).toBeVisible();
});

test('blind transfer through the panel: Joe away is refused with the backend message; available, his app rings and the record names him', async () => {
  const jane = await agent('Jane');
  const call = await answerCall(jane, '+14155550134');
  const joe = await agent('Joe');
  await joe.getByTestId('agent-status-away').click();
  await expect(joe.getByTestId('agent-status-label')).toHaveText('Away');

  await jane.keyboard.press('t');
  const panel = jane.getByTestId('transfer-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('transfer-agent-Joe')).toHaveAttribute('data-status', 'away');
  await expect(panel.getByTestId('transfer-agent-Joe')).toContainText('Away');
  expect(await seriousA11yViolations(jane)).toEqual([]);
  await panel.getByTestId('transfer-agent-Joe-blind').click();
  await expect(jane.getByTestId('call-error')).toHaveText(/Joe is not available/);
  await expect(jane.getByTestId('in-call')).toBeVisible();
  expect((await env.platform.phone.get(call.uuid)).status).toBe('answered');

  await joe.getByTestId('agent-status-available').click();
  await expect(panel.getByTestId('transfer-agent-Joe')).toHaveAttribute('data-status', 'available');
  await panel.getByTestId('transfer-agent-Joe-blind').click();
  await expect(jane.getByTestId('call-ended')).toContainText('Call transferred');
  await expect(jane.getByTestId('call-error')).toBeEmpty();
  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => (await record(call.conversation_uuid)).agent).toBe('Joe');
  await env.platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toBeVisible();
});

test('warm transfer: Jane consults Joe while the caller hears music, completes, and the caller and Joe hear each other', async () => {
  const jane = await agent('Jane');
  const joe = await agent('Joe');
  const call = await answerCall(jane, '+14155550135');

  await consultJoe(jane, joe);
  await expect(jane.getByTestId('call-state')).toHaveAttribute('data-state', 'consulting');
  await expect(jane.getByTestId('transfer-panel')).toHaveCount(0);
  await expect.poll(() => heard(call.uuid)).toContain('stream');
  await expect(jane.getByTestId('consult-conference')).toBeEnabled();

  await jane.getByTestId('consult-complete').click();
  await expect(jane.getByTestId('call-ended')).toContainText('Call transferred');
  await expect(joe.getByTestId('in-call')).toBeVisible();
  // The caller hears Joe (his microphone beeps) …
  const before = await audible(call.uuid);
  await expect.poll(() => audible(call.uuid)).toBeGreaterThan(before + 20);
  // … and Joe hears the caller.
  await expectHearsCaller(joe, call.uuid);
  await expectControls(call.conversation_uuid, ['consult', 'transfer-completed']);
  await env.platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toBeVisible();
});

test('consult cancelled: Joe is hung up and the caller is back with Jane, who hears them', async () => {
  const jane = await agent('Jane');
  const joe = await agent('Joe');
  const call = await answerCall(jane, '+14155550136');

  await consultJoe(jane, joe);

  await jane.getByTestId('consult-cancel').click();
  await expect(joe.getByTestId('call-ended')).toBeVisible();
  await expect(jane.getByTestId('in-call')).toHaveAttribute('data-state', 'active');
  await expect(jane.getByTestId('call-state')).toHaveCount(0);
  // Back together: the caller hears Jane, and Jane hears the caller's tone after its silence.
  const before = await audible(call.uuid);
  await expect.poll(() => audible(call.uuid)).toBeGreaterThan(before + 20);
  await expectHearsCaller(jane, call.uuid);
  await expectControls(call.conversation_uuid, ['consult', 'consult-cancelled']);
  await jane.getByTestId('hangup-button').click();
  await expect(jane.getByTestId('call-ended')).toBeVisible();
});

test('conference: Jane brings Joe in, both apps show the conference, Jane leaves and Joe stays with the caller', async () => {
  const jane = await agent('Jane');
  const joe = await agent('Joe');
  const call = await answerCall(jane, '+14155550137');

  await consultJoe(jane, joe);
  await jane.getByTestId('consult-conference').click();
  await expect(jane.getByTestId('call-state')).toContainText('Conference: you, the caller and Joe');
  await expect(joe.getByTestId('call-state')).toContainText('Conference: you, the caller and Jane');
  await expect(joe.getByTestId('conference-leave')).toBeVisible();
  expect(await seriousA11yViolations(jane)).toEqual([]);

  await jane.getByTestId('conference-leave').click();
  await expect(jane.getByTestId('call-ended')).toContainText('You left the conference');
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect(joe.getByTestId('in-call')).toHaveAttribute('data-state', 'active');
  expect((await env.platform.phone.get(call.uuid)).status).toBe('answered');
  await expectHearsCaller(joe, call.uuid);
  await expectControls(call.conversation_uuid, ['consult', 'conference', 'left-conference']);
  await env.platform.phone.hangup(call.uuid);
  await expect(joe.getByTestId('call-ended')).toBeVisible();
});

test('call waiting: a second call waits; answering holds the first (music), the second talks; then back to the first; another is declined', async () => {
  await env.desk.admin(`/api/admin/numbers/${DIRECT_TO_JANE}`, {
    method: 'PUT',
    body: JSON.stringify({ flow: 'custom', label: 'Straight to Jane', ncco: [{ action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }] }),
  });
  const jane = await agent('Jane');
  const first = await answerCall(jane, '+14155550138');

  const second = await env.platform.phone.call('+14155550139', `+${DIRECT_TO_JANE}`);
  const waiting = jane.getByTestId('call-waiting');
  await expect(waiting).toBeVisible();
  await expect(waiting.getByTestId('call-waiting-from')).toHaveText('+1 415 555 0139');
  await expect(jane.getByTestId('in-call-with')).toHaveText('+1 415 555 0138');
  expect(await seriousA11yViolations(jane)).toEqual([]);

  await waiting.getByTestId('waiting-answer-button').click();
  await expect(jane.getByTestId('call-waiting')).toHaveCount(0);
  await expect(jane.getByTestId('in-call-with')).toHaveText('+1 415 555 0139');
  await expect(jane.getByTestId('held-call')).toContainText('+1 415 555 0138');
  await expect.poll(() => heard(first.uuid)).toContain('stream');
  const secondHears = await audible(second.uuid);
  await expect.poll(() => audible(second.uuid)).toBeGreaterThan(secondHears + 20);

  // The second caller hangs up: the first is on screen, still on hold, and Jane resumes it.
  await env.platform.phone.hangup(second.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  await expect(jane.getByTestId('in-call')).toHaveAttribute('data-state', 'held');
  await expect(jane.getByTestId('in-call-with')).toHaveText('+1 415 555 0138');
  await jane.getByTestId('hold-button').click();
  await expect(jane.getByTestId('in-call')).toHaveAttribute('data-state', 'active');
  const firstHears = await audible(first.uuid);
  await expect.poll(() => audible(first.uuid)).toBeGreaterThan(firstHears + 20);

  // A third call waits and is declined from the keyboard: the first call goes on.
  const third = await env.platform.phone.call('+14155550140', `+${DIRECT_TO_JANE}`);
  await expect(jane.getByTestId('call-waiting')).toBeVisible();
  await jane.keyboard.press('d');
  await expect(jane.getByTestId('call-waiting')).toHaveCount(0);
  await expect.poll(async () => (await env.platform.phone.get(third.uuid)).status).toBe('completed');
  await expect(jane.getByTestId('in-call')).toHaveAttribute('data-state', 'active');
  expect((await env.platform.phone.get(first.uuid)).status).toBe('answered');
  await jane.getByTestId('hangup-button').click();
  await expect(jane.getByTestId('in-call')).toHaveCount(0);
});
