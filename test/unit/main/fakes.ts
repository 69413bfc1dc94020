/**
 * Helpers for main's unit tests. The Electron objects come from the one Electron double
 * (test/desktop/double: safeStorage, Notification, Tray, Menu, nativeImage, globalShortcut,
 * events), which the desktop harness uses too. What is left here is not yet merged:
 * `FakeWebContents` (a web contents without a window or page) and `ipcEventFrom`, and
 * non-Electron helpers (store, authority, spies).
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';
import { createEvent } from '../../desktop/double';
import { createRecordingLogger } from '../../../main/log';
import type { HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import type { IpcEventApi, WebContentsApi } from '../../../main/electron-api';
import type { VaultEntry, VaultStore } from '../../../main/vault';
import { SessionAuthority } from '../../../main/session-authority';

/** An Electron event object: the one double's (test/desktop/double). */
export { createEvent as electronEvent } from '../../desktop/double';

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
    const event = createEvent({ url, isSameDocument: false, isMainFrame: true, frame: null });
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

/** An IPC event as Electron builds it for a call from `contents`' main frame at `url`. */
export function ipcEventFrom(contents: { id: number }, url: string, parent: unknown = null): IpcEventApi {
  return { sender: contents, senderFrame: { url, parent } };
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
