/**
 * The agent's status line, away reasons, staying reachable and the web app's call alerts, in
 * real Chromium with the real Client SDK against the sandbox:
 * - one status line (no "Ready to receive calls" beside Away), away with a reason the admin
 *   configured, stored by the backend;
 * - an incoming call rings (WebAudio) and shows a browser notification, both stopped by
 *   answering; a browser that blocks autoplay gets a visible prompt;
 * - a network drop across the SDK token's expiry: the app rebuilds its voice session by itself
 *   (no "Sign in again"), the backend offers no call meanwhile, and she is Available again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { seriousA11yViolations } from '../support/axe';
import { chromiumArgs, launchChromium } from '../support/chromium';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { platformLogOnFailure } from '../support/failure-log';

let platform: TestPlatform;
let browser: Browser;

test.beforeAll(async () => {
  // SDK tokens of the shortest life the backend allows, so a drop can span an expiry.
  const before = process.env.SDK_TOKEN_TTL_S;
  process.env.SDK_TOKEN_TTL_S = '60';
  try {
    platform = await startTestPlatform();
  } finally {
    if (before === undefined) delete process.env.SDK_TOKEN_TTL_S;
    else process.env.SDK_TOKEN_TTL_S = before;
  }
  browser = await launchChromium();
});

platformLogOnFailure(() => platform);
test.afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

async function signIn(page: Page, name: 'Jane' | 'Joe'): Promise<void> {
  await page.goto(`${platform.serverUrl}/app/`);
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(platform.agents[name]);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
}

async function credential(name: 'Jane' | 'Joe'): Promise<string> {
  const response = await fetch(`${platform.serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: platform.agents[name], client: 'desktop' }),
  });
  return ((await response.json()) as { refresh_token: string }).refresh_token;
}

async function backendStatus(token: string): Promise<{ status: string; away_reason: string | null; reachable: boolean }> {
  const response = await fetch(`${platform.serverUrl}/api/agent/status`, { headers: { authorization: `Bearer ${token}` } });
  return (await response.json()) as { status: string; away_reason: string | null; reachable: boolean };
}

test('one status line: available, away with a configured reason (stored by the backend), never "Ready" beside it', async () => {
  const adminToken = readFileSync(join(platform.platform.dataDir, 'admin-token'), 'utf8').trim();
  const put = await fetch(`${platform.serverUrl}/api/admin/away-reasons`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ reasons: ['Break', 'Lunch', 'Coaching'] }),
  });
  expect(put.status).toBe(200);
  const page = await browser.newPage();
  await signIn(page, 'Joe');
  const line = page.getByTestId('status');
  await expect(page.getByTestId('agent-status-label')).toHaveText('Available');
  await expect(line).toHaveAttribute('data-line', 'available');
  await expect(page.getByText('Ready to receive calls')).toHaveCount(0);
  await expect(page.getByRole('status')).toHaveCount(1);

  // By keyboard: pick the reason, then Away.
  await page.getByTestId('away-reason').focus();
  await page.getByTestId('away-reason').selectOption('Lunch');
  await page.getByTestId('agent-status-away').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('agent-status-label')).toHaveText('Away — Lunch');
  await expect(line).toHaveAttribute('data-line', 'away');
  const joe = await credential('Joe');
  expect(await backendStatus(joe)).toMatchObject({ status: 'away', away_reason: 'Lunch' });
  expect(await seriousA11yViolations(page)).toEqual([]);

  // Another reason while away applies at once.
  await page.getByTestId('away-reason').selectOption('Coaching');
  await expect(page.getByTestId('agent-status-label')).toHaveText('Away — Coaching');
  expect(await backendStatus(joe)).toMatchObject({ status: 'away', away_reason: 'Coaching' });
  await page.getByTestId('agent-status-available').click();
  await expect(page.getByTestId('agent-status-label')).toHaveText('Available');
  await page.getByTestId('agent-status-away').click();
  await expect(page.getByTestId('agent-status-label')).toHaveText('Away — Coaching');
  await page.close();
});

test('a reloaded app opens its status stream before its voice session, so a call placed at "ready" can route to her', async () => {
  const page = await browser.newPage();
  await signIn(page, 'Joe');
  // The order, as the page sees it: the status stream's EventSource made, the voice session's first WebSocket made.
  await page.addInitScript(() => {
    const order: string[] = [];
    (window as unknown as { __order: string[] }).__order = order;
    const OriginalEventSource = window.EventSource;
    window.EventSource = class extends OriginalEventSource {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        if (String(url).includes('/api/agent/events')) order.push('stream');
      }
    };
    const OriginalWebSocket = window.WebSocket;
    window.WebSocket = class extends OriginalWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        order.push('voice');
      }
    };
  });
  await page.reload();
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  const order = await page.evaluate(() => (window as unknown as { __order: string[] }).__order);
  // Before: the stream opened only once the voice session was up, and a call placed at "ready"
  // could go to the fallback while the backend still held the agent in the old stream's
  // reconnect grace (it routes only to an agent whose stream is connected).
  expect(order).toContain('voice');
  expect(order.indexOf('stream')).toBeGreaterThanOrEqual(0);
  expect(order.indexOf('stream')).toBeLessThan(order.indexOf('voice'));
  await page.close();
});

test('the web app rings and notifies for an incoming call, and both stop on answer', async () => {
  const context = await browser.newContext();
  await context.grantPermissions(['notifications'], { origin: platform.serverUrl });
  // Records what the page shows as notifications (Chromium headless has no notification centre to look at).
  await context.addInitScript(() => {
    const Real = window.Notification;
    const shown: Array<{ title: string; body: string; closed: boolean }> = [];
    (window as unknown as { shownNotifications: typeof shown }).shownNotifications = shown;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        const entry = { title, body: options?.body ?? '', closed: false };
        shown.push(entry);
        const close = this.close.bind(this);
        this.close = () => {
          entry.closed = true;
          close();
        };
      }
    }
    Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true });
  });
  const page = await context.newPage();
  await signIn(page, 'Jane');
  const alerts = page.getByTestId('web-alerts');
  await expect(alerts).toHaveAttribute('data-notifications', 'granted');
  await expect(alerts).toHaveAttribute('data-sound', 'ready');
  await expect(alerts).toBeHidden();

  const call = await platform.phone.call('+14155550177');
  await expect(page.getByTestId('incoming-call')).toBeVisible();
  await expect(alerts).toHaveAttribute('data-ringing', 'true');
  const shown = () => page.evaluate(() => (window as unknown as { shownNotifications: Array<{ title: string; body: string; closed: boolean }> }).shownNotifications);
  await expect.poll(shown).toEqual([{ title: 'Incoming call', body: '+1 415 555 0177 — open Switchboard to answer', closed: false }]);
  expect(await seriousA11yViolations(page)).toEqual([]);

  await page.getByTestId('answer-button').click();
  await expect(page.getByTestId('in-call')).toBeVisible();
  await expect(alerts).toHaveAttribute('data-ringing', 'false');
  await expect.poll(async () => (await shown())[0]?.closed).toBe(true);
  await platform.phone.hangup(call.uuid);
  await expect(page.getByTestId('in-call')).toBeHidden();
  await context.close();
});

test('a browser that blocks autoplay and notifications gets a visible prompt; one click turns the ring on', async () => {
  const strict = await launchChromium({ args: chromiumArgs.filter((arg) => !arg.startsWith('--autoplay-policy')) });
  try {
    const context = await strict.newContext();
    // A browser that keeps sound off until a gesture on the page. Chromium's own policy cannot
    // show it here once the page has been looked at: Playwright's checks run as user gestures,
    // and the app first looks at sound after the voice session is up, later than those checks.
    // So every new AudioContext starts suspended, as a strict browser's does before a gesture;
    // the app's resume() from the click below starts it.
    await context.addInitScript(() => {
      const Native = window.AudioContext;
      window.AudioContext = class extends Native {
        constructor(options?: AudioContextOptions) {
          super(options);
          void this.suspend();
        }
      };
    });
    // Signed in without a click on the page (the session cookie from an API sign-in), then the
    // page opened: a restored session with no user gesture that could have unlocked sound.
    // (A reload after a sign-in click would not do: Chromium carries the page's user activation
    // across a same-origin reload, and the app checks sound only after the voice session is up.)
    const login = await context.request.post(`${platform.serverUrl}/api/auth/login`, { data: { name: 'Joe', password: platform.agents.Joe, client: 'web' } });
    expect(login.ok()).toBe(true);
    const page = await context.newPage();
    await page.goto(`${platform.serverUrl}/app/`);
    await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
    const alerts = page.getByTestId('web-alerts');
    await expect(alerts).toHaveAttribute('data-sound', 'blocked');
    await expect(page.getByTestId('web-alerts-prompt')).toBeVisible();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByTestId('web-alerts-enable').focus();
    await page.keyboard.press('Enter');
    await expect(alerts).toHaveAttribute('data-sound', 'ready');
    await context.close();
  } finally {
    await strict.close();
  }
});

test('a network drop across the token expiry: no "Sign in again", no call offered meanwhile, Available again by itself', async () => {
  test.setTimeout(180_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  const signedInAt = Date.now();
  await signIn(page, 'Jane');
  const label = page.getByTestId('agent-status-label');
  await expect(label).toHaveText('Available');
  const jane = await credential('Jane');

  // The network goes at 40 s, before the token's refresh (at 80 % of its 60 s life), and comes back 25 s later, after it expired.
  await page.waitForTimeout(Math.max(0, signedInAt + 40_000 - Date.now()));
  const drop = (route: { abort(code: string): Promise<void> }) => route.abort('internetdisconnected');
  await page.route('**/api/auth/token', drop);
  await page.route('**/api/agent/voice', drop);
  const droppedAt = Date.now();

  // The session expires without a refresh: the app says it is reconnecting, never asks to sign in again.
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'reconnecting', { timeout: 40_000 });
  await expect(label).toHaveText('Reconnecting…');
  await expect(page.getByText(/Sign in again/)).toHaveCount(0);
  // The app's voice lease has lapsed: the backend routes no call to her, though her status is kept.
  const during = await platform.phone.call('+14155550178');
  await page.waitForTimeout(4_000);
  await expect(page.getByTestId('incoming-call')).toHaveCount(0);
  expect(await backendStatus(jane)).toMatchObject({ status: 'available' });
  await platform.phone.hangup(during.uuid).catch(() => undefined);

  await page.waitForTimeout(Math.max(0, droppedAt + 25_000 - Date.now()));
  await page.unroute('**/api/auth/token', drop);
  await page.unroute('**/api/agent/voice', drop);
  await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready', { timeout: 45_000 });
  await expect(label).toHaveText('Available');
  await expect(page.getByTestId('login-submit')).toHaveCount(0);
  await expect.poll(async () => (await backendStatus(jane)).reachable, { timeout: 15_000 }).toBe(true);

  // And calls reach her again.
  const after = await platform.phone.call('+14155550179');
  await expect(page.getByTestId('incoming-call')).toBeVisible();
  await page.getByTestId('decline-button').click();
  await platform.phone.hangup(after.uuid).catch(() => undefined);
  await context.close();
});

