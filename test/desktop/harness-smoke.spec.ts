/**
 * Harness smoke: the real main process, against the Electron double, with a fake backend
 * and a placeholder renderer page (test/desktop/fixtures/renderer). Runs without the
 * sandbox, the real backend or the real renderer.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { DIST, trayMenu, type DesktopApp, type LaunchDesktopOptions } from './harness';
import { fixtureDesktopSuite } from './fixture-suite';
import { ROOT } from '../../scripts/build-desktop';
import { APP_ORIGIN, APP_SCHEME_PRIVILEGES } from '../../main/protocol';

/** The fixture's URL as main and Electron see it. */
const OWN_URL = `${APP_ORIGIN}/index.html`;
const JANE = { name: 'Jane', password: 'jane-password-0451' };
const CALLER = '+14155550100';

test.describe.configure({ mode: 'serial' });

const suite = fixtureDesktopSuite({ [JANE.name]: JANE.password });
const launch = (userDataDir: string, extra: Partial<LaunchDesktopOptions> = {}): Promise<DesktopApp> => suite.launch(userDataDir, extra);

/** What the fixture page recorded from main, in order. */
function received(page: Page) {
  return page.evaluate(() => (window as unknown as { __received: Array<{ channel: string; payload: unknown }> }).__received);
}

/** The page reports a call summary to main, as the renderer does (`call:state`). */
function reportCallState(page: Page, summary: unknown) {
  return page.evaluate((s) => (window as unknown as { switchboard: { reportCallState(s: unknown): void } }).switchboard.reportCallState(s), summary);
}

const api = (page: Page) => page.evaluate(() => Object.keys((window as unknown as { switchboard: object }).switchboard).sort());

test('opens the renderer in a secure window with the preload API bridged', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'));
  const window = app.mainWindow();
  expect(window.webPreferences).toMatchObject({
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    autoplayPolicy: 'no-user-gesture-required',
    preload: DIST.preload,
  });
  expect(window.constructorOptions).toMatchObject({ width: 420, height: 640 });
  expect(app.electron.app.sandboxEnabled).toBe(true);

  const page = await app.mainPage();
  // Served on the privileged app:// scheme from the renderer's folder, not from file://.
  expect(window.loadedUrl).toBe(OWN_URL);
  expect(window.webContents.getURL()).toBe(OWN_URL);
  expect(app.electron.protocol.privileged).toEqual([{ scheme: 'app', privileges: { ...APP_SCHEME_PRIVILEGES } }]);
  expect(app.electron.protocol.privileged[0]!.privileges).not.toHaveProperty('bypassCSP');
  expect(await page.evaluate(() => globalThis.isSecureContext)).toBe(true);
  // The page and its script came through main's handler; a path out of the folder does not.
  expect(app.electron.protocol.requests).toEqual(
    expect.arrayContaining([
      { url: OWN_URL, status: 200 },
      { url: `${APP_ORIGIN}/fixture.js`, status: 200 },
    ]),
  );
  expect((await app.electron.protocol.fetch(`${APP_ORIGIN}/..%2f..%2fpackage.json`)).status).toBe(404);
  // The page's CSP still applies on app:// (no bypass): its default-src 'none' blocks fetch.
  expect(await page.evaluate(() => fetch('./fixture.js').then(() => 'fetched', () => 'blocked'))).toBe('blocked');
  expect(window.isVisible()).toBe(true); // shown on ready-to-show
  expect(await api(page)).toEqual(
    [
      'callControl',
      'desk',
      'getAudioPreferences',
      'getAwayReasons',
      'getCallContext',
      'getVoicemailAudio',
      'getTransferTargets',
      'getSdkToken',
      'getSettings',
      'setOpenAtLogin',
      'log',
      'onCallRecover',
      'onDialRequest',
      'onSystemResumed',
      'getShortcutStatus',
      'getStatus',
      'login',
      'logout',
      'onCallCommand',
      'onSessionEnded',
      'onShortcutStatus',
      'onStatusChanged',
      'ready',
      'reportCallState',
      'reportVoice',
      'restoreSession',
      'saveCallQuality',
      'setAudioPreferences',
      'setStatus',
    ].sort(),
  );
  const shape = await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown> & { switchboard: Record<string, unknown> };
    const before = w.switchboard.login;
    try {
      (w.switchboard as Record<string, unknown>).login = () => 'hijacked';
    } catch {
      /* frozen: strict-mode assignment throws in modules, silently fails here */
    }
    return {
      frozen: Object.isFrozen(w.switchboard),
      allFunctions: Object.values(w.switchboard).every((value) => typeof value === 'function'),
      unchanged: w.switchboard.login === before,
      require: typeof w.require,
      process: typeof w.process,
      ipcRenderer: typeof w.ipcRenderer,
    };
  });
  expect(shape).toEqual({ frozen: true, allFunctions: true, unchanged: true, require: 'undefined', process: 'undefined', ipcRenderer: 'undefined' });
  // The child frame gets no API: the preload runs in the main frame only.
  const child = page.frames().find((frame) => frame !== page.mainFrame());
  expect(child).toBeDefined();
  expect(await child!.evaluate(() => typeof (window as unknown as { switchboard?: unknown }).switchboard)).toBe('undefined');
});

