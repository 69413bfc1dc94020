/**
 * The badge on the desktop app's icon, as the web app has one on its favicon and title: the
 * missed calls the agent has not seen, "!" while a call rings (`appBadge` in common/).
 *
 * - macOS and Linux: `app.setBadgeCount` (the Dock; on Linux the docks and taskbars that
 *   follow the LauncherEntry D-Bus API, matched by the `.desktop` name). A number only, so
 *   the missed count: that a call rings is said there by the tray icon, the notification and
 *   the ringer.
 * - Windows: an overlay on the taskbar button (`BrowserWindow.setOverlayIcon`), drawn in code
 *   (`badgeOverlayDataUrl`), with a description for screen readers.
 *
 * Main already sees both inputs, so nothing new crosses IPC: the missed count in the desk's
 * badge answers it passes on (`unseen` and `seen`, `main/agent-desk.ts`), the ringing in the
 * renderer's `CallSummary` (a call ringing, or waiting during a call), never worked out again.
 */
import { appBadge, badgeText } from '../common/app-badge';
import type { CallSummary } from '../common/call-state';
import type { AppApi, BrowserWindowApi, NativeImageModule } from './electron-api';
import { badgeOverlayDataUrl } from './icons';
import { createLogger, type Logger } from './log';

/** What {@link AppBadge} needs. */
export interface AppBadgeDeps {
  platform: NodeJS.Platform;
  app: Pick<AppApi, 'setBadgeCount'>;
  nativeImage: NativeImageModule;
  /** The main window when it exists: Windows shows the overlay on its taskbar button. */
  window(): BrowserWindowApi | null;
  log?: Logger;
}

/** Keeps the OS badge of the app's icon in step with the missed calls and the ringing call. */
export class AppBadge {
  private missed = 0;
  private ringing = false;
  /** What was last handed to the OS (and to which window, on Windows), so nothing is redrawn for nothing. */
  private applied: { key: string; window: BrowserWindowApi | null } | null = null;
  private unsupportedLogged = false;
  private readonly log: Logger;

  constructor(private readonly deps: AppBadgeDeps) {
    this.log = deps.log ?? createLogger('badge');
  }

  /** The desk's badge answer: missed calls the agent has not seen. */
  setMissed(missed: number): void {
    this.missed = missed;
    this.render();
  }

  /** The renderer's call summary. */
  setCall(summary: CallSummary): void {
    this.ringing = summary.phase === 'ringing' || (summary.phase === 'active' && summary.waiting !== undefined);
    this.render();
  }

  /** Signed out, or the session ended: no badge. */
  clear(): void {
    this.missed = 0;
    this.ringing = false;
    this.render();
  }

  /** What the badge says now ('!', '3', '99+'), null for none. */
  text(): string | null {
    return appBadge(this.ringing, this.missed);
  }

  /** Puts the badge on the icon again, e.g. on a main window created since. */
  render(): void {
    if (this.deps.platform === 'win32') this.renderOverlay();
    else if (this.deps.platform === 'darwin' || this.deps.platform === 'linux') this.renderCount();
  }

  private renderCount(): void {
    const key = String(this.missed);
    if (this.applied?.key === key) return;
    this.applied = { key, window: null };
    if (!this.deps.app.setBadgeCount(this.missed) && !this.unsupportedLogged) {
      this.unsupportedLogged = true;
      this.log.info('This desktop shows no badge count on the app icon', { platform: this.deps.platform });
    }
  }

  private renderOverlay(): void {
    const window = this.deps.window();
    if (!window?.setOverlayIcon) return;
    const text = this.text();
    const key = text ?? '';
    if (this.applied?.key === key && this.applied.window === window) return;
    this.applied = { key, window };
    window.setOverlayIcon(text === null ? null : this.deps.nativeImage.createFromDataURL(badgeOverlayDataUrl(text)), describe(this.ringing, this.missed));
  }
}

/** The overlay's meaning in words. */
function describe(ringing: boolean, missed: number): string {
  if (ringing) return 'Incoming call';
  if (missed === 0) return '';
  return `${badgeText(missed)} missed call${missed === 1 ? '' : 's'}`;
}
