/**
 * Small fakes of the Electron APIs main takes, typed by Electron's own declarations
 * (through the interfaces in main/electron-api.ts, which are cut from electron.d.ts).
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type {
  Event as ElectronEvent,
  HandlerDetails,
  MenuItemConstructorOptions,
  NativeImage,
  NotificationConstructorOptions,
  SafeStorage,
  WindowOpenHandlerResponse,
} from 'electron';
import type {
  GlobalShortcutApi,
  IpcEventApi,
  IpcMainApi,
  MenuApi,
  NativeImageModule,
  NotificationApi,
  SafeStorageApi,
  TrayApi,
  WebContentsApi,
} from '../../../main/electron-api';
import type { VaultEntry, VaultStore } from '../../../main/vault';
import { SessionAuthority } from '../../../main/session-authority';

/** An Electron event object. */
export function electronEvent<P extends object = object>(params?: P): ElectronEvent<P> {
  let prevented = false;
  const event = { ...(params ?? {}), preventDefault: () => void (prevented = true) } as Record<string, unknown>;
  Object.defineProperty(event, 'defaultPrevented', { get: () => prevented });
  return event as unknown as ElectronEvent<P>;
}

/** `safeStorage` with real AES-GCM, switchable availability and backend. */
export class FakeSafeStorage implements SafeStorageApi {
  available = true;
  backend: ReturnType<SafeStorage['getSelectedStorageBackend']> = 'gnome_libsecret';
  private key = randomBytes(32);

  isEncryptionAvailable(): boolean {
    return this.available;
  }

  getSelectedStorageBackend(): ReturnType<SafeStorage['getSelectedStorageBackend']> {
    return this.backend;
  }

