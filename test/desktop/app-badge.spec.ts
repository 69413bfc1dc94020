/**
 * The badge on the desktop app's icon, through the whole main process on the Electron double:
 * the page asks for the missed-call badge (the fake backend answers 3 unseen) and reports a
 * ringing call as the renderer does; main puts the count on the icon (Linux, macOS) or an
 * overlay on the taskbar button (Windows), and takes it off at sign-out.
 */
import { test, expect, type Page } from '@playwright/test';
import { badgeOverlayDataUrl } from '../../main/icons';
import { fixtureDesktopSuite } from './fixture-suite';

const JANE = { name: 'Jane', password: 'jane-password-0451' };
const suite = fixtureDesktopSuite({ [JANE.name]: JANE.password });

type Api = { switchboard: { login(n: string, p: string): Promise<unknown>; logout(): Promise<void>; desk(r: unknown): Promise<unknown>; reportCallState(s: unknown): void } };

async function signInAndReadBadge(page: Page): Promise<void> {
  await page.evaluate(([name, password]) => (window as unknown as Api).switchboard.login(name, password), [JANE.name, JANE.password] as const);
  await page.evaluate(() => (window as unknown as Api).switchboard.desk({ action: 'unseen' }));
}

const ringing = { phase: 'ringing', callId: 'call-1', from: '+14155550100' };

for (const platform of ['linux', 'darwin'] as const) {
  test(`${platform}: the missed count goes on the app icon and comes off at sign-out`, async ({}, testInfo) => {
    const app = await suite.launch(testInfo.outputPath('user-data'), { platform });
    const page = await app.mainPage();
    const electronApp = app.electron.app;
    expect(electronApp.getBadgeCount()).toBe(0);
    await signInAndReadBadge(page);
    await expect.poll(() => electronApp.getBadgeCount()).toBe(3);
    // A ringing call is no number: the count stays.
    await page.evaluate((s) => (window as unknown as Api).switchboard.reportCallState(s), ringing);
    await expect.poll(() => app.app.callSummary().phase).toBe('ringing');
    expect(electronApp.getBadgeCount()).toBe(3);
    await page.evaluate(() => (window as unknown as Api).switchboard.logout());
    await expect.poll(() => electronApp.getBadgeCount()).toBe(0);
  });
}

test('win32: a taskbar overlay says the missed calls, "!" while a call rings, nothing after sign-out', async ({}, testInfo) => {
  const app = await suite.launch(testInfo.outputPath('user-data'), { platform: 'win32' });
  const page = await app.mainPage();
  const window = app.electron.BrowserWindow.getAllWindows().find((w) => w.loadedUrl?.endsWith('/index.html'))!;
  await signInAndReadBadge(page);
  await expect.poll(() => window.overlay?.description).toBe('3 missed calls');
  // The double of the app's own bundle, where its images were made.
  expect(app.electron.imageOf(window.overlay!.image)?.toDataURL()).toBe(badgeOverlayDataUrl('3'));
  await page.evaluate((s) => (window as unknown as Api).switchboard.reportCallState(s), ringing);
  await expect.poll(() => window.overlay?.description).toBe('Incoming call');
  await page.evaluate(() => (window as unknown as Api).switchboard.reportCallState({ phase: 'idle' }));
  await expect.poll(() => window.overlay?.description).toBe('3 missed calls');
  await page.evaluate(() => (window as unknown as Api).switchboard.logout());
  await expect.poll(() => window.overlay).toEqual({ image: null, description: '' });
  expect(app.electron.app.getBadgeCount()).toBe(0);
});