test('invoke round-trips through validated IPC; bad calls are rejected', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'));
  const page = await app.mainPage();
  const before = suite.backend.requests.length;

  const login = await page.evaluate(
    ([name, password]) => (window as unknown as { switchboard: { login(n: string, p: string): Promise<unknown> } }).switchboard.login(name, password),
    [JANE.name, JANE.password] as const,
  );
  expect(login).toEqual({
    ok: true,
    session: {
      agent: { name: 'Jane', display_name: 'Jane (agent)' },
      sdk: { apiUrl: 'http://127.0.0.1:9/api', websocketUrl: 'ws://127.0.0.1:9' },
    },
  });
  const loginRequest = suite.backend.requests.slice(before).find((request) => request.path === '/api/auth/login');
  expect(loginRequest?.body).toEqual({ name: 'Jane', password: JANE.password, client: 'desktop' });
  const refresh = suite.backend.issuedRefreshTokens.at(-1)!;
  expect(JSON.stringify(login)).not.toContain(refresh);

  const token = await page.evaluate(() => (window as unknown as { switchboard: { getSdkToken(): Promise<{ token: string; expiresAt: number }> } }).switchboard.getSdkToken());
  expect(token.token).toMatch(/^jwt_/);
  expect(token.expiresAt).toBeGreaterThan(Date.now());
  expect(suite.backend.requests.at(-1)).toMatchObject({ path: '/api/auth/token', authorization: `Bearer ${refresh}` });

  const wrong = await page.evaluate(() => (window as unknown as { switchboard: { login(n: string, p: string): Promise<unknown> } }).switchboard.login('Jane', 'wrong'));
  expect(wrong).toEqual({ ok: false, error: 'The name or password is not correct.' });

  // A payload the contract refuses never reaches the handler (nor the backend).
  const count = suite.backend.requests.length;
  const bad = await page.evaluate(() =>
    (window as unknown as { switchboard: { login(n: string, p: string): Promise<unknown> } }).switchboard.login('not a valid name!', 'x').then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
  );
  expect(bad).toBe("Error invoking remote method 'auth:login': Error: Request rejected");
  expect(suite.backend.requests.length).toBe(count);

  // Straight at the binding: an unknown channel, extra arguments, and a call from a subframe.
  const raw = await page.evaluate(async () => {
    const invoke = (window as unknown as { __sbIpcInvoke(c: string, a: unknown[]): Promise<unknown> }).__sbIpcInvoke;
    const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (error: Error) => error.message);
    return {
      unknown: await outcome(invoke('vault:read', [undefined])),
      extraArgs: await outcome(invoke('shortcuts:status', [undefined, 'extra'])),
      good: await outcome(invoke('shortcuts:status', [undefined])),
    };
  });
  expect(raw.unknown).toBe("Error invoking remote method 'vault:read': Error: No handler registered for 'vault:read'");
  expect(raw.extraArgs).toContain('Request rejected');
  expect(raw.good).toBe('resolved');
  const child = page.frames().find((frame) => frame !== page.mainFrame())!;
  const fromChild = await child.evaluate(() =>
    (window as unknown as { __sbIpcInvoke(c: string, a: unknown[]): Promise<unknown> }).__sbIpcInvoke('shortcuts:status', [undefined]).then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
  );
  expect(fromChild).toContain('Request rejected');

  // A subframe showing the app page itself: right URL, wrong frame.
  await page.evaluate(() => {
    const frame = document.createElement('iframe');
    frame.src = './index.html?nested';
    document.body.append(frame);
  });
  const nested = await expect.poll(() => page.frames().find((frame) => frame.url().endsWith('index.html?nested'))).toBeTruthy().then(
    () => page.frames().find((frame) => frame.url().endsWith('index.html?nested'))!,
  );
  await nested.waitForLoadState();
  const fromNested = await nested.evaluate(() =>
    (window as unknown as { __sbIpcInvoke(c: string, a: unknown[]): Promise<unknown> }).__sbIpcInvoke('shortcuts:status', [undefined]).then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
  );
  expect(fromNested).toContain('Request rejected');

  // A bad fire-and-forget payload is dropped: the tray does not move.
  await page.evaluate(() =>
    (window as unknown as { switchboard: { reportCallState(s: unknown): void } }).switchboard.reportCallState({ phase: 'ringing', callId: '' }),
  );
  await page.evaluate(() => (window as unknown as { switchboard: { getShortcutStatus(): Promise<unknown> } }).switchboard.getShortcutStatus());
  expect(app.app.trayState()).toEqual({ kind: 'idle' });

  // The main frame showing another file (main loads it; a page could not): right frame, wrong URL.
  await app.mainWindow().loadFile(path.join(ROOT, 'test/desktop/fixtures/renderer/child.html'));
  const fromForeignPage = await page.evaluate(() =>
    (window as unknown as { __sbIpcInvoke(c: string, a: unknown[]): Promise<unknown> }).__sbIpcInvoke('shortcuts:status', [undefined]).then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
  );
  expect(fromForeignPage).toContain('Request rejected');
});

