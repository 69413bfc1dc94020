/**
 * The agent's status channels through main in the desktop app (harness, full stack): the away
 * reasons the admin configured reach the status selector through `status:away-reasons`, and
 * the voice lease the renderer renews through `status:voice` is what lets the backend route a
 * call to her; the page itself never calls the agent API (main does, with the credential). A
 * resume from sleep (`system:resumed`, the renderer's rebuildSession) leaves the app reachable.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import type { Browser } from 'playwright';
import { launchChromium } from '../support/chromium';
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

test('away reasons and the voice lease go through main; after a resume the app still gets calls', async ({}, testInfo) => {
  const adminToken = readFileSync(path.join(platform.platform.dataDir, 'admin-token'), 'utf8').trim();
  const put = await fetch(`${platform.serverUrl}/api/admin/away-reasons`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reasons: ['Coaching', 'Back office'] }),
  });
  expect(put.status, await put.text()).toBe(200);

  desktop = await launchDesktop({ browser, serverUrl: platform.serverUrl, userDataDir: testInfo.outputPath('user-data') });
  const page = await desktop.mainPage();
  const pageRequests: string[] = [];
  page.on('request', (request) => pageRequests.push(request.url()));
  await signIn(page, 'Jane', platform.agents.Jane);

  // status:away-reasons: the admin's list, through main.
  await expect(page.getByTestId('away-reason').locator('option')).toHaveText(['No reason', 'Coaching', 'Back office']);
  await page.getByTestId('away-reason').selectOption('Coaching');
  await page.getByTestId('agent-status-away').click();
  await expect(page.getByTestId('status')).toContainText('Coaching');
  await page.getByTestId('agent-status-available').click();
  await expect(page.getByTestId('agent-status-label')).toHaveText('Available');

  // status:voice: main renews the lease; without it the backend would offer her nothing.
  let call = await platform.phone.call(CALLER);
  await expectIncomingCall(page);
  await platform.phone.hangup(call.uuid);
  await expect(page.getByTestId('incoming-call')).toHaveCount(0, { timeout: SDK_TIMEOUT });
  await page.getByTestId('missed-dismiss').click();

  // Sleep and wake: main tells the renderer, which rebuilds its session and stays Ready.
  desktop.electron.powerMonitor.simulate('suspend');
  desktop.electron.powerMonitor.simulate('resume');
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready', { timeout: SDK_TIMEOUT });
  await page.waitForTimeout(2_000);
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  call = await platform.phone.call(CALLER);
  await expectIncomingCall(page);
  await page.getByTestId('answer-button').click();
  await expect(page.getByTestId('in-call')).toBeVisible({ timeout: SDK_TIMEOUT });
  await platform.phone.hangup(call.uuid);
  await expect(page.getByTestId('in-call')).toBeHidden({ timeout: SDK_TIMEOUT });

  expect(pageRequests.filter((url) => url.includes('/api/agent/'))).toEqual([]);
});
