/**
 * The console's configuration pages in Chromium against a whole platform: an admin edits a
 * number's flow to a custom NCCO — a bad one is flagged beside the field as it is typed and
 * refused by the backend on save (nothing saved), a good one from the seed guide's sample is
 * saved and the next call, placed with the page's "call this number" button on the embedded
 * platform, follows it; queue settings saved (a bad redirect named beside its field); the
 * away reasons and dispositions edited; a supervisor sees the forms but cannot change them;
 * keyboard operation and axe-core on each page.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { seriousA11yViolations } from '../support/axe';
import { agentDeskPerFile } from '../support/agent-desk';
import { launchChromium } from '../support/chromium';

const ctx = agentDeskPerFile();
let browser: Browser;
test.beforeAll(async () => {
  browser = await launchChromium();
});
test.afterAll(async () => {
  await browser?.close();
});

/** The demo plan's winter campaign number: a whisper flow no other test here relies on. */
const NUMBER = '14155550166';
const SPOKEN = 'This is the flow saved from the console';

async function signIn(page: Page, user: 'admin' | 'supervisor', path = ''): Promise<void> {
  await page.goto(`${ctx.platform.serverUrl}/console/${path}`);
  await page.getByTestId('signin-name').fill(user);
  await page.getByTestId('signin-password').fill(ctx.platform.consoleUsers[user]);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('who')).toContainText(`(${user})`);
}

async function expectAccessible(page: Page, label: string): Promise<void> {
  expect(await seriousA11yViolations(page), label).toEqual([]);
}

interface NumberView {
  flow: string;
  settings: { ncco?: unknown };
  updated_at: string;
}

test('an admin edits a flow to a custom NCCO: a bad one is named beside the field and not saved; a good one is followed by the next call', async () => {
  const page = await browser.newPage();
  await signIn(page, 'admin');
  // By keyboard: the page link, then the number's edit button.
  await page.getByRole('link', { name: 'Numbers and flows' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(`number-row-${NUMBER}`)).toContainText('Whisper topic');
  await expectAccessible(page, 'numbers');
  await page.getByTestId(`edit-number-${NUMBER}`).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('flow-editor')).toBeVisible();
  await expect(page.getByTestId('field-topic')).toHaveValue('the winter offer');
  await page.getByTestId('flow-type').selectOption('custom');
  await expectAccessible(page, 'custom flow editor');

  const before = await ctx.desk.admin<NumberView>(`/api/admin/numbers/${NUMBER}`);
  // Checked as it is typed, with the backend's schema: the endpoint lacks its user.
  const bad = JSON.stringify([{ action: 'talk', text: SPOKEN }, { action: 'connect', endpoint: [{ type: 'app' }] }]);
  await page.getByTestId('ncco-text').fill(bad);
  await expect(page.getByTestId('error-ncco')).toHaveText('ncco[1].endpoint[0].user is required');
  await expect(page.getByTestId('ncco-text')).toHaveAttribute('aria-invalid', 'true');
  // Typing on: not JSON yet.
  await page.getByTestId('ncco-text').fill('[{"action": "talk",');
  await expect(page.getByTestId('error-ncco')).toContainText('ncco is not valid JSON');
  await page.getByTestId('ncco-text').fill(bad);
  // Saved anyway, the backend refuses it by the same field, and nothing is saved.
  await page.getByTestId('save-flow').click();
  await expect(page.getByTestId('flow-notice')).toHaveText('Not saved: ncco[1].endpoint[0].user is required');
  await expect(page.getByTestId('error-ncco')).toHaveText('ncco[1].endpoint[0].user is required');
  expect(await ctx.desk.admin<NumberView>(`/api/admin/numbers/${NUMBER}`)).toEqual(before);

  // The seed guide's inbound sample is valid as given; the operator changes its words.
  await page.getByTestId('ncco-sample-inbound').click();
  await expect(page.getByTestId('ncco-valid')).toHaveText('Valid NCCO');
  await expect(page.getByTestId('error-ncco')).toHaveText('');
  const sample = JSON.parse(await page.getByTestId('ncco-text').inputValue()) as Array<{ action: string; text?: string }>;
  expect(sample[0]).toEqual({ action: 'talk', text: 'Thank you for calling Jane' });
  const good = [{ action: 'talk', text: SPOKEN }, sample[1]];
  await page.getByTestId('ncco-text').fill(JSON.stringify(good, null, 2));
  await expect(page.getByTestId('ncco-valid')).toHaveText('Valid NCCO');
  await page.getByTestId('ncco-text').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('save-flow')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('numbers-notice')).toContainText(`Saved the Custom NCCO flow of +${NUMBER}`);
  await expect(page.getByTestId(`number-flow-${NUMBER}`)).toHaveText('Custom NCCO');
  expect(await ctx.desk.admin<NumberView>(`/api/admin/numbers/${NUMBER}`)).toMatchObject({ flow: 'custom', settings: { ncco: good } });

  // The next call follows it: placed from the page on the embedded platform.
  await page.getByTestId(`call-number-${NUMBER}`).click();
  await expect(page.getByTestId('test-call')).toBeVisible();
  await expect(page.getByTestId('test-call-heard')).toContainText(SPOKEN, { timeout: 15_000 });
  await expectAccessible(page, 'test call');
  const calls = await (await fetch(`${ctx.platform.sandboxUrl}/sandbox/v1/phone/calls?number=14155550100`)).json();
  const placed = (calls as { calls: Array<{ uuid: string; to: string; heard: Array<{ text?: string }> }> }).calls.filter((c) => c.to === NUMBER);
  expect(placed).toHaveLength(1);
  expect(placed[0]?.heard.map((h) => h.text)).toContain(SPOKEN);
  const hangUp = page.getByTestId('test-call-hangup');
  if (await hangUp.isVisible()) await hangUp.click();
  await expect(page.getByTestId('test-call-status')).toHaveText(/completed|cancelled|failed|unanswered|rejected|timeout|busy/, { timeout: 10_000 });

  // The audit log has the save, with the flow before and after.
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByTestId('audit-row').filter({ hasText: 'save number' }).first()).toBeVisible();
  await page.close();
});

