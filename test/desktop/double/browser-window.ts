/** `BrowserWindow`. */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, CDPSession, Page } from 'playwright';
import type { BrowserWindowConstructorOptions, NativeImage, WebPreferences } from 'electron';
import { app } from './app';
import { protocol } from './protocol';
import { browserContext, createEvent, debug, state, track } from './state';
import { DOCUMENT_START_SCRIPT, WebContentsDouble } from './web-contents';

/** `BrowserWindow`. */
export class BrowserWindowDouble extends EventEmitter {
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
  /** Test: the taskbar overlay `setOverlayIcon` set, with its description (Windows). */
  overlay: { image: NativeImage | null; description: string } | null = null;
  /** Windows only, like Electron (elsewhere the method does not exist). */
  readonly setOverlayIcon?: (overlay: NativeImage | null, description: string) => void;

  constructor(options: BrowserWindowConstructorOptions = {}) {
    super();
    if (!app.isReady()) throw new Error('Cannot create BrowserWindow before app is ready');
    this.constructorOptions = structuredCloneOptions(options);
    this.visible = options.show !== false;
    if (state.config.platform === 'win32') this.setOverlayIcon = (overlay, description) => void (this.overlay = { image: overlay, description });
    this.pagePromise = state.config.browser ? track(this.openPage(), `opening the page of window ${this.id}`) : null;
    // Errors surface when a test or loadURL awaits the page; keep them from being unhandled here.
    this.pagePromise?.catch(() => undefined);
    this.webContents = new WebContentsDouble(this);
    state.windows.add(this);
    app.emit('web-contents-created', createEvent(), this.webContents);
    app.emit('browser-window-created', createEvent(), this);
  }

  static getAllWindows(): BrowserWindowDouble[] {
    return [...state.windows] as BrowserWindowDouble[];
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
    state.windows.delete(this);
    this.webContents.markDestroyed();
    // Electron emits 'closed' from the native window's teardown, after destroy() returned.
    setImmediate(() => this.emit('closed'));
    if (this.pagePromise) track(this.pagePromise.then((page) => closePage(page, this.id)).catch(() => undefined), `closing the page of window ${this.id}`);
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
      // Electron emits it once the first paint is ready: a later tick than the load's end.
      setImmediate(() => {
        if (!this.destroyed) this.emit('ready-to-show');
      });
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

function structuredCloneOptions(options: BrowserWindowConstructorOptions): BrowserWindowConstructorOptions {
  // Options hold only plain data here; a copy keeps later mutation by the caller out of the record.
  return { ...options, ...(options.webPreferences ? { webPreferences: { ...options.webPreferences } } : {}) };
}

export const BrowserWindow = BrowserWindowDouble;

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

/** Resolves after `ms` (not keeping the process alive). */
function after(ms: number): Promise<'late'> {
  return new Promise((resolve) => setTimeout(() => resolve('late'), ms).unref());
}

/**
 * Electron's `destroy()` tears the renderer down without waiting for it; Playwright's
 * `page.close()` waits for the renderer to finish closing, and under load in CI it was seen
 * never to finish (twice in one run, on different windows). So the close is bounded: a page
 * still open after 10 s has its renderer crashed through DevTools (which ends it, as
 * Electron's teardown would), and the whole close gives up after 25 s — within `settle()`'s
 * 45 s — leaving the page to the browser context's own close at quit.
 */
async function closePage(page: Page, windowId: number): Promise<void> {
  const closed = page.close().then(() => 'closed' as const);
  if ((await Promise.race([closed, after(10_000)])) === 'closed') return;
  debug(`the page of window ${windowId} did not close in 10 s; crashing its renderer`);
  const crash = page
    .context()
    .newCDPSession(page)
    .then((cdp) => cdp.send('Page.crash'))
    .catch(() => undefined);
  await Promise.race([Promise.all([crash, closed]), after(15_000)]);
}
