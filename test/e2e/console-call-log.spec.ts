/**
 * The console's call log and reports in Chromium against a whole platform: a real call from a
 * simulated phone answered by Jane in her web app shows in the call log with its timeline;
 * the filtered CSV downloads with that call; the reports page charts and tabulates this
 * file's calls (its platform is fresh: these are all its calls); keyboard use and axe-core.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
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

const CALLER = '+14155550142';

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

test.describe.configure({ mode: 'serial' });

test('a real call Jane answered shows in the call log with its timeline, found by keyboard', async () => {
  const jane = await ctx.desk.agent('Jane');
  await ctx.desk.takeCall(jane, 'Jane', CALLER);

  const page = await browser.newPage();
  await signIn(page, 'supervisor', 'calls');
  await expect(page.getByRole('heading', { name: 'Call log' })).toBeVisible();
  const row = page.getByTestId('call-row').filter({ hasText: CALLER });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Jane');
  await expect(row).toContainText('Answered');
  await expectAccessible(page, 'call log');

  // Filter by keyboard: the number, then Enter submits the form.
  await page.getByTestId('filter-number').focus();
  await page.keyboard.type('14155550999');
  await page.keyboard.press('Enter');
  await expect(page.getByText('No calls match.')).toBeVisible();
  await page.getByTestId('filter-number').fill('');
  await page.getByTestId('filter-number').focus();
  await page.keyboard.type(CALLER);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('call-row')).toHaveCount(1);

  // A bad filter is refused in words, the field marked.
  await page.getByTestId('filter-number').fill('<bad>');
  await page.getByTestId('filter-apply').click();
  await expect(page.getByTestId('calls-error')).toContainText('number must be a phone number');
  await expect(page.getByTestId('filter-number')).toHaveAttribute('aria-invalid', 'true');
  await page.getByTestId('filter-number').fill(CALLER);
  await page.getByTestId('filter-apply').click();
  await expect(page.getByTestId('calls-error')).toHaveText('');

  // Open the timeline by keyboard: focus lands on the call's title.
  await page.getByTestId('call-open').first().focus();
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('call-detail');
  await expect(detail.getByRole('heading', { level: 2 })).toBeFocused();
  const timeline = detail.getByTestId('call-timeline');
  await expect(timeline).toContainText('agent Jane offered');
  await expect(timeline).toContainText('agent Jane answered');
  await expect(timeline).toContainText(/leg ended \(completed\): talk \d+ s/);
  await expect(timeline.locator('li')).not.toHaveCount(0);
  const texts = await timeline.locator('li').allTextContents();
  expect(texts.findIndex((t) => t.includes('agent Jane offered'))).toBeLessThan(texts.findIndex((t) => t.includes('agent Jane answered')));
  await expectAccessible(page, 'call timeline');
  await page.close();
});

test('the CSV export downloads the filtered calls', async () => {
  const page = await browser.newPage();
  await signIn(page, 'admin', 'calls');
  await page.getByTestId('filter-number').fill(CALLER);
  await page.getByTestId('filter-apply').click();
  await expect(page.getByTestId('call-row')).toHaveCount(1);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('calls-csv').click()]);
  expect(download.suggestedFilename()).toMatch(/^calls-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = await readFile((await download.path()) ?? '', 'utf8');
  expect(text.split('\n')[0]).toBe('conversation_uuid,started_at,answered_at,ended_at,direction,from,to,agent,queue,outcome,wait_s,talk_s,duration_s,disposition,notes');
  const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ from: CALLER.slice(1), agent: 'Jane', outcome: 'answered', direction: 'inbound' });
  await page.close();
});

test('the reports page charts and tabulates the calls of the period, and downloads a report', async () => {
  // This file's platform is fresh: its only calls are the one above.
  const page = await browser.newPage();
  await signIn(page, 'admin', 'reports');
  const hourly = page.getByTestId('report-calls-per-hour');
  await expect(hourly).toBeVisible();
  await expect(hourly.locator('tbody tr')).toHaveCount(1);
  await expect(hourly.locator('tbody tr td')).toHaveText([/^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/, '1', '1', '0']);
  // uPlot drew each chart on a canvas.
  await expect(page.locator('.chart canvas').first()).toBeVisible();
  const handle = page.getByTestId('report-handle-time');
  await expect(handle.locator('tbody tr')).toHaveCount(1);
  await expect(handle.locator('tbody tr td').nth(1)).toHaveText('1');
  await expect(page.getByTestId('report-agent-occupancy')).toContainText('Jane');
  await expectAccessible(page, 'reports');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-calls-per-hour').click()]);
  const text = await readFile((await download.path()) ?? '', 'utf8');
  expect(text).toMatch(/^hour,calls,answered,abandoned\n\d{4}-\d{2}-\d{2}T\d{2}:00:00Z,1,1,0\n$/);

  // A period ending before it starts is refused in words, by keyboard.
  await page.getByTestId('report-from').fill('2026-03-05');
  await page.getByTestId('report-to').fill('2026-03-01');
  await page.getByTestId('report-to').press('Enter');
  await expect(page.getByTestId('report-error')).toContainText('to must be after from');
  await page.close();
});
