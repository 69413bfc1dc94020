/** `app` (see ./index.ts for what the double is). */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { createEvent, debug, state } from './state';

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

  /** Test: the counter badge `setBadgeCount` set (macOS Dock, Linux LauncherEntry docks). */
  badgeCount = 0;

  /**
   * Like Electron: macOS and Linux take the count (0 hides the badge; this double takes Linux's
   * LauncherEntry as present); on Windows it does nothing and returns false.
   */
  setBadgeCount(count = 0): boolean {
    if (state.config.platform !== 'darwin' && state.config.platform !== 'linux') return false;
    this.badgeCount = Math.max(0, Math.floor(count));
    return true;
  }

  getBadgeCount(): number {
    return this.badgeCount;
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
    for (const window of [...state.windows]) {
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
    for (const window of [...state.windows]) window.destroy();
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
    this.badgeCount = 0;
  }
}

export const app = new AppDouble();
