/**
 * The desktop's life on an agent's PC, through the real `startSwitchboard` against the
 * Electron double (no browser: windows have no page; the renderer's side of IPC is played
 * here): incoming calls per platform, click to dial, sleep and networks, recovery, logs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSwitchboard, type SwitchboardHandle, type SwitchboardOptions } from '../../../main/app';
import { describeCallContext, IncomingCallWindow } from '../../../main/incoming-window';
import { STARTUP_FAILED_TITLE } from '../../../main/recovery';
import * as electron from '../../desktop/double';
import { startFakeBackend, type FakeBackend } from '../../desktop/fake-backend';

const INDEX = '/app/dist/renderer/index.html';
/** The pages as main loads them: from the renderer's folder on app:// (main/protocol.ts). */
const INDEX_URL = 'app://switchboard/index.html';
const INCOMING_URL = 'app://switchboard/incoming.html';
const JANE = { name: 'Jane', password: 'jane-password-0451' };
const CALLER = '+14155550100';

let userDataDir: string;
let backend: FakeBackend;
let handle: SwitchboardHandle | null = null;

beforeAll(async () => {
  backend = await startFakeBackend({ [JANE.name]: JANE.password });
});
afterAll(async () => {
  await backend.stop();
});
beforeEach(async () => {
  await electron.reset();
  userDataDir = mkdtempSync(path.join(os.tmpdir(), 'sb-life-'));
  electron.configure({ userDataDir });
  backend.status = 'available';
});
afterEach(async () => {
  await handle?.quit();
  handle = null;
  await electron.reset();
  rmSync(userDataDir, { recursive: true, force: true });
});

async function start(platform: NodeJS.Platform, extra: Partial<SwitchboardOptions> = {}): Promise<SwitchboardHandle> {
  electron.configure({ platform });
  handle = startSwitchboard(electron, {
    serverUrl: backend.url,
    rendererIndex: INDEX,
    ringPage: '/app/dist/renderer/ring.html',
    preloadPath: '/app/dist/preload/preload.cjs',
    store: new electron.MemoryStore(),
    platform,
    env: {},
    argv: ['/opt/Switchboard/switchboard'],
    logDir: path.join(userDataDir, 'logs'),
    ...extra,
  });
  await handle.ready;
  return handle;
}

const mainWindow = () => electron.BrowserWindow.getAllWindows().find((w) => w.loadedUrl === INDEX_URL)!;
const incomingWindows = () => electron.BrowserWindow.getAllWindows().filter((w) => w.loadedUrl?.split('?')[0] === INCOMING_URL && !w.isDestroyed());

/** An IPC event from the main window's page, as Electron builds it. */
function fromPage() {
  return electron.ipcEventFrom(mainWindow().webContents);
}
const send = (channel: string, payload?: unknown) => electron.ipcMain.sendFromRenderer(fromPage(), channel, payload === undefined ? [] : [payload]);
const invoke = (channel: string, payload?: unknown) => electron.ipcMain.invokeFromRenderer(fromPage(), channel, payload === undefined ? [] : [payload]);
const received = (channel: string) =>
  mainWindow()
    .webContents.sent.filter((message) => message.channel === channel)
    .map((message) => message.args[0]);