test('call:control and call:transfer-targets go through main with the stored credential; bad requests never reach the backend', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'));
  const page = await app.mainPage();
  type Api = { switchboard: { login(n: string, p: string): Promise<unknown>; callControl(r: unknown): Promise<unknown>; getTransferTargets(): Promise<unknown> } };
  await page.evaluate(([name, password]) => (window as unknown as Api).switchboard.login(name, password), [JANE.name, JANE.password] as const);
  const refresh = suite.backend.issuedRefreshTokens.at(-1)!;

  const held = await page.evaluate(() => (window as unknown as Api).switchboard.callControl({ action: 'hold', callId: 'leg-7', held: true }));
  // The contract drops what it does not promise (the fake adds an internal field).
  expect(held).toEqual({ ok: true, control: { held: true, since: expect.any(String), total_s: 0, consult: null } });
  expect(suite.backend.requests.at(-1)).toMatchObject({ method: 'PUT', path: '/api/agent/calls/leg-7/hold', body: { held: true }, authorization: `Bearer ${refresh}` });

  // The backend's refusal is an answer with its message, for the app to show.
  const refused = await page.evaluate(() => (window as unknown as Api).switchboard.callControl({ action: 'transfer', callId: 'leg-7', target: { type: 'agent', agent: 'Joe' } }));
  expect(refused).toEqual({ ok: false, code: 'agent_unavailable', message: 'Joe is not available' });
  expect(await page.evaluate(() => (window as unknown as Api).switchboard.getTransferTargets())).toEqual({
    agents: [{ name: 'Joe', status: 'away' }],
    queues: [{ name: 'support', label: 'Support' }],
  });

  // Payloads the contract refuses: rejected in main, never sent to the backend.
  const count = suite.backend.requests.length;
  const bad = await page.evaluate(async () => {
    const api = (window as unknown as Api).switchboard;
    const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (error: Error) => error.message);
    return Promise.all([
      outcome(api.callControl({ action: 'explode', callId: 'leg-7' })),
      outcome(api.callControl({ action: 'hold', callId: 'leg-7', held: 'yes' })),
      outcome(api.callControl({ action: 'transfer', callId: 'leg-7', target: { type: 'agent', agent: '../admin' } })),
      outcome(api.callControl({ action: 'consult', callId: 'leg-7', target: { type: 'queue', queue: 'support' } })),
      outcome(api.callControl({ action: 'complete', callId: 'leg-7', extra: true })),
      outcome(api.callControl({ action: 'state', callId: '' })),
    ]);
  });
  expect(bad).toEqual(Array(6).fill("Error invoking remote method 'call:control': Error: Request rejected"));
  const extra = await page.evaluate(() =>
    (window as unknown as { __sbIpcInvoke(c: string, a: unknown[]): Promise<unknown> }).__sbIpcInvoke('call:transfer-targets', [{ all: true }]).then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
  );
  expect(extra).toContain('Request rejected');
  expect(suite.backend.requests.length).toBe(count);
});

test('desk:request and voicemail:audio go through main with the stored credential; refusals are messages; bad requests never reach the backend', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'));
  const page = await app.mainPage();
  type Api = { switchboard: { login(n: string, p: string): Promise<unknown>; desk(r: unknown): Promise<unknown>; getVoicemailAudio(id: string): Promise<{ contentType: string; base64: string }> } };
  await page.evaluate(([name, password]) => (window as unknown as Api).switchboard.login(name, password), [JANE.name, JANE.password] as const);
  const refresh = suite.backend.issuedRefreshTokens.at(-1)!;

  // The contract drops what it does not promise (the fake adds an internal field).
  expect(await page.evaluate(() => (window as unknown as Api).switchboard.desk({ action: 'unseen' }))).toEqual({ missed: 3, seen_up_to: null });
  expect(suite.backend.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/agent/calls/unseen', authorization: `Bearer ${refresh}` });
  const saved = await page.evaluate(() => (window as unknown as Api).switchboard.desk({ action: 'wrap-up', conversationUuid: 'CON-1', disposition: 'sale', notes: 'n' }));
  expect(saved).toEqual({ conversation_uuid: 'CON-1', disposition: 'sale', disposition_label: 'Sale', notes: 'n', updated_at: expect.any(String) });
  expect(suite.backend.requests.at(-1)).toMatchObject({ method: 'PUT', path: '/api/agent/wrap-ups/CON-1', body: { disposition: 'sale', notes: 'n' } });
  // The backend's refusal reaches the page as its message.
  const refused = await page.evaluate(() =>
    (window as unknown as Api).switchboard.desk({ action: 'wrap-up', conversationUuid: 'CON-1', disposition: 'nope', notes: '' }).then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
  );
  expect(refused).toContain('disposition nope is not on the list');

  const audio = await page.evaluate(() => (window as unknown as Api).switchboard.getVoicemailAudio('0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70'));
  expect(audio.contentType).toBe('audio/wav');
  expect(Buffer.from(audio.base64, 'base64').subarray(0, 4).toString('latin1')).toBe('RIFF');

  const count = suite.backend.requests.length;
  const bad = await page.evaluate(async () => {
    const api = (window as unknown as Api).switchboard;
    const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (error: Error) => error.message);
    return Promise.all([
      outcome(api.desk({ action: 'drop-tables' })),
      outcome(api.desk({ action: 'handled', id: '../../admin', handled: true })),
      outcome(api.desk({ action: 'wrap-up', conversationUuid: 'CON-1', disposition: null, notes: 'x'.repeat(2001) })),
      outcome(api.getVoicemailAudio('not-a-uuid')),
    ]);
  });
  expect(bad.every((message) => message.includes('Request rejected'))).toBe(true);
  expect(suite.backend.requests.length).toBe(count);
});

