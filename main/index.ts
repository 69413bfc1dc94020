/**
 * The Electron entry (bundled to `dist/main/main.cjs`): real Electron in, Switchboard out.
 */
import path from 'node:path';
import * as electron from 'electron';
import Store from 'electron-store';
import * as electronUpdater from 'electron-updater';
import { startSwitchboard } from './app';
import { loadConfig, VAULT_STORE_OPTIONS } from './config';
import { failStartup } from './recovery';

// The bundle sits in dist/main; the renderer and preload are its siblings.
const dist = path.resolve(__dirname, '..');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  // A deployment mistake (a bad SWITCHBOARD_SERVER_URL): say so in a dialog, not a silent exit.
  failStartup(electron, error);
  throw error;
}

const handle = startSwitchboard(electron, {
  serverUrl: config.serverUrl,
  shortcuts: config.shortcuts,
  rendererIndex: path.join(dist, 'renderer', 'index.html'),
  ringPage: path.join(dist, 'renderer', 'ring.html'),
  preloadPath: path.join(dist, 'preload', 'preload.cjs'),
  store: new Store<Record<string, unknown>>(VAULT_STORE_OPTIONS),
  // Started at login: an AppImage must be started through its image, not its mount point.
  execPath: process.env.APPIMAGE ?? process.execPath,
  // electron-updater's updater is created only when a feed is configured (off by default).
  updates: {
    feedUrl: config.updateUrl,
    createUpdater: () => electronUpdater.autoUpdater,
    configDir: electron.app.getPath('userData'),
  },
});

// Lets the real-Electron test suite reach the handle through `electronApp.evaluate`;
// main-process code only, nothing a renderer can see.
if (process.env.SWITCHBOARD_TEST_HANDLE === '1') {
  (globalThis as { switchboard?: typeof handle }).switchboard = handle;
}
