/**
 * Global keyboard shortcuts: answer, and decline / hang up.
 *
 * A shortcut that cannot be registered (another app holds it, or the accelerator is
 * malformed) is never a silent failure: it is logged and reported to the renderer, which
 * shows a warning, and `shortcuts:status` tells the same story on request.
 */
import type { ShortcutStatus } from '../common/ipc-contract';
import type { ShortcutConfig } from './config';
import type { GlobalShortcutApi } from './electron-api';
import { createLogger, type Logger } from './log';

/** What the shortcuts do. */
export interface ShortcutHandlers {
  answer(): void;
  hangup(): void;
}

/** Options of {@link ShortcutManager}. */
export interface ShortcutManagerOptions {
  accelerators: ShortcutConfig;
  handlers: ShortcutHandlers;
  /** Called with the status after registering, so the renderer can show failures. */
  onStatus(status: ShortcutStatus): void;
  log?: Logger;
}

const LABELS: Record<keyof ShortcutConfig, string> = { answer: 'answer', hangup: 'hang-up' };

/** Registers and unregisters the app's global shortcuts. */
export class ShortcutManager {
  private current: ShortcutStatus;
  private readonly registered = new Set<string>();
  private readonly log: Logger;

  constructor(
    private readonly globalShortcut: GlobalShortcutApi,
    private readonly options: ShortcutManagerOptions,
  ) {
    this.log = options.log ?? createLogger('shortcuts');
    const { answer, hangup } = options.accelerators;
    this.current = {
      answer: { accelerator: answer, registered: false, error: 'Not registered yet' },
      hangup: { accelerator: hangup, registered: false, error: 'Not registered yet' },
    };
  }

  /** The status of both shortcuts. */
  status(): ShortcutStatus {
    return structuredClone(this.current);
  }

  /** Registers both shortcuts and reports the outcome. Only after the app is ready. */
  register(): ShortcutStatus {
    const { answer, hangup } = this.options.accelerators;
    const answerState = this.registerOne('answer', answer, () => this.options.handlers.answer());
    const hangupState =
      hangup === answer
        ? this.fail('hangup', hangup, `The hang-up shortcut ${hangup} is the same as the answer shortcut`)
        : this.registerOne('hangup', hangup, () => this.options.handlers.hangup());
    this.current = { answer: answerState, hangup: hangupState };
    this.options.onStatus(this.status());
    return this.status();
  }

  /** Unregisters what this manager registered (other apps' and Electron's own are left alone). */
  unregister(): void {
    for (const accelerator of this.registered) {
      try {
        this.globalShortcut.unregister(accelerator);
      } catch (error) {
        this.log.warn('Could not unregister a shortcut', { accelerator, error });
      }
    }
    this.registered.clear();
  }

  private registerOne(kind: keyof ShortcutConfig, accelerator: string, callback: () => void): ShortcutStatus['answer'] {
    let ok: boolean;
    try {
      ok = this.globalShortcut.register(accelerator, callback);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return this.fail(kind, accelerator, `The ${LABELS[kind]} shortcut ${accelerator} is not a valid shortcut (${reason})`);
    }
    if (!ok) {
      return this.fail(kind, accelerator, `The ${LABELS[kind]} shortcut ${accelerator} is already used by another application`);
    }
    this.registered.add(accelerator);
    this.log.info('Shortcut registered', { kind, accelerator });
    return { accelerator, registered: true };
  }

  private fail(kind: keyof ShortcutConfig, accelerator: string, error: string): ShortcutStatus['answer'] {
    this.log.error('Shortcut registration failed', { kind, accelerator, error });
    return { accelerator, registered: false, error };
  }
}