test('the tray offers Mute/Hold for the call in progress and the call waiting; its items reach the renderer as commands', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'));
  const page = await app.mainPage();
  await page.evaluate(() => (window as unknown as { switchboard: { ready(): void } }).switchboard.ready());
  const report = (summary: unknown) => reportCallState(page, summary);
  const tray = app.tray();

  await report({ phase: 'active', callId: 'call-5', from: CALLER, since: Date.now(), state: 'talking', muted: false, controls: ['mute', 'hold'] });
  await expect.poll(() => tray.menuLabels()).toEqual(trayMenu(app.platform, ['Mute', 'Hold', 'Hang up']));
  tray.clickMenuItem('Mute');
  tray.clickMenuItem('Hold');
  await expect.poll(() => received(page)).toEqual(
    expect.arrayContaining([
      { channel: 'call:command', payload: { action: 'mute', callId: 'call-5', source: 'tray' } },
      { channel: 'call:command', payload: { action: 'hold', callId: 'call-5', source: 'tray' } },
    ]),
  );

  // A call waiting: notification (no ring window), tray, and the answer shortcut answers it.
  await report({ phase: 'active', callId: 'call-5', from: CALLER, since: Date.now(), state: 'held', muted: true, controls: ['unmute', 'resume'], waiting: { callId: 'call-6', from: '+14155550122' } });
  await expect.poll(() => tray.toolTip).toBe(`Switchboard — On a call with ${CALLER} (on hold) (muted) — call waiting from +14155550122`);
  expect(tray.menuLabels()).toEqual(trayMenu(app.platform, ['Answer call waiting', 'Decline call waiting', 'Unmute', 'Resume', 'Hang up']));
  await expect.poll(() => app.activeNotifications().map((n) => n.title)).toEqual(['Call waiting']);
  expect(app.app.isRinging()).toBe(false);
  expect(app.electron.globalShortcut.press(app.shortcuts.answer)).toBe(true);
  await expect.poll(() => received(page)).toContainEqual({ channel: 'call:command', payload: { action: 'answer', callId: 'call-6', source: 'shortcut' } });
  expect(app.activeNotifications()).toEqual([]);

  // A summary the contract refuses changes nothing.
  await report({ phase: 'active', callId: 'call-5', from: CALLER, since: Date.now(), state: 'dancing' });
  await app.electron.settle();
  expect(app.app.trayState()).toMatchObject({ kind: 'in-call', state: 'held', waiting: '+14155550122' });
});

test('events queued before app:ready arrive after it, in order', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'));
  const page = await app.mainPage();
  await page.evaluate(
    (from) => (window as unknown as { switchboard: { reportCallState(s: unknown): void } }).switchboard.reportCallState({ phase: 'ringing', callId: 'call-1', from }),
    CALLER,
  );
  await expect.poll(() => app.app.trayState()).toEqual({ kind: 'ringing', from: CALLER });
  expect(app.electron.globalShortcut.press(app.shortcuts.answer)).toBe(true);
  await app.electron.settle();
  expect(await received(page)).toEqual([]); // not ready yet: nothing delivered

  await page.evaluate(() => (window as unknown as { switchboard: { ready(): void } }).switchboard.ready());
  await expect.poll(() => received(page)).toEqual([
    { channel: 'shortcuts:status', payload: app.app.shortcutStatus() },
    { channel: 'call:command', payload: { action: 'answer', callId: 'call-1', source: 'shortcut' } },
  ]);

  // A reload is a new document: it gets nothing until it says ready itself.
  await page.reload();
  await page.evaluate(
    (from) => (window as unknown as { switchboard: { reportCallState(s: unknown): void } }).switchboard.reportCallState({ phase: 'ringing', callId: 'call-1b', from }),
    CALLER,
  );
  await expect.poll(() => app.app.isRinging()).toBe(true);
  app.electron.globalShortcut.press(app.shortcuts.answer);
  await app.electron.settle();
  expect(await received(page)).toEqual([]);
  await page.evaluate(() => (window as unknown as { switchboard: { ready(): void } }).switchboard.ready());
  await expect.poll(() => received(page)).toEqual([{ channel: 'call:command', payload: { action: 'answer', callId: 'call-1b', source: 'shortcut' } }]);
});

test('a renderer that says ready at once gets events; after a reload it must say ready again', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'), {
    rendererIndex: path.join(path.dirname(suite.index), 'autoready.html'),
  });
  const page = await app.mainPage();
  // The startup shortcut status was flushed on the page's own app:ready.
  await expect.poll(() => received(page)).toEqual([{ channel: 'shortcuts:status', payload: app.app.shortcutStatus() }]);

  await page.reload();
  await page.evaluate(
    (from) => (window as unknown as { switchboard: { reportCallState(s: unknown): void } }).switchboard.reportCallState({ phase: 'ringing', callId: 'call-r', from }),
    CALLER,
  );
  await expect.poll(() => app.app.isRinging()).toBe(true);
  app.electron.globalShortcut.press(app.shortcuts.answer);
  // The new document said ready at load, so the command reaches it (not the old one, not a queue).
  await expect.poll(() => received(page)).toEqual([{ channel: 'call:command', payload: { action: 'answer', callId: 'call-r', source: 'shortcut' } }]);
});

