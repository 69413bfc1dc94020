/**
 * The operator console at /console/ in Chromium against a whole platform: sign-in and roles
 * (an agent cannot sign in; a supervisor sees but cannot change; an admin creates and
 * disables an agent, each change in the audit log), the wallboard following a real call from
 * a simulated phone to Jane's web app (ringing, answered, ended) as the backend pushes it,
 * large type, voicemail work (play, assign, handled), keyboard use and axe-core on every page.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { VOICEMAIL_GREETING } from '../../server/flows/actions';
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

async function signIn(page: Page, user: 'admin' | 'supervisor'): Promise<void> {
  await page.goto(`${ctx.platform.serverUrl}/console/`);
  await page.getByTestId('signin-name').fill(user);
  await page.getByTestId('signin-password').fill(ctx.platform.consoleUsers[user]);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('who')).toContainText(`(${user})`);
}

async function expectAccessible(page: Page, label: string): Promise<void> {
  expect(await seriousA11yViolations(page), label).toEqual([]);
}

test('an agent cannot sign in to the console; a wrong password is refused in words', async () => {
  const page = await browser.newPage();
  await page.goto(`${ctx.platform.serverUrl}/console/`);
  await expectAccessible(page, 'sign-in');
  await page.getByTestId('signin-name').fill('Jane');
  await page.getByTestId('signin-password').fill(ctx.platform.agents.Jane);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-error')).toHaveText('Name or password is incorrect');
  await expect(page.getByTestId('who')).toHaveCount(0);
  // The console's API refuses the agent's own web session too.
  const agent = await ctx.desk.agent('Jane');
  const status = await agent.evaluate(async () => (await fetch('/api/console/wallboard')).status);
  expect(status).toBe(401);
  await page.close();
});

test('a supervisor sees the wallboard, agents and audit log but cannot change anything', async () => {
  const page = await browser.newPage();
  await signIn(page, 'supervisor');
  await expect(page.getByTestId('wallboard')).toBeVisible();
  await expectAccessible(page, 'wallboard');
  await page.getByRole('link', { name: 'Agents' }).click();
  await expect(page.getByTestId('agent-row-Joe')).toBeVisible();
  await expect(page.getByTestId('new-agent-name')).toHaveCount(0);
  await page.getByTestId('open-Joe').click();
  await expect(page.getByTestId('agent-day')).toBeVisible();
  await expect(page.getByTestId('disable-agent')).toHaveCount(0);
  await expectAccessible(page, 'agents (supervisor)');
  // Even straight at the API, with the session's CSRF token, a change is refused.
  const answer = await page.evaluate(async () => {
    const session = (await (await fetch('/api/console/session')).json()) as { csrf_token: string };
    const res = await fetch('/api/admin/agents/Joe/disable', { method: 'POST', headers: { 'x-csrf-token': session.csrf_token } });
    return { status: res.status, body: (await res.json()) as { error: { code: string } } };
  });
  expect(answer).toMatchObject({ status: 403, body: { error: { code: 'forbidden_role' } } });
  expect((await ctx.desk.statuses()).Joe).toBeDefined();
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByTestId('audit')).toBeVisible();
  await expectAccessible(page, 'audit');
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('signin-name')).toBeVisible();
  await page.close();
});

test('an admin creates and disables an agent by keyboard, and the audit log shows both', async () => {
  const page = await browser.newPage();
  await page.goto(`${ctx.platform.serverUrl}/console/agents`);
  // Sign-in by keyboard: the name field has focus, Tab to the password, Enter submits.
  await expect(page.getByTestId('signin-name')).toBeFocused();
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await page.keyboard.type(ctx.platform.consoleUsers.admin);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('agents-table')).toBeVisible();

  // A bad password is refused with the backend's words beside the form; nothing is created.
  await page.getByTestId('new-agent-name').fill('Zed');
  await page.getByTestId('new-agent-password').fill('short');
  await page.getByTestId('new-agent-password').press('Enter');
  await expect(page.getByTestId('agents-notice')).toContainText('password is at least 8 characters');
  await expect(page.getByTestId('new-agent-password')).toHaveAttribute('aria-invalid', 'true');

  await page.getByTestId('new-agent-display').fill('Zed Zulu');
  await page.getByTestId('new-agent-password').fill('zed-password-1');
  await page.getByTestId('new-agent-password').press('Enter');
  await expect(page.getByTestId('agents-notice')).toHaveText('Created Zed');
  await expect(page.getByTestId('agent-row-Zed')).toContainText('Zed Zulu');
  await expectAccessible(page, 'agents (admin)');

  await page.getByTestId('open-Zed').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('disable-agent').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('agent-row-Zed')).toHaveAttribute('data-disabled', 'true');
  expect((await ctx.desk.admin<Array<{ name: string; disabled: boolean }>>('/api/admin/agents')).find((a) => a.name === 'Zed')?.disabled).toBe(true);
  // Zed cannot sign in to the agent app now.
  const login = await fetch(`${ctx.platform.serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Zed', password: 'zed-password-1', client: 'desktop' }),
  });
  expect(login.status).toBe(401);
  await expectAccessible(page, 'agent panel');

  await page.getByRole('link', { name: 'Audit log' }).focus();
  await page.keyboard.press('Enter');
  const rows = page.getByTestId('audit-row');
  await expect(rows.first()).toContainText('disable agent');
  await expect(rows.first()).toContainText('admin');
  await expect(rows.first()).toContainText('disabled: false → true');
  await expect(rows.nth(1)).toContainText('create agent');
  await page.close();
});

test('the wallboard follows a call as it rings, is answered and ends, pushed within a second', async () => {
  const jane = await ctx.desk.agent('Jane');
  const page = await browser.newPage();
  await signIn(page, 'admin');
  const janeRow = page.getByTestId('agent-Jane');
  await expect(janeRow).toHaveAttribute('data-status', 'available');
  await expect(page.getByTestId('no-calls')).toBeVisible();

  const latencies: Record<string, number> = {};
  const timed = async (label: string, check: () => Promise<void>) => {
    const start = Date.now();
    await check();
    latencies[label] = Date.now() - start;
  };

  const call = await ctx.platform.phone.call('+14155550123');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await timed('ringing', async () => {
    await expect(page.locator('[data-testid="agent-Jane"][data-status="busy"]')).toBeVisible({ timeout: 1_000 });
    await expect(page.getByTestId('call-row')).toHaveCount(1, { timeout: 1_000 });
  });
  await expect(page.getByTestId('call-row')).toContainText('+14155550123');

  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await timed('answered', async () => {
    await expect(page.locator('[data-testid="call-row"][data-state="talking"]').filter({ hasText: 'Jane' })).toBeVisible({ timeout: 1_000 });
  });
  await expect(page.getByTestId('call-state')).toHaveText('Talking');
  await expect(janeRow.getByTestId('agent-call')).toContainText('+14155550123');
  await expectAccessible(page, 'wallboard with a call');

  // Large type for a wall screen, kept across reloads.
  await page.getByTestId('large-type').click();
  await expect(page.getByTestId('large-type')).toHaveAttribute('aria-pressed', 'true');
  expect(await page.evaluate(() => getComputedStyle(document.body).fontSize)).toBe('26px');
  await expectAccessible(page, 'wallboard in large type');

  await ctx.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  await timed('ended', async () => {
    await expect(page.getByTestId('no-calls')).toBeVisible({ timeout: 1_000 });
  });
  await expect(janeRow).toHaveAttribute('data-status', 'available');
  console.log(`wallboard updates after the agent's app saw the change (ms): ${JSON.stringify(latencies)}`);
  await page.reload();
  await expect(page.getByTestId('large-type')).toHaveAttribute('aria-pressed', 'true');

  // Away for the built-in reason (the desktop app gives it while the PC sleeps): the board says so in words.
  const away = await jane.evaluate(async () => {
    const response = await fetch('/api/agent/status', { method: 'PUT', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'away', reason: 'system' }) });
    return response.status;
  });
  expect(away).toBe(200);
  await expect(janeRow).toHaveAttribute('data-status', 'away');
  await expect(janeRow).toContainText('System (sleep or lock)');
  await page.close();
});

test('a supervisor plays a voicemail a caller left, assigns it to Joe and marks it handled', async () => {
  // Nobody is signed in: the contact number's fallback takes a voicemail.
  const call = await ctx.platform.phone.call('+14155550177');
  const heard = async () => (await ctx.platform.phone.get(call.uuid)).heard.map((h) => h.text ?? h.type);
  await expect.poll(heard, { timeout: 30_000 }).toContain(VOICEMAIL_GREETING);
  const sandbox = (path: string, body: unknown) =>
    fetch(`${ctx.platform.sandboxUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await sandbox(`/sandbox/v1/phone/calls/${call.uuid}/play`, { tone: true });
  await expect
    .poll(async () => {
      await sandbox(`/sandbox/v1/phone/calls/${call.uuid}/dtmf`, { digits: '#' }).catch(() => undefined);
      return heard();
    })
    .toContain('Thank you for your message. Goodbye.');

  const page = await browser.newPage();
  await signIn(page, 'supervisor');
  await page.getByRole('link', { name: 'Voicemails' }).click();
  const row = page.getByTestId('vm-row').filter({ hasText: '+14155550177' });
  await expect(async () => {
    await page.getByTestId('vm-state').selectOption('all');
    await page.getByTestId('vm-state').selectOption('open');
    await expect(row).toHaveCount(1, { timeout: 1_000 });
  }).toPass();
  await expectAccessible(page, 'voicemails');

  await row.getByTestId('vm-play').click();
  const audio = row.getByTestId('vm-audio');
  // The browser fetched and decoded the message through the backend: it knows its length.
  await expect.poll(() => audio.evaluate((el: HTMLAudioElement) => (el.error === null && Number.isFinite(el.duration) ? el.duration : 0))).toBeGreaterThan(0);

  await row.getByTestId('vm-assign').selectOption('Joe');
  await expect(page.getByTestId('vm-notice')).toHaveText('Assigned to Joe');
  await expect(row.getByTestId('vm-assign')).toHaveValue('Joe');
  await row.getByTestId('vm-toggle-handled').click();
  await expect(page.getByTestId('vm-notice')).toHaveText('Marked handled');
  await expect(row).toHaveCount(0);
  await page.getByTestId('vm-state').selectOption('handled');
  await expect(row.getByTestId('vm-handled')).toContainText('by supervisor');
  await expect(row.getByTestId('vm-assign')).toHaveValue('Joe');
  await expectAccessible(page, 'handled voicemails');
  await page.close();
});

test('an admin adds a supervisor on the People page, who then signs in and sees no admin controls', async () => {
  const page = await browser.newPage();
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'People' }).click();
  await expect(page.getByTestId('person-supervisor')).toContainText('supervisor');
  await page.getByTestId('person-name').fill('Kim');
  await page.getByTestId('person-role').selectOption('supervisor');
  await page.getByTestId('person-password').fill('kim-console-pw');
  await page.getByTestId('person-submit').click();
  await expect(page.getByTestId('people-notice')).toHaveText('Added Kim');
  await expect(page.getByTestId('person-Kim')).toContainText('Enabled');
  await expectAccessible(page, 'people (admin)');

  const kim = await browser.newPage();
  await kim.goto(`${ctx.platform.serverUrl}/console/people`);
  await kim.getByTestId('signin-name').fill('Kim');
  await kim.getByTestId('signin-password').fill('kim-console-pw');
  await kim.getByTestId('signin-submit').click();
  await expect(kim.getByTestId('who')).toContainText('(supervisor)');
  await expect(kim.getByTestId('person-Kim')).toBeVisible();
  await expect(kim.getByTestId('person-submit')).toHaveCount(0);
  await expectAccessible(kim, 'people (supervisor)');
  await kim.close();
  await page.close();
});

test("an admin sets the queues an agent serves, renames them, and reads their day", async () => {
  await ctx.desk.admin('/api/admin/queues/sales', { method: 'PUT', body: JSON.stringify({ label: 'Sales', agents: ['Jane'] }) });
  const page = await browser.newPage();
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'Agents' }).click();
  await page.getByTestId('open-Joe').click();
  const panel = page.getByTestId('agent-panel');
  // The support queue names nobody (every agent serves it): shown, not changeable here.
  await expect(panel.getByTestId('serves-support')).toBeChecked();
  await expect(panel.getByTestId('serves-support')).toBeDisabled();
  await expect(panel.getByTestId('serves-sales')).not.toBeChecked();
  // The box follows the saved queue: it turns checked once the backend has the change.
  await panel.getByTestId('serves-sales').click();
  await expect(page.getByTestId('agents-notice')).toHaveText('Joe now serves Sales');
  await expect(panel.getByTestId('serves-sales')).toBeChecked();
  const sales = await ctx.desk.admin<{ settings: { agents: string[] } }>('/api/admin/queues/sales');
  expect(sales.settings.agents).toEqual(['Jane', 'Joe']);
  await expect(page.getByTestId('agent-row-Joe')).toContainText('Sales');

  await panel.getByTestId('edit-display-name').fill('Joe Bloggs');
  await panel.getByTestId('edit-display-name').press('Enter');
  await expect(page.getByTestId('agents-notice')).toHaveText('Display name saved');
  await expect(page.getByTestId('agent-row-Joe')).toContainText('Joe Bloggs');
  // His day: offered calls and time per status from what presence recorded.
  await expect(panel.getByTestId('day-offered')).toHaveText(/^\d+$/);
  await expect(panel.locator('[data-testid^="day-status-"]').first()).toBeVisible();
  await expectAccessible(page, 'agent panel with queues');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByTestId('audit-row').first()).toContainText('edit agent');
  await expect(page.getByTestId('audit-row').nth(1)).toContainText('save queue');
  await page.close();
});
