/**
 * Switchboard's main process, assembled.
 *
 * `startSwitchboard` takes the Electron modules it uses as an argument, so the same code
 * runs in Electron (`main/index.ts`) and in the desktop test harness (an Electron double).
 * All state lives in the objects created here; nothing is module-global.
 */
import path from 'node:path';
import type { CallSummary } from '../common/call-state';
import type { ShortcutStatus } from '../common/ipc-contract';
import { BackendClient } from './backend-client';
import { CallController } from './call-controller';
import { DEFAULT_SHORTCUTS, type ShortcutConfig } from './config';
import type { BrowserWindowApi, SwitchboardElectron } from './electron-api';
import { IpcBridge } from './ipc';
import { createLogger } from './log';
import { MainWindowController } from './main-window';
import { IncomingCallNotifier } from './notifications';
import { Autostart } from './autostart';
import { UpdateService, type UpdateStatus, type UpdaterApi } from './updater';
import { appUrlFor, registerAppScheme, serveAppScheme } from './protocol';
import { Ringer } from './ringer';
import { createAppUrlPolicy, installAppSecurity, installPermissionPolicy } from './security';
import { CallContextService } from './call-context';
import { CallControlService } from './call-control';
import { AgentDeskService } from './agent-desk';
import { AppBadge } from './app-badge';
import { AgentStatusService, SessionService } from './session';
import { SessionAuthority } from './session-authority';
import { StatusStream } from './status-stream';
import { ShortcutManager } from './shortcuts';
import { TrayController, type TrayState } from './tray';
import { TokenVault, type VaultStore } from './vault';
import os from 'node:os';
import type { AgentStatus } from '../common/backend-api';
import { ClickToDial } from './click-to-dial';
import { detectDesktop, enablePlatformFeatures } from './desktop-env';
import { IncomingCallWindow } from './incoming-window';
import { openLogFile, type LogFile } from './logging';
import { PowerWatcher } from './power';
import { failStartup, formatDiagnostics, RendererRecovery } from './recovery';
import { DesktopSettings } from './settings';

/** Windows groups notifications and taskbar entries by this id. */
export const APP_USER_MODEL_ID = 'com.switchboard.agent';

/** Options of {@link startSwitchboard}. */
export interface SwitchboardOptions {
  /** The backend, e.g. `http://127.0.0.1:3030`. */
  serverUrl: string;
  /** Absolute path of `dist/renderer/index.html`; its folder is served as `app://switchboard/`. */
  rendererIndex: string;
  /** Absolute path of `dist/renderer/ring.html` (in the same folder). */
  ringPage: string;
  /** Absolute path of `dist/preload/preload.cjs`. */
  preloadPath: string;
  /** Where the vault keeps the encrypted credential (electron-store). */
  store: VaultStore;
  /** Accelerators; defaults from `main/config.ts`. */
  shortcuts?: Partial<ShortcutConfig>;
  /** `fetch` for the backend client (tests). */
  fetch?: typeof fetch;
  /** `process.platform` unless a test says otherwise. */
  platform?: NodeJS.Platform;
  /** The executable started at login (`process.execPath`, or the AppImage). */
  execPath?: string;
  /** The XDG config folder for the autostart entry (Linux); `$XDG_CONFIG_HOME` or `~/.config` by default. */
  configHome?: string;
  /** Auto-update: the generic feed (null or absent = off) and electron-updater's updater. */
  updates?: { feedUrl: string | null; createUpdater: () => UpdaterApi; configDir: string };
  /** Environment (`XDG_SESSION_TYPE`, `XDG_CURRENT_DESKTOP`, `SWITCHBOARD_TRAY`); `process.env` unless a test says otherwise. */
  env?: Record<string, string | undefined>;
  /** The first start's command line, where a tel:/callto:/sip: link may be; `process.argv` by default. */
  argv?: readonly string[];
  /** Absolute path of `dist/renderer/incoming.html`; by default beside the renderer's index. */
  incomingPage?: string;
  /** Where `main.log` goes; `app.getPath('logs')` by default. */
  logDir?: string;
}