describe('incoming calls on every desktop', () => {
  it('Linux: the notification has no buttons; the always-on-top window answers the call', async () => {
    await start('linux');
    send('app:ready');
    send('call:state', { phase: 'ringing', callId: 'call-1', from: CALLER });
    const [notification] = electron.Notification.active();
    expect(notification!.actions).toEqual([]); // Electron drops them on Linux
    const [window] = incomingWindows();
    expect(window).toBeDefined();
    expect(window!.constructorOptions).toMatchObject({ alwaysOnTop: true, resizable: false, show: false });
    expect(window!.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(window!.webPreferences.preload).toBeUndefined();
    const url = new URL(window!.webContents.getURL());
    expect(Object.fromEntries(url.searchParams)).toEqual({
      callId: 'call-1',
      from: '+1 415 555 0100',
      answerKey: 'CommandOrControl+Alt+A',
      declineKey: 'CommandOrControl+Alt+H',
    });
    expect(window!.isVisible()).toBe(false); // ready-to-show comes on a later tick, as in Electron
    await vi.waitFor(() => expect(window!.isVisible()).toBe(true)); // shown on ready-to-show
    expect(window!.isFocused()).toBe(false); // without taking the agent's focus

    // A hash for another call, or another hash, does nothing.
    window!.webContents.mainFrameNavigated(`${url.href.replace('callId=call-1', 'callId=call-9')}#answer`);
    window!.webContents.mainFrameNavigated(`${url.href}#dial`);
    expect(received('call:command')).toEqual([]);

    window!.webContents.mainFrameNavigated(`${url.href}#answer`);
    expect(received('call:command')).toEqual([{ action: 'answer', callId: 'call-1', source: 'window' }]);
    expect(window!.isDestroyed()).toBe(true);
    expect(electron.Notification.active()).toEqual([]);
    expect(handle!.isRinging()).toBe(false);
  });

  it('Linux: Decline in the window declines; the window goes when the call stops ringing', async () => {
    await start('linux');
    send('app:ready');
    send('call:state', { phase: 'ringing', callId: 'call-2', from: CALLER });
    const [window] = incomingWindows();
    window!.webContents.mainFrameNavigated(`${window!.webContents.getURL()}#decline`);
    expect(received('call:command')).toEqual([{ action: 'decline', callId: 'call-2', source: 'window' }]);

    send('call:state', { phase: 'ringing', callId: 'call-3', from: CALLER });
    expect(incomingWindows()).toHaveLength(1);
    send('call:state', { phase: 'idle' }); // the caller gave up
    expect(incomingWindows()).toEqual([]);
  });

  it('macOS and Windows: notification buttons answer; the window is the agent’s option in the tray menu', async () => {
    for (const platform of ['darwin', 'win32'] as const) {
      await start(platform);
      send('app:ready');
      send('call:state', { phase: 'ringing', callId: 'call-1', from: CALLER });
      expect(incomingWindows()).toEqual([]);
      const [notification] = electron.Notification.active();
      notification!.clickAction(0);
      expect(received('call:command')).toEqual([{ action: 'answer', callId: 'call-1', source: 'notification' }]);
      send('call:state', { phase: 'idle' });

      const tray = electron.Tray.current()!;
      expect(tray.contextMenu!.items.find((item) => item.label === 'Incoming calls in a window')).toMatchObject({ type: 'checkbox', checked: false });
      tray.clickMenuItem('Incoming calls in a window');
      expect(tray.contextMenu!.items.find((item) => item.label === 'Incoming calls in a window')?.checked).toBe(true);
      send('call:state', { phase: 'ringing', callId: 'call-2', from: CALLER });
      expect(incomingWindows()).toHaveLength(1);
      expect(electron.Notification.active()[0]!.actions).toHaveLength(2); // both, by choice
      await handle!.quit();
      handle = null;
      await electron.reset();
      electron.configure({ userDataDir });
    }
  });

  it.each(['darwin', 'win32'] as const)('%s: a shortcut another app holds is refused, and told in the tray menu too', async (platform) => {
    electron.globalShortcut.failRegistration('CommandOrControl+Alt+A');
    await start(platform);
    const tray = electron.Tray.current()!;
    expect(tray.menuLabels()).toContain('Answer shortcut CommandOrControl+Alt+A unavailable');
    expect(tray.contextMenu!.items.find((item) => item.label.startsWith('Answer shortcut'))?.enabled).toBe(false);
    expect(tray.menuLabels().some((label) => label.startsWith('Hang-up shortcut'))).toBe(false);
  });

  it('linux: a shortcut another app holds fails silently (Electron reports it registered); a bad accelerator is still told', async () => {
    electron.globalShortcut.failRegistration('CommandOrControl+Alt+A');
    electron.globalShortcut.failRegistration('CommandOrControl+Alt+H', 'throw');
    await start('linux');
    // Main can only report what Electron says: registered. Pressing it reaches the other app.
    expect(handle!.shortcutStatus().answer).toMatchObject({ registered: true });
    expect(electron.globalShortcut.press('CommandOrControl+Alt+A')).toBe(false);
    const tray = electron.Tray.current()!;
    expect(tray.menuLabels()).not.toContain('Answer shortcut CommandOrControl+Alt+A unavailable');
    expect(tray.menuLabels()).toContain('Hang-up shortcut CommandOrControl+Alt+H unavailable');
  });

  it('Wayland turns on the global-shortcuts portal; X11 does not', async () => {
    await start('linux', { env: { XDG_SESSION_TYPE: 'wayland' } });
    expect(electron.app.commandLine.getSwitchValue('enable-features')).toBe('GlobalShortcutsPortal');
    await handle!.quit();
    await electron.reset();
    electron.configure({ userDataDir });
    await start('linux', { env: { XDG_SESSION_TYPE: 'x11' } });
    expect(electron.app.commandLine.hasSwitch('enable-features')).toBe(false);
  });

  it('where no tray can be seen (stock GNOME) closing minimises; with a tray it hides', async () => {
    await start('linux', { env: { XDG_CURRENT_DESKTOP: 'GNOME' } });
    await vi.waitFor(() => expect(mainWindow().isVisible()).toBe(true)); // on ready-to-show, a later tick
    mainWindow().close();
    expect(mainWindow().isMinimized()).toBe(true);
    expect(mainWindow().isVisible()).toBe(true);
    await handle!.quit();
    await electron.reset();
    electron.configure({ userDataDir });
    await start('linux', { env: { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' } });
    mainWindow().close();
    expect(mainWindow().isVisible()).toBe(false);
    expect(mainWindow().isMinimized()).toBe(false);
  });

  it('the window learns why the call rings after its first load, without interrupting it', async () => {
    await start('linux');
    const window = new IncomingCallWindow(electron.BrowserWindow, {
      pageUrl: INCOMING_URL,
      accelerators: { answer: 'F9', hangup: 'F10' },
      actions: { answer: () => undefined, decline: () => undefined },
    });
    window.show('call-5', CALLER, { waiting: true });
    const shown = window.window() as unknown as electron.BrowserWindowDouble;
    expect(new URL(shown.loadedUrl!).searchParams.get('waiting')).toBe('1');
    window.setContext('call-5', { leg_uuid: 'call-5', call_uuid: 'c', flow: 'queue', number: null, caller: null, topic: null, queue: 'support', label: null });
    await vi.waitFor(() => expect(new URL(shown.loadedUrl!).searchParams.get('context')).toBe('From the support queue'));
    window.setContext('call-6', { leg_uuid: 'call-6', call_uuid: 'c', flow: 'queue', number: null, caller: null, topic: 'other', queue: null, label: null });
    await new Promise((resolve) => setImmediate(resolve));
    expect(new URL(shown.loadedUrl!).searchParams.get('context')).toBe('From the support queue'); // another call's context is ignored
    window.close();
    expect(shown.isDestroyed()).toBe(true);
  });

  it('describes the call context in one line', () => {
    expect(
      describeCallContext({ leg_uuid: 'l', call_uuid: 'c', flow: 'whisper', number: '14155550199', caller: null, topic: 'the summer offer', queue: null, label: 'Billboard' }),
    ).toBe('Regarding the summer offer — Dialled +1 415 555 0199 · Billboard');
    expect(describeCallContext(null)).toBe('');
  });
});

describe('click to dial', () => {
  it('a tel: link on the first start reaches the app once it is ready', async () => {
    await start('linux', { argv: ['/opt/Switchboard/switchboard', 'tel:+1-415-555-0100'] });
    expect(received('dial:request')).toEqual([]); // queued until the renderer listens
    send('app:ready');
    expect(received('dial:request')).toEqual([{ ok: true, number: '14155550100', display: '+1 415 555 0100' }]);
  });

  it('a second start hands its link over and brings the window forward', async () => {
    await start('win32');
    send('app:ready');
    mainWindow().hide();
    electron.app.simulateSecondInstance(['C:\\Switchboard\\Switchboard.exe', 'callto:+442079460000']);
    expect(received('dial:request')).toEqual([{ ok: true, number: '442079460000', display: '+44 20 7946 0000' }]);
    expect(mainWindow().isVisible()).toBe(true);
    electron.app.simulateSecondInstance(['C:\\Switchboard\\Switchboard.exe', 'sip:alice@example.com']);
    expect(received('dial:request')[1]).toMatchObject({ ok: false });
  });

  it('macOS open-url (and registration where the app may register itself)', async () => {
    electron.configure({ packaged: true });
    await start('darwin');
    send('app:ready');
    expect(electron.app.simulateOpenUrl('tel:+14155550100')).toBe(true);
    expect(received('dial:request')).toEqual([{ ok: true, number: '14155550100', display: '+1 415 555 0100' }]);
    expect([...electron.app.protocolClients].sort()).toEqual(['callto', 'sip', 'tel']);
  });
});

describe('sleep, lock and networks', () => {
  it('all backend traffic goes through net; suspend sets away (system), resume restores and rebuilds', async () => {
    const nodeFetch = vi.spyOn(globalThis, 'fetch');
    await start('darwin');
    send('app:ready');
    const login = (await invoke('auth:login', JANE)) as { ok: boolean };
    expect(login.ok).toBe(true);
    await vi.waitFor(() => expect(received('status:changed')).toHaveLength(1));
    const viaNet = electron.net.requests.map((url) => new URL(url).pathname);
    expect(viaNet).toEqual(expect.arrayContaining(['/api/auth/login', '/api/config', '/api/agent/events']));
    // Node's fetch ran only underneath the double's net.fetch, once per net request.
    expect(nodeFetch).toHaveBeenCalledTimes(electron.net.requests.length);
    nodeFetch.mockRestore();

    const statusPuts = () => backend.requests.filter((r) => r.method === 'PUT' && r.path === '/api/agent/status').map((r) => r.body);
    electron.powerMonitor.simulate('suspend');
    await vi.waitFor(() => expect(statusPuts()).toEqual([{ status: 'away', reason: 'system' }]));
    expect(backend.status).toBe('away');
    electron.powerMonitor.simulate('resume');
    await vi.waitFor(() => expect(statusPuts()).toEqual([{ status: 'away', reason: 'system' }, { status: 'available' }]));
    expect(received('system:resumed')).toEqual([{ after: 'suspend' }]);
  });

  it('lock events do not exist on Linux (the double refuses them, as Electron never emits them)', async () => {
    await start('linux');
    expect(() => electron.powerMonitor.simulate('lock-screen')).toThrow(/Linux/);
  });
});

describe('recovery and support', () => {
  it('a start-up failure shows a dialog, releases the single-instance lock and exits', async () => {
    electron.configure({ platform: 'linux' });
    const broken = {
      ...electron,
      Tray: class {
        constructor() {
          throw new Error('The tray could not be created');
        }
      } as unknown as typeof electron.Tray,
    };
    const failed = startSwitchboard(broken, {
      serverUrl: backend.url,
      rendererIndex: INDEX,
      ringPage: '/app/dist/renderer/ring.html',
      preloadPath: '/app/dist/preload/preload.cjs',
      store: new electron.MemoryStore(),
      platform: 'linux',
      env: {},
      argv: [],
      logDir: path.join(userDataDir, 'logs'),
    });
    await expect(failed.ready).rejects.toThrow('The tray could not be created');
    expect(electron.dialog.errorBoxes).toHaveLength(1);
    expect(electron.dialog.errorBoxes[0]!.title).toBe(STARTUP_FAILED_TITLE);
    expect(electron.dialog.errorBoxes[0]!.content).toContain('The tray could not be created');
    expect(electron.dialog.errorBoxes[0]!.content).toContain(path.join(userDataDir, 'logs', 'main.log'));
    expect(electron.app.lockReleased).toBe(true);
    expect(electron.app.exitCode).toBe(1);
  });

  it('a crashed renderer is reloaded and gets its call back; a crash loop stops with a message', async () => {
    await start('linux');
    send('app:ready');
    send('call:state', { phase: 'active', callId: 'call-1', from: CALLER, since: 1_000, state: 'talking' });
    const contents = mainWindow().webContents;
    const reload = vi.spyOn(contents, 'reload');
    contents.emit('render-process-gone', electron.createEvent(), { reason: 'crashed', exitCode: 1 });
    expect(reload).toHaveBeenCalledTimes(1);
    expect(handle!.trayState()).toEqual({ kind: 'idle' }); // the dead renderer's call alerts are gone
    expect(received('call:recover')).toEqual([]); // the new document must say ready first
    send('app:ready');
    expect(received('call:recover')).toEqual([{ callId: 'call-1', from: CALLER, since: 1_000 }]);

    for (let crash = 0; crash < 3; crash += 1) contents.emit('render-process-gone', electron.createEvent(), { reason: 'oom', exitCode: 1 });
    expect(reload).toHaveBeenCalledTimes(3);
    expect(electron.dialog.errorBoxes.at(-1)?.content).toMatch(/keeps failing/);
    // A window closing normally is no crash.
    contents.emit('render-process-gone', electron.createEvent(), { reason: 'clean-exit', exitCode: 0 });
    expect(reload).toHaveBeenCalledTimes(3);
  });

  it('renderer and main lines land in the log file, redacted; Copy diagnostics carries no secret', async () => {
    await start('linux');
    send('app:ready');
    await invoke('auth:login', JANE);
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJKYW5lIn0.c2lnbmF0dXJl';
    send('log:write', { level: 'error', message: `SDK failed with token ${jwt}` });
    send('log:write', { level: 'warn', message: 'x'.repeat(3000) }); // over the contract's size: dropped
    const file = path.join(userDataDir, 'logs', 'main.log');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('[switchboard:renderer] SDK failed with token [jwt]');
    expect(text).not.toContain(jwt);
    expect(text).toContain('Signed in');

    electron.Tray.current()!.clickMenuItem('Copy diagnostics');
    const diagnostics = electron.clipboard.readText();
    expect(diagnostics).toContain('Switchboard 0.1.0 diagnostics');
    expect(diagnostics).toContain('Signed in: Jane');
    expect(diagnostics).toContain(`Server: ${backend.url}`);
    expect(diagnostics).toContain('[switchboard:renderer] SDK failed with token [jwt]');
    for (const secret of [...backend.issuedRefreshTokens, JANE.password, jwt]) expect(diagnostics).not.toContain(secret);
  });
});

describe('what each platform does, as the double plays it', () => {
  it('win32: a notification the OS fails to show is replaced by the incoming-call window', async () => {
    await start('win32');
    send('app:ready');
    send('call:state', { phase: 'ringing', callId: 'call-1', from: CALLER });
    expect(incomingWindows()).toEqual([]);
    const [notification] = electron.Notification.active();
    notification!.fail('WNS unavailable');
    const [window] = incomingWindows();
    expect(window).toBeDefined();
    window!.webContents.mainFrameNavigated(`${window!.webContents.getURL()}#answer`);
    expect(received('call:command')).toEqual([{ action: 'answer', callId: 'call-1', source: 'window' }]);
  });

  it("only Windows emits 'failed'; only macOS and Windows show buttons", async () => {
    await start('linux');
    send('app:ready');
    send('call:state', { phase: 'ringing', callId: 'call-1', from: CALLER });
    const [notification] = electron.Notification.active();
    expect(() => notification!.fail()).toThrow(/Windows only/);
    expect(() => notification!.clickAction(0)).toThrow(/no action 0/);
  });

  it.each(['linux', 'darwin', 'win32'] as const)('%s: an agent who dismisses the notification can still answer; a new call notifies again', async (platform) => {
    await start(platform);
    send('app:ready');
    send('call:state', { phase: 'ringing', callId: 'call-1', from: CALLER });
    electron.Notification.active()[0]!.dismissByUser();
    expect(electron.Notification.active()).toEqual([]);
    expect(handle!.isRinging()).toBe(true); // the ring goes on: dismissing is not declining
    expect(electron.globalShortcut.press('CommandOrControl+Alt+A')).toBe(true);
    expect(received('call:command')).toEqual([{ action: 'answer', callId: 'call-1', source: 'shortcut' }]);
    send('call:state', { phase: 'idle' });
    send('call:state', { phase: 'ringing', callId: 'call-2', from: CALLER });
    expect(electron.Notification.active().map((n) => n.title)).toEqual(['Incoming call']);
  });

  it('IPC from a frame that is gone (null senderFrame) is refused, and main keeps serving the page', async () => {
    await start('linux');
    const contents = mainWindow().webContents;
    await expect(contents.invokeFromGoneFrame('status:get')).rejects.toThrow();
    contents.sendFromGoneFrame('call:state', [{ phase: 'ringing', callId: 'call-1', from: CALLER }]);
    expect(handle!.callSummary()).toEqual({ phase: 'idle' });
    // The live page is still heard.
    send('call:state', { phase: 'ringing', callId: 'call-1', from: CALLER });
    expect(handle!.callSummary()).toMatchObject({ phase: 'ringing', callId: 'call-1' });
  });

  it("a window's 'closed' arrives on a later tick, and main is ready for it", async () => {
    await start('linux');
    send('app:ready');
    send('call:state', { phase: 'ringing', callId: 'call-1', from: CALLER });
    const [window] = incomingWindows();
    let closedSync = false;
    window!.once('closed', () => (closedSync = true));
    send('call:state', { phase: 'idle' });
    expect(window!.isDestroyed()).toBe(true);
    expect(closedSync).toBe(false);
    await vi.waitFor(() => expect(closedSync).toBe(true));
    // The next call opens a new window, not the closed one.
    send('call:state', { phase: 'ringing', callId: 'call-2', from: CALLER });
    expect(incomingWindows()).toHaveLength(1);
    expect(incomingWindows()[0]).not.toBe(window);
  });
});
