/**
 * Steps shared by the desktop scenarios (harness and real Electron): sign in through the
 * UI, wait for a call, check that audio flows both ways.
 */
import { expect, type Page } from '@playwright/test';
import type { TestPlatform } from '../support/platform';

/** The caller the scenarios dial from. */
export const CALLER = '+14155550100';

/** The digits of a number as any UI may format it ("+1 415 555 0100" → "14155550100"). */
export function digits(text: string | null | undefined): string {
  return (text ?? '').replace(/\D/g, '');
}

/** How long the SDK may take to connect or deliver an invite on a loaded CI machine. */
export const SDK_TIMEOUT = 30_000;

/** Signs in through the login form and waits for the SDK session. */
export async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready', { timeout: SDK_TIMEOUT });
}

/** Waits for the incoming-call UI for a call from {@link CALLER}. */
export async function expectIncomingCall(page: Page): Promise<void> {
  await expect(page.getByTestId('incoming-call')).toBeVisible({ timeout: SDK_TIMEOUT });
  // The UI formats the number as it likes; the digits must be the caller's.
  await expect.poll(async () => digits(await page.getByTestId('incoming-from').textContent())).toContain(digits(CALLER));
}

async function audioStats(page: Page): Promise<{ received: number; sent: number }> {
  const stats = page.getByTestId('audio-stats');
  return {
    received: Number((await stats.getAttribute('data-packets-received')) ?? 0),
    sent: Number((await stats.getAttribute('data-packets-sent')) ?? 0),
  };
}

/** Both ends' packet counters grow: the agent hears the phone and the phone hears the agent. */
export async function expectAudioFlowing(page: Page, platform: TestPlatform, callUuid: string): Promise<void> {
  await expect(page.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => (await audioStats(page)).received, { timeout: 15_000 }).toBeGreaterThan(0);
  const app = await audioStats(page);
  const phone = (await platform.phone.get(callUuid)).media;
  await expect.poll(async () => (await audioStats(page)).received, { timeout: 15_000 }).toBeGreaterThan(app.received);
  await expect.poll(async () => (await audioStats(page)).sent, { timeout: 15_000 }).toBeGreaterThan(app.sent);
  await expect.poll(async () => (await platform.phone.get(callUuid)).media.packets_received, { timeout: 15_000 }).toBeGreaterThan(phone.packets_received);
  await expect.poll(async () => (await platform.phone.get(callUuid)).media.packets_sent, { timeout: 15_000 }).toBeGreaterThan(phone.packets_sent);
}

/** How many completed calls the call log holds for an agent. */
export async function completedCalls(platform: TestPlatform, agent: string): Promise<number> {
  return (await platform.callLog()).filter((entry) => entry.agent === agent && entry.status === 'completed').length;
}

/** The call log gets one more completed call for the agent. */
export async function expectLoggedCall(platform: TestPlatform, agent: string, before: number): Promise<void> {
  await expect.poll(() => completedCalls(platform, agent), { timeout: 15_000 }).toBeGreaterThan(before);
}