/** A running Switchboard, as `index.ts` and the tests hold it. */
export interface SwitchboardHandle {
  /** False when another instance holds the single-instance lock (this one is quitting). */
  readonly primary: boolean;
  /** Resolves once the app is ready and the main window was created; rejects if startup failed. */
  readonly ready: Promise<void>;
  /** The main window, if it exists. */
  mainWindow(): BrowserWindowApi | null;
  /** Shows and focuses the main window. */
  showWindow(): void;
  /** The call as the renderer last reported it. */
  callSummary(): CallSummary;
  /** The tray's state. */
  trayState(): TrayState;
  /** True while the ring window exists. */
  isRinging(): boolean;
  /** Registration status of the global shortcuts. */
  shortcutStatus(): ShortcutStatus;
  /** Where auto-update stands (`disabled` without a feed). */
  updateStatus(): UpdateStatus;
  /** Checks the update feed now. */
  checkForUpdates(): Promise<UpdateStatus>;
  /**
   * The same entry points the shortcuts, notification and tray use, for the real-Electron
   * test suite (which cannot press OS-level shortcuts or click OS notifications).
   */
  simulate: {
    answerShortcut(): void;
    hangupShortcut(): void;
    muteShortcut(): void;
    holdShortcut(): void;
  };
  /** Quits the app; resolves once shutdown ran. */
  quit(): Promise<void>;
}

const log = createLogger('app');

