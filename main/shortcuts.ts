/**
 * Global keyboard shortcuts: answer, decline / hang up, and (when configured) mute / unmute
 * and hold / resume of the call in progress.
 *
 * A shortcut that cannot be registered (another app holds it, or the accelerator is
 * malformed) is never a silent failure: it is logged and reported to the renderer, which
 * shows a warning, and `shortcuts:status` tells the same story on request.
 */
import type { ShortcutStatus } from '../common/ipc-contract';
import type { ShortcutConfig } from './config';
import type { GlobalShortcutApi } from './electron-api';
import { createLogger, type Logger } from './log';

/** What the shortcuts do. Mute and hold toggle: main's call summary says which way. */
export interface ShortcutHandlers {
  answer(): void;
  hangup(): void;
  mute?(): void;
  hold?(): void;
}

/** Options of {@link ShortcutManager}. */
export interface ShortcutManagerOptions {
  accelerators: ShortcutConfig;
  handlers: ShortcutHandlers;
  /** Called with the status after registering, so the renderer can show failures. */
  onStatus(status: ShortcutStatus): void;
  log?: Logger;
}

type Kind = keyof ShortcutConfig;
type ShortcutState = ShortcutStatus['answer'];

/** In registration order: an accelerator already taken by an earlier kind is refused for a later one. */
const KINDS: readonly Kind[] = ['answer', 'hangup', 'mute', 'hold'];
const LABELS: Record<Kind, string> = { answer: 'answer', hangup: 'hang-up', mute: 'mute', hold: 'hold' };

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
    this.current = this.build((_kind, accelerator) => ({ accelerator, registered: false, error: 'Not registered yet' }));
  }

  /** The status of every configured shortcut. */
  status(): ShortcutStatus {
    return structuredClone(this.current);
  }

  /** Registers every configured shortcut and reports the outcome. Only after the app is ready. */
  register(): ShortcutStatus {
    const claimed = new Map<string, Kind>();
    this.current = this.build((kind, accelerator) => {
      const owner = claimed.get(accelerator);
      if (owner) return this.fail(kind, accelerator, `The ${LABELS[kind]} shortcut ${accelerator} is the same as the ${LABELS[owner]} shortcut`);
      claimed.set(accelerator, kind);
      const handler = this.options.handlers[kind];
      if (!handler) return this.fail(kind, accelerator, `The ${LABELS[kind]} shortcut has nothing to do in this app`);
      return this.registerOne(kind, accelerator, () => handler.call(this.options.handlers));
    });
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

  /** A status with one entry per configured kind (answer and hang-up always, mute and hold unless turned off). */
  private build(attempt: (kind: Kind, accelerator: string) => ShortcutState): ShortcutStatus {
    const entries: Partial<Record<Kind, ShortcutState>> = {};
    for (const kind of KINDS) {
      const accelerator = this.options.accelerators[kind];
      if (!accelerator && kind !== 'answer' && kind !== 'hangup') continue;
      if (accelerator === undefined) continue;
      entries[kind] = attempt(kind, accelerator);
    }
    const { answer, hangup, ...optional } = entries;
    if (!answer || !hangup) throw new Error('The answer and hang-up shortcuts are always configured');
    return { answer, hangup, ...optional };
  }

  private registerOne(kind: Kind, accelerator: string, callback: () => void): ShortcutState {
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

  private fail(kind: Kind, accelerator: string, error: string): ShortcutState {
    this.log.error('Shortcut registration failed', { kind, accelerator, error });
    return { accelerator, registered: false, error };
  }
}
