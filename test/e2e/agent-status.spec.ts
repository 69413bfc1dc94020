/**
 * The agent's status in the web app: the page shows what the backend pushes over its event
 * stream (available on connecting, away, busy while a leg rings, wrap-up with a countdown),
 * and the agent's own choice goes back to the backend.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Browser, type Page, type Request } from '@playwright/test';
import { launchChromium } from '../support/chromium';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { platformLogOnFailure } from '../support/failure-log';

let platform: TestPlatform;
let browser: Browser;
let page: Page;

test.beforeAll(async () => {
  platform = await startTestPlatform({ wrapUpS: 30 });
  browser = await launchChromium();
  page = await browser.newPage();
});

platformLogOnFailure(() => platform);
test.afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

/** Jane's refresh credential from a second (desktop-style) login, to act on the backend from outside the page. */
async function janeCredential(): Promise<string> {
  const response = await fetch(`${platform.serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Jane', password: platform.agents.Jane, client: 'desktop' }),
  });
  return ((await response.json()) as { refresh_token: string }).refresh_token;
}

async function backendStatus(token: string): Promise<string> {
  const response = await fetch(`${platform.serverUrl}/api/agent/status`, { headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { status: string }).status;
}

/** A leg event as the platform would send it to the event webhook, signed with the sandbox account's secret as it signs. */
async function legEvent(status: string, extra: Record<string, string> = {}): Promise<void> {
  const body = JSON.stringify({ status, uuid: 'e2e-jane-leg', conversation_uuid: 'CON-e2e-status', direction: 'outbound', from: '14155550100', to: 'Jane', ...extra });
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iat: Math.floor(Date.now() / 1000), iss: 'Vonage', jti: randomUUID(), payload_hash: createHash('sha256').update(body).digest('hex') };
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  const signature = createHmac('sha256', platform.platform.sandbox.store.account.signature_secret).update(unsigned).digest('base64url');
  const response = await fetch(`${platform.serverUrl}/webhooks/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${unsigned}.${signature}` },
    body,
  });
  expect(response.status).toBe(204);
}

test('status changes are pushed into the page and the agent chooses available or away', async () => {
  await page.goto(`${platform.serverUrl}/app/`);
  await page.getByTestId('login-name').fill('Jane');
  await page.getByTestId('login-password').fill(platform.agents.Jane);
  // The status line and the wrap-up panel share one read of the status (counted to the end).
  const statusReads: string[] = [];
  const countReads = (request: Request) => {
    if (request.method() === 'GET' && new URL(request.url()).pathname === '/api/agent/status') statusReads.push(request.url());
  };
  page.on('request', countReads);
  await page.getByTestId('login-submit').click();

  const label = page.getByTestId('agent-status-label');
  // Opening the event stream made the offline agent available.
  await expect(label).toHaveText('Available');

  await page.getByTestId('agent-status-away').click();
  await expect(label).toHaveText('Away');
  const token = await janeCredential();
  expect(await backendStatus(token)).toBe('away');

  // A change made elsewhere (another of Jane's clients) reaches the page without a reload.
  await fetch(`${platform.serverUrl}/api/agent/status`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ status: 'available' }),
  });
  await expect(label).toHaveText('Available');

  // The platform verifies webhook signatures: an unsigned event changes nothing.
  const unsigned = await fetch(`${platform.serverUrl}/webhooks/event`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'ringing', uuid: 'forged', conversation_uuid: 'CON-forged', to: 'Jane' }),
  });
  expect(unsigned.status).toBe(401);
  await expect(label).toHaveText('Available');

  // Call events drive it: ringing → busy (the choice is locked), answered then completed → wrap-up.
  await legEvent('ringing');
  await expect(label).toHaveText('Busy');
  await expect(page.getByTestId('agent-status-away')).toBeDisabled();
  await legEvent('answered');
  await legEvent('completed', { duration: '5' });
  await expect(label).toHaveText('Wrap-up');
  await expect(page.getByTestId('wrap-up-countdown')).toHaveText(/^0:[0-3][0-9]$/);
  await expect(page.getByTestId('agent-status')).toHaveAttribute('data-status', 'wrap-up');

  await page.getByTestId('agent-status-available').click();
  await expect(label).toHaveText('Available');
  await expect(page.getByTestId('wrap-up-countdown')).toHaveCount(0);

  // Every change above was pushed: the page read the status once, at start-up.
  page.off('request', countReads);
  expect(statusReads).toHaveLength(1);

  // Signing out takes Jane offline at once, as the admin API shows.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('login-submit')).toBeVisible();
  const adminToken = readFileSync(join(platform.platform.dataDir, 'admin-token'), 'utf8').trim();
  await expect
    .poll(async () => {
      const response = await fetch(`${platform.serverUrl}/api/admin/agents`, { headers: { authorization: `Bearer ${adminToken}` } });
      const agents = (await response.json()) as Array<{ name: string; status: string }>;
      return agents.find((a) => a.name === 'Jane')?.status;
    })
    .toBe('offline');
});

test("a reload signs back in on the page's early requests: one token and one config request, sent before the app's bundle has run", async () => {
  await page.goto(`${platform.serverUrl}/app/`);
  await page.getByTestId('login-name').fill('Jane');
  await page.getByTestId('login-password').fill(platform.agents.Jane);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');

  const sent: string[] = [];
  const record = (request: Request) => {
    const path = new URL(request.url()).pathname;
    if (path === '/api/auth/token' || path === '/api/config') sent.push(`${request.method()} ${path}`);
  };
  page.on('request', record);
  await page.reload();
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  page.off('request', record);
  expect(sent.sort()).toEqual(['GET /api/config', 'POST /api/auth/token']);
  // The early-requests script sent them while the bundle was still loading: before the app's
  // modules were evaluated (its mount mark), where the app itself would have sent them.
  const order = await page.evaluate(() => ({
    token: performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('/api/auth/token'))?.startTime ?? NaN,
    mount: performance.getEntriesByName('switchboard:mount')[0]?.startTime ?? NaN,
  }));
  expect(order.token).toBeLessThan(order.mount);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('login-submit')).toBeVisible();
});

test('a refused change shows its reason until the next status arrives', async () => {
  await page.goto(`${platform.serverUrl}/app/`);
  await page.getByTestId('login-name').fill('Jane');
  await page.getByTestId('login-password').fill(platform.agents.Jane);
  await page.getByTestId('login-submit').click();
  const label = page.getByTestId('agent-status-label');
  await expect(label).toHaveText('Available');

  // The backend refuses once, as it does when a call reached Jane first.
  await page.route('**/api/agent/status', (route) =>
    route.request().method() === 'PUT'
      ? route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: { code: 'status_conflict', message: 'You are on a call; your status changes when it ends' } }) })
      : route.fallback(),
  );
  await page.getByTestId('agent-status-away').click();
  await expect(page.getByTestId('agent-status-error')).toHaveText('You are on a call; your status changes when it ends');
  await page.unrouteAll({ behavior: 'ignoreErrors' });

  // A status pushed from elsewhere is newer than the refusal: the message goes.
  const token = await janeCredential();
  await fetch(`${platform.serverUrl}/api/agent/status`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ status: 'away' }),
  });
  await expect(label).toHaveText('Away');
  await expect(page.getByTestId('agent-status-error')).toHaveCount(0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('login-submit')).toBeVisible();
});
