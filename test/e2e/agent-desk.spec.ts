/**
 * The agent's desk in the web app, with the real SDK and the sandbox's phones: a missed call's
 * card stays until dismissed and its badge until the agent opened Recent calls (and stays gone
 * after a reload: "seen" is in the database); call-back from the history rings the phone; a
 * voicemail plays in the app and is marked handled (by whom, kept after a reload); during
 * wrap-up the agent picks a disposition and writes notes, saved to the call and shown in the
 * history; "End wrap-up" makes the agent available at once. axe-core on every new screen,
 * light and dark; the views are reached by keyboard.
 *
 * After-call work is 60 s on this platform, so a scenario that answers a call ends it early.
 */
import { expect, test, type Page } from '@playwright/test';
import { VOICEMAIL_GREETING } from '../../server/flows/actions';
import { agentDeskPerFile, holdFirstRead } from '../support/agent-desk';
import { seriousA11yViolations } from '../support/axe';
import type { PhoneCallState } from '../support/platform';

const env = agentDeskPerFile({ wrapUpS: 60 });

async function sandbox<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${env.platform.sandboxUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** The simulated phone with this number that the platform is ringing, once it rings. */
async function ringingPhone(number: string): Promise<PhoneCallState> {
  const find = async () => (await sandbox<{ calls: PhoneCallState[] }>(`/sandbox/v1/phone/calls?number=${number}&status=ringing`)).calls[0];
  await expect.poll(async () => (await find())?.uuid, { timeout: 15_000 }).toBeTruthy();
  return (await find())!;
}

/** No serious or critical axe violation, light and dark. */
async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await seriousA11yViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** A phone calls the contact number and hangs up while Jane's app rings: a missed call. */
async function missCall(jane: Page, from: string): Promise<void> {
  const call = await env.platform.phone.call(from);
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toContainText('Missed call');
}

test('a missed call: the card stays until dismissed, the badge until Recent calls is opened, and stays gone after a reload', async () => {
  const jane = await env.desk.agent('Jane');
  await expect(jane.getByTestId('missed-badge')).toHaveCount(0);
  // Looking at the (empty) history when the call rings: the phone comes forward, and stays.
  await jane.getByTestId('tab-recent').click();
  await expect(jane.getByTestId('recent-calls-empty')).toBeVisible();
  await missCall(jane, '+14155550141');
  await expect(jane.getByTestId('tab-phone')).toHaveAttribute('aria-pressed', 'true');

  // Longer than the 2.5 s other notices last.
  await jane.waitForTimeout(3500);
  await expect(jane.getByTestId('call-ended')).toContainText('Missed call');
  await expect(jane.getByTestId('dialer')).toBeVisible();
  await expect(jane.getByTestId('missed-badge')).toContainText('1', { timeout: 15_000 });
  await expectAccessible(jane);

  // Dismissed from the keyboard.
  await jane.getByTestId('missed-dismiss').focus();
  await jane.keyboard.press('Enter');
  await expect(jane.getByTestId('call-ended')).toHaveCount(0);

  // The badge survives a reload until the history is opened.
  await jane.reload();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available');
  await expect(jane.getByTestId('missed-badge')).toContainText('1');
  await jane.getByTestId('tab-recent').focus();
  await jane.keyboard.press('Enter');
  const row = jane.getByTestId('history-row').first();
  await expect(row).toHaveAttribute('data-missed', 'true');
  await expect(row.getByTestId('history-number')).toHaveText('+1 415 555 0141');
  await expect(row.getByTestId('history-direction')).toHaveText('Missed');
  await expect(jane.getByTestId('missed-badge')).toHaveCount(0);
  await expectAccessible(jane);

  await jane.reload();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available');
  await jane.waitForTimeout(1000);
  await expect(jane.getByTestId('missed-badge')).toHaveCount(0);
});

test('call-back from the history rings the phone through the dial path, and ending wrap-up early makes Jane available', async () => {
  const jane = await env.desk.agent('Jane');
  await missCall(jane, '+14155550142');
  await jane.getByTestId('tab-recent').click();
  const row = jane.locator('[data-testid="history-row"][data-missed="true"]').filter({ hasText: '+1 415 555 0142' });
  await row.getByTestId('history-callback').click();

  // Back on the phone: the call goes out to the caller's number, from the contact number.
  await expect(jane.getByTestId('outgoing-call')).toBeVisible();
  await expect(jane.getByTestId('outgoing-to')).toHaveText('+1 415 555 0142');
  const ringing = await ringingPhone('14155550142');
  await sandbox(`/sandbox/v1/phone/calls/${ringing.uuid}/answer`, { method: 'POST', body: '{}' });
  await expect(jane.getByTestId('in-call')).toBeVisible();
  // Other views wait while a call goes on.
  await expect(jane.getByTestId('tab-recent')).toBeDisabled();
  await jane.getByTestId('hangup-button').click();

  // Wrap-up: the countdown, then End wrap-up (nothing written) makes her available.
  await expect(jane.getByTestId('wrap-up')).toBeVisible();
  await expect(jane.getByTestId('wrap-up-left')).toHaveText(/^0:[0-5][0-9] left$|^1:00 left$/);
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Wrap-up');
  await expectAccessible(jane);
  await jane.getByTestId('wrap-up-end').click();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available');
  await expect(jane.getByTestId('wrap-up')).toHaveCount(0);
  await expect.poll(async () => (await env.desk.statuses()).Jane).toBe('available');

  // The history shows the call-back as an outgoing answered call.
  await jane.getByTestId('tab-recent').click();
  const back = jane.getByTestId('history-row').first();
  await expect(back.getByTestId('history-direction')).toHaveText('Outgoing');
  await expect(back.getByTestId('history-outcome')).toContainText('Answered');
});

test('the open Recent calls list stays current: read again when Jane comes back to the window, and after a call that was not yet on record', async () => {
  const jane = await env.desk.agent('Jane');
  // Every history read counted; the one after `hide` is set answers as the backend does before
  // the platform's events wrote the call (as a read that wins that race would): without it.
  let reads = 0;
  let hide: string | null = null;
  const history = (url: URL) => url.pathname === '/api/agent/calls';
  await jane.route(history, async (route) => {
    reads += 1;
    const number = hide;
    if (number === null) return route.continue();
    hide = null;
    const response = await route.fetch();
    const page = (await response.json()) as { calls: Array<{ from: string | null }> };
    await route.fulfill({ response, json: { ...page, calls: page.calls.filter((call) => call.from?.replace(/\D/g, '') !== number) } });
  });

  // Hidden (minimised, in the tray), nothing is read; back to the window, the open list is read again.
  await jane.getByTestId('tab-recent').click();
  await expect.poll(() => reads).toBe(1);
  await jane.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await jane.waitForTimeout(500);
  expect(reads).toBe(1);
  await jane.evaluate(() => {
    delete (document as { visibilityState?: unknown }).visibilityState;
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await expect.poll(() => reads).toBe(2);
  // Refresh by keyboard reads again and keeps the focus where it was.
  await jane.getByTestId('recent-calls-refresh').focus();
  await jane.keyboard.press('Enter');
  await expect.poll(() => reads).toBe(3);
  await expect(jane.getByTestId('recent-calls-refresh')).toHaveAttribute('aria-disabled', 'false');
  await expect(jane.getByTestId('recent-calls-refresh')).toBeFocused();
  await jane.getByTestId('tab-phone').click();

  await missCall(jane, '+14155550146');
  hide = '14155550146';
  await jane.getByTestId('tab-recent').click();
  await expect(jane.getByTestId('recent-calls')).toBeVisible();
  await expect.poll(() => hide).toBeNull();
  const rows = jane.locator('[data-testid="history-row"][data-missed="true"]').filter({ hasText: '+1 415 555 0146' });
  // Read again after the call's end, with nothing pressed.
  await expect(rows).toHaveCount(1, { timeout: 20_000 });
  await expect(rows.getByTestId('history-direction')).toHaveText('Missed');
  // Every call once, the newest first.
  const conversations = await jane.getByTestId('history-row').evaluateAll((items) => items.map((item) => item.getAttribute('data-conversation')));
  expect(new Set(conversations).size).toBe(conversations.length);
  await expect(jane.getByTestId('history-row').first()).toHaveAttribute('data-conversation', (await rows.getAttribute('data-conversation'))!);
  await jane.unroute(history);
});

test('wrap-up: the disposition from the operator’s list and the notes are saved to the call and shown in the history', async () => {
  await env.desk.admin('/api/admin/dispositions', {
    method: 'PUT',
    body: JSON.stringify({ dispositions: [{ code: 'sale', label: 'Sale made' }, { code: 'no-sale', label: 'No sale' }] }),
  });
  const jane = await env.desk.agent('Jane');
  const call = await env.platform.phone.call('+14155550143');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await env.platform.phone.hangup(call.uuid);

  await expect(jane.getByTestId('wrap-up-call')).toHaveText('+1 415 555 0143');
  await expect(jane.getByTestId('wrap-up-disposition').locator('option')).toHaveText(['— none —', 'Sale made', 'No sale']);
  await jane.getByTestId('wrap-up-disposition').selectOption('sale');
  await jane.getByTestId('wrap-up-notes').fill('Wants the blue one.\nCall Friday.');
  await jane.getByTestId('wrap-up-save').click();
  await expect(jane.getByTestId('wrap-up-saved')).toHaveText('Saved: Sale made');
  await expectAccessible(jane);

  const saved = await env.desk.admin<{ wrap_ups: Array<{ agent: string; disposition: string; notes: string }> }>(`/api/admin/calls/${call.conversation_uuid}/wrap-ups`);
  expect(saved.wrap_ups).toEqual([expect.objectContaining({ agent: 'Jane', disposition: 'sale', notes: 'Wants the blue one.\nCall Friday.' })]);

  await jane.getByTestId('wrap-up-end').click();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available');
  await jane.getByTestId('tab-recent').click();
  const row = jane.locator(`[data-conversation="${call.conversation_uuid}"]`);
  await expect(row.getByTestId('history-disposition')).toHaveText('Sale made');
  await expect(row.getByTestId('history-notes')).toHaveText('Wants the blue one.\nCall Friday.');
});

test('voicemail: a message left while Jane is away shows in her open inbox by itself, plays in the app and is marked handled by her (a read on its way meanwhile does not undo the mark)', async () => {
  const jane = await env.desk.agent('Jane');
  await jane.getByTestId('agent-status-away').click();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Away');
  // The inbox is open before the message is left.
  await jane.getByTestId('tab-voicemail').click();
  await expect(jane.getByTestId('voicemail-inbox')).toBeVisible();
  await expect(jane.getByTestId('voicemail-item').filter({ hasText: '+1 415 555 0144' })).toHaveCount(0);
  // Nobody available: the contact number's fallback takes a message; the caller speaks (a tone) and presses #.
  const call = await env.platform.phone.call('+14155550144');
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).heard.map((h) => h.text), { timeout: 20_000 }).toContain(VOICEMAIL_GREETING);
  await expect
    .poll(
      async () => {
        await sandbox(`/sandbox/v1/phone/calls/${call.uuid}/dtmf`, { method: 'POST', body: JSON.stringify({ digits: '#' }) }).catch(() => undefined);
        return (await env.platform.phone.get(call.uuid)).status;
      },
      { timeout: 30_000, intervals: [1500] },
    )
    .toBe('completed');

  // It appears with nothing pressed (the open inbox reads the list again every 15 s).
  const item = jane.getByTestId('voicemail-item').filter({ hasText: '+1 415 555 0144' });
  await expect(item).toBeVisible({ timeout: 35_000 });
  // Said to a screen reader too (a status region, present from the start).
  await expect(jane.getByTestId('voicemail-news')).toHaveText('1 new voicemail');
  await expect(jane.getByTestId('voicemail-news')).toHaveAttribute('role', 'status');
  await expect(item.getByTestId('voicemail-handled')).toHaveText('Not handled yet');
  await expectAccessible(jane);

  await item.getByTestId('voicemail-play').click();
  const player = jane.getByTestId('voicemail-audio');
  await expect(player).toHaveAttribute('src', /^blob:/);
  // The recording decodes: a real duration, and it plays.
  await expect.poll(() => player.evaluate((el: HTMLAudioElement) => (Number.isFinite(el.duration) ? el.duration : 0))).toBeGreaterThan(0.2);
  await expect.poll(() => player.evaluate((el: HTMLAudioElement) => el.currentTime > 0 || el.ended)).toBe(true);
  expect(await player.evaluate((el: HTMLAudioElement) => el.error)).toBeNull();

  // Marked while a Refresh's read is on its way: that read was answered before the mark and is
  // delivered after it, so showing it would undo the mark. It is dropped and the list read again.
  const read = await holdFirstRead(jane, '/api/voicemails');
  await jane.getByTestId('voicemail-refresh').click();
  await expect.poll(read.reads).toBe(1);
  await item.getByTestId('voicemail-mark').click();
  await expect(item.getByTestId('voicemail-handled')).toContainText('Handled by Jane');
  // Any moment the item shows unhandled again counts, however soon a later read puts it right.
  await item.evaluate((element) => {
    const page = window as unknown as { __unmarked: number };
    page.__unmarked = 0;
    new MutationObserver(() => {
      if (element.getAttribute('data-handled') !== 'true') page.__unmarked += 1;
    }).observe(element, { attributes: true, attributeFilter: ['data-handled'] });
  });
  read.release();
  await expect.poll(read.reads).toBe(2);
  await jane.waitForTimeout(500);
  await expect(item.getByTestId('voicemail-handled')).toContainText('Handled by Jane');
  await expect(item).toHaveAttribute('data-handled', 'true');
  expect(await jane.evaluate(() => (window as unknown as { __unmarked: number }).__unmarked)).toBe(0);
  await read.stop();
  await expectAccessible(jane);

  // Kept in the database: after a reload, and for the operator too.
  await jane.reload();
  await jane.getByTestId('tab-voicemail').click();
  await expect(jane.getByTestId('voicemail-item').filter({ hasText: '+1 415 555 0144' }).getByTestId('voicemail-handled')).toContainText('Handled by Jane');
  const all = await env.desk.admin<Array<{ caller: string; handled_by: string | null; handled_at: string | null }>>('/api/admin/voicemails');
  expect(all.find((v) => v.caller === '14155550144')).toMatchObject({ handled_by: 'Jane', handled_at: expect.any(String) });

  // Call-back from the inbox goes through the same dial path.
  await jane.getByTestId('agent-status-available').click();
  await jane.getByTestId('voicemail-item').filter({ hasText: '+1 415 555 0144' }).getByTestId('voicemail-callback').click();
  await expect(jane.getByTestId('outgoing-to')).toHaveText('+1 415 555 0144');
  const ringing = await ringingPhone('14155550144');
  await jane.getByTestId('hangup-button').click();
  await expect.poll(async () => (await env.platform.phone.get(ringing.uuid)).status).not.toBe('ringing');
});
