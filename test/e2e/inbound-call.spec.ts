/**
 * The agent UI as a web page, in real Chromium with the real Client SDK and real WebRTC:
 * a phone calls the contact-center number, Jane answers, audio flows both ways, she hangs
 * up, and the backend's call log holds the completed call.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { VOICEMAIL_GREETING } from '../../server/flows/actions';
import { launchChromium } from '../support/chromium';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { platformLogOnFailure } from '../support/failure-log';

let platform: TestPlatform;
let browser: Browser;
let page: Page;
let cspViolations: string[];

test.beforeAll(async () => {
  platform = await startTestPlatform();
  browser = await launchChromium();
});

platformLogOnFailure(() => platform);
test.afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

test.beforeEach(async () => {
  page = await browser.newPage();
  cspViolations = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
  await page.goto(`${platform.serverUrl}/app/`);
});

test.afterEach(async () => {
  await page.close();
  // The strict CSP must hold for the real SDK: nothing it needs may be blocked.
  expect(cspViolations).toEqual([]);
});

async function signIn(name: string, password: string) {
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

test('a wrong password shows an error and keeps the form', async () => {
  await signIn('Jane', 'not-her-password');
  await expect(page.getByTestId('login-error')).toHaveText('Name or password is incorrect');
  await expect(page.getByTestId('login-name')).toHaveValue('Jane');
});

test('an empty form is refused in place', async () => {
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('login-error')).toHaveText('Enter your agent name.');
});

test('Jane answers a phone call and both directions carry audio', async () => {
  await signIn('Jane', platform.agents.Jane);
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');

  const call = await platform.phone.call('+14155550100');
  await expect(page.getByTestId('incoming-call')).toBeVisible();
  await expect(page.getByTestId('incoming-from')).toHaveText('+1 415 555 0100');
  expect((await platform.phone.get(call.uuid)).heard).toContainEqual({ type: 'talk', text: 'Thank you for calling Jane' });

  await page.getByTestId('answer-button').click();
  await expect(page.getByTestId('in-call')).toBeVisible();

  const stats = page.getByTestId('audio-stats');
  await expect.poll(async () => Number(await stats.getAttribute('data-packets-received'))).toBeGreaterThan(20);
  const pageReceived = Number(await stats.getAttribute('data-packets-received'));
  const phoneBefore = (await platform.phone.get(call.uuid)).media;
  await expect.poll(async () => Number(await stats.getAttribute('data-packets-received'))).toBeGreaterThan(pageReceived + 20);
  await expect.poll(async () => Number(await stats.getAttribute('data-packets-sent'))).toBeGreaterThan(20);
  const phoneAfter = (await platform.phone.get(call.uuid)).media;
  expect(phoneAfter.packets_received).toBeGreaterThan(phoneBefore.packets_received);
  expect(phoneAfter.packets_sent).toBeGreaterThan(phoneBefore.packets_sent);
  expect(phoneAfter.audible_frames_received).toBeGreaterThan(0);
  await expect(page.getByTestId('call-timer')).toHaveText(/^0:0[0-9]$/);

  await page.getByTestId('hangup-button').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  await expect.poll(async () => (await platform.phone.get(call.uuid)).status).toBe('completed');

  await expect
    .poll(async () => (await platform.callLog()).find((row) => row.conversation_uuid === call.conversation_uuid)?.status)
    .toBe('completed');
  const row = (await platform.callLog()).find((r) => r.conversation_uuid === call.conversation_uuid)!;
  expect(row.agent).toBe('Jane');
  expect(row.events.map((e) => e.status)).toEqual(
    expect.arrayContaining(['started', 'ringing', 'answered', 'completed']),
  );
});

test('the caller hanging up while it rings shows a missed call', async () => {
  await signIn('Jane', platform.agents.Jane);
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  const call = await platform.phone.call('+14155550111');
  await expect(page.getByTestId('incoming-call')).toBeVisible();
  await platform.phone.hangup(call.uuid);
  await expect(page.getByTestId('call-ended')).toContainText('Missed call');
  await expect(page.getByTestId('incoming-call')).toBeHidden();
});

test('Jane declines a call and the caller is not left hanging', async () => {
  await signIn('Jane', platform.agents.Jane);
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  const call = await platform.phone.call('+14155550122');
  await expect(page.getByTestId('incoming-call')).toBeVisible();
  await page.getByTestId('decline-button').click();
  await expect(page.getByTestId('call-ended')).toContainText('Call declined');
  // Nobody else is available: the contact number's fallback takes a voicemail.
  await expect.poll(async () => (await platform.phone.get(call.uuid)).heard.map((h) => h.text)).toContain(VOICEMAIL_GREETING);
  await platform.phone.hangup(call.uuid);
  await expect.poll(async () => (await platform.phone.get(call.uuid)).status).toBe('completed');
});
