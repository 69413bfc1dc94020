/**
 * The ringer: a hidden window playing the ring cadence while a call rings.
 *
 * The ring is a separate page so it rings even while the agent's window is hidden or
 * busy, and stopping it is as final as destroying the window.
 */
import { ringerQuery, type AudioPreferences } from '../common/audio-preferences';
import type { BrowserWindowApi, BrowserWindowConstructor } from './electron-api';
import { createLogger, type Logger } from './log';
import { createSecureWindow } from './security';

/** Options of {@link Ringer}. */
export interface RingerOptions {
  /** Absolute path of the built `ring.html`. */
  /** The ring page's URL (`app://switchboard/ring.html`). */
  ringUrl: string;
  /** The agent's ringer device and volume (main's store), handed to the page in its URL's query. */
  ringerChoice?: () => Pick<AudioPreferences, 'ringer' | 'ringerVolume'>;
  log?: Logger;
}

/** Starts and stops the ring window. */
export class Ringer {
  private window: BrowserWindowApi | null = null;
  private readonly log: Logger;

  constructor(
    private readonly BrowserWindow: BrowserWindowConstructor,
    private readonly options: RingerOptions,
  ) {
    this.log = options.log ?? createLogger('ringer');
  }

  /** True while the ring window exists. */
  get isRinging(): boolean {
    return this.window !== null && !this.window.isDestroyed();
  }

  /** Starts ringing (no effect while already ringing). */
  start(): void {
    if (this.isRinging) return;
    const window = createSecureWindow(this.BrowserWindow, {
      show: false,
      width: 1,
      height: 1,
      skipTaskbar: true,
      focusable: false,
      title: 'Switchboard ring',
      // A hidden window is throttled by default; the ring must keep its cadence.
      backgroundThrottling: false,
    });
    this.window = window;
    window.on('closed', () => {
      if (this.window === window) this.window = null;
    });
    const choice = this.options.ringerChoice?.();
    window.loadURL(choice ? `${this.options.ringUrl}${ringerQuery(choice)}` : this.options.ringUrl).catch((error: unknown) => {
      this.log.error('The ring page failed to load', { error });
    });
    this.log.debug('Ringing');
  }

  /** Stops ringing by destroying the window. */
  stop(): void {
    const window = this.window;
    this.window = null;
    if (window && !window.isDestroyed()) window.destroy();
  }
}