test('an admin edits an IVR menu: a repeated key is named beside its option; the saved menu is what the next caller hears', async () => {
  const IVR = '14155550188';
  const page = await browser.newPage();
  await signIn(page, 'admin', 'numbers');
  await page.getByTestId(`edit-number-${IVR}`).click();
  await expect(page.getByTestId('flow-type')).toHaveValue('ivr');
  await expect(page.getByTestId('field-prompt')).toHaveValue('To talk to Jane, please press 1, or, to talk to Joe, press 2.');
  const before = await ctx.desk.admin<NumberView>(`/api/admin/numbers/${IVR}`);

  await page.getByTestId('field-options[1].digit').fill('1');
  await page.getByTestId('save-flow').click();
  await expect(page.getByTestId('error-options[1].digit')).toHaveText('options[1].digit repeats key 1');
  await expect(page.getByTestId('field-options[1].digit')).toHaveAttribute('aria-invalid', 'true');
  expect(await ctx.desk.admin<NumberView>(`/api/admin/numbers/${IVR}`)).toEqual(before);
  await expectAccessible(page, 'IVR form with an error');

  await page.getByTestId('field-options[1].digit').fill('3');
  await page.getByTestId('target-type-options[1].target').selectOption('queue');
  await page.getByTestId('target-queue-options[1].target').selectOption('support');
  // The menu sentence the backend wrote is written again from the new options.
  await expect(page.getByTestId('field-prompt')).toHaveValue('');
  await page.getByTestId('save-flow').click();
  await expect(page.getByTestId('numbers-notice')).toContainText(`Saved the IVR menu flow of +${IVR}`);
  const prompt = 'To talk to Jane, please press 1, or, to reach the support queue, press 3.';
  expect(await ctx.desk.admin<NumberView>(`/api/admin/numbers/${IVR}`)).toMatchObject({ flow: 'ivr', settings: { prompt, options: [{ digit: '1' }, { digit: '3', target: { type: 'queue', queue: 'support' } }] } });

  await page.getByTestId(`call-number-${IVR}`).click();
  await expect(page.getByTestId('test-call-heard')).toContainText(prompt, { timeout: 15_000 });
  await page.getByTestId('test-call-hangup').click();
  await expect(page.getByTestId('test-call-status')).toHaveText(/completed|cancelled/, { timeout: 10_000 });
  await page.close();
});

