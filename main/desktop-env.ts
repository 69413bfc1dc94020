/**
 * What the desktop the app runs on can do, decided once at start: notification buttons,
 * a visible tray, Wayland's global-shortcuts portal. Every platform difference main acts on
 * is read from here, so the rest of main asks a question instead of testing `platform`.
 */
import type { AppApi } from './electron-api';

/** The facts about the agent's desktop. */
export interface DesktopEnvironment {
  platform: NodeJS.Platform;
  /** Electron shows notification action buttons on macOS and Windows only. */
  notificationActions: boolean;
  /** A Linux Wayland session (`XDG_SESSION_TYPE=wayland`). */
  wayland: boolean;
  /**
   * Whether a tray icon can be seen. Stock GNOME shows none without the AppIndicator
   * extension (Ubuntu's GNOME ships it); `SWITCHBOARD_TRAY=on|off` overrides the guess.
   */
  trayVisible: boolean;
}

/** Decides the {@link DesktopEnvironment} from the platform and the environment variables. */
export function detectDesktop(platform: NodeJS.Platform, env: Record<string, string | undefined>): DesktopEnvironment {
  const linux = platform === 'linux';
  const desktops = (env.XDG_CURRENT_DESKTOP ?? '').toLowerCase().split(':');
  const override = env.SWITCHBOARD_TRAY?.trim().toLowerCase();
  const stockGnome = linux && desktops.includes('gnome') && !desktops.includes('ubuntu') && !desktops.includes('unity');
  return {
    platform,
    notificationActions: platform === 'darwin' || platform === 'win32',
    wayland: linux && env.XDG_SESSION_TYPE?.toLowerCase() === 'wayland',
    trayVisible: override === 'on' ? true : override === 'off' ? false : !stockGnome,
  };
}

/**
 * Under Wayland, global shortcuts work only through the desktop's GlobalShortcuts portal,
 * which Chromium uses only when asked (before the app is ready).
 */
export function enablePlatformFeatures(app: Pick<AppApi, 'commandLine'>, desktop: DesktopEnvironment): void {
  if (desktop.wayland) app.commandLine.appendSwitch('enable-features', 'GlobalShortcutsPortal');
}
