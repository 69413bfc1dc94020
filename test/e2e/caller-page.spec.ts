/**
 * The sandbox's caller page in real Chromium (fake microphone) against a sandbox whose
 * application answers with a prompt and a keypad menu: the page connects over WebRTC,
 * shows what the caller hears, sends a key the input's eventUrl receives, carries audio
 * both ways, and hangs up.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { launchChromium } from '../support/chromium';
import { startSandboxAccount, type SandboxAccount } from '../support/sandbox-account';

const PROMPT = 'Welcome to the sandbox. Press 1 for sales.';

let account: SandboxAccount;
let browser: Browser;
let page: Page;
let problems: string[];

/** What the phone API says about the page's call. */
async function phoneCall(uuid: string) {
  const response = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}`);
  return (await response.json()) as { status: string; heard: unknown[]; media: { packets_sent: number; packets_received: number } };
}

test.beforeAll(async () => {
  account = await startSandboxAccount();
  browser = await launchChromium();
});

test.afterAll(async () => {
  await browser?.close();
  await account?.stop();
});

test.beforeEach(async () => {
  account.hooks.length = 0;
  page = await browser.newPage();
  problems = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${account.sandbox.url}/caller/`);
});

test.afterEach(async () => {
  await page.close();
  // The strict CSP holds: nothing the page does is blocked, and it throws nothing.
  expect(problems).toEqual([]);
});

test('a caller hears the prompt, presses 1 on the keypad, and audio flows both ways', async () => {
  account.setNcco([
    { action: 'talk', text: PROMPT, bargeIn: true },
    { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 10 }, eventUrl: [`${account.hookUrl}/page-input`] },
  ]);
  account.respond('/page-input', [{ action: 'talk', text: 'You chose sales. Goodbye.' }]);
  // The page offers the application's number.
  await expect(page.getByTestId('to')).toHaveValue(`+${account.number}`);

  await page.getByTestId('call-button').click();
  const status = page.getByTestId('call-status');
  await expect(status).toHaveAttribute('data-status', 'answered');
  await expect(status).toHaveText('Connected');
  const uuid = (await status.getAttribute('data-call-uuid'))!;
  expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
  await expect(page.getByTestId('heard')).toContainText(PROMPT);

  const stats = page.getByTestId('audio-stats');
  await expect.poll(async () => Number(await stats.getAttribute('data-packets-received'))).toBeGreaterThan(25);
  await expect.poll(async () => Number(await stats.getAttribute('data-packets-sent'))).toBeGreaterThan(25);
  const media = (await phoneCall(uuid)).media;
  expect(media.packets_received).toBeGreaterThan(25); // the browser's microphone reached the sandbox
  expect(media.packets_sent).toBeGreaterThan(25); // the prompt went to the browser

  await page.locator('[data-key="1"]').click();
  await expect(page.getByTestId('pressed')).toHaveText('You pressed: 1');
  await expect.poll(() => account.hooks.find((h) => h.path === '/page-input')?.body?.dtmf).toEqual({ digits: '1', timed_out: false });
  expect(account.hooks.find((h) => h.path === '/page-input')?.body).toMatchObject({ uuid, from: '14155550100', to: account.number });
  await expect(page.getByTestId('heard')).toContainText('You chose sales. Goodbye.');

  // The application hangs up after its goodbye: the page shows it and is ready to call again.
  await expect(status).toHaveAttribute('data-status', 'completed');
  await expect(page.getByTestId('heard')).toContainText('the other side hung up');
  await expect(page.getByTestId('call-button')).toBeVisible();
  await expect(page.getByTestId('hangup-button')).toBeHidden();
});

test('the caller hangs up from the page', async () => {
  account.setNcco([{ action: 'talk', text: 'Please hold.', loop: 0 }]);
  await page.getByTestId('call-button').click();
  const status = page.getByTestId('call-status');
  await expect(status).toHaveAttribute('data-status', 'answered');
  const uuid = (await status.getAttribute('data-call-uuid'))!;
  await expect(page.getByTestId('heard')).toContainText('Please hold.');

  await page.getByTestId('hangup-button').click();
  await expect(status).toHaveAttribute('data-status', 'completed');
  const call = await phoneCall(uuid);
  expect(call.status).toBe('completed');
  expect(call.heard).toContainEqual({ type: 'hangup', reason: 'caller hung up' });
  await expect(page.getByTestId('call-button')).toBeVisible();
});

test('a bad number is refused in place, and the keypad dials when not in a call', async () => {
  await page.getByTestId('to').fill('Jane');
  await page.getByTestId('call-button').click();
  await expect(page.getByTestId('error')).toHaveText('Enter the number to call, like +14155550199.');
  await expect(page.getByTestId('call-status')).toHaveAttribute('data-status', 'idle');

  await page.getByTestId('to').fill('+1');
  for (const key of ['4', '1', '5']) await page.locator(`[data-key="${key}"]`).click();
  await expect(page.getByTestId('to')).toHaveValue('+1415');
});

test('closing the tab mid-call hangs the call up', async () => {
  account.setNcco([{ action: 'talk', text: 'Please hold.', loop: 0 }]);
  await page.getByTestId('call-button').click();
  const status = page.getByTestId('call-status');
  await expect(status).toHaveAttribute('data-status', 'answered');
  const uuid = (await status.getAttribute('data-call-uuid'))!;
  await page.close({ runBeforeUnload: true });
  await expect.poll(async () => (await phoneCall(uuid)).status).toBe('completed');
  expect((await phoneCall(uuid)).heard).toContainEqual({ type: 'hangup', reason: 'caller hung up' });
});
