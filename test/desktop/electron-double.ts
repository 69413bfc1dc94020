/**
 * An Electron API double for the desktop harness.
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
import { EventEmitter } from 'node:events';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, CDPSession, Frame, Page } from 'playwright';
import { ProtocolDouble } from './protocol-double';
import type {
  BrowserWindowConstructorOptions,
  Event as ElectronEvent,
  HandlerDetails,
  MenuItemConstructorOptions,
  NativeImage,
  NotificationAction,
  NotificationConstructorOptions,
  SafeStorage,
  WebPreferences,
  WindowOpenHandlerResponse,
} from 'electron';
import type {
  IpcEventApi,
  MenuApi,
  PermissionCheckHandler,
  PermissionRequestHandler,
  WebFrameApi,
} from '../../main/electron-api';

// ---------------------------------------------------------------------------------------
// Harness configuration and bookkeeping

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

const defaultConfig = (): HarnessConfig => ({
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

const state = {
  config: defaultConfig(),
  context: null as Promise<BrowserContext> | null,
  /** Work in flight, with what it is (named when {@link settle} gives up). */
  pending: new Map<Promise<unknown>, string>(),
  nextWebContentsId: 1,
  nextWindowId: 1,
};

function debug(...args: unknown[]): void {
  if (state.config.verbose) console.log('[electron-double]', ...args);
}

/** Keeps a promise in the set {@link settle} waits for; `what` names it if it never settles. */
function track<T>(promise: Promise<T>, what: string): Promise<T> {
  state.pending.set(promise, what);
  promise
    .finally(() => state.pending.delete(promise))
    .catch(() => undefined);
  return promise;
}

function browserContext(): Promise<BrowserContext> {
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

// ---------------------------------------------------------------------------------------
// app

/** `app`. */
export class AppDouble extends EventEmitter {
  private readyPromise: Promise<void> | null = null;
  private ready = false;
  /** True once `enableSandbox()` was called (it must be before ready). */
  sandboxEnabled = false;
  appUserModelId: string | null = null;
  quitState: 'running' | 'quitting' | 'quit' = 'running';
  exitCode: number | null = null;
  /** `app.isPackaged` (HarnessConfig.packaged). */
  get isPackaged(): boolean {
    return state.config.packaged;
  }
  /** Test: the single-instance lock was released (a failed start must let the next one run). */
  lockReleased = false;
  /** Test: schemes `setAsDefaultProtocolClient` registered. */
  readonly protocolClients = new Set<string>();
  readonly switches = new Map<string, string>();
  readonly commandLine = {
    appendSwitch: (name: string, value = '') => void this.switches.set(name, value),
    appendArgument: (_value: string) => undefined,
    hasSwitch: (name: string) => this.switches.has(name),
    getSwitchValue: (name: string) => this.switches.get(name) ?? '',
    removeSwitch: (name: string) => void this.switches.delete(name),
  };

  /** Resolves on the next macrotask after the first call (Electron becomes ready shortly after start). */
  whenReady(): Promise<void> {
    this.readyPromise ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.ready = true;
        this.emit('ready', createEvent(), {});
        resolve();
      }),
    );
    return this.readyPromise;
  }

  isReady(): boolean {
    return this.ready;
  }

  getName(): string {
    return state.config.appName;
  }

  getVersion(): string {
    return state.config.appVersion;
  }

  getPath(name: string): string {
    const userData = state.config.userDataDir;
    switch (name) {
      case 'userData':
      case 'sessionData':
        if (!userData) throw new Error('electron-double: no userDataDir configured');
        return userData;
      case 'temp':
        return os.tmpdir();
      case 'home':
        return os.homedir();
      case 'appData':
        return userData ? path.dirname(userData) : os.tmpdir();
      default:
        if (!userData) throw new Error(`electron-double: getPath('${name}') needs a userDataDir`);
        return path.join(userData, name);
    }
  }

  getLocale(): string {
    return 'en-US';
  }

  requestSingleInstanceLock(): boolean {
    return state.config.singleInstanceLock;
  }

  enableSandbox(): void {
    if (this.ready) throw new Error('app.enableSandbox() can only be called before app is ready');
    this.sandboxEnabled = true;
  }

  setAppUserModelId(id: string): void {
    this.appUserModelId = id;
  }

  /** Test: the login item as macOS/Windows would keep it (Electron does nothing with it on Linux). */
  loginItem: { openAtLogin: boolean; path?: string } = { openAtLogin: false };

  getLoginItemSettings(_options?: { path?: string }): { openAtLogin: boolean } {
    return { openAtLogin: this.loginItem.openAtLogin };
  }

  setLoginItemSettings(settings: { openAtLogin?: boolean; path?: string }): void {
    this.loginItem = { openAtLogin: settings.openAtLogin ?? false, ...(settings.path ? { path: settings.path } : {}) };
  }

  releaseSingleInstanceLock(): void {
    this.lockReleased = true;
  }

  setAsDefaultProtocolClient(protocol: string): boolean {
    this.protocolClients.add(protocol);
    return true;
  }

  isDefaultProtocolClient(protocol: string): boolean {
    return this.protocolClients.has(protocol);
  }

  /** Test: macOS opened a URL of a scheme the app handles (Electron emits this on macOS only). */
  simulateOpenUrl(url: string): boolean {
    if (state.config.platform !== 'darwin') throw new Error('open-url is emitted on macOS only');
    const event = createEvent();
    this.emit('open-url', event, url);
    return event.defaultPrevented;
  }

  /** Like Electron: before-quit, close every window (any may refuse), will-quit, quit. */
  quit(): void {
    if (this.quitState !== 'running') return;
    const beforeQuit = createEvent();
    this.emit('before-quit', beforeQuit);
    if (beforeQuit.defaultPrevented) return;
    this.quitState = 'quitting';
    for (const window of BrowserWindowDouble.getAllWindows()) {
      window.close();
      if (!window.isDestroyed()) {
        debug('quit cancelled: a window refused to close');
        this.quitState = 'running';
        return;
      }
    }
    const willQuit = createEvent();
    this.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) {
      this.quitState = 'running';
      return;
    }
    this.quitState = 'quit';
    this.exitCode = 0;
    this.emit('quit', createEvent(), 0);
  }

  /** Like Electron: windows destroyed without events, no before-quit / will-quit. */
  exit(exitCode = 0): void {
    for (const window of BrowserWindowDouble.getAllWindows()) window.destroy();
    this.quitState = 'quit';
    this.exitCode = exitCode;
  }

  /** Test: a second instance was started (argv, working directory). */
  simulateSecondInstance(argv: string[] = [], workingDirectory = process.cwd()): void {
    this.emit('second-instance', createEvent(), argv, workingDirectory, {});
  }

  /** @internal */
  resetDouble(): void {
    this.removeAllListeners();
    this.readyPromise = null;
    this.ready = false;
    this.sandboxEnabled = false;
    this.appUserModelId = null;
    this.loginItem = { openAtLogin: false };
    this.quitState = 'running';
    this.exitCode = null;
    this.switches.clear();
    this.lockReleased = false;
    this.protocolClients.clear();
  }
}