/** Starts the main process. Call once, before the app is ready. */
export function startSwitchboard(electron: SwitchboardElectron, options: SwitchboardOptions): SwitchboardHandle {
  const { app } = electron;
  const platform = options.platform ?? process.platform;

  let logFile: LogFile | null = null;
  try {
    logFile = openLogFile(options.logDir ?? app.getPath('logs'));
  } catch (error) {
    log.warn('No log file: logging to the console only', { error });
  }
  const desktop = detectDesktop(platform, options.env ?? process.env);
  enablePlatformFeatures(app, desktop);

  if (!app.requestSingleInstanceLock()) {
    logFile?.close();
    log.info('Switchboard is already running; handing over to it');
    app.quit();
    return inactiveHandle();
  }

  // The pages are served from their folder on app:// (main/protocol.ts), never from file://.
  const rendererDir = path.dirname(options.rendererIndex);
  const rendererUrl = appUrlFor(rendererDir, options.rendererIndex);
  const ringUrl = appUrlFor(rendererDir, options.ringPage);
  const incomingUrl = appUrlFor(rendererDir, options.incomingPage ?? path.join(rendererDir, 'incoming.html'));
  registerAppScheme(electron.protocol);
  const urls = createAppUrlPolicy([rendererUrl, ringUrl]);
  // The incoming-call page may be navigated to (its own window), never asks for permissions or IPC.
  const navigableUrls = createAppUrlPolicy([rendererUrl, ringUrl, incomingUrl]);
  const rendererUrls = createAppUrlPolicy([rendererUrl]);
  installAppSecurity(app, electron.shell, navigableUrls);
  if (platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

  let quitting = false;
  let resolveQuit!: () => void;
  const quitDone = new Promise<void>((resolve) => (resolveQuit = resolve));
  app.on('before-quit', () => {
    quitting = true;
  });
  // Closing the last window must not end the app: it lives in the tray.
  app.on('window-all-closed', () => {});

  const ipc = new IpcBridge(electron.ipcMain, { isAppPage: (url) => rendererUrls.isAppPage(url) });
  const accelerators: ShortcutConfig = { ...DEFAULT_SHORTCUTS, ...definedOnly(options.shortcuts) };
  /** Dial links that arrive before the window exists (macOS `open-url` at launch). */
  const clickToDial = new ClickToDial({
    app,
    platform,
    onRequest: (request) => {
      ipc.sendToRenderer('dial:request', { ok: true, ...request });
      window?.show();
    },
    onInvalid: (message) => {
      ipc.sendToRenderer('dial:request', { ok: false, message });
      window?.show();
    },
  });

  // Created once the app is ready (Electron refuses tray, notifications, shortcuts and
  // sessions before); the handle reads them through these.
  let window: MainWindowController | null = null;
  let tray: TrayController | null = null;
  let ringer: Ringer | null = null;
  let shortcuts: ShortcutManager | null = null;
  let calls: CallController | null = null;
  let notifier: IncomingCallNotifier | null = null;
  let statusStreamRef: StatusStream | null = null;
  const updates = new UpdateService({
    feedUrl: options.updates?.feedUrl ?? null,
    configDir: options.updates?.configDir ?? '.',
    createUpdater: () => {
      if (!options.updates) throw new Error('No updater');
      return options.updates.createUpdater();
    },
  });
  let incomingWindow: IncomingCallWindow | null = null;
  let power: PowerWatcher | null = null;

  const requestQuit = () => {
    quitting = true;
    app.quit();
  };

  app.on('will-quit', () => {
    updates.stop();
    power?.stop();
    incomingWindow?.close();
    statusStreamRef?.stop();
    shortcuts?.unregister();
    ringer?.stop();
    notifier?.dismiss();
    tray?.destroy();
    ipc.dispose();
    log.info('Shut down');
    logFile?.close();
  });
  app.on('quit', () => resolveQuit());

  const ready = app.whenReady().then(() => {
    installPermissionPolicy(electron.session.defaultSession, urls);
    serveAppScheme(electron.protocol, rendererDir);
    const vault = new TokenVault(electron.safeStorage, options.store, { platform });
    // Chromium's network stack: the system proxy (PAC included) and the OS certificate store, as the renderer has.
    const netFetch = ((input: string, init?: RequestInit) => electron.net.fetch(input, init)) as typeof fetch;
    const backend = new BackendClient({ baseUrl: options.serverUrl, fetch: options.fetch ?? netFetch });
    const settings = new DesktopSettings(options.store);
    let lastStatus: AgentStatus | null = null;

    const mainWindow = new MainWindowController(electron.BrowserWindow, {
      rendererUrl,
      preloadPath: options.preloadPath,
      isQuitting: () => quitting,
      onCreated: (created) => ipc.attach(created.webContents),
      onRendererGone: (reason, contents) => {
        ipc.rendererGone();
        recovery.gone(contents, reason);
      },
      closeMinimizes: !desktop.trayVisible,
    });
    const recovery = new RendererRecovery({
      callSummary: () => calls?.current() ?? { phase: 'idle' },
      resetCalls: () => {
        calls?.reset();
        badge.setCall({ phase: 'idle' });
      },
      recoverCall: (call) => ipc.sendToRenderer('call:recover', call),
      gaveUp: (message) => electron.dialog.showErrorBox('Switchboard', message),
    });
    window = mainWindow;

    const trayController = new TrayController(electron, {
      show: () => mainWindow.show(),
      answer: () => callController.answer('tray'),
      decline: () => callController.decline('tray'),
      hangup: () => callController.hangup('tray'),
      control: (action) => callController.control(action, 'tray'),
      quit: requestQuit,
    });
    tray = trayController;
    const incoming = new IncomingCallNotifier(electron.Notification, {
      answer: (callId) => callController.answer('notification', callId),
      decline: (callId) => callController.decline('notification', callId),
      show: () => mainWindow.show(),
      failed: (callId, from, ringOptions) => callWindow.show(callId, from, ringOptions),
    });
    notifier = incoming;
    const ring = new Ringer(electron.BrowserWindow, { ringUrl, ringerChoice: () => settings.audio() });
    ringer = ring;
    const callWindow = new IncomingCallWindow(electron.BrowserWindow, {
      pageUrl: incomingUrl,
      accelerators,
      actions: {
        answer: (callId) => callController.answer('window', callId),
        decline: (callId) => callController.decline('window', callId),
      },
    });
    incomingWindow = callWindow;
    /** Where notifications carry no buttons the window is how to answer; elsewhere the agent's choice. */
    const useCallWindow = () => !desktop.notificationActions || settings.get().incomingWindow;
    const alerts = {
      ring(callId: string, from: string, ringOptions?: { waiting?: boolean }) {
        incoming.ring(callId, from, ringOptions);
        if (!useCallWindow()) return;
        callWindow.show(callId, from, ringOptions);
        callContexts
          .get(callId)
          .then((context) => callWindow.setContext(callId, context))
          .catch(() => undefined);
      },
      dismiss() {
        incoming.dismiss();
        callWindow.close();
      },
    };
    const callController = new CallController({
      tray: trayController,
      notifier: alerts,
      ringer: ring,
      sendCommand: (command) => ipc.sendToRenderer('call:command', command),
      showWindow: () => mainWindow.show(),
    });
    calls = callController;
    // The app icon's badge: missed calls not yet seen (from the desk's answers), "!" while a call rings.
    const badge = new AppBadge({ platform, app, nativeImage: electron.nativeImage, window: () => mainWindow.get() });

    /** The one owner of the credential: every 401 and every `session-ended` ends the session here, the same way. */
    const authority = new SessionAuthority({
      vault,
      // The session is over (signed out, or ended by the backend with a reason to show): no stream, no alerts.
      onEnded: (reason) => {
        statusStream.stop();
        callController.reset();
        badge.clear();
        if (reason !== undefined) ipc.sendToRenderer('session:ended', { reason });
      },
    });
    const credential = () => authority.credential();
    const statusStream = new StatusStream({
      backend,
      authority,
      onStatus: (status) => {
        lastStatus = status.status;
        ipc.sendToRenderer('status:changed', status);
      },
    });
    const session = new SessionService({ backend, authority });
    statusStreamRef = statusStream;
    const agentStatus = new AgentStatusService({ backend, authority });
    const callContexts = new CallContextService({ backend, authority });
    const callControl = new CallControlService({ backend, authority });
    const agentDesk = new AgentDeskService({ backend, authority, onMissedBadge: ({ missed }) => badge.setMissed(missed) });

    ipc.handle('session:restore', async () => {
      const restored = await session.restore();
      if (restored) statusStream.start();
      return restored;
    });
    ipc.handle('auth:login', async ({ name, password }) => {
      const outcome = await session.login(name, password);
      if (outcome.ok) statusStream.start();
      return outcome;
    });
    ipc.handle('auth:logout', () => session.logout());
    ipc.handle('token:sdk', () => session.sdkToken());
    ipc.handle('status:get', () => agentStatus.get());
    ipc.handle('status:set', ({ status, reason }) => agentStatus.set(status, reason));
    ipc.handle('status:away-reasons', () => agentStatus.awayReasons());
    ipc.handle('status:voice', ({ state }) => agentStatus.reportVoice(state));
    ipc.handle('call:context', ({ callId }) => callContexts.get(callId));
    ipc.handle('call:control', (request) => callControl.run(request));
    ipc.handle('call:transfer-targets', () => callControl.targets());
    ipc.handle('desk:request', (request) => agentDesk.run(request));
    ipc.handle('voicemail:audio', ({ id }) => agentDesk.voicemailAudio(id));
    ipc.handle('call:quality', ({ callId, summary }) => callControl.saveQuality(callId, summary));
    ipc.handle('shortcuts:status', () => shortcutManager.status());
    const autostart = new Autostart({
      platform,
      app,
      execPath: options.execPath ?? process.execPath,
      ...(options.configHome ? { configHome: options.configHome } : {}),
    });
    const desktopSettings = () => ({ openAtLogin: { supported: autostart.supported, enabled: autostart.isEnabled() } });
    ipc.handle('settings:get', desktopSettings);
    ipc.handle('settings:set', ({ openAtLogin }) => {
      autostart.setEnabled(openAtLogin);
      return desktopSettings();
    });
    ipc.handle('audio:get', () => settings.audio());
    ipc.handle('audio:set', (preferences) => settings.setAudio(preferences));
    ipc.on('call:state', (summary) => {
      callController.update(summary);
      badge.setCall(summary);
    });

    const shortcutManager = new ShortcutManager(electron.globalShortcut, {
      accelerators,
      handlers: {
        answer: () => callController.answer('shortcut'),
        hangup: () => callController.hangupOrDecline('shortcut'),
        mute: () => callController.toggleMute('shortcut'),
        hold: () => callController.toggleHold('shortcut'),
      },
      // Queued until the renderer is ready, so a failure always reaches the screen (and the tray menu).
      onStatus: (status) => {
        ipc.sendToRenderer('shortcuts:status', status);
        renderTrayExtras();
      },
    });
    shortcuts = shortcutManager;

    const copyDiagnostics = () => {
      const text = formatDiagnostics({
        appVersion: app.getVersion(),
        versions: pickVersions(process.versions),
        platform,
        arch: process.arch,
        osRelease: os.release(),
        desktop: { ...desktop },
        serverUrl: options.serverUrl,
        settings: { ...settings.get() },
        shortcuts: shortcutManager.status(),
        signedInAs: authority.agent()?.name ?? null,
        logFile: logFile?.path ?? null,
        logLines: logFile?.tail(80) ?? [],
      });
      electron.clipboard.writeText(text);
      log.info('Diagnostics copied to the clipboard');
    };
    const renderTrayExtras = () => {
      const status = shortcutManager.status();
      const notes = (['answer', 'hangup'] as const)
        .filter((kind) => !status[kind].registered && status[kind].accelerator)
        .map((kind) => `${kind === 'answer' ? 'Answer' : 'Hang-up'} shortcut ${status[kind].accelerator} unavailable`);
      trayController.setExtras({
        notes,
        ...(desktop.notificationActions
          ? {
              incomingWindow: {
                checked: settings.get().incomingWindow,
                toggle: (on: boolean) => {
                  settings.setIncomingWindow(on);
                  renderTrayExtras();
                },
              },
            }
          : {}),
        copyDiagnostics,
      });
    };
    shortcutManager.register();

    ipc.on('log:write', ({ level, message }) => logFile?.writeRenderer(level, message));

    const powerWatcher = new PowerWatcher({
      powerMonitor: electron.powerMonitor,
      net: electron.net,
      signedIn: () => credential() !== null,
      lastStatus: () => lastStatus,
      getStatus: async () => (await agentStatus.get()).status,
      // Away with the backend's built-in reason, "System (sleep or lock)".
      setStatus: (status) => (status === 'away' ? agentStatus.awayForSystem() : agentStatus.set(status)),
      stream: statusStream,
      rebuildVoice: (after) => ipc.sendToRenderer('system:resumed', { after }),
    });
    power = powerWatcher;
    powerWatcher.start();

    app.on('second-instance', (_event, argv) => {
      mainWindow.show();
      clickToDial.fromArgv(argv);
    });
    // The stored session's token and config are asked for while the page loads, not after.
    session.prefetch();
    mainWindow.create();
    updates.start();
    clickToDial.register();
    clickToDial.fromArgv(options.argv ?? process.argv);
    log.info('Started', { server: options.serverUrl, platform, wayland: desktop.wayland, tray: desktop.trayVisible });
  });
  ready.catch((error: unknown) => {
    failStartup(electron, error, logFile?.path);
    logFile?.close();
  });

  return {
    primary: true,
    ready,
    mainWindow: () => window?.get() ?? null,
    showWindow: () => window?.show(),
    callSummary: () => calls?.current() ?? { phase: 'idle' },
    trayState: () => tray?.state() ?? { kind: 'idle' },
    isRinging: () => ringer?.isRinging ?? false,
    shortcutStatus: () =>
      shortcuts?.status() ?? {
        answer: { accelerator: accelerators.answer, registered: false, error: 'Not registered yet' },
        hangup: { accelerator: accelerators.hangup, registered: false, error: 'Not registered yet' },
        ...(accelerators.mute ? { mute: { accelerator: accelerators.mute, registered: false, error: 'Not registered yet' } } : {}),
        ...(accelerators.hold ? { hold: { accelerator: accelerators.hold, registered: false, error: 'Not registered yet' } } : {}),
      },
    updateStatus: () => updates.status(),
    checkForUpdates: () => updates.checkNow(),
    simulate: {
      answerShortcut: () => void calls?.answer('shortcut'),
      hangupShortcut: () => void calls?.hangupOrDecline('shortcut'),
      muteShortcut: () => void calls?.toggleMute('shortcut'),
      holdShortcut: () => void calls?.toggleHold('shortcut'),
    },
    async quit() {
      await ready.catch(() => undefined);
      requestQuit();
      await quitDone;
    },
  };
}

function pickVersions(versions: NodeJS.ProcessVersions): Partial<Record<'electron' | 'chrome' | 'node' | 'v8', string>> {
  const picked: Partial<Record<'electron' | 'chrome' | 'node' | 'v8', string>> = {};
  for (const name of ['electron', 'chrome', 'node', 'v8'] as const) {
    const version = (versions as Record<string, string | undefined>)[name];
    if (version) picked[name] = version;
  }
  return picked;
}

function definedOnly(shortcuts: Partial<ShortcutConfig> | undefined): Partial<ShortcutConfig> {
  const result: Partial<ShortcutConfig> = {};
  if (shortcuts?.answer) result.answer = shortcuts.answer;
  if (shortcuts?.hangup) result.hangup = shortcuts.hangup;
  if (shortcuts?.mute !== undefined) result.mute = shortcuts.mute;
  if (shortcuts?.hold !== undefined) result.hold = shortcuts.hold;
  return result;
}

function inactiveHandle(): SwitchboardHandle {
  const idleStatus = { accelerator: '', registered: false, error: 'Another instance is running' };
  return {
    primary: false,
    ready: Promise.resolve(),
    mainWindow: () => null,
    showWindow: () => undefined,
    callSummary: () => ({ phase: 'idle' }),
    trayState: () => ({ kind: 'idle' }),
    isRinging: () => false,
    shortcutStatus: () => ({ answer: idleStatus, hangup: idleStatus }),
    updateStatus: () => ({ state: 'disabled' }),
    checkForUpdates: async () => ({ state: 'disabled' }),
    simulate: { answerShortcut: () => undefined, hangupShortcut: () => undefined, muteShortcut: () => undefined, holdShortcut: () => undefined },
    quit: async () => undefined,
  };
}
