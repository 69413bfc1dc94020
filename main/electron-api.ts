/**
 * The part of Electron the main process uses, as structural interfaces.
 *
 * Modules take these (not the `electron` module itself) so unit tests pass small fakes
 * and the desktop harness passes its Electron double. The shapes are cut from
 * `electron.d.ts`: `main/index.ts` hands the real module to `startSwitchboard`, so the
 * compiler checks that real Electron satisfies every interface here.
 */
import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  Event,
  HandlerDetails,
  LoginItemSettings,
  LoginItemSettingsOptions,
  Settings,
  MenuItemConstructorOptions,
  NativeImage,
  NotificationActionEventParams,
  NotificationConstructorOptions,
  PermissionCheckHandlerHandlerDetails,
  PermissionRequest,
  SafeStorage,
  GlobalShortcut,
  WebContentsWillNavigateEventParams,
  WindowOpenHandlerResponse,
} from 'electron';

/** `WebFrameMain`, as far as sender validation needs it. */
export interface WebFrameApi {
  readonly url: string;
  /** Null for a main frame. */
  readonly parent: unknown;
}

/** `IpcMainEvent` / `IpcMainInvokeEvent`, as far as sender validation needs it. */
export interface IpcEventApi {
  readonly sender: { readonly id: number };
  readonly senderFrame: WebFrameApi | null;
}

/** `ipcMain`. Only `main/ipc.ts` touches it. */
export interface IpcMainApi {
  handle(channel: string, listener: (event: IpcEventApi, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcEventApi, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventApi, ...args: unknown[]) => void): unknown;
}

/** `WebContents`. */
export interface WebContentsApi {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  getURL(): string;
  isDestroyed(): boolean;
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void;
  on(event: 'will-navigate', listener: (event: Event<WebContentsWillNavigateEventParams>) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: Event) => void): unknown;
  on(event: 'did-navigate', listener: (event: Event, url: string) => void): unknown;
  on(event: 'render-process-gone', listener: (event: Event, details: { reason: string }) => void): unknown;
  /** A same-document navigation (the incoming-call page's `#answer` / `#decline`). */
  on(event: 'did-navigate-in-page', listener: (event: Event, url: string, isMainFrame: boolean) => void): unknown;
  /** Loads the current page again (a new renderer process after a crash). */
  reload(): void;
}

