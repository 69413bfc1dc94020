/**
 * Start at login, the agent's choice.
 *
 * macOS and Windows keep the setting themselves (`app.setLoginItemSettings`, the login items /
 * the Run key); Electron does nothing there on Linux, where desktops start what
 * `~/.config/autostart/*.desktop` lists (the XDG Autostart specification). In both cases the
 * OS is the only record: the option reads back what the OS will do, so it cannot disagree
 * with it, and it is off until the agent turns it on.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppApi } from './electron-api';
import { createLogger, type Logger } from './log';

/** The autostart entry's file name (the same name as the installed .desktop file). */
export const AUTOSTART_FILE = 'switchboard.desktop';

/** Options of {@link Autostart}. */
export interface AutostartOptions {
  platform: NodeJS.Platform;
  app: Pick<AppApi, 'getLoginItemSettings' | 'setLoginItemSettings'>;
  /** The executable the OS starts (an AppImage's path when run from one). */
  execPath: string;
  /** `$XDG_CONFIG_HOME`, else `~/.config` (Linux). */
  configHome?: string;
  log?: Logger;
}

/** The config folder XDG names: `$XDG_CONFIG_HOME` when absolute, else `~/.config`. */
export function xdgConfigHome(env: Record<string, string | undefined>, home = os.homedir()): string {
  const configured = env.XDG_CONFIG_HOME;
  return configured && path.isAbsolute(configured) ? configured : path.join(home, '.config');
}

/** Quotes an argument for a desktop entry's `Exec` key (Desktop Entry Specification, "Exec"). */
export function quoteExecArgument(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `"${value.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The XDG autostart entry that starts `execPath`. */
export function autostartEntry(execPath: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Switchboard',
    'Comment=Softphone for contact-center agents',
    `Exec=${quoteExecArgument(execPath)}`,
    'Icon=switchboard',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Reads and changes whether Switchboard starts when the user logs in. */
export class Autostart {
  private readonly log: Logger;

  constructor(private readonly options: AutostartOptions) {
    this.log = options.log ?? createLogger('autostart');
  }

  /** Always true on Linux, macOS and Windows; false elsewhere. */
  get supported(): boolean {
    return ['linux', 'darwin', 'win32'].includes(this.options.platform);
  }

  /** The XDG autostart file (Linux). */
  get entryPath(): string {
    return path.join(this.options.configHome ?? xdgConfigHome(process.env), 'autostart', AUTOSTART_FILE);
  }

  /** True when the OS will start Switchboard at login. */
  isEnabled(): boolean {
    if (!this.supported) return false;
    if (this.options.platform === 'linux') {
      try {
        const entry = readFileSync(this.entryPath, 'utf8');
        // A user may have switched it off in the desktop's own settings.
        return !/^(Hidden=true|X-GNOME-Autostart-enabled=false)$/m.test(entry);
      } catch {
        return false;
      }
    }
    return this.options.app.getLoginItemSettings(this.loginItemQuery()).openAtLogin;
  }

  /** Turns start at login on or off; returns what the OS now says. */
  setEnabled(enabled: boolean): boolean {
    if (!this.supported) return false;
    if (this.options.platform === 'linux') {
      if (enabled) {
        mkdirSync(path.dirname(this.entryPath), { recursive: true });
        writeFileSync(this.entryPath, autostartEntry(this.options.execPath), { mode: 0o644 });
      } else {
        rmSync(this.entryPath, { force: true });
      }
    } else {
      this.options.app.setLoginItemSettings({ openAtLogin: enabled, ...this.loginItemQuery() });
    }
    this.log.info(enabled ? 'Start at login turned on' : 'Start at login turned off');
    return this.isEnabled();
  }

  /** Windows keys the Run entry by executable path; macOS uses the app bundle. */
  private loginItemQuery(): { path?: string } {
    return this.options.platform === 'win32' ? { path: this.options.execPath } : {};
  }
}