test('a call whose audio stops is reconnected; one that stays silent is ended with a message, never a silent "On a call"', async () => {
  test.setTimeout(150_000);
  const page = await browser.newPage();
  await signIn(page, 'Jane');
  // Away from an earlier test, or available already (run alone).
  const available = page.getByTestId('agent-status-available');
  await expect(page.getByTestId('agent-status')).not.toHaveAttribute('data-status', 'unknown');
  if (await available.isEnabled()) await available.click();
  await expect(page.getByTestId('agent-status-label')).toHaveText('Available');
  const engine = platform.platform.sandbox.engine;
  /** A test double in the platform: the agent's current media endpoint stops sending RTP (signalling and the call carry on). */
  const silenceJane = () => {
    const leg = engine.allLegs().find((l) => l.type === 'app' && !l.isOver && l.endpoint);
    expect(leg, "Jane's app leg").toBeTruthy();
    leg!.endpoint!.deliver = () => undefined;
  };
  const answer = async (from: string) => {
    const call = await platform.phone.call(from);
    await expect(page.getByTestId('incoming-call')).toBeVisible();
    await page.getByTestId('answer-button').click();
    await expect(page.getByTestId('agent-status-label')).toHaveText('On a call');
    return call;
  };

  // Reconnected: the SDK's reconnectCall gets new media from the platform.
  const first = await answer('+14155550181');
  silenceJane();
  // Label and detail read together: the reconnection can bring the audio back within a second.
  await expect(page.getByTestId('status')).toContainText(/On a call — no audio.*Reconnecting the call/, { timeout: 15_000 });
  await expect(page.getByTestId('agent-status-label')).toHaveText('On a call', { timeout: 15_000 });
  await expect(page.getByTestId('in-call')).toBeVisible();
  await platform.phone.hangup(first.uuid);
  await expect(page.getByTestId('in-call')).toBeHidden();
  // The backend frees her once the platform's events say the call ended (the SDK's hang-up can come first).
  await expect(page.getByTestId('agent-status-label')).toHaveText('Available', { timeout: 15_000 });

  // Not reconnected (the platform refuses new media): ended, and the agent is told why.
  const reconnect = engine.reconnectAppMedia.bind(engine);
  engine.reconnectAppMedia = () => Promise.reject(new Error('no media for you'));
  try {
    const second = await answer('+14155550182');
    silenceJane();
    await expect(page.getByTestId('agent-status-label')).toHaveText('On a call — no audio', { timeout: 15_000 });
    await expect(page.getByTestId('call-ended')).toContainText('No audio reached you', { timeout: 25_000 });
    await expect(page.getByTestId('in-call')).toBeHidden();
    await expect.poll(async () => (await platform.phone.get(second.uuid)).status, { timeout: 15_000 }).toBe('completed');
  } finally {
    engine.reconnectAppMedia = reconnect;
  }
  await page.close();
});