export const app = new AppDouble();

/** `protocol` (see protocol-double.ts): app:// pages reach Chromium through a loopback server. */
export const protocol = new ProtocolDouble(() => app.isReady());

// ---------------------------------------------------------------------------------------
// ipcMain

type IpcListener = (event: IpcEventApi, ...args: unknown[]) => unknown;

/** `ipcMain`. */
export class IpcMainDouble extends EventEmitter {
  private readonly handlers = new Map<string, IpcListener>();

  handle(channel: string, listener: IpcListener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  handleOnce(channel: string, listener: IpcListener): void {
    this.handle(channel, (event, ...args) => {
      this.removeHandler(channel);
      return listener(event, ...args);
    });
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** Test: the channels that have an invoke handler. */
  handledChannels(): string[] {
    return [...this.handlers.keys()];
  }

  /** @internal An `ipcRenderer.invoke` arrived from a page. */
  async invokeFromRenderer(event: IpcEventApi, channel: string, args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }

  /** @internal An `ipcRenderer.send` arrived from a page. */
  sendFromRenderer(event: IpcEventApi, channel: string, args: unknown[]): void {
    this.emit(channel, event, ...args);
  }

  /** @internal */
  resetDouble(): void {
    this.handlers.clear();
    this.removeAllListeners();
  }
}

export const ipcMain = new IpcMainDouble();

// ---------------------------------------------------------------------------------------
// session

/** `Session`: records the permission handlers so tests can ask them. */
export class SessionDouble {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }

  /** Test: what the request handler answers (Electron grants everything when none is set). */
  requestPermission(
    permission: string,
    details: { requestingUrl: string; mediaTypes?: Array<'audio' | 'video'>; isMainFrame?: boolean },
    webContents: { getURL(): string } = { getURL: () => details.requestingUrl },
  ): Promise<boolean> {
    const handler = this.permissionRequestHandler;
    if (!handler) return Promise.resolve(true);
    return new Promise((resolve) =>
      handler(webContents, permission, resolve, { isMainFrame: true, ...details }),
    );
  }

  /** Test: what the check handler answers (Electron allows everything when none is set). */
  checkPermission(
    permission: string,
    requestingOrigin: string,
    details: { requestingUrl?: string; mediaType?: 'audio' | 'video' | 'unknown'; isMainFrame?: boolean } = {},
    webContents: { getURL(): string } | null = null,
  ): boolean {
    const handler = this.permissionCheckHandler;
    if (!handler) return true;
    return handler(webContents, permission, requestingOrigin, { isMainFrame: true, ...details });
  }

  /** @internal */
  resetDouble(): void {
    this.permissionRequestHandler = null;
    this.permissionCheckHandler = null;
  }
}

const defaultSession = new SessionDouble();

/** The `session` module: like Electron, unusable before the app is ready. */
export const session = {
  get defaultSession(): SessionDouble {
    if (!app.isReady()) throw new Error('Session can only be received when app is ready');
    return defaultSession;
  },
  /** A named session (electron-updater asks for its own, uncached). */
  fromPartition(partition: string, _options: { cache?: boolean } = {}): SessionDouble & { readonly partition: string } {
    if (!app.isReady()) throw new Error('Session can only be received when app is ready');
    return Object.assign(new SessionDouble(), { partition });
  },
};

// ---------------------------------------------------------------------------------------
// shell

/** `shell`: records what main asked the OS to open. */
export const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    this.opened.push(url);
    return Promise.resolve();
  },
  openPath(_path: string): Promise<string> {
    return Promise.resolve('');
  },
};

// ---------------------------------------------------------------------------------------
// nativeImage

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A `NativeImage` holding PNG bytes (anything else makes an empty image, like Electron). */
export class NativeImageDouble {
  private readonly png: Buffer | null;

  constructor(data: Buffer | null) {
    this.png = data && data.length > 24 && data.subarray(0, 8).equals(PNG_SIGNATURE) ? data : null;
  }

  isEmpty(): boolean {
    return this.png === null;
  }

