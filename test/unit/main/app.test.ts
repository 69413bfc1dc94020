import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { invokeChannels } from '../../../common/ipc-contract';
import { APP_USER_MODEL_ID, startSwitchboard, type SwitchboardOptions } from '../../../main/app';
import * as electron from '../../desktop/double';

// The double without a browser: windows have no page, everything else behaves.
let userDataDir: string;

function options(extra: Partial<SwitchboardOptions> = {}): SwitchboardOptions {
  return {
    serverUrl: 'http://127.0.0.1:9',
    rendererIndex: '/app/dist/renderer/index.html',
    ringPage: '/app/dist/renderer/ring.html',
    preloadPath: '/app/dist/preload/preload.cjs',
    store: new electron.MemoryStore(),
    platform: 'linux',
    ...extra,
  };
}

describe('startSwitchboard', () => {
  beforeEach(async () => {
    await electron.reset();
    userDataDir = mkdtempSync(path.join(os.tmpdir(), 'sb-app-'));
    electron.configure({ userDataDir });
  });

  afterEach(async () => {
    await electron.reset();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  it('wires everything up once the app is ready', async () => {
    const handle = startSwitchboard(electron, options());
    expect(electron.app.sandboxEnabled).toBe(true); // before ready: the double throws otherwise
    await handle.ready;
    const window = electron.BrowserWindow.getAllWindows()[0]!;
    // The renderer's folder is served on app:// (declared privileged before ready, handled after).
    expect(window.loadedUrl).toBe('app://switchboard/index.html');
    expect(window.loadedFile).toBeNull();
    expect(electron.protocol.privileged.map((scheme) => scheme.scheme)).toEqual(['app']);
    expect(electron.protocol.isProtocolHandled('app')).toBe(true);
    expect(window.webPreferences.preload).toBe('/app/dist/preload/preload.cjs');
    await vi.waitFor(() => expect(window.isVisible()).toBe(true)); // ready-to-show, on a later tick as in Electron
    expect(electron.Tray.current()?.toolTip).toBe('Switchboard — Ready');
    expect(electron.globalShortcut.registered().sort()).toEqual(['CommandOrControl+Alt+A', 'CommandOrControl+Alt+H', 'CommandOrControl+Alt+M', 'CommandOrControl+Alt+P']);
    expect(electron.ipcMain.handledChannels().sort()).toEqual(Object.keys(invokeChannels).sort());
    expect(electron.session.defaultSession.permissionRequestHandler).not.toBeNull();
    expect(electron.session.defaultSession.permissionCheckHandler).not.toBeNull();
    expect(electron.app.appUserModelId).toBeNull(); // Windows only
    await handle.quit();
  });

  it('sets the AppUserModelId on Windows (notifications need it there)', async () => {
    const handle = startSwitchboard(electron, options({ platform: 'win32' }));
    await handle.ready;
    expect(electron.app.appUserModelId).toBe(APP_USER_MODEL_ID);
    await handle.quit();
  });

  it('uses configured accelerators', async () => {
    const handle = startSwitchboard(electron, options({ shortcuts: { answer: 'F9' } }));
    await handle.ready;
    expect(electron.globalShortcut.registered().sort()).toEqual(['CommandOrControl+Alt+H', 'CommandOrControl+Alt+M', 'CommandOrControl+Alt+P', 'F9']);
    await handle.quit();
  });

  it('a second instance quits at once and hands over', async () => {
    electron.configure({ singleInstanceLock: false });
    const handle = startSwitchboard(electron, options());
    expect(handle.primary).toBe(false);
    expect(electron.app.quitState).toBe('quit');
    await new Promise((resolve) => setImmediate(resolve));
    expect(electron.BrowserWindow.getAllWindows()).toEqual([]);
    expect(electron.Tray.instances).toEqual([]);
  });

  it('the first instance comes forward when a second one starts', async () => {
    const handle = startSwitchboard(electron, options());
    await handle.ready;
    const window = electron.BrowserWindow.getAllWindows()[0]!;
    window.hide();
    electron.app.simulateSecondInstance();
    expect(window.isVisible()).toBe(true);
    expect(window.isFocused()).toBe(true);
    await handle.quit();
  });

  it('closing the window hides it; quitting really closes and cleans up', async () => {
    const handle = startSwitchboard(electron, options());
    await handle.ready;
    const window = electron.BrowserWindow.getAllWindows()[0]!;
    window.close();
    expect(window.isDestroyed()).toBe(false);
    expect(window.isVisible()).toBe(false);
    const tray = electron.Tray.current()!;
    await handle.quit();
    expect(window.isDestroyed()).toBe(true);
    expect(tray.isDestroyed()).toBe(true);
    expect(electron.globalShortcut.registered()).toEqual([]);
    expect(electron.ipcMain.handledChannels()).toEqual([]);
  });

  it('the tray menu Quit quits the app', async () => {
    const handle = startSwitchboard(electron, options());
    await handle.ready;
    electron.Tray.current()!.clickMenuItem('Quit');
    expect(electron.app.quitState).toBe('quit');
    await handle.quit();
  });
});
