/**
 * The desktop scenarios whose steps differ by operating system, defined once and run by two
 * drivers: the desktop harness (main against the Electron double, as linux, darwin and win32:
 * desktop.spec.ts) and real Electron through Playwright's `_electron` (test/electron, as the
 * host's own OS). A scenario says what the agent does and what must follow; the driver does
 * it the platform's way (Electron's documented behaviour per OS):
 *
 * | step | linux | darwin | win32 |
 * |---|---|---|---|
 * | answer a ringing call away from the app | the incoming-call window's Answer (notifications have no buttons) | the notification's Answer | the notification's Answer |
 * | a tel:/callto: link while running | a second start's argv (`second-instance`) | `open-url` | a second start's argv |
 * | start at login, as the OS records it | the XDG autostart entry | the login item | the login item |
 * | the PC goes away and back | suspend / resume | lock / unlock screen | suspend / resume |
 *
 * Every scenario starts signed in as Jane with the phone idle, and ends the same way, so one
 * launch and sign-in per platform serves them all.
 */
import { expect, type Page } from '@playwright/test';
import { seriousA11yViolations } from '../support/axe';
import type { TestPlatform } from '../support/platform';
import { CALLER, expectAudioFlowing, expectIncomingCall, SDK_TIMEOUT } from './scenarios';

/** The operating systems the harness plays. */
export const DESKTOP_PLATFORMS = ['linux', 'darwin', 'win32'] as const;
export type DesktopPlatform = (typeof DESKTOP_PLATFORMS)[number];

/** How a ringing call is answered without the main window: see the table above. */
export function answersFrom(platform: NodeJS.Platform): 'incoming-window' | 'notification' {
  return platform === 'darwin' || platform === 'win32' ? 'notification' : 'incoming-window';
}

/** How a dial link reaches a running app: see the table above. */
export function dialLinkArrivesBy(platform: NodeJS.Platform): 'open-url' | 'second-instance' {
  return platform === 'darwin' ? 'open-url' : 'second-instance';
}

/** How the PC goes away and comes back: lock events exist on macOS and Windows only. */
export function awayEvents(platform: NodeJS.Platform): { away: 'suspend' | 'lock-screen'; back: 'resume' | 'unlock-screen' } {
  return platform === 'darwin' ? { away: 'lock-screen', back: 'unlock-screen' } : { away: 'suspend', back: 'resume' };
}

