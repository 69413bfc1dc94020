/**
 * Switchboard's main process, assembled.
 *
 * `startSwitchboard` takes the Electron modules it uses as an argument, so the same code
 * runs in Electron (`main/index.ts`) and in the desktop test harness (an Electron double).
 * All state lives in the objects created here; nothing is module-global.
 */
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
import { Ringer } from './ringer';
import { createAppUrlPolicy, installAppSecurity, installPermissionPolicy } from './security';
import { CallContextService } from './call-context';
import { CallControlService } from './call-control';
import { AgentStatusService, SessionService } from './session';
import { StatusStream } from './status-stream';
import { ShortcutManager } from './shortcuts';
import { TrayController, type TrayState } from './tray';
import { TokenVault, type VaultStore } from './vault';

/** Windows groups notifications and taskbar entries by this id. */
export const APP_USER_MODEL_ID = 'com.switchboard.agent';

/** Options of {@link startSwitchboard}. */
export interface SwitchboardOptions {
  /** The backend, e.g. `http://127.0.0.1:3030`. */
  serverUrl: string;
  /** Absolute path of `dist/renderer/index.html`. */
  rendererIndex: string;
  /** Absolute path of `dist/renderer/ring.html`. */
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

  if (!app.requestSingleInstanceLock()) {
    log.info('Switchboard is already running; handing over to it');
    app.quit();
    return inactiveHandle();
  }

  const urls = createAppUrlPolicy([options.rendererIndex, options.ringPage]);
  const rendererUrls = createAppUrlPolicy([options.rendererIndex]);
  installAppSecurity(app, electron.shell, urls);
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

  // Created once the app is ready (Electron refuses tray, notifications, shortcuts and
  // sessions before); the handle reads them through these.
  let window: MainWindowController | null = null;
  let tray: TrayController | null = null;
  let ringer: Ringer | null = null;
  let shortcuts: ShortcutManager | null = null;
  let calls: CallController | null = null;
  let notifier: IncomingCallNotifier | null = null;
  let statusStreamRef: StatusStream | null = null;

  const requestQuit = () => {
    quitting = true;
    app.quit();
  };

  app.on('will-quit', () => {
    statusStreamRef?.stop();
    shortcuts?.unregister();
    ringer?.stop();
    notifier?.dismiss();
    tray?.destroy();
    ipc.dispose();
    log.info('Shut down');
  });
  app.on('quit', () => resolveQuit());

  const ready = app.whenReady().then(() => {
    installPermissionPolicy(electron.session.defaultSession, urls);
    const vault = new TokenVault(electron.safeStorage, options.store, { platform });
    const backend = new BackendClient({ baseUrl: options.serverUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });

    const mainWindow = new MainWindowController(electron.BrowserWindow, {
      rendererIndex: options.rendererIndex,
      preloadPath: options.preloadPath,
      isQuitting: () => quitting,
      onCreated: (created) => ipc.attach(created.webContents),
      onRendererGone: () => calls?.reset(),
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
    });
    notifier = incoming;
    const ring = new Ringer(electron.BrowserWindow, { ringPage: options.ringPage });
    ringer = ring;
    const callController = new CallController({
      tray: trayController,
      notifier: incoming,
      ringer: ring,
      sendCommand: (command) => ipc.sendToRenderer('call:command', command),
      showWindow: () => mainWindow.show(),
    });
    calls = callController;

    const credential = () => vault.read()?.refreshToken ?? null;
    /** The session is over (signed out, or ended by the backend with a reason to show): no stream, no alerts. */
    const sessionOver = (reason?: string) => {
      statusStream.stop();
      callController.reset();
      if (reason !== undefined) ipc.sendToRenderer('session:ended', { reason });
    };
    const statusStream = new StatusStream({
      backend,
      credential,
      onStatus: (status) => ipc.sendToRenderer('status:changed', status),
      onSessionEnded: (reason) => {
        vault.clear();
        sessionOver(reason);
      },
    });
    const session = new SessionService({ backend, vault, onSessionEnded: sessionOver, onSignedOut: () => sessionOver() });
    statusStreamRef = statusStream;
    const agentStatus = new AgentStatusService({ backend, credential });
    const callContexts = new CallContextService({ backend, credential });
    const callControl = new CallControlService({ backend, credential });

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
    ipc.handle('status:set', ({ status }) => agentStatus.set(status));
    ipc.handle('call:context', ({ callId }) => callContexts.get(callId));
    ipc.handle('call:control', (request) => callControl.run(request));
    ipc.handle('call:transfer-targets', () => callControl.targets());
    ipc.handle('call:quality', ({ callId, summary }) => callControl.saveQuality(callId, summary));
    ipc.handle('shortcuts:status', () => shortcutManager.status());
    ipc.on('call:state', (summary) => callController.update(summary));

    const shortcutManager = new ShortcutManager(electron.globalShortcut, {
      accelerators,
      handlers: {
        answer: () => callController.answer('shortcut'),
        hangup: () => callController.hangupOrDecline('shortcut'),
        mute: () => callController.toggleMute('shortcut'),
        hold: () => callController.toggleHold('shortcut'),
      },
      // Queued until the renderer is ready, so a failure always reaches the screen.
      onStatus: (status) => ipc.sendToRenderer('shortcuts:status', status),
    });
    shortcuts = shortcutManager;
    shortcutManager.register();

    app.on('second-instance', () => mainWindow.show());
    mainWindow.create();
    log.info('Started', { server: options.serverUrl });
  });
  ready.catch((error: unknown) => log.error('Startup failed', { error }));

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
    simulate: { answerShortcut: () => undefined, hangupShortcut: () => undefined, muteShortcut: () => undefined, holdShortcut: () => undefined },
    quit: async () => undefined,
  };
}
