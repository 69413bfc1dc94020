/**
 * Auto-update with electron-updater from a generic feed (a folder on any web server holding
 * what `npm run dist` wrote: `latest-linux.yml`, `latest.yml`, `latest-mac.yml` and the packages).
 *
 * Off unless `SWITCHBOARD_UPDATE_URL` names the feed: a contact center decides when its agents'
 * desktops change, so nothing is fetched by default. When on, main checks at start and every
 * few hours, downloads a newer version in the background and installs it when the app quits
 * (never during a call: the agent quits when they choose). Every step is logged; a failed
 * check is retried at the next interval and never disturbs the app.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLogger, type Logger } from './log';

/** The part of electron-updater's `AppUpdater` the service uses. */
export interface UpdaterApi {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  /** Lets an unpackaged build (development, the harness) use the configured feed. */
  forceDevUpdateConfig: boolean;
  logger: UpdaterLogger | null;
  /** The update configuration electron-updater reads (feed and cache folder). */
  updateConfigPath: string | null;
  checkForUpdates(): Promise<unknown>;
  on(event: 'checking-for-update', listener: () => void): unknown;
  on(event: 'update-available' | 'update-not-available' | 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown;
  on(event: 'error', listener: (error: Error, message?: string) => void): unknown;
}

/** electron-updater's logger interface. */
export interface UpdaterLogger {
  info(message?: unknown): void;
  warn(message?: unknown): void;
  error(message?: unknown): void;
  debug?(message: string): void;
}

/** Where the update stands. */
export type UpdateStatus =
  | { state: 'disabled' }
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'up-to-date'; version: string }
  | { state: 'downloading'; version: string; percent: number }
  | { state: 'downloaded'; version: string }
  | { state: 'error'; message: string };

/** The folder under the OS cache where downloads wait for the quit. */
export const UPDATER_CACHE_DIR = 'switchboard-updater';

/** How often a running app looks for a new version. */
export const UPDATE_CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000;

/** Options of {@link UpdateService}. */
export interface UpdateServiceOptions {
  /** The generic feed's URL; null = auto-update off. */
  feedUrl: string | null;
  /** Creates electron-updater's updater (only called when a feed is configured). */
  createUpdater: () => UpdaterApi;
  /** Where the service writes the updater's configuration (the app's user-data folder). */
  configDir: string;
  intervalMs?: number;
  log?: Logger;
}

/** Checks the feed, downloads in the background, installs on quit. */
export class UpdateService {
  private updater: UpdaterApi | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private current: UpdateStatus;
  private readonly log: Logger;

  constructor(private readonly options: UpdateServiceOptions) {
    this.log = options.log ?? createLogger('updater');
    this.current = options.feedUrl ? { state: 'idle' } : { state: 'disabled' };
  }

  /** The current state. */
  status(): UpdateStatus {
    return this.current;
  }

  /** Sets up the updater and checks now and every interval; does nothing when off. */
  start(): void {
    if (!this.options.feedUrl || this.updater) return;
    const updater = this.options.createUpdater();
    updater.logger = this.updaterLogger();
    updater.autoDownload = true;
    updater.autoInstallOnAppQuit = true;
    // The feed is configured explicitly, so a build that is not packaged uses it too.
    updater.forceDevUpdateConfig = true;
    // The configuration a packaged build would carry in resources/app-update.yml, written from
    // ours: the feed comes from the environment, not from the build, and a build without a
    // publish setting still downloads into its own cache folder.
    const configFile = path.join(this.options.configDir, 'app-update.yml');
    mkdirSync(this.options.configDir, { recursive: true });
    writeFileSync(configFile, `provider: generic\nurl: ${JSON.stringify(this.options.feedUrl)}\nupdaterCacheDirName: ${UPDATER_CACHE_DIR}\n`);
    updater.updateConfigPath = configFile;
    updater.on('checking-for-update', () => this.set({ state: 'checking' }));
    updater.on('update-not-available', (info) => this.set({ state: 'up-to-date', version: info.version }));
    updater.on('update-available', (info) => this.set({ state: 'downloading', version: info.version, percent: 0 }));
    updater.on('download-progress', (progress) => {
      if (this.current.state === 'downloading') this.current = { ...this.current, percent: Math.round(progress.percent) };
    });
    updater.on('update-downloaded', (info) => this.set({ state: 'downloaded', version: info.version }));
    updater.on('error', (error) => this.set({ state: 'error', message: error.message.split('\n')[0] ?? 'Update failed' }));
    this.updater = updater;
    void this.checkNow();
    this.timer = setInterval(() => void this.checkNow(), this.options.intervalMs ?? UPDATE_CHECK_INTERVAL_MS);
    this.timer.unref?.();
  }

  /** Asks the feed now; resolves with the state once the check (not the download) is done. */
  async checkNow(): Promise<UpdateStatus> {
    const updater = this.updater;
    if (!updater) return this.current;
    // A downloaded update waits for the quit; checking again would download it again.
    if (this.current.state === 'downloaded' || this.current.state === 'downloading') return this.current;
    try {
      await updater.checkForUpdates();
    } catch (error) {
      this.set({ state: 'error', message: error instanceof Error ? (error.message.split('\n')[0] ?? 'Update failed') : String(error) });
    }
    return this.current;
  }

  /** Stops the periodic check. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private set(status: UpdateStatus): void {
    this.current = status;
    if (status.state === 'error') this.log.warn('Update check failed', { message: status.message });
    else this.log.info('Update', { ...status });
  }

  private updaterLogger(): UpdaterLogger {
    const text = (message: unknown) => (message instanceof Error ? message.message : String(message));
    return {
      info: (message) => this.log.debug(text(message)),
      warn: (message) => this.log.warn(text(message)),
      error: (message) => this.log.debug(text(message)),
      debug: (message) => this.log.debug(message),
    };
  }
}