test('an admin saves a queue’s settings; a bad redirect is named beside its field and nothing is saved', async () => {
  const page = await browser.newPage();
  await signIn(page, 'admin', 'queues');
  await expect(page.getByTestId('queue-row-support')).toBeVisible();
  await expectAccessible(page, 'queues');
  await page.getByTestId('edit-queue-support').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('queue-editor')).toBeVisible();
  await expect(page.getByTestId('field-max_wait_s')).toHaveValue('120');

  const before = await ctx.desk.admin<{ settings: unknown }>('/api/admin/queues/support');
  await page.getByTestId('field-max_wait_s').fill('90');
  await page.getByTestId('field-service_level_s').fill('30');
  await page.getByTestId('target-type-on_overflow').selectOption('phone');
  await page.getByTestId('target-number-on_overflow').fill('12');
  await page.getByTestId('save-queue').click();
  await expect(page.getByTestId('error-on_overflow')).toContainText('on_overflow.number must be a valid phone number');
  await expect(page.getByTestId('target-number-on_overflow')).toHaveAttribute('aria-invalid', 'true');
  expect(await ctx.desk.admin('/api/admin/queues/support')).toEqual(before);
  await expectAccessible(page, 'queue editor with an error');

  await page.getByTestId('target-number-on_overflow').fill('+14155550123');
  await page.getByTestId('field-max_length').fill('4');
  await page.getByTestId('field-max_length').press('Enter');
  await expect(page.getByTestId('queues-notice')).toHaveText('Saved queue support');
  await expect(page.getByTestId('queue-sl-support')).toHaveText('30 s');
  expect(await ctx.desk.admin('/api/admin/queues/support')).toMatchObject({
    settings: { max_wait_s: 90, max_length: 4, service_level_s: 30, on_overflow: { type: 'phone', number: '14155550123' }, announce_position: true },
  });
  // The wallboard measures the queue's service level against the target just saved.
  await page.getByRole('link', { name: 'Wallboard' }).click();
  const board = await page.evaluate(async () => (await (await fetch('/api/console/wallboard')).json()) as { queues: Array<{ name: string; service_level_target_s: number }> });
  expect(board.queues.find((q) => q.name === 'support')?.service_level_target_s).toBe(30);
  await page.close();
});

test('an admin edits the away reasons and dispositions; a bad code is named beside its row', async () => {
  const page = await browser.newPage();
  await signIn(page, 'admin', 'lists');
  await expect(page.getByTestId('reasons-editor')).toBeVisible();
  await expectAccessible(page, 'lists');

  // The built-in reason is named, not on the list, and not a label the admin may save.
  await expect(page.getByTestId('reasons-note')).toContainText('System (sleep or lock)');
  await page.getByTestId('reasons-add').click();
  const reasons = page.getByTestId('reasons-editor').locator('input');
  const last = reasons.last();
  await last.fill('System');
  await page.getByTestId('reasons-save').click();
  const added = (await reasons.count()) - 1;
  await expect(page.getByTestId(`error-reasons.${added}`)).toContainText('built-in reason');
  await last.fill('Team meeting');
  await page.getByTestId('reasons-save').click();
  await expect(page.getByTestId('reasons-notice')).toContainText('Saved');
  expect((await ctx.desk.admin<{ reasons: string[] }>('/api/admin/away-reasons')).reasons).toContain('Team meeting');

  const before = await ctx.desk.admin<{ dispositions: unknown[] }>('/api/admin/dispositions');
  await page.getByTestId('dispositions-add').click();
  const index = before.dispositions.length;
  await page.getByTestId(`field-dispositions.${index}.code`).fill('Needs Follow Up');
  await page.getByTestId(`field-dispositions.${index}.label`).fill('Needs a follow-up');
  await page.getByTestId('dispositions-save').click();
  await expect(page.getByTestId(`error-dispositions.${index}.code`)).toContainText('may hold lower-case letters, digits, dash and underscore only');
  expect(await ctx.desk.admin('/api/admin/dispositions')).toEqual(before);
  await expectAccessible(page, 'lists with an error');
  await page.getByTestId(`field-dispositions.${index}.code`).fill('needs-review');
  await page.getByTestId(`field-dispositions.${index}.code`).press('Enter');
  await expect(page.getByTestId('dispositions-notice')).toContainText('Saved');
  expect((await ctx.desk.admin<{ dispositions: unknown[] }>('/api/admin/dispositions')).dispositions).toContainEqual({ code: 'needs-review', label: 'Needs a follow-up' });
  await page.close();
});

test('a supervisor sees flows, queues and lists but has no way to change them', async () => {
  const page = await browser.newPage();
  await signIn(page, 'supervisor', 'numbers');
  await expect(page.getByTestId(`number-row-${ctx.platform.contactNumber}`)).toBeVisible();
  await expect(page.getByTestId(`call-number-${ctx.platform.contactNumber}`)).toHaveCount(0);
  await page.getByTestId(`edit-number-${ctx.platform.contactNumber}`).click();
  await expect(page.getByTestId('flow-editor')).toBeVisible();
  await expect(page.getByTestId('save-flow')).toHaveCount(0);
  await expect(page.getByTestId('field-greeting')).toBeDisabled();
  await expectAccessible(page, 'numbers (supervisor)');
  await page.getByRole('link', { name: 'Queues' }).click();
  await page.getByTestId('edit-queue-support').click();
  await expect(page.getByTestId('save-queue')).toHaveCount(0);
  await page.getByRole('link', { name: 'Reasons and dispositions' }).click();
  await expect(page.getByTestId('reasons-editor')).toBeVisible();
  await expect(page.getByTestId('reasons-save')).toHaveCount(0);
  await expectAccessible(page, 'lists (supervisor)');
  await page.close();
});