  getSize(): { width: number; height: number } {
    if (!this.png) return { width: 0, height: 0 };
    return { width: this.png.readUInt32BE(16), height: this.png.readUInt32BE(20) };
  }

  toPNG(): Buffer {
    return this.png ? Buffer.from(this.png) : Buffer.alloc(0);
  }

  toDataURL(): string {
    return this.png ? `data:image/png;base64,${this.png.toString('base64')}` : 'data:image/png;base64,';
  }
}

function asNativeImage(image: NativeImageDouble): NativeImage {
  return image as unknown as NativeImage;
}

/** Test: the double behind a `NativeImage` main passed around. */
export function imageOf(image: NativeImage | string | null): NativeImageDouble | null {
  return image instanceof NativeImageDouble ? image : null;
}

/** The `nativeImage` module. */
export const nativeImage = {
  createFromDataURL(dataURL: string): NativeImage {
    const match = /^data:image\/png;base64,([A-Za-z0-9+/=]*)$/.exec(dataURL);
    return asNativeImage(new NativeImageDouble(match ? Buffer.from(match[1] ?? '', 'base64') : null));
  },
  createFromPath(filePath: string): NativeImage {
    return asNativeImage(new NativeImageDouble(existsSync(filePath) ? readFileSync(filePath) : null));
  },
  createFromBuffer(buffer: Buffer): NativeImage {
    return asNativeImage(new NativeImageDouble(buffer));
  },
  createEmpty(): NativeImage {
    return asNativeImage(new NativeImageDouble(null));
  },
};

// ---------------------------------------------------------------------------------------
// safeStorage

/** Stands for the OS keyring: survives `reset()`, like the keyring survives an app restart. */
let keyringKey = randomBytes(32);
const SAFE_STORAGE_PREFIX = Buffer.from('v11');

