/**
 * The desktop app keeps the agent's audio choices in main's store (electron-store), not in the
 * page's local storage: chosen in Audio settings, they survive a restart of the app, and the
 * ring window main opens rings on the chosen ringer device at the chosen volume.
 */
import { readFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import type { Browser, Page } from 'playwright';
import { launchChromium } from '../support/chromium';
import { seriousA11yViolations } from '../support/axe';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { platformLogOnFailure } from '../support/failure-log';
import { launchDesktop, type DesktopApp } from './harness';
import { CALLER, expectIncomingCall, signIn, SDK_TIMEOUT } from './scenarios';

test.describe.configure({ mode: 'serial', timeout: 120_000 });

let platform: TestPlatform;
let browser: Browser;
let desktop: DesktopApp | null = null;

test.beforeAll(async () => {
  platform = await startTestPlatform();
  browser = await launchChromium();
});

platformLogOnFailure(() => platform);
test.afterEach(async () => {
  await desktop?.quit();
  desktop = null;
});

test.afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

async function options(page: Page, testId: string): Promise<string[]> {
  return page.getByTestId(testId).evaluate((select: HTMLSelectElement) => [...select.options].map((o) => o.value).filter((value) => value !== ''));
}

async function openSettings(page: Page): Promise<void> {
  await page.getByTestId('audio-settings-button').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('audio-settings')).toBeVisible();
}

test('audio choices are kept in main\'s store across a restart, the page\'s storage holds none, and the ring window uses them', async ({}, testInfo) => {
  const userDataDir = testInfo.outputPath('user-data');
  desktop = await launchDesktop({ browser, serverUrl: platform.serverUrl, userDataDir });
  let page = await desktop.mainPage();
  await signIn(page, 'Jane', platform.agents.Jane);
  await openSettings(page);
  // Labels (and so every fake device) appear once the level meter opened the microphone.
  await expect.poll(async () => (await options(page, 'audio-input')).length).toBeGreaterThanOrEqual(2);
  const mic = (await options(page, 'audio-input')).at(-1)!;
  const speaker = (await options(page, 'audio-output')).at(-1)!;
  await page.getByTestId('audio-input').selectOption(mic);
  await page.getByTestId('audio-ringer').selectOption(speaker);
  await page.getByTestId('audio-ringer-volume').fill('30');
  expect(await seriousA11yViolations(page)).toEqual([]);

  const storeFile = desktop.storeFile;
  await expect.poll(() => (JSON.parse(readFileSync(storeFile, 'utf8')) as { settings?: { audio?: unknown } }).settings?.audio).toEqual({
    input: mic,
    output: '',
    ringer: speaker,
    ringerVolume: 0.3,
  });
  expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('switchboard.audio')))).toEqual([]);
  await desktop.quit();
  desktop = null;

  // A restart, with the page's storage wiped too: the choices come from main's store alone.
  desktop = await launchDesktop({ browser, serverUrl: platform.serverUrl, userDataDir });
  page = await desktop.mainPage();
  await page.evaluate(() => localStorage.clear());
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready', { timeout: SDK_TIMEOUT });
  await openSettings(page);
  await expect(page.getByTestId('audio-input')).toHaveValue(mic);
  await expect(page.getByTestId('audio-ringer')).toHaveValue(speaker);
  await expect(page.getByTestId('audio-ringer-volume')).toHaveValue('30');
  await page.getByTestId('audio-settings-close').click();

  // The ring window main opens gets the ringer choice from main's store.
  const call = await platform.phone.call(CALLER);
  await expectIncomingCall(page);
  await expect.poll(() => desktop!.ringWindows().length, { timeout: SDK_TIMEOUT }).toBe(1);
  const ringPage = await desktop.ringWindows()[0]!.page();
  await expect(ringPage.locator('body')).toHaveAttribute('data-ring', 'ringing');
  await expect(ringPage.locator('body')).toHaveAttribute('data-ringer-volume', '0.3');
  // Main named the chosen ringer to the page (whether this Chromium lets a hidden page's
  // AudioContext use that id is the browser's business: the page falls back to the default).
  expect(new URL(ringPage.url()).searchParams.get('ringer')).toBe(speaker);
  await expect(ringPage.locator('body')).toHaveAttribute('data-ringer-device', /.+/);
  await platform.phone.hangup(call.uuid);
  await expect.poll(() => desktop!.ringWindows().length, { timeout: SDK_TIMEOUT }).toBe(0);
});
