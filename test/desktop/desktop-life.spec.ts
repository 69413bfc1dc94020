/**
 * Desktop life through the harness with real pages: the incoming-call window's page (built
 * by Vite into dist/renderer) answered by keyboard on Linux, and a renderer that really
 * crashes (DevTools Page.crash) and is reloaded in a new page with its call handed back.
 * The main window shows the fixture renderer (test/desktop/fixtures/renderer).
 */
import { existsSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { seriousA11yViolations } from '../support/axe';
import { DIST, type DesktopApp, type LaunchDesktopOptions } from './harness';
import { fixtureDesktopSuite } from './fixture-suite';

const CALLER = '+14155550100';

test.describe.configure({ mode: 'serial' });

const suite = fixtureDesktopSuite({ Jane: 'jane-password-0451' });
const launch = (userDataDir: string, extra: Partial<LaunchDesktopOptions> = {}): Promise<DesktopApp> => suite.launch(userDataDir, extra);

/**
 * Presses a key that closes the page's own window (Answer, Decline): the window may be gone
 * before Playwright's press returns, which is the behaviour under test, not a failure.
 */
async function pressClosing(page: Page, key: string): Promise<void> {
  try {
    await page.keyboard.press(key);
  } catch (error) {
    if (!page.isClosed()) throw error;
  }
}

const received = (page: Page) => page.evaluate(() => (window as unknown as { __received: Array<{ channel: string; payload: unknown }> }).__received);
const ready = (page: Page) => page.evaluate(() => (window as unknown as { switchboard: { ready(): void } }).switchboard.ready());
const report = (page: Page, summary: unknown) =>
  page.evaluate((s) => (window as unknown as { switchboard: { reportCallState(s: unknown): void } }).switchboard.reportCallState(s), summary);

test('Linux: the incoming-call window shows the caller and answers with its key; Decline by Tab and Enter', async ({}, testInfo) => {
  test.skip(!existsSync(DIST.incomingPage), `the renderer is not built (${DIST.incomingPage} is missing): run npm run build first`);
  const app = await launch(testInfo.outputPath('user-data'), { platform: 'linux' });
  const page = await app.mainPage();
  await ready(page);

  await report(page, { phase: 'ringing', callId: 'call-1', from: CALLER });
  await expect.poll(() => app.incomingWindows().length).toBe(1);
  const [window] = app.incomingWindows();
  await window!.loaded();
  const incoming = await window!.page();
  await expect(incoming.getByTestId('incoming-window-from')).toHaveText('+1 415 555 0100');
  await expect(incoming.getByTestId('incoming-title')).toHaveText('Incoming call');
  await expect(incoming.getByTestId('incoming-window-answer')).toContainText('Ctrl+Alt+A');
  await expect(incoming.getByTestId('incoming-window-decline')).toContainText('Ctrl+Alt+H');
  await expect(incoming.getByTestId('incoming-window-answer')).toHaveAttribute('aria-keyshortcuts', 'A Control+Alt+A');
  expect(await seriousA11yViolations(incoming)).toEqual([]);
  expect(window!.webContents.consoleErrors).toEqual([]); // the CSP let the page's own script and style run, nothing else

  await pressClosing(incoming, 'a');
  await expect.poll(() => received(page)).toContainEqual({ channel: 'call:command', payload: { action: 'answer', callId: 'call-1', source: 'window' } });
  expect(window!.isDestroyed()).toBe(true);
  expect(app.app.isRinging()).toBe(false);

  await report(page, { phase: 'idle' });
  await report(page, { phase: 'ringing', callId: 'call-2', from: CALLER });
  await expect.poll(() => app.incomingWindows().length).toBe(1);
  const second = app.incomingWindows()[0]!;
  await second.loaded();
  const secondPage = await second.page();
  await secondPage.keyboard.press('Tab');
  await secondPage.keyboard.press('Tab');
  await expect(secondPage.getByTestId('incoming-window-decline')).toBeFocused();
  await pressClosing(secondPage, 'Enter');
  await expect.poll(() => received(page)).toContainEqual({ channel: 'call:command', payload: { action: 'decline', callId: 'call-2', source: 'window' } });
});

test('a renderer that crashes during a call is reloaded in a new process and handed its call', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'), { platform: 'win32' });
  const page = await app.mainPage();
  await ready(page);
  await report(page, { phase: 'active', callId: 'call-7', from: CALLER, since: 1_000, state: 'talking' });
  await expect.poll(() => app.app.callSummary().phase).toBe('active');

  await app.mainWindow().webContents.crash();
  expect(app.app.trayState()).toEqual({ kind: 'idle' });
  await expect.poll(async () => (await app.mainWindow().page()) !== page).toBe(true);
  const reloaded = await app.mainWindow().page();
  await expect(reloaded.getByTestId('fixture')).toBeVisible();
  // The marker shows before the fixture's script has run (the parser stops at the script, not
  // the paint): wait for its record to exist, so an empty one is read, not none yet.
  await reloaded.waitForFunction(() => Array.isArray((window as unknown as { __received?: unknown }).__received));
  expect(await received(reloaded)).toEqual([]); // nothing before it says ready
  await ready(reloaded);
  await expect.poll(() => received(reloaded)).toContainEqual({ channel: 'call:recover', payload: { callId: 'call-7', from: CALLER, since: 1_000 } });
});

// The first start's link: on the command line on Linux and Windows; macOS sends open-url instead.
for (const platform of ['linux', 'win32'] as const) {
  test(`${platform}: a tel: link on the command line reaches the page after it is ready`, async ({}, testInfo) => {
    const app = await launch(testInfo.outputPath('user-data'), { platform, argv: ['/opt/Switchboard/switchboard', 'tel:+14155550100'] });
    const page = await app.mainPage();
    await ready(page);
    await expect.poll(() => received(page)).toContainEqual({ channel: 'dial:request', payload: { ok: true, number: '14155550100', display: '+1 415 555 0100' } });
  });
}

test('darwin: a tel: link through open-url before the page is ready reaches it once ready; the command line is not read', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'), { platform: 'darwin', argv: ['/Applications/Switchboard.app/Contents/MacOS/Switchboard', '-psn_0_12345'] });
  const page = await app.mainPage();
  expect(app.electron.app.simulateOpenUrl('tel:+14155550100')).toBe(true);
  expect(await received(page)).toEqual([]);
  await ready(page);
  await expect.poll(() => received(page)).toContainEqual({ channel: 'dial:request', payload: { ok: true, number: '14155550100', display: '+1 415 555 0100' } });
  expect((await received(page)).filter((message) => message.channel === 'dial:request')).toHaveLength(1);
});
