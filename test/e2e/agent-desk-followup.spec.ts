/**
 * Following up a call in the web app, with the real SDK and the sandbox's phones: a missed
 * call is called back from its card (the card goes once the call is placed; the phone rings),
 * and the notes of a call are edited later from Recent calls (saved to the call's record,
 * kept after a reload, the disposition untouched; Escape leaves them as they were). axe-core
 * on each new screen, light and dark; the editor is used by keyboard.
 */
import { expect, test, type Page } from '@playwright/test';
import { agentDeskPerFile, holdFirstRead } from '../support/agent-desk';
import { seriousA11yViolations } from '../support/axe';
import type { PhoneCallState } from '../support/platform';

const env = agentDeskPerFile();

async function sandbox<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${env.platform.sandboxUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function ringingPhone(number: string): Promise<PhoneCallState> {
  const find = async () => (await sandbox<{ calls: PhoneCallState[] }>(`/sandbox/v1/phone/calls?number=${number}&status=ringing`)).calls[0];
  await expect.poll(async () => (await find())?.uuid, { timeout: 15_000 }).toBeTruthy();
  return (await find())!;
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await seriousA11yViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'light' });
}

test('a missed call is called back from its card: the phone rings, the card goes, and the call-back is in the history', async () => {
  const jane = await env.desk.agent('Jane');
  const call = await env.platform.phone.call('+14155550151');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await env.platform.phone.hangup(call.uuid);
  const card = jane.getByTestId('call-ended');
  await expect(card).toContainText('Missed call');
  await expect(card.getByTestId('missed-callback')).toBeEnabled();
  await expectAccessible(jane);

  // By keyboard, from the card itself.
  await card.getByTestId('missed-callback').focus();
  await jane.keyboard.press('Enter');
  await expect(jane.getByTestId('outgoing-call')).toBeVisible();
  await expect(jane.getByTestId('outgoing-to')).toHaveText('+1 415 555 0151');
  await expect(jane.locator('[data-testid="call-ended"][data-reason="missed"]')).toHaveCount(0);
  const ringing = await ringingPhone('14155550151');
  await sandbox(`/sandbox/v1/phone/calls/${ringing.uuid}/answer`, { method: 'POST', body: '{}' });
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await jane.getByTestId('hangup-button').click();
  await expect(jane.getByTestId('in-call')).toHaveCount(0);

  await jane.getByTestId('tab-recent').click();
  const rows = jane.getByTestId('history-row').filter({ hasText: '+1 415 555 0151' });
  await expect(rows.filter({ has: jane.locator('[data-testid="history-direction"]', { hasText: 'Outgoing' }) })).toHaveCount(1);
  await expect(rows.filter({ has: jane.locator('[data-testid="history-direction"]', { hasText: 'Missed' }) })).toHaveCount(1);
});

test('notes are edited after the call from Recent calls, kept after a reload; Escape leaves them unchanged', async () => {
  const jane = await env.desk.agent('Jane');
  await env.desk.takeCall(jane, 'Jane', '+14155550152');
  await jane.getByTestId('tab-recent').focus();
  await jane.keyboard.press('Enter');
  const row = jane.getByTestId('history-row').filter({ hasText: '+1 415 555 0152' }).first();
  await expect(row.getByTestId('history-notes')).toHaveCount(0);

  await row.getByTestId('history-edit-notes').focus();
  await jane.keyboard.press('Enter');
  await expect(row.getByTestId('history-notes-input')).toBeFocused();
  await jane.keyboard.type('Wants a call on Friday.');
  await expectAccessible(jane);
  await row.getByTestId('history-notes-save').click();
  await expect(row.getByTestId('history-notes-editor')).toHaveCount(0);
  await expect(row.getByTestId('history-notes')).toHaveText('Wants a call on Friday.');

  // Escape: the edit is dropped, the saved notes stay.
  await row.getByTestId('history-edit-notes').click();
  await jane.keyboard.press('End');
  await jane.keyboard.type(' NOT SAVED');
  await jane.keyboard.press('Escape');
  await expect(row.getByTestId('history-notes-editor')).toHaveCount(0);
  await expect(row.getByTestId('history-notes')).toHaveText('Wants a call on Friday.');

  await jane.reload();
  await expect(jane.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  await jane.getByTestId('tab-recent').click();
  await expect(jane.getByTestId('history-row').filter({ hasText: '+1 415 555 0152' }).first().getByTestId('history-notes')).toHaveText('Wants a call on Friday.');
});

test('notes saved while a read of Recent calls is on its way stay shown: the older answer is dropped, and the Refresh it answered goes again', async () => {
  const jane = await env.desk.agent('Jane');
  await env.desk.takeCall(jane, 'Jane', '+14155550153');
  // A fresh page: no call ended in it, so no read after a call's end comes in between.
  await jane.reload();
  await expect(jane.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  await jane.getByTestId('tab-recent').click();
  const row = jane.getByTestId('history-row').filter({ hasText: '+1 415 555 0153' }).first();
  await expect(row).toBeVisible();

  // Refresh's read: answered by the backend before the notes are saved, delivered after.
  const read = await holdFirstRead(jane, '/api/agent/calls');
  await jane.getByTestId('recent-calls-refresh').click();
  await expect.poll(read.reads).toBe(1);
  await row.getByTestId('history-edit-notes').click();
  await expect(row.getByTestId('history-notes-input')).toBeFocused();
  await jane.keyboard.type('Call back after 3.');
  await row.getByTestId('history-notes-save').click();
  await expect(row.getByTestId('history-notes')).toHaveText('Call back after 3.');

  read.release();
  // The held answer (no notes yet) is dropped and the list read again: the notes stay.
  await expect.poll(read.reads).toBe(2);
  await expect(jane.getByTestId('recent-calls-refresh')).toHaveAttribute('aria-disabled', 'false');
  await jane.waitForTimeout(500);
  await expect(row.getByTestId('history-notes')).toHaveText('Call back after 3.');
  await read.stop();
});
