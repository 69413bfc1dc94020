/**
 * An Electron API double for the desktop harness and main's unit tests: one file per
 * Electron object in this folder, re-exported here as the `electron` module.
 *
 * The real main-process code runs in Node against this module (the harness bundle aliases
 * `electron` to it, so electron-store inside gets it too). Windows open real pages in a
 * Playwright `Browser` the test provides, the preload bundle runs in each page that asks
 * for one, and IPC crosses between Node and the page through Playwright bindings with
 * events shaped like Electron's (`sender`, `senderFrame.url`, `senderFrame.parent`). Tray,
 * Menu, Notification, globalShortcut, safeStorage, session, shell and nativeImage record
 * what main did and let a test act as the OS (press an accelerator, click a notification
 * action, click a tray menu item).
 *
 * Main's unit tests use the same objects without a browser: a window then has no page, and a
 * `WebContentsDouble` may stand alone (no window); `ipcEventFrom` builds the IPC event of a
 * call from any frame (a subframe, a foreign URL, a frame that is gone: `senderFrame` null).
 *
 * Shapes follow `electron.d.ts`; the harness entry checks at compile time that the double
 * satisfies `SwitchboardElectron`, the subset main takes.
 *
 * Known differences from Electron, on purpose:
 * - The preload runs in the page's main world (an init script), not an isolated world,
 *   and the IPC bindings are visible to page scripts: main's sender and payload checks
 *   are what stands between a page and main, as they must be in Electron too.
 * - `show`/`hide` only flip `isVisible()`: headless pages have no OS window.
 * - `will-navigate` is offered every page-initiated main-frame document request (DevTools
 *   Fetch interception), reloads included (Electron skips those).
 * - The module is a singleton (electron-store imports it once): one app at a time per
 *   process; `reset()` between runs.
 */
import { app } from './app';
import { BrowserWindow, BrowserWindowDouble } from './browser-window';
import { clipboard } from './clipboard';
import { dialog } from './dialog';
import { globalShortcut } from './global-shortcut';
import { ipcMain } from './ipc-main';
import { Menu } from './menu';
import { nativeImage } from './native-image';
import { net } from './net';
import { Notification, NotificationDouble } from './notification';
import { powerMonitor } from './power-monitor';
import { protocol } from './protocol';
import { safeStorage } from './safe-storage';
import { defaultSession, session } from './session';
import { shell } from './shell';
import { defaultConfig, state, type HarnessConfig } from './state';
import { Tray, TrayDouble } from './tray';

export { AppDouble, app } from './app';
export { BrowserWindow, BrowserWindowDouble } from './browser-window';
export { clipboard } from './clipboard';
export { dialog } from './dialog';
export { canonicalAccelerator, globalShortcut } from './global-shortcut';
export { IpcMainDouble, ipcMain } from './ipc-main';
export { Menu, MenuDouble, type MenuItemDouble } from './menu';
export { imageOf, nativeImage, NativeImageDouble } from './native-image';
export { net } from './net';
export { Notification, NotificationDouble } from './notification';
export { PowerMonitorDouble, powerMonitor } from './power-monitor';
export { protocol, ProtocolDouble } from './protocol';
export { safeStorage } from './safe-storage';
export { session, SessionDouble } from './session';
export { shell } from './shell';
export { createEvent, type HarnessConfig } from './state';
export { Tray, TrayDouble } from './tray';
export { MemoryStore } from './store';
export { ipcEventFrom, WebContentsDouble, type FrameDouble, type IpcEventDouble } from './web-contents';

// ---------------------------------------------------------------------------------------
// Harness control

/** Sets up the double for the next app run (after {@link reset}). */
export function configure(options: Partial<HarnessConfig>): HarnessConfig {
  state.config = { ...state.config, ...options };
  return state.config;
}

/** The current configuration. */
export function currentConfig(): Readonly<HarnessConfig> {
  return state.config;
}

/** Waits for every page operation the double started (loads, sends, closes). */
export async function settle(timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (state.pending.size > 0) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()))));
    const outcome = await Promise.race([Promise.allSettled([...state.pending.keys()]), late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      // A hang would only show as a test timeout; name what never finished instead.
      throw new Error(`electron-double: still pending after ${timeoutMs} ms: ${[...state.pending.values()].join('; ')}`);
    }
  }
}

/**
 * Forgets the previous app run: destroys its windows and pages, closes its browser
 * context and clears every recorded state and listener. The keyring key stays (a restart
 * of the app must decrypt what the previous run stored).
 */
export async function reset(): Promise<void> {
  for (const window of BrowserWindowDouble.getAllWindows()) window.destroy();
  await settle().catch((error: unknown) => {
    // The next run starts clean even so (its context is new); the hang is reported, not inherited.
    console.warn(String(error));
    state.pending.clear();
  });
  const context = state.context;
  state.context = null;
  if (context) await context.then((ctx) => ctx.close()).catch(() => undefined);
  app.resetDouble();
  ipcMain.resetDouble();
  defaultSession.resetDouble();
  globalShortcut.resetDouble();
  shell.opened.length = 0;
  protocol.resetDouble();
  net.requests.length = 0;
  powerMonitor.resetDouble();
  clipboard.text = '';
  dialog.errorBoxes.length = 0;
  safeStorage.encryptedPlaintexts.length = 0;
  TrayDouble.instances.length = 0;
  NotificationDouble.instances.length = 0;
  state.config = defaultConfig();
}

/** The module as `import electron from 'electron'` sees it (electron-store does that). */
const electronDouble = {
  app,
  BrowserWindow,
  Tray,
  Menu,
  Notification,
  globalShortcut,
  safeStorage,
  ipcMain,
  nativeImage,
  session,
  shell,
  protocol,
  net,
  powerMonitor,
  clipboard,
  dialog,
};

export default electronDouble;
