/**
 * Launches Switchboard's real main process in this Node process, against the Electron
 * double, with windows opening in the Chromium the test provides.
 *
 *   const desktop = await launchDesktop({ browser, serverUrl, userDataDir });
 *   const page = await desktop.mainWindow();          // the renderer, preload inside
 *   desktop.electron.globalShortcut.press(desktop.shortcuts.answer);
 *   await desktop.quit();
 *
 * One app at a time per process (the double is a module singleton): quit before the next
 * launch. The harness bundle is built by the Playwright global setup; when it is missing
 * (a run without that setup) it is built here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { expect } from '@playwright/test';
import { buildHarness, DESKTOP_OUTPUTS, ROOT } from '../../scripts/build-desktop';
import type * as HarnessModule from './harness-entry';
import type { BrowserWindowDouble, NotificationDouble, TrayDouble } from './double';
import type { ShortcutConfig } from '../../main/config';
import { appUrlFor } from '../../main/protocol';
import { answersFrom, dialLinkArrivesBy, type DesktopDriver } from './platform-scenarios';
import { SDK_TIMEOUT } from './scenarios';

/** The double's module, as the harness bundle exports it. */
export type ElectronDouble = typeof HarnessModule.electron;

/** Where the built renderer is: dist/renderer, or SWITCHBOARD_RENDERER_DIST (a build elsewhere). */
const RENDERER_DIST = path.resolve(ROOT, process.env.SWITCHBOARD_RENDERER_DIST ?? 'dist/renderer');

/** Default locations of the built app (Vite builds the renderer, build-desktop the rest). */
export const DIST = {
  rendererIndex: path.join(RENDERER_DIST, 'index.html'),
  ringPage: path.join(RENDERER_DIST, 'ring.html'),
  incomingPage: path.join(RENDERER_DIST, 'incoming.html'),
  preload: DESKTOP_OUTPUTS.preload,
} as const;

/** Options of {@link launchDesktop}. */
export interface LaunchDesktopOptions {
  browser: Browser;
  /** The backend main talks to. */
  serverUrl: string;
  /** The app's user-data directory (electron-store writes there); reuse it to "restart". */
  userDataDir: string;
  /** Environment main reads its configuration from (shortcut overrides); process.env is not read. */
  env?: Record<string, string | undefined>;
  /** Defaults to dist/renderer/index.html. */
  rendererIndex?: string;
  /** Defaults to dist/renderer/ring.html. */
  ringPage?: string;
  /** The auto-update feed (SWITCHBOARD_UPDATE_URL); unset = auto-update off, as by default. */
  updateUrl?: string;
  /** The OS main and the double behave as (notification actions, lock events); linux by default. */
  platform?: NodeJS.Platform;
  /** The first start's command line (a tel: link). */
  argv?: string[];
  /** Defaults to dist/renderer/incoming.html. */
  incomingPage?: string;
  /** Set up the double before main starts (failing shortcuts, no encryption, ...). */
  configure?: (electron: ElectronDouble) => void | Promise<void>;
}

/**
 * The tray menu's labels with `callItems` for the call: Show, the call's items, the
 * incoming-window option (macOS and Windows, where notifications have buttons), Copy
 * diagnostics, Quit.
 */
export function trayMenu(platform: NodeJS.Platform, callItems: string[] = []): string[] {
  const option = platform === 'darwin' || platform === 'win32' ? ['Incoming calls in a window'] : [];
  return ['Show Switchboard', ...callItems, ...option, 'Copy diagnostics', 'Quit'];
}

/** A running desktop app in the harness. */
export interface DesktopApp {
  /** The OS main runs as. */
  readonly platform: NodeJS.Platform;
  /** The Electron double: tray, notifications, shortcuts, windows, safeStorage, session, shell. */
  readonly electron: ElectronDouble;
  /** The handle `startSwitchboard` returned. */
  readonly app: HarnessModule.SwitchboardHandle;
  /** The accelerators main was configured with. */
  readonly shortcuts: ShortcutConfig;
  /** Path of the electron-store file. */
  readonly storeFile: string;
  /** The main window's double. */
  mainWindow(): BrowserWindowDouble;
  /** The main window's page, once loaded. */
  mainPage(): Promise<Page>;
  /** Ring windows that exist now. */
  ringWindows(): BrowserWindowDouble[];
  /** Incoming-call windows that exist now. */
  incomingWindows(): BrowserWindowDouble[];
  /** The tray (throws when there is none). */
  tray(): TrayDouble;
  /** Notifications on screen. */
  activeNotifications(): NotificationDouble[];
  /** Quits the app (real quit path) and closes its pages. */
  quit(): Promise<void>;
}

let harnessModule: typeof HarnessModule | null = null;

/** Loads the harness bundle (building it first if it does not exist). */
export async function loadHarness(): Promise<typeof HarnessModule> {
  if (harnessModule) return harnessModule;
  if (!existsSync(DESKTOP_OUTPUTS.harnessMain) || !existsSync(DESKTOP_OUTPUTS.harnessPreload)) await buildHarness();
  const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
  harnessModule = requireFromRoot(DESKTOP_OUTPUTS.harnessMain) as typeof HarnessModule;
  return harnessModule;
}

