import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Autostart, autostartEntry, quoteExecArgument, xdgConfigHome } from '../../../main/autostart';
import { createRecordingLogger } from '../../../main/log';

/** `app`'s login item, as macOS and Windows keep it. */
function fakeApp() {
  const calls: Array<{ openAtLogin?: boolean; path?: string }> = [];
  let openAtLogin = false;
  return {
    calls,
    getLoginItemSettings: () => ({ openAtLogin }),
    setLoginItemSettings: (settings: { openAtLogin?: boolean; path?: string }) => {
      calls.push(settings);
      openAtLogin = settings.openAtLogin ?? false;
    },
  };
}

let configHome: string;
beforeEach(() => {
  configHome = mkdtempSync(path.join(os.tmpdir(), 'sb-autostart-'));
});
afterEach(() => rmSync(configHome, { recursive: true, force: true }));

describe('start at login', () => {
  it('Linux: writes and removes an XDG autostart entry, and never touches login items', () => {
    const app = fakeApp();
    const autostart = new Autostart({ platform: 'linux', app, execPath: '/opt/Switchboard/switchboard', configHome, log: createRecordingLogger() });
    expect(autostart.supported).toBe(true);
    expect(autostart.isEnabled()).toBe(false);
    expect(autostart.setEnabled(true)).toBe(true);
    const entry = readFileSync(path.join(configHome, 'autostart', 'switchboard.desktop'), 'utf8');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(entry).toContain('Exec=/opt/Switchboard/switchboard\n');
    expect(autostart.setEnabled(false)).toBe(false);
    expect(existsSync(path.join(configHome, 'autostart', 'switchboard.desktop'))).toBe(false);
    expect(autostart.setEnabled(false)).toBe(false); // turning off twice is fine
    expect(app.calls).toEqual([]);
  });

  it('Linux: an entry the user disabled in the desktop settings reads as off', () => {
    mkdirSync(path.join(configHome, 'autostart'));
    writeFileSync(path.join(configHome, 'autostart', 'switchboard.desktop'), `${autostartEntry('/x')}Hidden=true\n`);
    expect(new Autostart({ platform: 'linux', app: fakeApp(), execPath: '/x', configHome }).isEnabled()).toBe(false);
  });

  it('Windows: sets the login item for the executable; macOS: for the app', () => {
    const win = fakeApp();
    const onWindows = new Autostart({ platform: 'win32', app: win, execPath: 'C:\\Users\\jane\\AppData\\Local\\Programs\\Switchboard\\Switchboard.exe', configHome, log: createRecordingLogger() });
    expect(onWindows.isEnabled()).toBe(false);
    expect(onWindows.setEnabled(true)).toBe(true);
    expect(win.calls).toEqual([{ openAtLogin: true, path: 'C:\\Users\\jane\\AppData\\Local\\Programs\\Switchboard\\Switchboard.exe' }]);
    const mac = fakeApp();
    const onMac = new Autostart({ platform: 'darwin', app: mac, execPath: '/Applications/Switchboard.app/Contents/MacOS/Switchboard', configHome, log: createRecordingLogger() });
    expect(onMac.setEnabled(true)).toBe(true);
    expect(onMac.setEnabled(false)).toBe(false);
    expect(mac.calls).toEqual([{ openAtLogin: true }, { openAtLogin: false }]);
    expect(existsSync(path.join(configHome, 'autostart'))).toBe(false);
  });

  it('is unsupported elsewhere', () => {
    const autostart = new Autostart({ platform: 'freebsd', app: fakeApp(), execPath: '/x', configHome });
    expect(autostart.supported).toBe(false);
    expect(autostart.setEnabled(true)).toBe(false);
  });

  it('quotes the executable for the Exec key and finds the XDG config folder', () => {
    expect(quoteExecArgument('/opt/Switchboard/switchboard')).toBe('/opt/Switchboard/switchboard');
    expect(quoteExecArgument('/home/j s/My "Apps"/$witch\\board')).toBe('"/home/j s/My \\"Apps\\"/\\$witch\\\\board"');
    expect(xdgConfigHome({ XDG_CONFIG_HOME: '/cfg' }, '/home/jane')).toBe('/cfg');
    expect(xdgConfigHome({ XDG_CONFIG_HOME: 'relative' }, '/home/jane')).toBe('/home/jane/.config');
    expect(xdgConfigHome({}, '/home/jane')).toBe('/home/jane/.config');
  });
});
