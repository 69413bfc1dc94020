/** `Notification`. */
import { EventEmitter } from 'node:events';
import type { NotificationAction, NotificationConstructorOptions } from 'electron';
import { app } from './app';
import { createEvent, state } from './state';

/** `Notification`. */
export class NotificationDouble extends EventEmitter {
  /** Every notification created since the last reset, oldest first. */
  static readonly instances: NotificationDouble[] = [];
  readonly options: NotificationConstructorOptions;
  shown = false;
  closed = false;

  constructor(options: NotificationConstructorOptions = {}) {
    super();
    if (!app.isReady()) throw new Error('Cannot create Notification before app is ready');
    // Electron shows action buttons on macOS and Windows only; on Linux they are dropped.
    const actionsShown = state.config.platform === 'darwin' || state.config.platform === 'win32';
    this.options = actionsShown ? { ...options } : { ...options, actions: [] };
    NotificationDouble.instances.push(this);
  }

  static isSupported(): boolean {
    return state.config.notificationsSupported;
  }

  /** Test: notifications shown and not closed, oldest first. */
  static active(): NotificationDouble[] {
    return NotificationDouble.instances.filter((notification) => notification.shown && !notification.closed);
  }

  get title(): string {
    return this.options.title ?? '';
  }

  get body(): string {
    return this.options.body ?? '';
  }

  get actions(): NotificationAction[] {
    return this.options.actions ?? [];
  }

  show(): void {
    this.shown = true;
    this.closed = false;
    this.emit('show', createEvent());
  }

  /** Main removes it. Electron emits `close` only when the user dismisses one (see {@link dismissByUser}). */
  close(): void {
    if (this.closed || !this.shown) return;
    this.closed = true;
  }

  /** Test: the agent dismissed the notification: it goes away with a `close` event. */
  dismissByUser(): void {
    this.assertOnScreen();
    this.closed = true;
    this.emit('close', createEvent());
  }

  /**
   * Test: the OS could not show it. Electron emits `failed` (with the error text) on Windows
   * only; asking for it on another platform is a test error.
   */
  fail(error = 'The notification platform is unavailable'): void {
    if (state.config.platform !== 'win32') throw new Error(`Notification 'failed' is emitted on Windows only, not ${state.config.platform}`);
    if (!this.shown) throw new Error('The notification was never shown');
    this.closed = true;
    this.emit('failed', createEvent(), error);
  }

  /**
   * Test: the agent clicked the action button at `index` (Electron then dismisses the
   * notification). Buttons exist on macOS and Windows only: on Linux there are none to click.
   */
  clickAction(index: number, { legacyOnly = false } = {}): void {
    this.assertOnScreen();
    if (!this.actions[index]) throw new Error(`The notification has no action ${index} (actions: ${this.actions.map((action) => action.text).join(', ')}; platform ${state.config.platform})`);
    // Electron ≥ 31 puts the index in the event too; `legacyOnly` plays an older one (argument only).
    const event = legacyOnly ? createEvent() : createEvent({ actionIndex: index, selectionIndex: -1 });
    this.emit('action', event, index, -1);
    this.closed = true;
  }

  /** Test: the agent clicked the notification body. */
  click(): void {
    this.assertOnScreen();
    this.emit('click', createEvent());
  }

  private assertOnScreen(): void {
    if (!this.shown || this.closed) throw new Error('The notification is not on screen');
  }
}

export const Notification = NotificationDouble;