  encryptString(plainText: string): Buffer {
    if (!this.available) throw new Error('Encryption is not available.');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from('v11'), iv, cipher.getAuthTag(), body]);
  }

  decryptString(encrypted: Buffer): string {
    if (!this.available) throw new Error('Decryption is not available.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, encrypted.subarray(3, 15));
      decipher.setAuthTag(encrypted.subarray(15, 31));
      return Buffer.concat([decipher.update(encrypted.subarray(31)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
  }

  /** The keyring lost its key. */
  rotateKey(): void {
    this.key = randomBytes(32);
  }
}

/** An electron-store-like store over a plain object, serialisable like the real file. */
export class MemoryStore implements VaultStore {
  readonly data: Record<string, unknown> = {};

  get(key: string): unknown {
    return this.data[key];
  }

  set(key: string, value: unknown): void {
    this.data[key] = structuredClone(value);
  }

  delete(key: string): void {
    delete this.data[key];
  }

  /** What electron-store would write to disk. */
  fileText(): string {
    return JSON.stringify(this.data, null, '\t');
  }
}

/** `webContents`, recording what main sends. */
export class FakeWebContents extends EventEmitter implements WebContentsApi {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  url = 'app://switchboard/index.html';
  destroyed = false;
  windowOpenHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | null = null;

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }

  getURL(): string {
    return this.url;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.windowOpenHandler = handler;
  }

  /** Test: how often main reloaded the page. */
  reloads = 0;

  reload(): void {
    this.reloads += 1;
  }

  /** Emits will-navigate; true when nobody prevented it. */
  navigate(url: string): boolean {
    const event = electronEvent({ url, isSameDocument: false, isMainFrame: true, frame: null });
    this.emit('will-navigate', event, url);
    return !event.defaultPrevented;
  }

  /** Asks the window-open handler, as `window.open(url)` would. */
  open(url: string): WindowOpenHandlerResponse | null {
    return (
      this.windowOpenHandler?.({
        url,
        frameName: '',
        features: '',
        disposition: 'new-window',
        referrer: { url: this.url, policy: 'strict-origin-when-cross-origin' },
      }) ?? null
    );
  }
}

type IpcListener = (event: IpcEventApi, ...args: unknown[]) => unknown;

/** `ipcMain`, with helpers that play the renderer. */
export class FakeIpcMain implements IpcMainApi {
  readonly handlers = new Map<string, IpcListener>();
  readonly listeners = new Map<string, Set<IpcListener>>();

  handle(channel: string, listener: IpcListener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  on(channel: string, listener: IpcListener): this {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return this;
  }

  removeListener(channel: string, listener: IpcListener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }

  /** `ipcRenderer.invoke` from `event`'s sender. */
  async invoke(event: IpcEventApi, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }

  /** `ipcRenderer.send` from `event`'s sender. */
  send(event: IpcEventApi, channel: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(event, ...args);
  }
}

/** An IPC event as Electron builds it for a call from `contents`' main frame at `url`. */
export function ipcEventFrom(contents: { id: number }, url: string, parent: unknown = null): IpcEventApi {
  return { sender: contents, senderFrame: { url, parent } };
}

/** A `NativeImage` that remembers the data URL it came from. */
export class FakeImage {
  constructor(readonly dataUrl: string) {}

  isEmpty(): boolean {
    return this.dataUrl.length === 0;
  }

  toDataURL(): string {
    return this.dataUrl;
  }
}

/** `nativeImage`. */
export const fakeNativeImage: NativeImageModule = {
  createFromDataURL: (dataURL: string) => new FakeImage(dataURL) as unknown as NativeImage,
};

/** A built menu: the template it came from. */
export class FakeMenu {
  constructor(readonly template: MenuItemConstructorOptions[]) {}

  labels(): string[] {
    return this.template.filter((item) => item.type !== 'separator').map((item) => item.label ?? '');
  }

  click(label: string): void {
    const item = this.template.find((candidate) => candidate.label === label);
    if (!item?.click) throw new Error(`No clickable item ${label}`);
    item.click(item as never, undefined, {} as never);
  }
}

/** `Menu`. */
export const fakeMenu = { buildFromTemplate: (template: MenuItemConstructorOptions[]): MenuApi => new FakeMenu(template) };

/** `Tray`, recording its state. */
export class FakeTray extends EventEmitter implements TrayApi {
  static instances: FakeTray[] = [];
  image: NativeImage;
  toolTip = '';
  menu: FakeMenu | null = null;
  destroyed = false;

  constructor(image: NativeImage) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }

  setImage(image: NativeImage): void {
    this.image = image;
  }

  setToolTip(toolTip: string): void {
    this.toolTip = toolTip;
  }

  setContextMenu(menu: MenuApi | null): void {
    this.menu = menu as FakeMenu | null;
  }

  destroy(): void {
    this.destroyed = true;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  imageUrl(): string {
    return (this.image as unknown as FakeImage).dataUrl;
  }
}

/** `Notification`, recording instances. */
export class FakeNotification extends EventEmitter implements NotificationApi {
  static instances: FakeNotification[] = [];
  static supported = true;
  shown = false;
  closed = false;

  constructor(readonly options: NotificationConstructorOptions = {}) {
    super();
    FakeNotification.instances.push(this);
  }

  static isSupported(): boolean {
    return FakeNotification.supported;
  }

  show(): void {
    this.shown = true;
  }

  close(): void {
    this.closed = true;
  }

  /** The OS reports a click on action `index` (Electron ≥ 31 passes the index in the event too). */
  clickAction(index: number, { legacyOnly = false } = {}): void {
    const event = legacyOnly ? electronEvent() : electronEvent({ actionIndex: index, selectionIndex: -1 });
    this.emit('action', event, index);
  }
}

/** `globalShortcut`, with accelerators that can be made to fail. */
export class FakeGlobalShortcut implements GlobalShortcutApi {
  readonly callbacks = new Map<string, () => void>();
  readonly taken = new Set<string>();
  readonly invalid = new Set<string>();

  register(accelerator: string, callback: () => void): boolean {
    if (this.invalid.has(accelerator)) throw new TypeError(`Error processing argument at index 0, conversion failure from ${accelerator}`);
    if (this.taken.has(accelerator) || this.callbacks.has(accelerator)) return false;
    this.callbacks.set(accelerator, callback);
    return true;
  }

  unregister(accelerator: string): void {
    this.callbacks.delete(accelerator);
  }

  isRegistered(accelerator: string): boolean {
    return this.callbacks.has(accelerator);
  }

  press(accelerator: string): boolean {
    const callback = this.callbacks.get(accelerator);
    callback?.();
    return Boolean(callback);
  }
}

/** CallController's collaborators as spies: tray, notifier, ringer, command and window sinks. */
export function fakeCallControllerDeps() {
  return {
    tray: { setState: vi.fn() },
    notifier: { ring: vi.fn(), dismiss: vi.fn() },
    ringer: { start: vi.fn(), stop: vi.fn() },
    sendCommand: vi.fn(),
    showWindow: vi.fn(),
    log: createRecordingLogger(),
  };
}

/**
 * A real {@link SessionAuthority} over an in-memory vault holding `credential` (null:
 * signed out). `ended` records every `onEnded` reason (`undefined` for a sign-out).
 */
export function testAuthority(credential: string | null, ended: Array<string | undefined> = []): SessionAuthority & { ended: Array<string | undefined> } {
  let entry: VaultEntry | null = credential === null ? null : { refreshToken: credential, agent: { name: 'Jane', display_name: 'Jane Doe' } };
  const vault = {
    read: () => (entry ? { ...entry } : null),
    save: (next: VaultEntry) => void (entry = { ...next }),
    clear: () => void (entry = null),
  };
  const authority = new SessionAuthority({ vault, onEnded: (reason) => ended.push(reason), log: createRecordingLogger() });
  return Object.assign(authority, { ended });
}
