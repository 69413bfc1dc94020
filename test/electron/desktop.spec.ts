/**
 * The desktop scenarios on real Electron, through Playwright's `_electron`: scenario (1) and
 * the scenarios that differ by OS (test/desktop/platform-scenarios.ts, the same definitions
 * the harness runs as linux, darwin and win32), here as the host's OS (`electronDriver`).
 *
 * Runs only where an Electron runtime exists: `ELECTRON_OVERRIDE_DIST_PATH` pointing at an
 * unpacked Electron, or an `electron` package whose binary was downloaded. Elsewhere (this
 * workplace: no network to download it) it skips and prints why. On Linux without a
 * display, run under `xvfb-run`.
 *
 * OS-level input cannot be synthesised here (a global shortcut, a click on an OS
 * notification), so the test reaches main's own entry points through the handle that
 * `main/index.ts` publishes when SWITCHBOARD_TEST_HANDLE=1.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import { _electron, type ElectronApplication } from 'playwright';
import { DESKTOP_OUTPUTS } from '../../scripts/build-desktop';
import type { SwitchboardHandle } from '../../main/app';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { platformLogOnFailure } from '../support/failure-log';
import { findElectron } from '../../scripts/electron-runtime';
import { CALLER, expectAudioFlowing, expectIncomingCall, signIn, SDK_TIMEOUT } from '../desktop/scenarios';
import { DESKTOP_SCENARIOS, type DesktopDriver } from '../desktop/platform-scenarios';
import { electronDriver, recordNotifications } from './driver';

const runtime = findElectron();
const skipReason =
  'reason' in runtime
    ? runtime.reason
    : existsSync(DESKTOP_OUTPUTS.main)
      ? null
      : 'dist/main/main.cjs is not built (npm run build)';
if (skipReason) console.log(`[electron] real-Electron suite skipped: ${skipReason}`);

type WithHandle = typeof globalThis & { switchboard?: SwitchboardHandle };
type MainQuery = 'tray' | 'ringing' | 'answer-shortcut-registered' | 'press-answer' | 'press-hangup';

test.describe('desktop app on real Electron', () => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.describe.configure({ timeout: 120_000 });

  let platform: TestPlatform;
  let app: ElectronApplication | null = null;
  let userDataDir: string | null = null;

  test.beforeAll(async () => {
    platform = await startTestPlatform();
  });

  platformLogOnFailure(() => platform);
  test.afterEach(async () => {
    await app?.evaluate(() => (globalThis as WithHandle).switchboard?.quit()).catch(() => undefined);
    await app?.close().catch(() => undefined);
    app = null;
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    userDataDir = null;
  });

  test.afterAll(async () => {
    await platform?.stop();
  });

  test('(1) Jane answers with the answer shortcut, audio flows, the hang-up shortcut ends the call', async () => {
    if (!('executablePath' in runtime)) return;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sb-electron-'));
    userDataDir = dataDir;
    app = await launchElectron(runtime.executablePath, dataDir, platform.serverUrl);
    const electronApp = app;
    const page = await electronApp.firstWindow();
    // Runs in Electron's main process; the function is serialised, so it carries its own switch.
    const main = (query: MainQuery) =>
      electronApp.evaluate((_electron, q: MainQuery) => {
        const handle = (globalThis as WithHandle).switchboard;
        if (!handle) throw new Error('main did not publish its handle (SWITCHBOARD_TEST_HANDLE=1)');
        switch (q) {
          case 'tray':
            return handle.trayState().kind;
          case 'ringing':
            return handle.isRinging();
          case 'answer-shortcut-registered':
            return handle.shortcutStatus().answer.registered;
          case 'press-answer':
            return handle.simulate.answerShortcut();
          case 'press-hangup':
            return handle.simulate.hangupShortcut();
        }
      }, query);

    await signIn(page, 'Jane', platform.agents.Jane);
    const call = await platform.phone.call(CALLER);
    await expectIncomingCall(page);
    await expect.poll(() => main('tray'), { timeout: SDK_TIMEOUT }).toBe('ringing');
    expect(await main('ringing')).toBe(true);

    await main('press-answer');
    await expect(page.getByTestId('in-call')).toBeVisible({ timeout: SDK_TIMEOUT });
    await expect.poll(() => main('tray')).toBe('in-call');
    await expectAudioFlowing(page, platform, call.uuid);

    await main('press-hangup');
    await expect(page.getByTestId('in-call')).toBeHidden({ timeout: SDK_TIMEOUT });
    await expect.poll(() => main('tray')).toBe('idle');
    expect(await main('ringing')).toBe(false);
    expect(await main('answer-shortcut-registered')).toBe(true);
  });
});

/** Starts the built main in Electron with its test handle, fake media and its own user data and XDG folders. */
function launchElectron(executablePath: string, dataDir: string, serverUrl: string): Promise<ElectronApplication> {
  return _electron.launch({
    executablePath,
    args: [DESKTOP_OUTPUTS.main, `--user-data-dir=${dataDir}`, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    // Start at login writes its XDG entry under the test's folder, never into the real ~/.config.
    env: { ...process.env, SWITCHBOARD_SERVER_URL: serverUrl, SWITCHBOARD_TEST_HANDLE: '1', XDG_CONFIG_HOME: path.join(dataDir, 'xdg-config') },
  });
}

// The same scenario definitions as the harness's `as <os>` runs, on the host's OS: one launch and sign-in for all.
test.describe(`desktop scenarios that differ by OS, on real Electron as ${process.platform}`, () => {
  test.skip(skipReason !== null, skipReason ?? '');
  test.describe.configure({ mode: 'serial', timeout: 120_000 });

  let platform: TestPlatform;
  let app: ElectronApplication | null = null;
  let dataDir: string | null = null;
  let driver: DesktopDriver;

  test.beforeAll(async () => {
    if (!('executablePath' in runtime)) return;
    platform = await startTestPlatform();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'sb-electron-'));
    app = await launchElectron(runtime.executablePath, dataDir, platform.serverUrl);
    await recordNotifications(app);
    driver = electronDriver(app, path.join(dataDir, 'xdg-config'));
    await signIn(await driver.mainPage(), 'Jane', platform.agents.Jane);
  });

  platformLogOnFailure(() => platform);
  test.afterAll(async () => {
    await app?.evaluate(() => (globalThis as WithHandle).switchboard?.quit()).catch(() => undefined);
    await app?.close().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await platform?.stop();
  });

  for (const scenario of DESKTOP_SCENARIOS) {
    test(scenario.name, () => scenario.run(driver, platform));
  }
});
