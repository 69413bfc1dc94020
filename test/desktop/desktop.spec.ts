/**
 * Desktop scenarios on the full stack (sandbox + backend + real renderer + real SDK),
 * with the real main process running against the Electron double. The scenarios whose steps
 * differ by OS run as linux, darwin and win32 (`as <os>` below, defined in
 * platform-scenarios.ts and shared with the real-Electron suite); the others once, as Linux.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import type { Browser } from 'playwright';
import { DEFAULT_SHORTCUTS } from '../../main/config';
import { launchChromium } from '../support/chromium';
import { harnessDriver, launchDesktop, trayMenu, type DesktopApp, type LaunchDesktopOptions } from './harness';
import { DESKTOP_PLATFORMS, DESKTOP_SCENARIOS, type DesktopDriver } from './platform-scenarios';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { platformLogOnFailure } from '../support/failure-log';
import { CALLER, completedCalls, digits, expectAudioFlowing, expectIncomingCall, expectLoggedCall, signIn, SDK_TIMEOUT } from './scenarios';

test.describe('desktop app on the full stack (harness)', () => {
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

  async function launch(userDataDir: string, extra: Partial<LaunchDesktopOptions> = {}): Promise<DesktopApp> {
    desktop = await launchDesktop({ browser, serverUrl: platform.serverUrl, userDataDir, ...extra });
    return desktop;
  }

  /** Tray, notification and ring window all say "ringing". */
  async function expectRingingAlerts(app: DesktopApp): Promise<void> {
    await expect.poll(() => app.tray().toolTip, { timeout: SDK_TIMEOUT }).toContain('Incoming call from');
    expect(digits(app.tray().toolTip)).toContain(digits(CALLER));
    expect(app.tray().menuLabels()).toEqual(trayMenu(app.platform, ['Answer', 'Decline']));
    await expect.poll(() => app.activeNotifications().length).toBe(1);
    const [notification] = app.activeNotifications();
    expect(notification!.title).toBe('Incoming call');
    expect(digits(notification!.body)).toContain(digits(CALLER));
    // Buttons where the OS shows them; on Linux the incoming-call window offers them instead.
    const buttons = app.platform === 'darwin' || app.platform === 'win32';
    expect(notification!.actions.map((action) => action.text)).toEqual(buttons ? ['Answer', 'Decline'] : []);
    if (!buttons) expect(app.incomingWindows()).toHaveLength(1);
    expect(app.app.isRinging()).toBe(true);
    expect(app.ringWindows()).toHaveLength(1);
    // The ring page really plays (its AudioContext runs in the hidden window).
    const ringPage = await app.ringWindows()[0]!.page();
    await expect(ringPage.locator('body')).toHaveAttribute('data-ring', 'ringing');
  }

  /** Back to ready: tray idle, no ring window, no notification. */
  async function expectIdle(app: DesktopApp): Promise<void> {
    await expect.poll(() => app.tray().toolTip, { timeout: SDK_TIMEOUT }).toBe('Switchboard — Ready');
    await app.electron.settle();
    expect(app.app.isRinging()).toBe(false);
    expect(app.ringWindows()).toEqual([]);
    expect(app.activeNotifications()).toEqual([]);
  }

  test('(1) Jane answers with the global shortcut, audio flows, the hang-up shortcut ends the call', async ({}, testInfo) => {
    const app = await launch(testInfo.outputPath('user-data'));
    const page = await app.mainPage();
    await signIn(page, 'Jane', platform.agents.Jane);
    const logged = await completedCalls(platform, 'Jane');

    const call = await platform.phone.call(CALLER);
    await expectIncomingCall(page);
    await expectRingingAlerts(app);

    app.mainWindow().hide(); // agents answer from another app; the shortcut brings the window back
    expect(app.electron.globalShortcut.press(app.shortcuts.answer)).toBe(true);
    await expect(page.getByTestId('in-call')).toBeVisible({ timeout: SDK_TIMEOUT });
    expect(app.mainWindow().isVisible()).toBe(true);
    await expect.poll(() => app.tray().toolTip).toContain('On a call with');
    expect(app.app.isRinging()).toBe(false);
    await expectAudioFlowing(page, platform, call.uuid);

    expect(app.electron.globalShortcut.press(app.shortcuts.hangup)).toBe(true);
    await expect(page.getByTestId('in-call')).toBeHidden({ timeout: SDK_TIMEOUT });
    await expectIdle(app);
    await expect.poll(async () => (await platform.phone.get(call.uuid)).status, { timeout: SDK_TIMEOUT }).toBe('completed');
    await expectLoggedCall(platform, 'Jane', logged);
  });

  test('(2b) the hang-up shortcut declines a ringing call', async ({}, testInfo) => {
    const app = await launch(testInfo.outputPath('user-data'));
    const page = await app.mainPage();
    await signIn(page, 'Jane', platform.agents.Jane);
    await platform.phone.call(CALLER);
    await expectIncomingCall(page);
    await expectRingingAlerts(app);
    expect(app.electron.globalShortcut.press(app.shortcuts.hangup)).toBe(true);
    await expect(page.getByTestId('incoming-call')).toBeHidden({ timeout: SDK_TIMEOUT });
    await expect(page.getByTestId('in-call')).toBeHidden();
    await expectIdle(app);
  });

  test('(2c) in-call controls: mute and hold from the app and the tray, through main; the transfer panel reads its targets through main', async ({}, testInfo) => {
    const app = await launch(testInfo.outputPath('user-data'));
    const page = await app.mainPage();
    const pageRequests: string[] = [];
    page.on('request', (request) => pageRequests.push(request.url()));
    await signIn(page, 'Jane', platform.agents.Jane);
    const call = await platform.phone.call(CALLER);
    await expectIncomingCall(page);
    await page.getByTestId('answer-button').click();
    await expect(page.getByTestId('in-call')).toBeVisible({ timeout: SDK_TIMEOUT });
    await expect.poll(() => app.tray().menuLabels()).toEqual(trayMenu(app.platform, ['Mute', 'Hold', 'Hang up']));

    // Mute in the app: the tray says so; Unmute from the tray reaches the app.
    await page.getByTestId('mute-button').click();
    await expect(page.getByTestId('muted-indicator')).toBeVisible();
    await expect.poll(() => app.tray().toolTip).toContain('(muted)');
    app.tray().clickMenuItem('Unmute');
    await expect(page.getByTestId('muted-indicator')).toHaveCount(0);
    await expect.poll(() => app.tray().toolTip).not.toContain('(muted)');

    // Hold from the tray: main's call to the backend, music for the caller; resume with the app's key.
    app.tray().clickMenuItem('Hold');
    await expect(page.getByTestId('in-call')).toHaveAttribute('data-state', 'held', { timeout: SDK_TIMEOUT });
    await expect.poll(() => app.tray().toolTip).toContain('(on hold)');
    await expect.poll(async () => (await platform.phone.get(call.uuid)).heard.map((h) => h.type)).toContain('stream');
    await page.getByTestId('hold-button').focus();
    await page.keyboard.press('h');
    await expect(page.getByTestId('in-call')).toHaveAttribute('data-state', 'active');
    await expect.poll(() => app.tray().toolTip).not.toContain('(on hold)');

    await page.keyboard.press('t');
    await expect(page.getByTestId('transfer-panel')).toBeVisible();
    await expect(page.getByTestId('transfer-agent-Joe')).toBeVisible();
    // The page itself never called the backend's agent API: main did, with the credential it holds.
    expect(pageRequests.filter((url) => url.includes('/api/agent/'))).toEqual([]);

    expect(app.electron.globalShortcut.press(app.shortcuts.hangup)).toBe(true);
    await expect(page.getByTestId('in-call')).toBeHidden({ timeout: SDK_TIMEOUT });
    await expectIdle(app);
  });

  test('(2d) the mute and hold global shortcuts follow the call; the ring window rings at the chosen volume; the quality reaches the record through main', async ({}, testInfo) => {
    const app = await launch(testInfo.outputPath('user-data'));
    const page = await app.mainPage();
    const pageRequests: string[] = [];
    page.on('request', (request) => pageRequests.push(request.url()));
    await signIn(page, 'Jane', platform.agents.Jane);
    const mute = app.shortcuts.mute!;
    const hold = app.shortcuts.hold!;
    expect(app.app.shortcutStatus()).toMatchObject({ mute: { accelerator: mute, registered: true }, hold: { accelerator: hold, registered: true } });
    // Nothing to mute or hold yet: the shortcuts do nothing.
    expect(app.electron.globalShortcut.press(mute)).toBe(true);
    expect(app.electron.globalShortcut.press(hold)).toBe(true);
    // The ringer's volume, chosen in Audio settings, is what the ring window plays at.
    await page.getByTestId('audio-settings-button').click();
    await page.getByTestId('audio-ringer-volume').fill('40');
    await page.getByTestId('audio-settings-close').click();

    const call = await platform.phone.call(CALLER);
    await expectIncomingCall(page);
    await expect.poll(() => app.ringWindows().length, { timeout: SDK_TIMEOUT }).toBe(1);
    const ringPage = await app.ringWindows()[0]!.page();
    await expect(ringPage.locator('body')).toHaveAttribute('data-ring', 'ringing');
    await expect(ringPage.locator('body')).toHaveAttribute('data-ringer-volume', '0.4');
    await page.getByTestId('answer-button').click();
    await expect(page.getByTestId('in-call')).toBeVisible({ timeout: SDK_TIMEOUT });
    await expectAudioFlowing(page, platform, call.uuid);
    app.mainWindow().hide(); // the agent works in another app

    // Mute from anywhere, and back: main toggles by the summary the renderer reported.
    app.electron.globalShortcut.press(mute);
    await expect(page.getByTestId('in-call')).toHaveAttribute('data-muted', 'true');
    await expect.poll(() => app.tray().toolTip).toContain('(muted)');
    // Muted while the fake microphone beeps: the app warns.
    await expect(page.getByTestId('talking-while-muted')).toBeVisible();
    app.electron.globalShortcut.press(mute);
    await expect(page.getByTestId('in-call')).toHaveAttribute('data-muted', 'false');
    await expect.poll(() => app.tray().toolTip).not.toContain('(muted)');

    // Hold and resume: the caller hears the music meanwhile.
    app.electron.globalShortcut.press(hold);
    await expect(page.getByTestId('in-call')).toHaveAttribute('data-state', 'held', { timeout: SDK_TIMEOUT });
    await expect.poll(async () => (await platform.phone.get(call.uuid)).heard.map((h) => h.type)).toContain('stream');
    await expect.poll(() => app.app.callSummary()).toMatchObject({ phase: 'active', state: 'held' });
    app.electron.globalShortcut.press(hold);
    await expect(page.getByTestId('in-call')).toHaveAttribute('data-state', 'active', { timeout: SDK_TIMEOUT });
    await expect.poll(() => app.app.callSummary()).toMatchObject({ phase: 'active', state: 'talking' });

    await expect(page.getByTestId('call-quality')).toHaveAttribute('data-quality', 'good');
    expect(app.electron.globalShortcut.press(app.shortcuts.hangup)).toBe(true);
    await expect(page.getByTestId('in-call')).toBeHidden({ timeout: SDK_TIMEOUT });
    await expectIdle(app);
    const adminToken = readFileSync(path.join(platform.platform.dataDir, 'admin-token'), 'utf8').trim();
    const quality = async () => {
      const response = await fetch(`${platform.serverUrl}/api/admin/calls/${call.conversation_uuid}/quality`, { headers: { authorization: `Bearer ${adminToken}` } });
      return ((await response.json()) as { legs: Array<{ agent: string; label: string }> }).legs;
    };
    await expect.poll(quality).toEqual([expect.objectContaining({ agent: 'jane', label: 'good' })]);
    // Main stored it with the credential it holds; the page never called the agent API itself.
    expect(pageRequests.filter((url) => url.includes('/api/agent/'))).toEqual([]);
  });

  test('(3) vault: after a restart Jane is signed in without a password; no secret is on disk in plaintext', async ({}, testInfo) => {
    const userDataDir = testInfo.outputPath('user-data');
    let app = await launch(userDataDir);
    let page = await app.mainPage();
    await signIn(page, 'Jane', platform.agents.Jane);
    const secrets = [...app.electron.safeStorage.encryptedPlaintexts];
    expect(secrets).toHaveLength(1); // the refresh credential, and only it
    const storeFile = app.storeFile;
    await app.quit();
    desktop = null;

    const stored = JSON.parse(readFileSync(storeFile, 'utf8')) as Record<string, unknown>;
    expect(typeof stored.credential).toBe('string');
    for (const file of filesUnder(userDataDir)) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toContain(platform.agents.Jane);
      for (const secret of secrets) {
        expect(text, file).not.toContain(secret);
        expect(text, file).not.toContain(Buffer.from(secret).toString('base64'));
      }
    }

    app = await launch(userDataDir);
    page = await app.mainPage();
    await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready', { timeout: SDK_TIMEOUT });
    await expect(page.getByTestId('login-password')).toHaveCount(0);
  });

  // macOS refuses an accelerator another app holds (as Windows does); Linux fails silently (harness-smoke.spec.ts).
  test('(4) darwin: a shortcut that cannot be registered shows a warning', async ({}, testInfo) => {
    const app = await launch(testInfo.outputPath('user-data'), {
      platform: 'darwin',
      configure: (electron) => {
        electron.globalShortcut.failRegistration(DEFAULT_SHORTCUTS.answer);
        electron.globalShortcut.failRegistration(DEFAULT_SHORTCUTS.mute);
      },
    });
    const page = await app.mainPage();
    await signIn(page, 'Jane', platform.agents.Jane);
    await expect(page.getByTestId('shortcut-warning')).toBeVisible();
    await expect(page.getByTestId('shortcut-warning')).toContainText(`The mute shortcut ${DEFAULT_SHORTCUTS.mute} could not be registered`);
    expect(app.app.shortcutStatus().answer).toMatchObject({ accelerator: DEFAULT_SHORTCUTS.answer, registered: false });
    expect(app.app.shortcutStatus().mute).toMatchObject({ accelerator: DEFAULT_SHORTCUTS.mute, registered: false });
    expect(app.app.shortcutStatus().hold).toMatchObject({ accelerator: DEFAULT_SHORTCUTS.hold, registered: true });
  });

  test('(5) status: main holds the event stream with the stored credential and forwards pushed changes; the choice goes back through main', async ({}, testInfo) => {
    const app = await launch(testInfo.outputPath('user-data'));
    const page = await app.mainPage();
    const pageRequests: string[] = [];
    page.on('request', (request) => pageRequests.push(request.url()));
    await signIn(page, 'Jane', platform.agents.Jane);
    const label = page.getByTestId('agent-status-label');
    await expect(label).toHaveText('Available');

    // The renderer's choice: status:set through main, which calls the backend.
    await page.getByTestId('agent-status-away').click();
    await expect(label).toHaveText('Away');
    const login = await fetch(`${platform.serverUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Jane', password: platform.agents.Jane, client: 'desktop' }),
    });
    const token = ((await login.json()) as { refresh_token: string }).refresh_token;
    const read = async () =>
      ((await (await fetch(`${platform.serverUrl}/api/agent/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string }).status;
    expect(await read()).toBe('away');

    // A change made elsewhere arrives over main's stream as status:changed.
    await fetch(`${platform.serverUrl}/api/agent/status`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ status: 'available' }),
    });
    await expect(label).toHaveText('Available');
    // The page itself never called the backend's agent API: it has no credential.
    expect(pageRequests.filter((url) => url.includes('/api/agent/'))).toEqual([]);

    // Signing out revokes the credential and closes main's stream: Jane is offline at once.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(read).toBe('offline');
  });


  // The scenarios whose steps differ by OS (platform-scenarios.ts), once per platform: one
  // launch and sign-in each, the scenarios in turn on it. The rest above run once (on Linux).
  for (const os of DESKTOP_PLATFORMS) {
    test.describe(`as ${os}`, () => {
      let app: DesktopApp | null = null;
      let driver: DesktopDriver;

      test.beforeAll(async ({}, testInfo) => {
        app = await launchDesktop({ browser, serverUrl: platform.serverUrl, userDataDir: testInfo.outputPath(`user-data-${os}`), platform: os });
        await signIn(await app.mainPage(), 'Jane', platform.agents.Jane);
        driver = harnessDriver(app);
      });

      test.afterAll(async () => {
        await app?.quit();
        app = null;
      });

      for (const scenario of DESKTOP_SCENARIOS) {
        test(scenario.name, () => scenario.run(driver, platform));
      }
    });
  }
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}