// Notification buttons exist on macOS and Windows (Linux answers from the incoming-call window: desktop-life.spec.ts).
for (const platform of ['darwin', 'win32'] as const) {
test(`${platform}: tray, notification, ring window and shortcuts follow the call`, async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'), { platform });
  const page = await app.mainPage();
  await page.evaluate(() => (window as unknown as { switchboard: { ready(): void } }).switchboard.ready());
  const report = (summary: unknown) =>
    page.evaluate((s) => (window as unknown as { switchboard: { reportCallState(s: unknown): void } }).switchboard.reportCallState(s), summary);

  const tray = app.tray();
  expect(tray.toolTip).toBe('Switchboard — Ready');
  expect(tray.menuLabels()).toEqual(trayMenu(app.platform));
  expect(tray.imageDouble()?.getSize()).toEqual({ width: 32, height: 32 });
  const idleIcon = tray.imageDouble()?.toDataURL();
  expect(app.electron.globalShortcut.registered().sort()).toEqual([app.shortcuts.answer, app.shortcuts.hangup, app.shortcuts.mute, app.shortcuts.hold].sort());

  // Ringing: tray, notification with actions, ring window playing.
  await report({ phase: 'ringing', callId: 'call-2', from: CALLER });
  await expect.poll(() => tray.toolTip).toBe(`Switchboard — Incoming call from ${CALLER}`);
  expect(tray.menuLabels()).toEqual(trayMenu(app.platform, ['Answer', 'Decline']));
  expect(tray.imageDouble()?.toDataURL()).not.toBe(idleIcon);
  const [notification] = app.activeNotifications();
  expect(notification).toBeDefined();
  expect(notification!.options).toMatchObject({
    title: 'Incoming call',
    body: `From ${CALLER}`,
    urgency: 'critical',
    timeoutType: 'never',
    actions: [
      { type: 'button', text: 'Answer' },
      { type: 'button', text: 'Decline' },
    ],
  });
  expect(app.app.isRinging()).toBe(true);
  const [ring] = app.ringWindows();
  expect(ring).toBeDefined();
  expect(ring!.isVisible()).toBe(false);
  expect(ring!.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, backgroundThrottling: false });
  expect(ring!.webPreferences.preload).toBeUndefined();
  await ring!.loaded();
  const ringPageHandle = await ring!.page();
  await expect(ringPageHandle.locator('body')).toHaveAttribute('data-ring', 'ringing');

  // Answer from the notification: command to the renderer, alerts stop, window shown.
  app.mainWindow().hide();
  notification!.clickAction(0);
  await expect.poll(() => received(page)).toContainEqual({ channel: 'call:command', payload: { action: 'answer', callId: 'call-2', source: 'notification' } });
  expect(app.app.isRinging()).toBe(false);
  expect(ring!.isDestroyed()).toBe(true);
  expect(app.activeNotifications()).toEqual([]);
  expect(app.mainWindow().isVisible()).toBe(true);

  // Active: tray says so; the hang-up shortcut hangs up.
  await report({ phase: 'active', callId: 'call-2', from: CALLER, since: Date.now() });
  await expect.poll(() => tray.toolTip).toBe(`Switchboard — On a call with ${CALLER}`);
  expect(tray.menuLabels()).toEqual(trayMenu(app.platform, ['Hang up']));
  expect(app.electron.globalShortcut.press(app.shortcuts.hangup)).toBe(true);
  await expect.poll(() => received(page)).toContainEqual({ channel: 'call:command', payload: { action: 'hangup', callId: 'call-2', source: 'shortcut' } });
  await report({ phase: 'idle' });
  await expect.poll(() => tray.toolTip).toBe('Switchboard — Ready');

  // A new call declined from the tray menu; the hang-up shortcut while ringing declines too.
  await report({ phase: 'ringing', callId: 'call-3', from: CALLER });
  await expect.poll(() => tray.menuLabels()).toContain('Decline');
  tray.clickMenuItem('Decline');
  await expect.poll(() => received(page)).toContainEqual({ channel: 'call:command', payload: { action: 'decline', callId: 'call-3', source: 'tray' } });
  await report({ phase: 'idle' });
  await report({ phase: 'ringing', callId: 'call-4', from: CALLER });
  await expect.poll(() => app.app.isRinging()).toBe(true);
  app.electron.globalShortcut.press(app.shortcuts.hangup);
  await expect.poll(() => received(page)).toContainEqual({ channel: 'call:command', payload: { action: 'decline', callId: 'call-4', source: 'shortcut' } });
  expect(app.app.isRinging()).toBe(false);
  await app.electron.settle();
  expect(app.ringWindows()).toEqual([]);
});
}

