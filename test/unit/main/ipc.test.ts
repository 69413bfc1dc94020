import { describe, expect, it, vi } from 'vitest';
import { INTERNAL_ERROR_MESSAGE, IpcBridge, PublicError, REJECTED_MESSAGE } from '../../../main/ipc';
import { createRecordingLogger } from '../../../main/log';
import { createAppUrlPolicy } from '../../../main/security';
import { IpcMainDouble, ipcEventFrom, WebContentsDouble } from '../../desktop/double';

const APP_URL = 'app://switchboard/index.html';

function setup() {
  const ipcMain = new IpcMainDouble();
  const log = createRecordingLogger();
  const urls = createAppUrlPolicy([APP_URL]);
  const bridge = new IpcBridge(ipcMain, { isAppPage: (url) => urls.isAppPage(url), log });
  const contents = appContents();
  bridge.attach(contents);
  const fromApp = ipcEventFrom(contents, `${APP_URL}#/calls`);
  return { ipcMain, log, bridge, contents, fromApp };
}

/** A web contents (of no window) showing the app's page. */
function appContents(): WebContentsDouble {
  const contents = new WebContentsDouble();
  void contents.loadURL(APP_URL);
  return contents;
}

const agent = { name: 'Jane', display_name: 'Jane' };
const sdk = { apiUrl: 'http://x/api', websocketUrl: 'ws://x' };

describe('IpcBridge invoke', () => {
  it('runs the handler for a valid call from the app window and returns its answer', async () => {
    const { ipcMain, bridge, fromApp } = setup();
    const handler = vi.fn(async () => ({ ok: true as const, session: { agent, sdk } }));
    bridge.handle('auth:login', handler);
    await expect(ipcMain.invoke(fromApp, 'auth:login', { name: 'Jane', password: 'pw' })).resolves.toEqual({ ok: true, session: { agent, sdk } });
    expect(handler).toHaveBeenCalledWith({ name: 'Jane', password: 'pw' });
  });

  it('strips fields the contract does not promise from the answer', async () => {
    const { ipcMain, bridge, fromApp } = setup();
    bridge.handle('session:restore', () => ({ agent: { ...agent, password_hash: 'x' }, sdk: { ...sdk, privateKey: 'k' } }) as never);
    expect(await ipcMain.invoke(fromApp, 'session:restore', undefined)).toEqual({ agent, sdk });
  });

  it.each([
    ['another webContents', (_c: WebContentsDouble) => ipcEventFrom(appContents())],
    ['a subframe', (c: WebContentsDouble) => ipcEventFrom(c, { url: APP_URL, parent: c.mainFrame, name: 'child' })],
    ['a foreign URL', (c: WebContentsDouble) => ipcEventFrom(c, 'https://evil.example/')],
    ['another app page', (c: WebContentsDouble) => ipcEventFrom(c, 'app://switchboard/other.html')],
    ['the app page through file://', (c: WebContentsDouble) => ipcEventFrom(c, 'file:///app/dist/renderer/index.html')],
    ['a frame that is gone', (c: WebContentsDouble) => ipcEventFrom(c, null)],
  ])('drops a call from %s: generic rejection, handler not run, logged', async (_name, makeEvent) => {
    const { ipcMain, bridge, contents, log } = setup();
    const handler = vi.fn(() => null);
    bridge.handle('session:restore', handler);
    await expect(ipcMain.invoke(makeEvent(contents), 'session:restore', undefined)).rejects.toThrow(REJECTED_MESSAGE);
    expect(handler).not.toHaveBeenCalled();
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'Dropped an IPC call' }));
  });

  it('drops a bad payload without logging it (it may hold a password)', async () => {
    const { ipcMain, bridge, fromApp, log } = setup();
    const handler = vi.fn();
    bridge.handle('auth:login', handler);
    await expect(ipcMain.invoke(fromApp, 'auth:login', { name: 'bad name', password: 'hunter2' })).rejects.toThrow(REJECTED_MESSAGE);
    await expect(ipcMain.invoke(fromApp, 'auth:login', { name: 'Jane' })).rejects.toThrow(REJECTED_MESSAGE);
    await expect(ipcMain.invoke(fromApp, 'auth:login', { name: 'Jane', password: 'x' }, 'extra')).rejects.toThrow(REJECTED_MESSAGE);
    await expect(ipcMain.invoke(fromApp, 'session:restore', { sneaky: true })).rejects.toThrow();
    expect(handler).not.toHaveBeenCalled();
    expect(JSON.stringify(log.lines)).not.toContain('hunter2');
  });

  it('passes a PublicError message through and hides any other error', async () => {
    const { ipcMain, bridge, fromApp } = setup();
    bridge.handle('token:sdk', () => {
      throw new PublicError('Your session has ended. Please sign in again.');
    });
    bridge.handle('shortcuts:status', () => {
      throw new Error('ENOENT /home/jane/.config/secret');
    });
    await expect(ipcMain.invoke(fromApp, 'token:sdk', undefined)).rejects.toThrow('Your session has ended. Please sign in again.');
    await expect(ipcMain.invoke(fromApp, 'shortcuts:status', undefined)).rejects.toThrow(INTERNAL_ERROR_MESSAGE);
  });

  it('refuses an answer that breaks the contract', async () => {
    const { ipcMain, bridge, fromApp } = setup();
    bridge.handle('token:sdk', () => ({ token: 42 }) as never);
    await expect(ipcMain.invoke(fromApp, 'token:sdk', undefined)).rejects.toThrow(INTERNAL_ERROR_MESSAGE);
  });

  it('dispose() removes every handler', () => {
    const { ipcMain, bridge } = setup();
    bridge.handle('session:restore', () => null);
    bridge.on('call:state', () => undefined);
    bridge.dispose();
    expect(ipcMain.handledChannels()).toEqual([]);
    expect(ipcMain.eventNames().every((channel) => ipcMain.listenerCount(channel) === 0)).toBe(true);
  });
});

