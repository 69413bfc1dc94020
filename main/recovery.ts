/**
 * Recovery and support: a crashed renderer comes back by itself (with the call it had, when
 * the platform still has it), a start-up failure says why and lets the next start run, and
 * "Copy diagnostics" gives support what it needs without a secret in it.
 */
import type { CallSummary } from '../common/call-state';
import type { AppApi, DialogApi, WebContentsApi } from './electron-api';
import { redact } from './logging';
import { createLogger, type Logger } from './log';

const log = createLogger('recovery');

/** The title of the start-up failure dialog. */
export const STARTUP_FAILED_TITLE = 'Switchboard could not start';

/**
 * A start-up failure: a dialog saying why (`showErrorBox` works before the app is ready),
 * then exit with status 1, releasing the single-instance lock first so the next launch
 * starts instead of handing over to a process that is going away.
 */
export function failStartup(electron: { app: Pick<AppApi, 'releaseSingleInstanceLock' | 'exit'>; dialog: DialogApi }, error: unknown, logFile?: string): void {
  const reason = error instanceof Error ? error.message : String(error);
  log.error('Startup failed', { reason });
  const where = logFile ? `\n\nDetails are in the log file:\n${logFile}` : '';
  try {
    electron.dialog.showErrorBox(STARTUP_FAILED_TITLE, `${redact(reason)}${where}`);
  } finally {
    electron.app.releaseSingleInstanceLock();
    electron.app.exit(1);
  }
}

/** The call a crashed renderer had, for the new one to take up again. */
export interface CallToRecover {
  callId: string;
  from: string;
  /** When the agent answered (ms since the epoch). */
  since: number;
}

/** Options of {@link RendererRecovery}. */
export interface RendererRecoveryOptions {
  /** How many reloads within {@link windowMs} before giving up (a page that crashes at once would loop). */
  maxReloads?: number;
  windowMs?: number;
  now?: () => number;
  /** The renderer's call as main last heard it. */
  callSummary(): CallSummary;
  /** Alerts of the dead renderer's call must stop (tray, ring, notification). */
  resetCalls(): void;
  /** The new renderer gets the call to take up (queued until it is ready). */
  recoverCall(call: CallToRecover): void;
  /** Gave up reloading: tell the agent. */
  gaveUp(message: string): void;
  log?: Logger;
}

/** Reloads the app's page after its renderer process died. */
export class RendererRecovery {
  private reloads: number[] = [];
  private readonly log: Logger;

  constructor(private readonly options: RendererRecoveryOptions) {
    this.log = options.log ?? log;
  }

  /** `render-process-gone` of the main window's web contents. */
  gone(contents: Pick<WebContentsApi, 'reload' | 'isDestroyed'>, reason: string): void {
    const summary = this.options.callSummary();
    this.options.resetCalls();
    // A clean exit is the window closing, not a crash.
    if (reason === 'clean-exit' || contents.isDestroyed()) return;
    const now = (this.options.now ?? Date.now)();
    const windowMs = this.options.windowMs ?? 60_000;
    this.reloads = this.reloads.filter((at) => now - at < windowMs);
    if (this.reloads.length >= (this.options.maxReloads ?? 3)) {
      this.log.error('The renderer keeps crashing; not reloading again', { reason, reloads: this.reloads.length });
      this.options.gaveUp('Switchboard keeps failing to show its window. Quit and start it again; if it happens again, use "Copy diagnostics" in the tray menu and send it to support.');
      return;
    }
    this.reloads.push(now);
    if (summary.phase === 'active') {
      this.log.warn('The renderer crashed during a call; reloading and taking the call up again', { reason });
      this.options.recoverCall({ callId: summary.callId, from: summary.from, since: summary.since });
    } else {
      this.log.warn('The renderer crashed; reloading', { reason });
    }
    contents.reload();
  }
}

/** What goes into the diagnostics. */
export interface DiagnosticsInput {
  appVersion: string;
  versions: Partial<Record<'electron' | 'chrome' | 'node' | 'v8', string>>;
  platform: NodeJS.Platform;
  arch: string;
  osRelease: string;
  desktop: Record<string, unknown>;
  serverUrl: string;
  settings: Record<string, unknown>;
  shortcuts: Record<string, unknown>;
  signedInAs: string | null;
  logFile: string | null;
  logLines: string[];
}

/**
 * The diagnostics text: versions, platform, settings and the last log lines. No credential,
 * token or password is ever an input; the server URL loses any user info and query, and
 * every line goes through {@link redact} besides.
 */
export function formatDiagnostics(input: DiagnosticsInput): string {
  const lines = [
    `Switchboard ${input.appVersion} diagnostics (${new Date().toISOString()})`,
    `Versions: ${Object.entries(input.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    `System: ${input.platform} ${input.arch} ${input.osRelease}`,
    `Desktop: ${JSON.stringify(input.desktop)}`,
    `Server: ${safeServerUrl(input.serverUrl)}`,
    `Signed in: ${input.signedInAs ?? 'no'}`,
    `Settings: ${JSON.stringify(input.settings)}`,
    `Shortcuts: ${JSON.stringify(input.shortcuts)}`,
    `Log file: ${input.logFile ?? 'none'}`,
    '',
    `Last ${input.logLines.length} log lines:`,
    ...input.logLines,
  ];
  return lines.map(redact).join('\n');
}

function safeServerUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '(unparsable)';
  }
}