test('the security guard blocks navigation and new windows, and limits permissions', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'));
  const page = await app.mainPage();
  const win = app.mainWindow();

  const elsewhere = `${suite.backend.url}/elsewhere`;
  await page.evaluate((url) => {
    window.location.href = url;
  }, elsewhere);
  await expect.poll(() => win.webContents.navigationRequests).toContainEqual({ url: elsewhere, allowed: false });
  await page.waitForTimeout(200); // give a (wrongly) allowed navigation time to commit
  expect(win.webContents.getURL()).toBe(OWN_URL);
  expect(suite.backend.requests.some((request) => request.path === '/elsewhere')).toBe(false);
  // Another local file is "away" too.
  await page.evaluate(() => {
    window.location.href = './child.html';
  });
  await expect.poll(() => win.webContents.navigationRequests.at(-1)).toEqual({ url: `${APP_ORIGIN}/child.html`, allowed: false });
  expect(win.webContents.getURL()).toBe(OWN_URL);

  const popupUrl = `${suite.backend.url}/popup`;
  await page.evaluate((url) => void window.open(url), popupUrl);
  await expect.poll(() => win.webContents.windowOpenRequests.map((request) => request.response.action)).toEqual(['deny']);
  expect(app.electron.shell.opened).toEqual([popupUrl]);
  expect(win.webContents.requestWindowOpen('file:///etc/passwd')).toEqual({ action: 'deny' });
  expect(win.webContents.requestWindowOpen('javascript:alert(1)')).toEqual({ action: 'deny' });
  expect(app.electron.shell.opened).toEqual([popupUrl]);

  const ses = app.electron.session.defaultSession;
  const own = OWN_URL;
  // The same file through file:// is not the app.
  expect(await ses.requestPermission('media', { requestingUrl: `file://${suite.index}`, mediaTypes: ['audio'] })).toBe(false);
  expect(await ses.requestPermission('media', { requestingUrl: own, mediaTypes: ['audio'] })).toBe(true);
  expect(await ses.requestPermission('media', { requestingUrl: own, mediaTypes: ['audio', 'video'] })).toBe(false);
  expect(await ses.requestPermission('media', { requestingUrl: 'https://evil.example/', mediaTypes: ['audio'] })).toBe(false);
  expect(await ses.requestPermission('media', { requestingUrl: 'file:///tmp/other.html', mediaTypes: ['audio'] })).toBe(false);
  expect(await ses.requestPermission('notifications', { requestingUrl: own })).toBe(false);
  expect(ses.checkPermission('media', APP_ORIGIN, { requestingUrl: own, mediaType: 'audio' })).toBe(true);
  expect(ses.checkPermission('media', 'https://evil.example', { requestingUrl: 'https://evil.example/', mediaType: 'audio' })).toBe(false);
  expect(ses.checkPermission('geolocation', APP_ORIGIN, { requestingUrl: own })).toBe(false);
});

// Where a tray icon can be seen (macOS, Windows, Linux desktops with an indicator area),
// closing hides into it; on stock GNOME (no AppIndicator) closing minimises instead, or the
// window could not be found again.
const closeCases = [
  { name: 'linux', platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, tray: true },
  { name: 'linux on stock GNOME', platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'GNOME' }, tray: false },
  { name: 'darwin', platform: 'darwin', env: {}, tray: true },
  { name: 'win32', platform: 'win32', env: {}, tray: true },
] as const;
for (const { name, platform, env, tray: trayShown } of closeCases) {
test(`${name}: closing ${trayShown ? 'hides to the tray' : 'minimises (no tray to find it in)'}; Quit unregisters shortcuts and removes the tray`, async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'), { platform, env });
  await app.mainPage();
  const window = app.mainWindow();
  // ready-to-show (which shows the window) comes a tick after the load, as in Electron.
  await expect.poll(() => window.isVisible()).toBe(true);
  window.close();
  expect(window.isDestroyed()).toBe(false);
  if (trayShown) {
    expect(window.isVisible()).toBe(false);
    expect(window.isMinimized()).toBe(false);
    app.tray().clickMenuItem('Show Switchboard');
  } else {
    expect(window.isVisible()).toBe(true);
    expect(window.isMinimized()).toBe(true);
    window.restore();
  }
  expect(window.isVisible()).toBe(true);
  expect(window.isMinimized()).toBe(false);
  const tray = app.tray();
  const { electron } = app;
  app.electron.app.simulateSecondInstance();
  expect(window.isFocused()).toBe(true);
  tray.clickMenuItem('Quit');
  await app.app.quit(); // resolves once the quit that Quit started has run
  expect(electron.app.quitState).toBe('quit');
  expect(window.isDestroyed()).toBe(true);
  expect(tray.isDestroyed()).toBe(true);
  expect(electron.globalShortcut.registered()).toEqual([]);
  expect(electron.ipcMain.handledChannels()).toEqual([]);
});
}

