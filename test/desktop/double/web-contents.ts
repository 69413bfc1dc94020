/** `WebContents` and `WebFrameMain`. */
import { EventEmitter } from 'node:events';
import type { Frame, Page } from 'playwright';
import type { HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import type { IpcEventApi, WebFrameApi } from '../../../main/electron-api';
import { ipcMain } from './ipc-main';
import { protocol } from './protocol';
import { defaultSession } from './session';
import { createEvent, debug, state, track } from './state';

type WindowOpenHandler = (details: HandlerDetails) => WindowOpenHandlerResponse;

/** The init script that tells the double a new document started in the main frame. */
export const DOCUMENT_START_SCRIPT = `(() => {
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

export function frameDouble(frame: Frame): FrameDouble {
  const parent = frame.parentFrame();
  return { url: protocol.toAppUrl(frame.url()), parent: parent ? frameDouble(parent) : null, name: frame.name() };
}

/** What a web contents needs of its window (`BrowserWindowDouble`). */
export interface WindowOwner {
  readonly id: number;
  readonly loadedUrl: string | null;
  currentPage(): Promise<Page> | null;
  loadURL(url: string): Promise<void>;
  destroy(): void;
}

/** The IPC event main's listeners receive: `IpcMainEvent` / `IpcMainInvokeEvent` as far as the double builds them. */
export type IpcEventDouble = IpcEventApi & {
  readonly sender: WebContentsDouble;
  readonly processId: number;
  readonly frameId: number;
  readonly type: 'frame';
  preventDefault(): void;
  readonly defaultPrevented: boolean;
};

/**
 * Test: the IPC event Electron builds for a call from `sender`. `frame` is the sending frame:
 * a URL for a main frame there, a {@link FrameDouble} (a subframe has a `parent`), or `null`
 * for a frame that navigated away or was destroyed before main looked at the event (Electron
 * then gives a null `senderFrame`). Without `frame`: the sender's main frame at its URL.
 */
export function ipcEventFrom(sender: WebContentsDouble, frame: string | FrameDouble | null = sender.mainFrame): IpcEventDouble {
  const senderFrame = typeof frame === 'string' ? { url: frame, parent: null, name: '' } : frame;
  return createEvent({ sender, senderFrame, processId: sender.processId, frameId: 0, type: 'frame' as const }) as unknown as IpcEventDouble;
}

/**
 * `WebContents`: a window's (`new BrowserWindow().webContents`, with a page when a browser is
 * configured), or standalone (`new WebContentsDouble()`: no window, no page, as a unit test
 * of main wants one): `loadURL` then only moves its URL and emits the navigation events.
 */
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
  /** Test: how often main reloaded the page. */
  reloads = 0;
  private url = '';
  private destroyed = false;
  private dispatchChain: Promise<void> = Promise.resolve();

  constructor(private readonly owner: WindowOwner | null = null) {
    super();
  }

  /** The page of the current renderer process (a new one after a crash and reload). */
  private get page(): Promise<Page> | null {
    return this.owner?.currentPage() ?? null;
  }

  /** @internal The renderer process id IPC events carry (one per window here). */
  get processId(): number {
    return this.owner?.id ?? this.id;
  }

  /** Loads `url`: in the window's page, or (standalone) only the navigation's events. */
  loadURL(url: string): Promise<void> {
    if (this.destroyed) return Promise.reject(new Error('Object has been destroyed'));
    if (this.owner) return this.owner.loadURL(url);
    this.documentStarted(url);
    this.didFinishLoad();
    return Promise.resolve();
  }

  /** Loads the current URL again; after a crash, in a new renderer process (a new page). */
  reload(): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.reloads += 1;
    const url = this.owner ? this.owner.loadedUrl : this.url || null;
    if (url) this.loadURL(url).catch((error: unknown) => debug('reload failed', error));
  }

  /** Closes the page: its window's destroy, or (standalone) the web contents alone. */
  close(): void {
    if (this.owner) this.owner.destroy();
    else this.markDestroyed();
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
    track(this.dispatchChain, `send(${channel}) to web contents ${this.id}`);
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

  /**
   * Test: an IPC call whose frame navigated away or was destroyed before main looked at it:
   * Electron gives such an event a null `senderFrame`. Resolves with main's answer, or rejects.
   */
  invokeFromGoneFrame(channel: string, args: unknown[] = []): Promise<unknown> {
    return ipcMain.invokeFromRenderer(this.ipcEventWithoutFrame(), channel, args);
  }

  /** Test: `ipcRenderer.send` from a frame that is gone (null `senderFrame`). */
  sendFromGoneFrame(channel: string, args: unknown[] = []): void {
    ipcMain.sendFromRenderer(this.ipcEventWithoutFrame(), channel, args);
  }

  private ipcEventWithoutFrame(): IpcEventDouble {
    return ipcEventFrom(this, null);
  }

  private ipcEvent(frame: Frame): IpcEventDouble {
    // Electron: null once the frame navigated or was destroyed.
    return ipcEventFrom(this, frame.isDetached() ? null : frameDouble(frame));
  }
}

export function sameDocument(a: string, b: string): boolean {
  return a.split('#')[0] === b.split('#')[0];
}
