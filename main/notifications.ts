/**
 * The OS notification for an incoming call, with Answer and Decline buttons.
 *
 * Buttons work where the OS supports notification actions (Windows, macOS); elsewhere the
 * click brings the window forward and the shortcut or tray menu answers.
 */
import type { NotificationApi, NotificationConstructor } from './electron-api';
import { createLogger, type Logger } from './log';

/** Action indexes, in the order the buttons are declared. */
export const NOTIFICATION_ACTIONS = ['Answer', 'Decline'] as const;

/** What the notification can ask for. */
export interface IncomingCallActions {
  answer(callId: string): void;
  decline(callId: string): void;
  /** The notification body was clicked: show the window. */
  show(): void;
  /**
   * The OS could not show it (Electron's `failed`, Windows): the agent needs another way to
   * answer, so main shows the incoming-call window instead.
   */
  failed?(callId: string, from: string, options: { waiting?: boolean }): void;
}

/** Shows at most one incoming-call notification at a time. */
export class IncomingCallNotifier {
  /** Held so the notification is not garbage-collected while it is on screen (its events would stop). */
  private current: { callId: string; notification: NotificationApi } | null = null;
  private readonly log: Logger;

  constructor(
    private readonly Notification: NotificationConstructor,
    private readonly actions: IncomingCallActions,
    log?: Logger,
  ) {
    this.log = log ?? createLogger('notifications');
  }

  /** The call the notification on screen is about, or null. */
  showing(): string | null {
    return this.current?.callId ?? null;
  }

  /** Shows the notification for a ringing call, or a call waiting while the agent is on another (once per call). */
  ring(callId: string, from: string, options: { waiting?: boolean } = {}): void {
    if (this.current?.callId === callId) return;
    this.dismiss();
    if (!this.Notification.isSupported()) {
      this.log.warn('OS notifications are not supported here; the tray and ring still alert the agent');
      return;
    }
    const notification = new this.Notification({
      title: options.waiting ? 'Call waiting' : 'Incoming call',
      body: options.waiting ? `From ${from}. Answering puts your current call on hold.` : `From ${from}`,
      actions: NOTIFICATION_ACTIONS.map((text) => ({ type: 'button' as const, text })),
      urgency: 'critical',
      timeoutType: 'never',
      silent: true, // the ring window rings; the OS sound would double it
    });
    notification.on('action', (event, legacyIndex) => {
      const index = typeof event?.actionIndex === 'number' ? event.actionIndex : legacyIndex;
      if (index === 0) this.actions.answer(callId);
      else if (index === 1) this.actions.decline(callId);
      else this.log.warn('Unknown notification action', { index });
    });
    notification.on('click', () => this.actions.show());
    notification.on('close', () => {
      if (this.current?.notification === notification) this.current = null;
    });
    notification.on('failed', (_event, error) => {
      this.log.warn('The notification could not be shown; showing the incoming-call window instead', { error });
      if (this.current?.notification !== notification) return;
      this.current = null;
      this.actions.failed?.(callId, from, options);
    });
    this.current = { callId, notification };
    notification.show();
  }

  /** Removes the notification (the call stopped ringing). */
  dismiss(): void {
    const current = this.current;
    this.current = null;
    current?.notification.close();
  }
}