/** `BrowserWindow` instances. */
export interface BrowserWindowApi {
  readonly webContents: WebContentsApi;
  loadFile(filePath: string): Promise<void>;
  loadURL(url: string): Promise<void>;
  show(): void;
  /** Shows without taking the keyboard focus (the incoming-call window). */
  showInactive(): void;
  hide(): void;
  focus(): void;
  minimize(): void;
  isVisible(): boolean;
  isMinimized(): boolean;
  restore(): void;
  destroy(): void;
  isDestroyed(): boolean;
  /** Windows only (Electron defines it there alone): a small image over the taskbar button, and what it means in words. */
  setOverlayIcon?(overlay: NativeImageApi | null, description: string): void;
  on(event: 'close', listener: (event: Event) => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
}

/** The `BrowserWindow` class. */
export interface BrowserWindowConstructor {
  new (options?: BrowserWindowConstructorOptions): BrowserWindowApi;
}

/**
 * `NativeImage`, kept as Electron's own type: `new Tray(image)` is checked strictly, so a
 * double hands out objects it declares as `NativeImage`.
 */
export type NativeImageApi = NativeImage;

/** The `nativeImage` module. */
export interface NativeImageModule {
  createFromDataURL(dataURL: string): NativeImageApi;
}

/** A built menu: main only hands it to the tray. */
export type MenuApi = object;

/** The `Menu` class, as far as building a context menu goes. */
export interface MenuModule {
  buildFromTemplate(template: MenuItemConstructorOptions[]): MenuApi;
}

/** `Tray` instances. */
export interface TrayApi {
  setImage(image: NativeImageApi): void;
  setToolTip(toolTip: string): void;
  setContextMenu(menu: MenuApi | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
  isDestroyed(): boolean;
}

/** The `Tray` class. */
export interface TrayConstructor {
  new (image: NativeImageApi): TrayApi;
}

/** `Notification` instances. */
export interface NotificationApi {
  show(): void;
  close(): void;
  on(
    event: 'action',
    listener: (event: Event<NotificationActionEventParams>, actionIndex: number) => void,
  ): unknown;
  on(event: 'click' | 'close', listener: (event: Event) => void): unknown;
  on(event: 'failed', listener: (event: Event, error: string) => void): unknown;
}

/** The `Notification` class. */
export interface NotificationConstructor {
  new (options?: NotificationConstructorOptions): NotificationApi;
  isSupported(): boolean;
}

/** `globalShortcut`. */
export type GlobalShortcutApi = Pick<GlobalShortcut, 'register' | 'unregister' | 'isRegistered'>;

/** `safeStorage`. `getSelectedStorageBackend` exists on Linux only. */
export type SafeStorageApi = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

/** What `setPermissionRequestHandler` receives (media requests add `mediaTypes`). */
export type PermissionRequestHandler = (
  webContents: { getURL(): string },
  permission: string,
  callback: (permissionGranted: boolean) => void,
  details: PermissionRequest & { mediaTypes?: Array<'video' | 'audio'>; securityOrigin?: string },
) => void;

/** What `setPermissionCheckHandler` receives. */
export type PermissionCheckHandler = (
  webContents: { getURL(): string } | null,
  permission: string,
  requestingOrigin: string,
  details: PermissionCheckHandlerHandlerDetails,
) => boolean;

/** `session.defaultSession`, as far as the permission policy goes. */
export interface SessionApi {
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void;
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void;
}

/** The `session` module. Only usable once the app is ready. */
export interface SessionModule {
  readonly defaultSession: SessionApi;
}

/** `shell`. */
export interface ShellApi {
  openExternal(url: string): Promise<void>;
}

/** `protocol`: the app's pages are served on a privileged scheme (`main/protocol.ts`). */
export interface ProtocolApi {
  /** Only before the app is ready. */
  registerSchemesAsPrivileged(customSchemes: CustomScheme[]): void;
  /** Only once the app is ready. */
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

/** `app`. */
export interface AppApi {
  whenReady(): Promise<void>;
  quit(): void;
  requestSingleInstanceLock(): boolean;
  enableSandbox(): void;
  setAppUserModelId(id: string): void;
  /** macOS and Windows (start at login, `main/autostart.ts`). */
  getLoginItemSettings(options?: LoginItemSettingsOptions): Pick<LoginItemSettings, 'openAtLogin'>;
  setLoginItemSettings(settings: Settings): void;
  /** macOS (the Dock) and Linux (docks that follow LauncherEntry, by the `.desktop` name); 0 hides it. False where it did not take. */
  setBadgeCount(count?: number): boolean;
  on(event: 'before-quit' | 'will-quit', listener: (event: Event) => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'quit', listener: (event: Event, exitCode: number) => void): unknown;
  on(event: 'second-instance', listener: (event: Event, argv: string[], workingDirectory: string) => void): unknown;
  on(event: 'web-contents-created', listener: (event: Event, webContents: WebContentsApi) => void): unknown;
  /** macOS: a URL of a scheme the app handles (tel:, callto:) was opened. */
  on(event: 'open-url', listener: (event: Event, url: string) => void): unknown;
  releaseSingleInstanceLock(): void;
  exit(exitCode?: number): void;
  readonly isPackaged: boolean;
  getVersion(): string;
  getPath(name: 'logs' | 'userData'): string;
  setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean;
  isDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean;
  readonly commandLine: { appendSwitch(the_switch: string, value?: string): void };
}

/** `powerMonitor` (lock-screen / unlock-screen fire on macOS and Windows only). */
export interface PowerMonitorApi {
  on(event: 'suspend' | 'resume' | 'lock-screen' | 'unlock-screen', listener: () => void): unknown;
}

/** `net`: Chromium's network stack (system proxy, PAC, OS certificate store). */
export interface NetApi {
  fetch(input: string, init?: RequestInit): Promise<Response>;
  isOnline(): boolean;
}

/** `clipboard`. */
export interface ClipboardApi {
  writeText(text: string): void;
}

/** `dialog`, as far as a start-up failure goes (`showErrorBox` works before ready). */
export interface DialogApi {
  showErrorBox(title: string, content: string): void;
}

/** The subset of the `electron` module `startSwitchboard` takes. */
export interface SwitchboardElectron {
  app: AppApi;
  BrowserWindow: BrowserWindowConstructor;
  Tray: TrayConstructor;
  Menu: MenuModule;
  Notification: NotificationConstructor;
  globalShortcut: GlobalShortcutApi;
  safeStorage: SafeStorageApi;
  ipcMain: IpcMainApi;
  nativeImage: NativeImageModule;
  session: SessionModule;
  shell: ShellApi;
  protocol: ProtocolApi;
  powerMonitor: PowerMonitorApi;
  net: NetApi;
  clipboard: ClipboardApi;
  dialog: DialogApi;
}
