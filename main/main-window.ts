/**
 * The agent's window: hides to the tray on close (agents keep the app all day), really
 * closes only when the app quits.
 */
import type { BrowserWindowApi, BrowserWindowConstructor } from './electron-api';
import { createLogger, type Logger } from './log';
import { createSecureWindow } from './security';

/** The window's size: a softphone, not a dashboard. */
export const MAIN_WINDOW_SIZE = { width: 420, height: 640, minWidth: 360, minHeight: 520 } as const;

/** Options of {@link MainWindowController}. */
export interface MainWindowOptions {
  /** The renderer's URL (`app://switchboard/index.html`). */
  rendererUrl: string;
  preloadPath: string;
  /** True once the app is quitting: closing must then really close. */
  isQuitting(): boolean;
  /** Called for every new window, so IPC can trust its web contents. */
  onCreated(window: BrowserWindowApi): void;
  /** The renderer process died (`reason` as Electron gives it); the call state it owned is gone. */
  onRendererGone?(reason: string, contents: BrowserWindowApi['webContents']): void;
  /** Where no tray icon can be seen, closing minimises instead of hiding (hidden, the window could not be found again). */
  closeMinimizes?: boolean;
  log?: Logger;
}

/** Creates the main window on demand and shows it. */
export class MainWindowController {
  private window: BrowserWindowApi | null = null;
  private readonly log: Logger;

  constructor(
    private readonly BrowserWindow: BrowserWindowConstructor,
    private readonly options: MainWindowOptions,
  ) {
    this.log = options.log ?? createLogger('window');
  }

  /** The window, if it exists. */
  get(): BrowserWindowApi | null {
    return this.window && !this.window.isDestroyed() ? this.window : null;
  }

  /** Creates the window (once) and starts loading the renderer. */
  create(): BrowserWindowApi {
    const existing = this.get();
    if (existing) return existing;
    const window = createSecureWindow(this.BrowserWindow, {
      ...MAIN_WINDOW_SIZE,
      title: 'Switchboard',
      show: false,
      autoHideMenuBar: true,
      preload: this.options.preloadPath,
      // The SDK must keep its connection and timers alive while the window sits hidden in the tray.
      backgroundThrottling: false,
    });
    this.window = window;
    window.once('ready-to-show', () => window.show());
    window.on('close', (event) => {
      if (this.options.isQuitting()) return;
      event.preventDefault();
      if (this.options.closeMinimizes) window.minimize();
      else window.hide();
    });
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    window.webContents.on('render-process-gone', (_event, details) => {
      this.log.error('The renderer process is gone', { reason: details.reason });
      this.options.onRendererGone?.(details.reason, window.webContents);
    });
    this.options.onCreated(window);
    window.loadURL(this.options.rendererUrl).catch((error: unknown) => {
      this.log.error('The renderer failed to load', { error });
    });
    return window;
  }

  /** Shows and focuses the window, creating it if needed. */
  show(): void {
    const window = this.get() ?? this.create();
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }
}