test('vault: a restart restores the session without a password; the store holds no secret in plaintext', async ({}, testInfo) => {
  const userDataDir = testInfo.outputPath('user-data');
  let app = await launch(userDataDir);
  let page = await app.mainPage();
  const login = await page.evaluate(
    ([name, password]) => (window as unknown as { switchboard: { login(n: string, p: string): Promise<{ ok: boolean }> } }).switchboard.login(name, password),
    [JANE.name, JANE.password] as const,
  );
  expect(login.ok).toBe(true);
  const secrets = [...app.electron.safeStorage.encryptedPlaintexts];
  expect(secrets).toEqual([suite.backend.issuedRefreshTokens.at(-1)]);
  const storeFile = app.storeFile;
  await app.quit();

  for (const file of filesUnder(userDataDir)) {
    const text = readFileSync(file, 'utf8');
    expect(text, file).not.toContain(JANE.password);
    for (const secret of secrets) {
      expect(text, file).not.toContain(secret);
      expect(text, file).not.toContain(Buffer.from(secret).toString('base64'));
    }
  }
  const stored = JSON.parse(readFileSync(storeFile, 'utf8')) as Record<string, unknown>;
  expect(Object.keys(stored).sort()).toEqual(['agent', 'credential']);
  expect(stored.agent).toEqual({ name: 'Jane', display_name: 'Jane (agent)' });

  app = await launch(userDataDir);
  page = await app.mainPage();
  const restored = await page.evaluate(() => (window as unknown as { switchboard: { restoreSession(): Promise<unknown> } }).switchboard.restoreSession());
  expect(restored).toEqual({
    agent: { name: 'Jane', display_name: 'Jane (agent)' },
    sdk: { apiUrl: 'http://127.0.0.1:9/api', websocketUrl: 'ws://127.0.0.1:9' },
  });

  // Logout revokes at the backend and empties the vault.
  await page.evaluate(() => (window as unknown as { switchboard: { logout(): Promise<void> } }).switchboard.logout());
  expect(suite.backend.requests.at(-1)).toMatchObject({ path: '/api/auth/logout', authorization: `Bearer ${secrets[0]}` });
  expect(JSON.parse(readFileSync(storeFile, 'utf8'))).toEqual({});
  expect(await page.evaluate(() => (window as unknown as { switchboard: { restoreSession(): Promise<unknown> } }).switchboard.restoreSession())).toBeNull();
});

test('a revoked credential ends the session: token:sdk fails and session:ended reaches the renderer', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'));
  const page = await app.mainPage();
  await page.evaluate(() => (window as unknown as { switchboard: { ready(): void } }).switchboard.ready());
  await page.evaluate(
    ([name, password]) => (window as unknown as { switchboard: { login(n: string, p: string): Promise<unknown> } }).switchboard.login(name, password),
    [JANE.name, JANE.password] as const,
  );
  suite.backend.revokeAll();
  const failure = await page.evaluate(() =>
    (window as unknown as { switchboard: { getSdkToken(): Promise<unknown> } }).switchboard.getSdkToken().then(
      () => 'resolved',
      (error: Error) => error.message,
    ),
  );
  expect(failure).toBe("Error invoking remote method 'token:sdk': Error: Your session has ended. Please sign in again.");
  await expect.poll(() => received(page)).toContainEqual({ channel: 'session:ended', payload: { reason: 'Your session has ended. Please sign in again.' } });
  expect(JSON.parse(readFileSync(app.storeFile, 'utf8'))).toEqual({});
});

for (const platform of ['darwin', 'win32'] as const) {
test(`${platform}: a shortcut another app holds is reported to the renderer, naming the accelerator`, async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'), {
    platform,
    env: { SWITCHBOARD_ANSWER_SHORTCUT: 'CommandOrControl+Shift+F9' },
    configure: (electron) => electron.globalShortcut.failRegistration('CommandOrControl+Shift+F9'),
  });
  const page = await app.mainPage();
  await page.evaluate(() => (window as unknown as { switchboard: { ready(): void } }).switchboard.ready());
  const expected = {
    answer: {
      accelerator: 'CommandOrControl+Shift+F9',
      registered: false,
      error: 'The answer shortcut CommandOrControl+Shift+F9 is already used by another application',
    },
    hangup: { accelerator: 'CommandOrControl+Alt+H', registered: true },
    mute: { accelerator: 'CommandOrControl+Alt+M', registered: true },
    hold: { accelerator: 'CommandOrControl+Alt+P', registered: true },
  };
  await expect.poll(() => received(page)).toEqual([{ channel: 'shortcuts:status', payload: expected }]);
  expect(await page.evaluate(() => (window as unknown as { switchboard: { getShortcutStatus(): Promise<unknown> } }).switchboard.getShortcutStatus())).toEqual(expected);
  expect(app.electron.globalShortcut.registered()).toEqual(['CommandOrControl+Alt+H', 'CommandOrControl+Alt+M', 'CommandOrControl+Alt+P']);
});
}