/** `safeStorage`: real AES-256-GCM under a per-process key. */
export const safeStorage = {
  /** Test: every plaintext main asked to encrypt (to prove none reaches the disk). */
  encryptedPlaintexts: [] as string[],
  isEncryptionAvailable(): boolean {
    return state.config.encryptionAvailable;
  },
  getSelectedStorageBackend(): ReturnType<SafeStorage['getSelectedStorageBackend']> {
    return state.config.storageBackend;
  },
  encryptString(plainText: string): Buffer {
    if (!state.config.encryptionAvailable) {
      throw new Error('Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.');
    }
    this.encryptedPlaintexts.push(plainText);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyringKey, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([SAFE_STORAGE_PREFIX, iv, cipher.getAuthTag(), body]);
  },
  decryptString(encrypted: Buffer): string {
    if (!state.config.encryptionAvailable) {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.');
    }
    try {
      if (!encrypted.subarray(0, 3).equals(SAFE_STORAGE_PREFIX) || encrypted.length < 3 + 12 + 16) throw new Error('bad header');
      const iv = encrypted.subarray(3, 15);
      const tag = encrypted.subarray(15, 31);
      const decipher = createDecipheriv('aes-256-gcm', keyringKey, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(encrypted.subarray(31)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
  },
  /** Test: the keyring lost its key (stored secrets become undecryptable). */
  rotateKey(): void {
    keyringKey = randomBytes(32);
  },
};

// ---------------------------------------------------------------------------------------
// globalShortcut

const MODIFIERS = new Map<string, string>([
  ['command', 'command'],
  ['cmd', 'command'],
  ['control', 'control'],
  ['ctrl', 'control'],
  ['commandorcontrol', 'commandorcontrol'],
  ['cmdorctrl', 'commandorcontrol'],
  ['alt', 'alt'],
  ['option', 'alt'],
  ['altgr', 'altgr'],
  ['shift', 'shift'],
  ['super', 'super'],
  ['meta', 'super'],
]);
const KEY =
  /^([a-z0-9]|f([1-9]|1[0-9]|2[0-4])|plus|space|tab|capslock|numlock|scrolllock|backspace|delete|insert|return|enter|up|down|left|right|home|end|pageup|pagedown|escape|esc|volumeup|volumedown|volumemute|medianexttrack|mediaprevioustrack|mediastop|mediaplaypause|printscreen|num[0-9]|numdec|numadd|numsub|nummult|numdiv|[)!@#$%^&*(:;:+=<,_\-.>?/~`{\][|\\}"'])$/;

/** A canonical form of an accelerator, or null when Electron would reject it. */
export function canonicalAccelerator(accelerator: string): string | null {
  const parts = accelerator.split('+');
  // "Plus" is how '+' is written; a trailing '+' means the key is '+' itself.
  if (accelerator.endsWith('++')) parts.splice(parts.length - 2, 2, '+');
  const key = parts.pop()?.toLowerCase();
  if (!key || !KEY.test(key)) return null;
  const modifiers = new Set<string>();
  for (const part of parts) {
    const modifier = MODIFIERS.get(part.toLowerCase());
    if (!modifier || modifiers.has(modifier)) return null;
    modifiers.add(modifier);
  }
  const normalisedKey = key === 'esc' ? 'escape' : key === 'return' ? 'enter' : key;
  return [...[...modifiers].sort(), normalisedKey].join('+');
}

/** `globalShortcut`. */
export const globalShortcut = {
  registrations: new Map<string, { accelerator: string; callback: () => void }>(),
  failures: new Map<string, 'taken' | 'throw'>(),
  register(accelerator: string, callback: () => void): boolean {
    if (!app.isReady()) throw new Error('globalShortcut cannot be used before the app is ready');
    const canonical = canonicalAccelerator(accelerator);
    const failure = canonical ? this.failures.get(canonical) : undefined;
    if (!canonical || failure === 'throw') {
      throw new TypeError(`Error processing argument at index 0, conversion failure from ${accelerator}`);
    }
    if (failure === 'taken' || this.registrations.has(canonical)) return false;
    this.registrations.set(canonical, { accelerator, callback });
    return true;
  },
  registerAll(accelerators: string[], callback: () => void): void {
    for (const accelerator of accelerators) this.register(accelerator, callback);
  },
  isRegistered(accelerator: string): boolean {
    const canonical = canonicalAccelerator(accelerator);
    return canonical !== null && this.registrations.has(canonical);
  },
  unregister(accelerator: string): void {
    const canonical = canonicalAccelerator(accelerator);
    if (canonical) this.registrations.delete(canonical);
  },
  unregisterAll(): void {
    this.registrations.clear();
  },
  /**
   * Test: makes registering `accelerator` fail — `'taken'` (another app holds it:
   * register returns false) or `'throw'` (Electron throws).
   */
  failRegistration(accelerator: string, mode: 'taken' | 'throw' = 'taken'): void {
    const canonical = canonicalAccelerator(accelerator);
    if (!canonical) throw new Error(`failRegistration: ${accelerator} is not an accelerator`);
    this.failures.set(canonical, mode);
  },
  /** Test: the user pressed `accelerator`. Returns false when nothing is registered for it. */
  press(accelerator: string): boolean {
    const canonical = canonicalAccelerator(accelerator);
    const registration = canonical ? this.registrations.get(canonical) : undefined;
    if (!registration) return false;
    registration.callback();
    return true;
  },
  /** Test: the accelerators registered now, as main spelled them. */
  registered(): string[] {
    return [...this.registrations.values()].map((registration) => registration.accelerator);
  },
  /** @internal */
  resetDouble(): void {
    this.registrations.clear();
    this.failures.clear();
  },
};

// ---------------------------------------------------------------------------------------
// Menu

/** A menu item as the double keeps it. */
export interface MenuItemDouble {
  label: string;
  type: string;
  enabled: boolean;
  visible: boolean;
  /** Checkbox and radio items. */
  checked: boolean;
  click?: MenuItemConstructorOptions['click'];
}

/** `Menu`, built from a template. */
export class MenuDouble {
  readonly items: MenuItemDouble[];

  constructor(template: MenuItemConstructorOptions[]) {
    this.items = template.map((item, index) => {
      if (!item.label && !item.role && !item.type) {
        throw new TypeError(`Invalid template for MenuItem: must have at least one of label, role or type (item ${index})`);
      }
      return {
        label: item.label ?? '',
        type: item.type ?? 'normal',
        enabled: item.enabled ?? true,
        visible: item.visible ?? true,
        checked: item.checked ?? false,
        ...(item.click ? { click: item.click } : {}),
      };
    });
  }

  static buildFromTemplate(template: MenuItemConstructorOptions[]): MenuDouble {
    return new MenuDouble(template);
  }

  /** Test: labels of the visible, non-separator items, in order. */
  labels(): string[] {
    return this.items.filter((item) => item.visible && item.type !== 'separator').map((item) => item.label);
  }

  /** Test: clicks the item with this label (throws when there is none, or it is disabled). */
  clickItem(label: string): void {
    const item = this.items.find((candidate) => candidate.label === label && candidate.visible);
    if (!item) throw new Error(`No menu item "${label}" (items: ${this.labels().join(', ')})`);
    if (!item.enabled) throw new Error(`Menu item "${label}" is disabled`);
    // Electron passes the MenuItem, the focused window and the keyboard event.
    item.click?.(item as never, undefined, { shiftKey: false, ctrlKey: false, altKey: false, metaKey: false } as never);
  }
}

export const Menu = MenuDouble;

// ---------------------------------------------------------------------------------------
// Tray

/** `Tray`. */
export class TrayDouble extends EventEmitter {
  /** Every tray created since the last reset, oldest first. */
  static readonly instances: TrayDouble[] = [];
  image: NativeImage | string;
  toolTip = '';
  contextMenu: MenuDouble | null = null;
  private destroyed = false;

  constructor(image: NativeImage | string, _guid?: string) {
    super();
    if (!app.isReady()) throw new Error('Cannot create Tray before app is ready');
    this.image = image;
    TrayDouble.instances.push(this);
  }

  /** Test: the most recent tray that still exists. */
  static current(): TrayDouble | null {
    return [...TrayDouble.instances].reverse().find((tray) => !tray.isDestroyed()) ?? null;
  }

  setImage(image: NativeImage | string): void {
    this.assertAlive();
    this.image = image;
  }

  setToolTip(toolTip: string): void {
    this.assertAlive();
    this.toolTip = toolTip;
  }

  setContextMenu(menu: MenuApi | null): void {
    this.assertAlive();
    if (menu !== null && !(menu instanceof MenuDouble)) throw new TypeError('setContextMenu expects a Menu');
    this.contextMenu = menu;
  }

  destroy(): void {
    this.destroyed = true;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Test: a click on the icon. */
  click(): void {
    this.emit('click', createEvent(), { x: 0, y: 0, width: 0, height: 0 }, { x: 0, y: 0 });
  }

  /** Test: labels of the context menu's items. */
  menuLabels(): string[] {
    return this.contextMenu?.labels() ?? [];
  }

  /** Test: clicks a context menu item by label. */
  clickMenuItem(label: string): void {
    if (!this.contextMenu) throw new Error('The tray has no context menu');
    this.contextMenu.clickItem(label);
  }

  /** Test: the icon's image double. */
  imageDouble(): NativeImageDouble | null {
    return typeof this.image === 'string' ? null : imageOf(this.image);
  }

  private assertAlive(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
  }
}

export const Tray = TrayDouble;

// ---------------------------------------------------------------------------------------
// Notification

/** `Notification`. */
export class NotificationDouble extends EventEmitter {
  /** Every notification created since the last reset, oldest first. */
  static readonly instances: NotificationDouble[] = [];
  readonly options: NotificationConstructorOptions;
  shown = false;
  closed = false;

  constructor(options: NotificationConstructorOptions = {}) {
    super();
    if (!app.isReady()) throw new Error('Cannot create Notification before app is ready');
    // Electron shows action buttons on macOS and Windows only; on Linux they are dropped.
    const actionsShown = state.config.platform === 'darwin' || state.config.platform === 'win32';
    this.options = actionsShown ? { ...options } : { ...options, actions: [] };
    NotificationDouble.instances.push(this);
  }

  static isSupported(): boolean {
    return state.config.notificationsSupported;
  }

  /** Test: notifications shown and not closed, oldest first. */
  static active(): NotificationDouble[] {
    return NotificationDouble.instances.filter((notification) => notification.shown && !notification.closed);
  }

  get title(): string {
    return this.options.title ?? '';
  }

  get body(): string {
    return this.options.body ?? '';
  }

  get actions(): NotificationAction[] {
    return this.options.actions ?? [];
  }

  show(): void {
    this.shown = true;
    this.closed = false;
    this.emit('show', createEvent());
  }

  close(): void {
    if (this.closed || !this.shown) return;
    this.closed = true;
    this.emit('close', createEvent());
  }

  /** Test: the agent clicked the action button at `index` (Electron then dismisses the notification). */
  clickAction(index: number): void {
    this.assertOnScreen();
    if (!this.actions[index]) throw new Error(`The notification has no action ${index} (actions: ${this.actions.map((action) => action.text).join(', ')})`);
    this.emit('action', createEvent({ actionIndex: index, selectionIndex: -1 }), index, -1);
    this.close();
  }

  /** Test: the agent clicked the notification body. */
  click(): void {
    this.assertOnScreen();
    this.emit('click', createEvent());
  }

  private assertOnScreen(): void {
    if (!this.shown || this.closed) throw new Error('The notification is not on screen');
  }
}

export const Notification = NotificationDouble;

// ---------------------------------------------------------------------------------------
// BrowserWindow and webContents

type WindowOpenHandler = (details: HandlerDetails) => WindowOpenHandlerResponse;

/** The init script that tells the double a new document started in the main frame. */
const DOCUMENT_START_SCRIPT = `(() => {
  if (window.top !== window) return;
  const notify = window.__sbDocumentStart;
  if (typeof notify === 'function') notify(location.href);
})();`;

/** `WebFrameMain`, built from a Playwright frame at the moment of an IPC call. */
export interface FrameDouble extends WebFrameApi {
  readonly url: string;
  readonly parent: FrameDouble | null;
  readonly name: string;
}

function frameDouble(frame: Frame): FrameDouble {
  const parent = frame.parentFrame();
  return { url: protocol.toAppUrl(frame.url()), parent: parent ? frameDouble(parent) : null, name: frame.name() };
}

/** `WebContents`. */
export class WebContentsDouble extends EventEmitter {
  readonly id = state.nextWebContentsId++;
  readonly session = defaultSession;
  /** Test: every `send` main made, in order. */
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  /** Test: every new-window request and what the handler answered. */
  readonly windowOpenRequests: Array<{ url: string; response: WindowOpenHandlerResponse }> = [];
  /** Test: every will-navigate offered and whether it was allowed. */
  readonly navigationRequests: Array<{ url: string; allowed: boolean }> = [];
  /** Test: console errors and page errors of the page. */
  readonly consoleErrors: string[] = [];
  windowOpenHandler: WindowOpenHandler | null = null;
  private url = '';
  private destroyed = false;
  private dispatchChain: Promise<void> = Promise.resolve();

  constructor(private readonly owner: BrowserWindowDouble) {
    super();
  }

  /** The page of the current renderer process (a new one after a crash and reload). */
  private get page(): Promise<Page> | null {
    return this.owner.currentPage();
  }

  /** Loads the current URL again; after a crash, in a new renderer process (a new page). */
  reload(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    const url = this.owner.loadedUrl;
    if (url) this.owner.loadURL(url).catch((error: unknown) => debug('reload failed', error));
  }

  /** Test: the renderer process crashes (DevTools `Page.crash`); resolves once Electron would have said render-process-gone. */
  async crash(): Promise<void> {
    const page = await this.page;
    if (!page) throw new Error('electron-double: this window has no page');
    const gone = new Promise<void>((resolve) => this.once('render-process-gone', () => resolve()));
    const cdp = await page.context().newCDPSession(page);
    cdp.send('Page.crash').catch(() => undefined);
    await gone;
  }

  get mainFrame(): FrameDouble {
    return { url: this.url, parent: null, name: '' };
  }

  getURL(): string {
    return this.url;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Main → renderer: delivered to the listeners the preload registered, in order. */
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
    const page = this.page;
    if (!page) return;
    this.dispatchChain = this.dispatchChain
      .then(async () => {
        const target = await page;
        await target.evaluate(
          ([eventChannel, eventArgs]) => {
            const dispatch = (window as unknown as { __sbIpcDispatch?: (c: string, a: unknown[]) => void }).__sbIpcDispatch;
            dispatch?.(eventChannel, eventArgs);
          },
          [channel, args] as [string, unknown[]],
        );
      })
      .catch((error: unknown) => {
        if (!this.destroyed) debug(`send(${channel}) failed`, error);
      });
    track(this.dispatchChain, `send(${channel}) to window ${this.owner.id}`);
  }

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  executeJavaScript(code: string): Promise<unknown> {
    if (!this.page) return Promise.reject(new Error('electron-double: this window has no page'));
    return this.page.then((page) => page.evaluate(code));
  }

  /** Test: offers a navigation to the will-navigate listeners; true when none prevented it. */
  willNavigate(url: string): boolean {
    const event = createEvent({ url, isSameDocument: false, isMainFrame: true, frame: null, initiator: null });
    this.emit('will-navigate', event, url, false, true, 0, 0);
    const allowed = !event.defaultPrevented;
    this.navigationRequests.push({ url, allowed });
    return allowed;
  }

  /** Test: asks the window-open handler about `url`, as a `window.open` would. */
  requestWindowOpen(url: string): WindowOpenHandlerResponse {
    const details: HandlerDetails = {
      url,
      frameName: '',
      features: '',
      disposition: 'new-window',
      referrer: { url: this.url, policy: 'strict-origin-when-cross-origin' },
    };
    // Electron's default, without a handler, is to open the window.
    const response = this.windowOpenHandler ? this.windowOpenHandler(details) : { action: 'allow' as const };
    this.windowOpenRequests.push({ url, response });
    return response;
  }

  /** @internal */
  markDestroyed(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }

  /** @internal A new document started in the main frame. */
  documentStarted(url: string): void {
    this.url = url;
    this.emit('did-start-navigation', createEvent({ url, isSameDocument: false, isMainFrame: true }), url, false, true);
    this.emit('did-navigate', createEvent(), url, 200, 'OK');
  }

  /** @internal The main frame's URL changed (any navigation, including in-page). */
  mainFrameNavigated(url: string): void {
    if (this.url !== url && sameDocument(this.url, url)) this.emit('did-navigate-in-page', createEvent(), url, true, 0, 0);
    this.url = url;
  }

  /** @internal Loading finished. */
  didFinishLoad(): void {
    this.emit('dom-ready', createEvent());
    this.emit('did-finish-load', createEvent());
  }

  /** @internal `ipcRenderer.invoke` from a frame of the page. */
  async invokeFromPage(frame: Frame, channel: string, args: unknown): Promise<unknown> {
    try {
      return await ipcMain.invokeFromRenderer(this.ipcEvent(frame), channel, Array.isArray(args) ? args : []);
    } catch (error) {
      // The renderer sees what Electron shows it: the channel and the error's string form.
      throw new Error(`Error invoking remote method '${channel}': ${String(error)}`);
    }
  }

  /** @internal `ipcRenderer.send` from a frame of the page. */
  sendFromPage(frame: Frame, channel: string, args: unknown): void {
    const event = Object.assign(this.ipcEvent(frame), { returnValue: undefined, ports: [], reply: (replyChannel: string, ...replyArgs: unknown[]) => this.send(replyChannel, ...replyArgs) });
    ipcMain.sendFromRenderer(event, channel, Array.isArray(args) ? args : []);
  }

  /** @internal */
  popupOpened(popup: Page): void {
    const response = this.requestWindowOpen(protocol.toAppUrl(popup.url()));
    if (response.action === 'deny') track(popup.close().catch(() => undefined), 'closing a denied popup');
  }

  private ipcEvent(frame: Frame): IpcEventApi & Record<string, unknown> {
    const event = createEvent({
      sender: this,
      senderFrame: frameDouble(frame),
      processId: this.owner.id,
      frameId: 0,
      type: 'frame',
    });
    return event as unknown as IpcEventApi & Record<string, unknown>;
  }
}

function sameDocument(a: string, b: string): boolean {
  return a.split('#')[0] === b.split('#')[0];
}

/** `BrowserWindow`. */
export class BrowserWindowDouble extends EventEmitter {
  private static readonly all = new Set<BrowserWindowDouble>();
  readonly id = state.nextWindowId++;
  /** Test: the options main created the window with. */
  readonly constructorOptions: BrowserWindowConstructorOptions;
  readonly webContents: WebContentsDouble;
  /** Test: the file or URL of the last load. */
  loadedFile: string | null = null;
  loadedUrl: string | null = null;
  private visible: boolean;
  private focused = false;
  private minimized = false;
  private destroyed = false;
  private pagePromise: Promise<Page> | null;
  private crashed = false;
  private firstLoad: Promise<void> | null = null;
  private readyToShowSent = false;
  private expectedNavigation: string | null = null;

  constructor(options: BrowserWindowConstructorOptions = {}) {
    super();
    if (!app.isReady()) throw new Error('Cannot create BrowserWindow before app is ready');
    this.constructorOptions = structuredCloneOptions(options);
    this.visible = options.show !== false;
    this.pagePromise = state.config.browser ? track(this.openPage(), `opening the page of window ${this.id}`) : null;
    // Errors surface when a test or loadURL awaits the page; keep them from being unhandled here.
    this.pagePromise?.catch(() => undefined);
    this.webContents = new WebContentsDouble(this);
    BrowserWindowDouble.all.add(this);
    app.emit('web-contents-created', createEvent(), this.webContents);
    app.emit('browser-window-created', createEvent(), this);
  }

  static getAllWindows(): BrowserWindowDouble[] {
    return [...BrowserWindowDouble.all];
  }

  static fromWebContents(contents: WebContentsDouble): BrowserWindowDouble | null {
    return BrowserWindowDouble.getAllWindows().find((window) => window.webContents === contents) ?? null;
  }

  /** Test: the window's web preferences as main set them. */
  get webPreferences(): WebPreferences {
    return this.constructorOptions.webPreferences ?? {};
  }

  /** Test: the Playwright page showing this window (rejects when no browser was configured). */
  page(): Promise<Page> {
    if (!this.pagePromise) return Promise.reject(new Error('electron-double: no browser configured, so windows have no page'));
    return this.pagePromise;
  }

  /** @internal The page of the current renderer process. */
  currentPage(): Promise<Page> | null {
    return this.pagePromise;
  }

  /** Test: resolves once the first load finished. */
  loaded(): Promise<void> {
    return this.firstLoad ?? Promise.reject(new Error('The window was never asked to load anything'));
  }

  loadFile(filePath: string, options: { query?: Record<string, string>; search?: string; hash?: string } = {}): Promise<void> {
    const url = pathToFileURL(path.resolve(filePath));
    if (options.query) for (const [key, value] of Object.entries(options.query)) url.searchParams.set(key, value);
    if (options.search) url.search = options.search;
    if (options.hash) url.hash = options.hash;
    this.loadedFile = path.resolve(filePath);
    return this.loadURL(url.href);
  }

  loadURL(url: string): Promise<void> {
    if (this.destroyed) return Promise.reject(new Error('Object has been destroyed'));
    this.loadedUrl = url;
    this.webContents.emit('did-start-loading');
    const load = track(this.navigate(url), `loading ${url} in window ${this.id}`);
    this.firstLoad ??= load;
    return load;
  }

  show(): void {
    this.visible = true;
    this.minimized = false;
    this.emit('show');
  }

  /** Shows the window without focusing it. */
  showInactive(): void {
    this.visible = true;
    this.minimized = false;
    this.emit('show');
  }

  hide(): void {
    this.visible = false;
    this.focused = false;
    this.emit('hide');
  }

  focus(): void {
    this.focused = true;
    this.emit('focus');
  }

  isFocused(): boolean {
    return this.focused;
  }

  isVisible(): boolean {
    return this.visible && !this.destroyed;
  }

  minimize(): void {
    this.minimized = true;
    this.emit('minimize');
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  restore(): void {
    this.minimized = false;
    this.emit('restore');
  }

  /** Like a click on the window's close button: 'close' may be prevented. */
  close(): void {
    if (this.destroyed) return;
    const event = createEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    BrowserWindowDouble.all.delete(this);
    this.webContents.markDestroyed();
    this.emit('closed');
    if (this.pagePromise) track(this.pagePromise.then((page) => page.close()).catch(() => undefined), `closing the page of window ${this.id}`);
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  private async navigate(url: string): Promise<void> {
    if (!this.pagePromise) {
      this.webContents.documentStarted(url);
      this.afterLoad();
      return;
    }
    if (this.crashed) {
      // Electron starts a new renderer process for a crashed web contents' next load.
      this.crashed = false;
      const dead = this.pagePromise;
      this.pagePromise = track(this.openPage(), `opening a new page for window ${this.id} after a crash`);
      track(dead.then((old) => old.close()).catch(() => undefined), `closing the crashed page of window ${this.id}`);
    }
    const page = await this.pagePromise;
    this.expectedNavigation = url;
    try {
      await loadDocument(page, await protocol.toPageUrl(url));
    } catch (error) {
      if (this.destroyed) return;
      this.webContents.emit('did-fail-load', createEvent(), -2, String(error), url, true);
      throw new Error(`ERR_FAILED (-2) loading '${url}'`);
    } finally {
      this.expectedNavigation = null;
    }
    this.afterLoad();
  }

  private afterLoad(): void {
    if (this.destroyed) return;
    this.webContents.didFinishLoad();
    if (!this.readyToShowSent) {
      this.readyToShowSent = true;
      this.emit('ready-to-show');
    }
  }

  private async openPage(): Promise<Page> {
    const context = await browserContext();
    const page = await context.newPage();
    const contents = () => this.webContents;
    await page.exposeBinding('__sbDocumentStart', (source, url: string) => {
      if (source.frame === page.mainFrame()) contents().documentStarted(protocol.toAppUrl(url));
    });
    await page.exposeBinding('__sbIpcInvoke', (source, channel: string, args: unknown) => contents().invokeFromPage(source.frame, channel, args));
    await page.exposeBinding('__sbIpcSend', (source, channel: string, args: unknown) => contents().sendFromPage(source.frame, channel, args));
    await page.addInitScript(DOCUMENT_START_SCRIPT);
    if (this.constructorOptions.webPreferences?.preload) {
      const script = state.config.preloadScript;
      if (!script || !existsSync(script)) {
        throw new Error(`electron-double: the window has a preload but the harness preload bundle is missing (${script ?? 'not configured'})`);
      }
      await page.addInitScript({ path: script });
    }
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) contents().mainFrameNavigated(protocol.toAppUrl(frame.url()));
    });
    page.on('popup', (popup) => contents().popupOpened(popup));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      contents().consoleErrors.push(message.text());
      debug(`[page ${this.id} console.error]`, message.text());
    });
    page.on('pageerror', (error) => {
      contents().consoleErrors.push(error.message);
      debug(`[page ${this.id} error]`, error.message);
    });
    page.on('crash', () => {
      this.crashed = true;
      contents().emit('render-process-gone', createEvent(), { reason: 'crashed', exitCode: 1 });
    });
    await this.interceptNavigation(context, page);
    return page;
  }

  /**
   * Offers page-initiated main-frame document requests (http(s) and file alike) to
   * `will-navigate`, through the DevTools Fetch domain. Only documents are intercepted, so
   * the app's fetch/XHR traffic is untouched; loads main asked for are let through, as in
   * Electron, where `loadURL` does not emit `will-navigate`.
   */
  private async interceptNavigation(context: BrowserContext, page: Page): Promise<void> {
    const cdp: CDPSession = await context.newCDPSession(page);
    const { frameTree } = await cdp.send('Page.getFrameTree');
    const mainFrameId = frameTree.frame.id;
    cdp.on('Fetch.requestPaused', (event) => {
      const requestId = event.requestId;
      const url = protocol.toAppUrl(event.request.url);
      const isMain = event.frameId === mainFrameId;
      const mainInitiated = this.expectedNavigation !== null && this.expectedNavigation === url;
      const allowed = !isMain || mainInitiated || this.webContents.willNavigate(url);
      const reply = allowed
        ? cdp.send('Fetch.continueRequest', { requestId })
        : cdp.send('Fetch.failRequest', { requestId, errorReason: 'Aborted' });
      track(reply.catch((error: unknown) => debug('navigation interception failed', error)), `answering the interception of ${url}`);
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', resourceType: 'Document', requestStage: 'Request' }] });
  }
}

/**
 * Loads a document in the page and resolves on its load event, as `page.goto(url, { waitUntil:
 * 'load' })` would, but through DevTools: goto's answer carries a Response object, and under
 * load Playwright's client now and then receives it unbound ("Object with guid response@… was
 * not bound in the connection"), an uncaught error that also leaves goto pending forever.
 */
async function loadDocument(page: Page, url: string, timeoutMs = 30_000): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timeout ${timeoutMs}ms exceeded loading ${url}`)), timeoutMs);
  });
  const load = async () => {
    await cdp.send('Page.enable');
    const loaded = new Promise<void>((resolve) => cdp.once('Page.loadEventFired', () => resolve()));
    const { errorText } = await cdp.send('Page.navigate', { url });
    if (errorText) throw new Error(`${errorText} at ${url}`);
    await loaded;
  };
  try {
    await Promise.race([load(), timeout]);
  } finally {
    clearTimeout(timer);
    await cdp.detach().catch(() => undefined);
  }
}

function structuredCloneOptions(options: BrowserWindowConstructorOptions): BrowserWindowConstructorOptions {
  // Options hold only plain data here; a copy keeps later mutation by the caller out of the record.
  return { ...options, ...(options.webPreferences ? { webPreferences: { ...options.webPreferences } } : {}) };
}

export const BrowserWindow = BrowserWindowDouble;

// ---------------------------------------------------------------------------------------
// powerMonitor, net, clipboard, dialog

type PowerEvent = 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen';

/** `powerMonitor`: main listens; a test plays the OS (`simulate('suspend')`). */
export class PowerMonitorDouble extends EventEmitter {
  /** Test: the OS suspends, resumes, locks or unlocks (lock events exist on macOS and Windows only). */
  simulate(event: PowerEvent): void {
    if (!app.isReady()) throw new Error('powerMonitor cannot be used before the app is ready');
    if ((event === 'lock-screen' || event === 'unlock-screen') && state.config.platform === 'linux') {
      throw new Error(`powerMonitor does not emit ${event} on Linux`);
    }
    this.emit(event);
  }

  /** @internal */
  resetDouble(): void {
    this.removeAllListeners();
  }
}

export const powerMonitor = new PowerMonitorDouble();

/**
 * `net`: `fetch` goes through Node's fetch here, recording each request, so a test can prove
 * main used Chromium's stack (with the system proxy and certificates) and not Node's own.
 */
export const net = {
  /** Test: every URL main fetched through `net`, in order. */
  requests: [] as string[],
  fetch(input: string | Request, init?: RequestInit): Promise<Response> {
    if (!app.isReady()) return Promise.reject(new Error('net.fetch is only available once the app is ready'));
    const url = typeof input === 'string' ? input : input.url;
    this.requests.push(url);
    if (!state.config.online) return Promise.reject(new TypeError('net::ERR_INTERNET_DISCONNECTED'));
    return globalThis.fetch(input, init);
  },
  isOnline(): boolean {
    return state.config.online;
  },
  /** Test: the network comes or goes. */
  setOnline(online: boolean): void {
    state.config.online = online;
  },
  /**
   * `net.request`, over Node's http/https (which takes Electron's option shape: protocol,
   * hostname, port, path, method, headers); Electron-only options (session, redirect) are dropped.
   */
  request(options: { protocol?: string; hostname?: string; host?: string; port?: number | string; path?: string; method?: string; headers?: Record<string, string> }) {
    const { protocol = 'http:', hostname, host, port, path: requestPath = '/', method = 'GET', headers = {} } = options;
    net.requests.push(`${protocol}//${hostname ?? host}${port ? `:${port}` : ''}${requestPath}`);
    const transport = protocol === 'https:' ? httpsRequest : httpRequest;
    return transport({ protocol, hostname: hostname ?? host, port, path: requestPath, method, headers });
  },
};

/** `clipboard`. */
export const clipboard = {
  text: '',
  writeText(text: string): void {
    this.text = text;
  },
  readText(): string {
    return this.text;
  },
};

/** `dialog`: records error boxes (the only dialog usable before the app is ready). */
export const dialog = {
  errorBoxes: [] as Array<{ title: string; content: string }>,
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push({ title, content });
  },
};

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