/** What the scenarios ask of the OS and of main; each suite implements it its own way. */
export interface DesktopDriver {
  /** The OS the app runs as. */
  readonly platform: NodeJS.Platform;
  /** The main window's page (the renderer, signed in). */
  mainPage(): Promise<Page>;
  /** The agent is in another app: the main window is hidden. */
  hideMainWindow(): Promise<void>;
  mainWindowVisible(): Promise<boolean>;
  /** The call rings outside the app: ring window, tray, and the platform's Answer (window or notification buttons). */
  expectRingingOutside(): Promise<void>;
  /** Answers the ringing call the platform's way ({@link answersFrom}). */
  answerOutside(): Promise<void>;
  /** The tray's state. */
  trayKind(): Promise<string>;
  /** The OS hands the running app a link ({@link dialLinkArrivesBy}). */
  openLink(link: string): Promise<void>;
  /** Whether the OS would start the app at login (its own record: XDG entry or login item). */
  opensAtLogin(): Promise<boolean>;
  /** The PC goes away or comes back ({@link awayEvents}). */
  powerEvent(event: 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen'): Promise<void>;
}

/** One scenario: a name and its steps. */
export interface DesktopScenario {
  readonly name: string;
  run(driver: DesktopDriver, platform: TestPlatform): Promise<void>;
}

/** Numbers of the simulated phones dial links ring (one per platform run, so runs never meet). */
const DIALLED: Record<DesktopPlatform, string> = { linux: '14155550162', darwin: '14155550163', win32: '14155550164' };

async function ringingPhones(platform: TestPlatform, number: string): Promise<Array<{ uuid: string }>> {
  const response = await fetch(`${platform.sandboxUrl}/sandbox/v1/phone/calls?number=${number}&status=ringing`);
  return ((await response.json()) as { calls: Array<{ uuid: string }> }).calls;
}

export const DESKTOP_SCENARIOS: readonly DesktopScenario[] = [
  {
    name: 'a call rings outside the app; Jane answers the platform\'s way, audio flows, the caller hangs up',
    async run(driver, platform) {
      const page = await driver.mainPage();
      await driver.hideMainWindow();
      const call = await platform.phone.call(CALLER);
      await expectIncomingCall(page);
      await driver.expectRingingOutside();
      await driver.answerOutside();
      await expect(page.getByTestId('in-call')).toBeVisible({ timeout: SDK_TIMEOUT });
      expect(await driver.mainWindowVisible()).toBe(true);
      await expect.poll(() => driver.trayKind()).toBe('in-call');
      await expectAudioFlowing(page, platform, call.uuid);
      await platform.phone.hangup(call.uuid);
      await expect(page.getByTestId('in-call')).toBeHidden({ timeout: SDK_TIMEOUT });
      await expect.poll(() => driver.trayKind(), { timeout: SDK_TIMEOUT }).toBe('idle');
    },
  },
  {
    name: 'a tel: link shows the number; Cancel dials nothing; a callto: link dials only on Call',
    async run(driver, platform) {
      const page = await driver.mainPage();
      const number = DIALLED[driver.platform as DesktopPlatform] ?? DIALLED.linux;
      const display = `+${number.slice(0, 1)} ${number.slice(1, 4)} ${number.slice(4, 7)} ${number.slice(7)}`;
      await driver.hideMainWindow();
      await driver.openLink(`tel:+${number.slice(0, 1)}-${number.slice(1, 4)}-${number.slice(4, 7)}-${number.slice(7)}`);
      await expect(page.getByTestId('dial-request-number')).toHaveText(display);
      expect(await driver.mainWindowVisible()).toBe(true);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await page.waitForTimeout(1_000);
      expect(await ringingPhones(platform, number)).toEqual([]); // shown, not dialled
      await page.getByTestId('dial-request-cancel').click();
      await expect(page.getByTestId('dial-request')).toBeHidden();
      expect(await ringingPhones(platform, number)).toEqual([]);

      await driver.openLink(`callto:+${number}`);
      await page.getByTestId('dial-request-call').click();
      await expect(page.getByTestId('outgoing-call')).toBeVisible({ timeout: SDK_TIMEOUT });
      await expect.poll(async () => (await ringingPhones(platform, number)).length, { timeout: SDK_TIMEOUT }).toBe(1);
      await page.getByTestId('hangup-button').click();
      await expect(page.getByTestId('outgoing-call')).toBeHidden({ timeout: SDK_TIMEOUT });
    },
  },
  {
    name: 'start at login, turned on and off from the keyboard: the OS\'s own record follows',
    async run(driver) {
      const page = await driver.mainPage();
      const settings = page.getByTestId('desktop-settings');
      await settings.locator('summary').focus();
      await page.keyboard.press('Enter');
      const box = page.getByTestId('open-at-login');
      await expect(box).not.toBeChecked(); // off by default
      expect(await driver.opensAtLogin()).toBe(false);
      await box.focus();
      await page.keyboard.press('Space');
      await expect(box).toBeChecked();
      expect(await driver.opensAtLogin()).toBe(true);
      await expect(box).toBeEnabled(); // (disabled while main writes the setting)
      await box.focus();
      await page.keyboard.press('Space');
      await expect(box).not.toBeChecked();
      expect(await driver.opensAtLogin()).toBe(false);
      await settings.locator('summary').click();
    },
  },
  {
    name: 'the PC goes away: Jane is away (system); back: the voice session is rebuilt, she is available and a call reaches her',
    async run(driver, platform) {
      const page = await driver.mainPage();
      const label = page.getByTestId('agent-status-label');
      await expect(label).toHaveText('Available');
      const { away, back } = awayEvents(driver.platform);
      await driver.powerEvent(away);
      await expect(label).toHaveText('Away — System (sleep or lock)', { timeout: SDK_TIMEOUT });
      await driver.powerEvent(back);
      await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready', { timeout: SDK_TIMEOUT });
      await expect(label).toHaveText('Available', { timeout: SDK_TIMEOUT });
      const call = await platform.phone.call(CALLER);
      await expectIncomingCall(page);
      await platform.phone.hangup(call.uuid);
      await expect(page.getByTestId('incoming-call')).toBeHidden({ timeout: SDK_TIMEOUT });
    },
  },
];