/** Starts the real main process against the double. */
export async function launchDesktop(options: LaunchDesktopOptions): Promise<DesktopApp> {
  const harness = await loadHarness();
  const { electron } = harness;
  await electron.reset();
  electron.configure({
    browser: options.browser,
    userDataDir: options.userDataDir,
    preloadScript: DESKTOP_OUTPUTS.harnessPreload,
    platform: options.platform ?? 'linux',
  });
  await options.configure?.(electron);

  const rendererIndex = options.rendererIndex ?? DIST.rendererIndex;
  const ringPage = options.ringPage ?? DIST.ringPage;
  // Main serves every page from the renderer's folder: the incoming-call page is looked for there.
  const incomingPage = options.incomingPage ?? path.join(path.dirname(rendererIndex), 'incoming.html');
  for (const [name, file] of [['renderer', rendererIndex], ['ring page', ringPage]] as const) {
    if (!existsSync(file)) throw new Error(`The ${name} is not built: ${file} is missing (build the renderer with Vite first)`);
  }

  const config = harness.loadConfig({ ...options.env, SWITCHBOARD_SERVER_URL: options.serverUrl, SWITCHBOARD_UPDATE_URL: options.updateUrl });
  const store = harness.createStore(harness.VAULT_STORE_OPTIONS);
  const handle = harness.startSwitchboard(electron.default, {
    serverUrl: config.serverUrl,
    shortcuts: config.shortcuts,
    rendererIndex,
    ringPage,
    preloadPath: DIST.preload,
    store,
    // Start at login writes its XDG entry here, never into the real ~/.config.
    configHome: path.join(options.userDataDir, 'xdg-config'),
    execPath: '/opt/Switchboard/switchboard',
    updates: { feedUrl: config.updateUrl, createUpdater: harness.createUpdater, configDir: options.userDataDir },
    platform: options.platform ?? 'linux',
    env: options.env ?? {},
    argv: options.argv ?? [],
    incomingPage,
    logDir: path.join(options.userDataDir, 'logs'),
  });
  await handle.ready;

  const mainWindow = () => {
    const window = handle.mainWindow();
    if (!window) throw new Error('The app has no main window');
    return window as unknown as BrowserWindowDouble;
  };
  const ringUrl = appUrlFor(path.dirname(rendererIndex), ringPage);
  const incomingUrl = appUrlFor(path.dirname(rendererIndex), incomingPage);

  return {
    platform: options.platform ?? 'linux',
    electron,
    app: handle,
    shortcuts: config.shortcuts,
    storeFile: store.path,
    mainWindow,
    async mainPage() {
      const window = mainWindow();
      await window.loaded();
      return window.page();
    },
    ringWindows: () =>
      electron.BrowserWindow.getAllWindows().filter((window) => window.loadedUrl?.split('?')[0] === ringUrl && !window.isDestroyed()),
    incomingWindows: () =>
      electron.BrowserWindow.getAllWindows().filter((window) => window.loadedUrl?.split('?')[0] === incomingUrl && !window.isDestroyed()),
    tray() {
      const tray = electron.Tray.current();
      if (!tray) throw new Error('The app has no tray');
      return tray;
    },
    activeNotifications: () => electron.Notification.active(),
    async quit() {
      await handle.quit();
      await electron.settle();
      await electron.reset();
    },
  };
}

/**
 * The harness's {@link DesktopDriver}: the test plays the OS through the double (the
 * incoming-call window's page, the notification's action, open-url or second-instance, the
 * XDG entry or login item, powerMonitor) as the app's platform does.
 */
export function harnessDriver(desktop: DesktopApp): DesktopDriver {
  const { electron, platform } = desktop;
  return {
    platform,
    mainPage: () => desktop.mainPage(),
    hideMainWindow: async () => desktop.mainWindow().hide(),
    mainWindowVisible: async () => desktop.mainWindow().isVisible(),
    async expectRingingOutside() {
      await expect.poll(() => desktop.app.trayState().kind, { timeout: SDK_TIMEOUT }).toBe('ringing');
      await expect.poll(() => desktop.ringWindows().length).toBe(1);
      await expect.poll(() => desktop.activeNotifications().length).toBe(1);
      const actions = desktop.activeNotifications()[0]!.actions.map((action) => action.text);
      if (answersFrom(platform) === 'notification') {
        expect(actions).toEqual(['Answer', 'Decline']);
        expect(desktop.incomingWindows()).toEqual([]);
      } else {
        // Electron shows no buttons on a Linux notification: the incoming-call window offers them.
        expect(actions).toEqual([]);
        await expect.poll(() => desktop.incomingWindows().length).toBe(1);
      }
    },
    async answerOutside() {
      if (answersFrom(platform) === 'notification') {
        desktop.activeNotifications()[0]!.clickAction(0);
        return;
      }
      const window = desktop.incomingWindows()[0]!;
      await window.loaded();
      const page = await window.page();
      // Answer closes the window: it may be gone before the click's answer comes back.
      await page.getByTestId('incoming-window-answer').click().catch((error: unknown) => {
        if (!page.isClosed()) throw error;
      });
    },
    trayKind: async () => desktop.app.trayState().kind,
    async openLink(link) {
      if (dialLinkArrivesBy(platform) === 'open-url') expect(electron.app.simulateOpenUrl(link)).toBe(true);
      else electron.app.simulateSecondInstance(['/opt/Switchboard/switchboard', link]);
    },
    async opensAtLogin() {
      if (platform !== 'linux') return electron.app.getLoginItemSettings().openAtLogin;
      return existsSync(path.join(electron.app.getPath('userData'), 'xdg-config', 'autostart', 'switchboard.desktop'));
    },
    powerEvent: async (event) => electron.powerMonitor.simulate(event),
  };
}
