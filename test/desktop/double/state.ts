/**
 * The double's shared configuration and bookkeeping: what a test selects (platform,
 * browser, keyring, network...), the pending page operations {@link settle} waits for,
 * the open windows, and Electron-shaped event objects. Every object file reads from here;
 * nothing here imports an object file, so the double has no import circles.
 */
import type { Browser, BrowserContext } from 'playwright';
import type { Event as ElectronEvent, SafeStorage } from 'electron';

/** What a test sets before starting main. */
export interface HarnessConfig {
  /** Windows open pages in a new context of this browser; without it windows have no page. */
  browser: Browser | null;
  /** `app.getPath('userData')`. */
  userDataDir: string | null;
  /** The preload bundled for pages (dist-test/harness-preload.js); injected when a window has a preload. */
  preloadScript: string | null;
  appName: string;
  appVersion: string;
  /** `safeStorage.isEncryptionAvailable()`. */
  encryptionAvailable: boolean;
  /** `safeStorage.getSelectedStorageBackend()` (Linux). */
  storageBackend: ReturnType<SafeStorage['getSelectedStorageBackend']>;
  /** `Notification.isSupported()`. */
  notificationsSupported: boolean;
  /** What `app.requestSingleInstanceLock()` returns. */
  singleInstanceLock: boolean;
  /** Print page console errors and double activity. */
  verbose: boolean;
  /**
   * The OS the double behaves as: notification actions exist on darwin and win32 only (Electron
   * ignores them on Linux), lock-screen events likewise.
   */
  platform: NodeJS.Platform;
  /** `net.isOnline()`. */
  online: boolean;
  /** `app.isPackaged`. */
  packaged: boolean;
}

export const defaultConfig = (): HarnessConfig => ({
  browser: null,
  userDataDir: null,
  preloadScript: null,
  appName: 'Switchboard',
  appVersion: '0.1.0',
  encryptionAvailable: true,
  storageBackend: 'gnome_libsecret',
  notificationsSupported: true,
  singleInstanceLock: true,
  verbose: Boolean(process.env.SWITCHBOARD_HARNESS_DEBUG),
  platform: 'linux',
  online: true,
  packaged: false,
});

export const state = {
  config: defaultConfig(),
  context: null as Promise<BrowserContext> | null,
  /** Work in flight, with what it is (named when `settle` gives up). */
  pending: new Map<Promise<unknown>, string>(),
  nextWebContentsId: 1,
  nextWindowId: 1,
  /** Windows not destroyed yet (`BrowserWindow.getAllWindows()`; `app.quit()` closes them). */
  windows: new Set<{ close(): void; destroy(): void; isDestroyed(): boolean }>(),
};

export function debug(...args: unknown[]): void {
  if (state.config.verbose) console.log('[electron-double]', ...args);
}

/** Keeps a promise in the set `settle` waits for; `what` names it if it never settles. */
export function track<T>(promise: Promise<T>, what: string): Promise<T> {
  state.pending.set(promise, what);
  promise
    .finally(() => state.pending.delete(promise))
    .catch(() => undefined);
  return promise;
}

export function browserContext(): Promise<BrowserContext> {
  const browser = state.config.browser;
  if (!browser) throw new Error('electron-double: no browser configured (call configure({ browser }) first)');
  // One context per app run, like Electron's default session: windows share storage.
  state.context ??= browser.newContext({ viewport: { width: 420, height: 640 } });
  return state.context;
}

/** An Electron-style event object: `preventDefault()` and `defaultPrevented`, plus params. */
export function createEvent<P extends object = object>(params?: P): ElectronEvent<P> {
  let prevented = false;
  const event = { ...(params ?? {}), preventDefault: () => void (prevented = true) } as Record<string, unknown>;
  Object.defineProperty(event, 'defaultPrevented', { get: () => prevented, enumerable: true });
  return event as unknown as ElectronEvent<P>;
}