test('linux: a shortcut another app holds fails silently, as in Electron; an accelerator Electron rejects is reported', async ({}, testInfo) => {
  const app = await launch(testInfo.outputPath('user-data'), {
    platform: 'linux',
    env: { SWITCHBOARD_ANSWER_SHORTCUT: 'CommandOrControl+Shift+F9', SWITCHBOARD_HANGUP_SHORTCUT: 'CommandOrControl+Shift+F10' },
    configure: (electron) => {
      electron.globalShortcut.failRegistration('CommandOrControl+Shift+F9');
      electron.globalShortcut.failRegistration('CommandOrControl+Shift+F10', 'throw');
    },
  });
  const page = await app.mainPage();
  await page.evaluate(() => (window as unknown as { switchboard: { ready(): void } }).switchboard.ready());
  await expect.poll(() => received(page)).toHaveLength(1);
  const [message] = (await received(page)) as Array<{ payload: { answer: unknown; hangup: { registered: boolean; error?: string } } }>;
  const payload = message!.payload;
  // Electron says registered; the key press goes to the other application.
  expect(payload.answer).toEqual({ accelerator: 'CommandOrControl+Shift+F9', registered: true });
  expect(app.electron.globalShortcut.press('CommandOrControl+Shift+F9')).toBe(false);
  expect(payload.hangup).toMatchObject({ accelerator: 'CommandOrControl+Shift+F10', registered: false });
  expect(payload.hangup.error).toContain('CommandOrControl+Shift+F10');
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

test('settings: start at login goes through validated IPC to the XDG autostart entry; bad payloads are rejected', async ({}, testInfo) => {
  const userDataDir = testInfo.outputPath('user-data');
  const app = await launch(userDataDir);
  const page = await app.mainPage();
  const invoke = (channel: string, args: unknown[]) =>
    page.evaluate(
      ([c, a]) =>
        (window as unknown as { __sbIpcInvoke(c: string, a: unknown[]): Promise<unknown> }).__sbIpcInvoke(c as string, a as unknown[]).then(
          (value) => ({ ok: true, value }),
          (error: Error) => ({ ok: false, message: error.message }),
        ),
      [channel, args] as const,
    );
  const entry = path.join(userDataDir, 'xdg-config', 'autostart', 'switchboard.desktop');
  expect(await invoke('settings:get', [undefined])).toEqual({ ok: true, value: { openAtLogin: { supported: true, enabled: false } } });
  for (const bad of [{ openAtLogin: 'yes' }, { openAtLogin: true, exec: '/bin/evil' }, undefined]) {
    expect(await invoke('settings:set', [bad])).toMatchObject({ ok: false, message: expect.stringContaining('Request rejected') });
  }
  expect(existsSync(entry)).toBe(false);
  expect(await invoke('settings:set', [{ openAtLogin: true }])).toEqual({ ok: true, value: { openAtLogin: { supported: true, enabled: true } } });
  expect(readFileSync(entry, 'utf8')).toContain('Exec=/opt/Switchboard/switchboard\n');
  expect(app.electron.app.loginItem.openAtLogin).toBe(false); // Linux: no login item, only the XDG entry
  expect(await invoke('settings:set', [{ openAtLogin: false }])).toEqual({ ok: true, value: { openAtLogin: { supported: true, enabled: false } } });
  expect(existsSync(entry)).toBe(false);
});

test('auto-update: off by default; with a feed, electron-updater finds, downloads and verifies a newer version through net; same version is up to date; a dead feed is an error the app survives', async ({}, testInfo) => {
  const work = testInfo.outputPath('update');
  mkdirSync(work, { recursive: true });
  const saved = { APPIMAGE: process.env.APPIMAGE, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
  // The running "AppImage" the update replaces, and where electron-updater keeps downloads.
  process.env.APPIMAGE = path.join(work, 'Switchboard-0.1.0.AppImage');
  process.env.XDG_CACHE_HOME = path.join(work, 'cache');
  writeFileSync(process.env.APPIMAGE, 'old build');
  const newBuild = Buffer.from('new build of Switchboard '.repeat(1000));
  const feed = { version: '0.2.0', requests: [] as string[] };
  // The feed lives under /switchboard/ on this server.
  const server = createServer((request, response) => {
    const url = (request.url ?? '').replace(/^\/switchboard/, '');
    feed.requests.push(url);
    if (url.startsWith('/latest-linux.yml')) {
      const sha512 = createHash('sha512').update(newBuild).digest('base64');
      response.writeHead(200, { 'content-type': 'text/yaml' });
      response.end(
        [
          `version: ${feed.version}`,
          'files:',
          `  - url: Switchboard-${feed.version}.AppImage`,
          `    sha512: ${sha512}`,
          `    size: ${newBuild.length}`,
          `path: Switchboard-${feed.version}.AppImage`,
          `sha512: ${sha512}`,
          "releaseDate: '2026-12-01T10:00:00.000Z'",
          '',
        ].join('\n'),
      );
    } else if (url === `/Switchboard-${feed.version}.AppImage`) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': newBuild.length });
      response.end(newBuild);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/switchboard`;
  try {
    // Off by default: no feed configured, nothing fetched.
    let app = await launch(testInfo.outputPath('user-data'));
    expect(app.app.updateStatus()).toEqual({ state: 'disabled' });
    await app.quit();
    expect(feed.requests).toEqual([]);

    app = await launch(testInfo.outputPath('user-data'), { updateUrl: feedUrl });
    await expect.poll(() => app.app.updateStatus(), { timeout: 20_000 }).toEqual({ state: 'downloaded', version: '0.2.0' });
    expect(feed.requests.some((url) => url.startsWith('/latest-linux.yml'))).toBe(true);
    expect(feed.requests).toContain('/Switchboard-0.2.0.AppImage');
    // Through Electron's net (system proxy, OS certificates), not Node's own HTTP.
    expect(app.electron.net.requests.some((url) => url.startsWith(`${feedUrl}/latest-linux.yml`))).toBe(true);
    await app.quit();

    feed.version = '0.1.0';
    app = await launch(testInfo.outputPath('user-data-2'), { updateUrl: feedUrl });
    await expect.poll(() => app.app.updateStatus(), { timeout: 20_000 }).toEqual({ state: 'up-to-date', version: '0.1.0' });
    await app.quit();

    app = await launch(testInfo.outputPath('user-data-3'), { updateUrl: 'http://127.0.0.1:9/switchboard' });
    await expect.poll(() => app.app.updateStatus().state, { timeout: 20_000 }).toBe('error');
    // A second check after the failure is allowed and the app still works.
    expect((await app.app.checkForUpdates()).state).toBe('error');
    expect(app.mainWindow().isDestroyed()).toBe(false);
  } finally {
    server.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