describe('IpcBridge send', () => {
  it('runs the handler for a valid payload and drops an invalid one', () => {
    const { ipcMain, bridge, fromApp, contents } = setup();
    const handler = vi.fn();
    bridge.on('call:state', handler);
    ipcMain.send(fromApp, 'call:state', { phase: 'ringing', callId: 'c1', from: '+14155550100' });
    ipcMain.send(fromApp, 'call:state', { phase: 'ringing', callId: '' });
    ipcMain.send(fromApp, 'call:state', { phase: 'exploded' });
    ipcMain.send(ipcEventFrom(contents, 'https://evil.example/'), 'call:state', { phase: 'idle' });
    expect(handler.mock.calls).toEqual([[{ phase: 'ringing', callId: 'c1', from: '+14155550100' }]]);
  });
});

describe('IpcBridge events and the ready handshake', () => {
  it('queues events until app:ready, then flushes them in order', () => {
    const { ipcMain, bridge, contents, fromApp } = setup();
    bridge.sendToRenderer('shortcuts:status', {
      answer: { accelerator: 'A', registered: true },
      hangup: { accelerator: 'H', registered: false, error: 'taken' },
    });
    bridge.sendToRenderer('call:command', { action: 'answer', callId: 'c1', source: 'shortcut' });
    bridge.sendToRenderer('session:ended', { reason: 'bye' });
    expect(contents.sent).toEqual([]);
    expect(bridge.queuedCount()).toBe(3);

    ipcMain.send(fromApp, 'app:ready', undefined);
    expect(contents.sent.map((message) => message.channel)).toEqual(['shortcuts:status', 'call:command', 'session:ended']);
    expect(contents.sent[1]?.args).toEqual([{ action: 'answer', callId: 'c1', source: 'shortcut' }]);

    bridge.sendToRenderer('call:command', { action: 'hangup', callId: 'c1', source: 'tray' });
    expect(contents.sent).toHaveLength(4); // delivered at once now
  });

  it('does not take app:ready from anyone but the app window', () => {
    const { ipcMain, bridge, contents } = setup();
    bridge.sendToRenderer('session:ended', { reason: 'bye' });
    ipcMain.send(ipcEventFrom(contents, 'https://evil.example/'), 'app:ready', undefined);
    ipcMain.send(ipcEventFrom(appContents()), 'app:ready', undefined);
    expect(contents.sent).toEqual([]);
    expect(bridge.isReady()).toBe(false);
  });

  it('queues again after the renderer navigates (reload), until it says ready again', () => {
    const { ipcMain, bridge, contents, fromApp } = setup();
    ipcMain.send(fromApp, 'app:ready', undefined);
    contents.reload();
    bridge.sendToRenderer('session:ended', { reason: 'bye' });
    expect(contents.sent).toEqual([]);
    ipcMain.send(fromApp, 'app:ready', undefined);
    expect(contents.sent).toHaveLength(1);
  });

  it('refuses to send an event that breaks the contract', () => {
    const { ipcMain, bridge, contents, fromApp, log } = setup();
    ipcMain.send(fromApp, 'app:ready', undefined);
    bridge.sendToRenderer('call:command', { action: 'explode', callId: 'c1', source: 'shortcut' } as never);
    expect(contents.sent).toEqual([]);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error' }));
  });

  it('keeps at most maxQueued events, dropping the oldest', () => {
    const ipcMain = new IpcMainDouble();
    const bridge = new IpcBridge(ipcMain, { isAppPage: () => true, maxQueued: 2, log: createRecordingLogger() });
    const contents = appContents();
    bridge.attach(contents);
    for (const reason of ['1', '2', '3']) bridge.sendToRenderer('session:ended', { reason });
    ipcMain.send(ipcEventFrom(contents), 'app:ready', undefined);
    expect(contents.sent.map((message) => (message.args[0] as { reason: string }).reason)).toEqual(['2', '3']);
  });
});
