/**
 * The call as main sees it: the renderer reports a `CallSummary`, main drives the tray,
 * the notification and the ringer from it, and turns shortcut / notification / tray
 * requests into `call:command` events for the renderer (which owns the SDK call).
 */
import type { CallSummary } from '../common/call-state';
import type { CallCommand } from '../common/ipc-contract';
import type { TrayState } from './tray';
import { createLogger, type Logger } from './log';

/** Where a request came from. */
export type CommandSource = CallCommand['source'];

/** What the controller drives. */
export interface CallControllerDeps {
  tray: { setState(state: TrayState): void };
  notifier: { ring(callId: string, from: string): void; dismiss(): void };
  ringer: { start(): void; stop(): void };
  /** Delivers a command to the renderer (queued until it is ready). */
  sendCommand(command: CallCommand): void;
  /** Shows and focuses the main window. */
  showWindow(): void;
  log?: Logger;
}

/** Keeps the OS-facing alerts in step with the renderer's call. */
export class CallController {
  private summary: CallSummary = { phase: 'idle' };
  /** The ringing call the agent already answered or declined from outside the renderer. */
  private handledCallId: string | null = null;
  private readonly log: Logger;

  constructor(private readonly deps: CallControllerDeps) {
    this.log = deps.log ?? createLogger('calls');
  }

  /** The last summary the renderer reported. */
  current(): CallSummary {
    return this.summary;
  }

  /** Applies a summary reported by the renderer. */
  update(summary: CallSummary): void {
    this.summary = summary;
    switch (summary.phase) {
      case 'ringing':
        this.deps.tray.setState({ kind: 'ringing', from: summary.from });
        // While the renderer is still answering, the summary stays "ringing": do not ring again.
        if (this.handledCallId !== summary.callId) {
          this.deps.notifier.ring(summary.callId, summary.from);
          this.deps.ringer.start();
        }
        return;
      case 'active':
        this.handledCallId = null;
        this.stopAlerts();
        this.deps.tray.setState({ kind: 'in-call', from: summary.from });
        return;
      case 'idle':
        this.handledCallId = null;
        this.stopAlerts();
        this.deps.tray.setState({ kind: 'idle' });
        return;
    }
  }

  /** Answers the ringing call (and brings the window forward for the call controls). */
  answer(source: CommandSource, callId?: string): boolean {
    const ringing = this.ringingCall(callId);
    if (!ringing) return this.ignored('answer', source);
    this.handledCallId = ringing;
    this.stopAlerts();
    this.deps.sendCommand({ action: 'answer', callId: ringing, source });
    this.deps.showWindow();
    return true;
  }

  /** Declines the ringing call. */
  decline(source: CommandSource, callId?: string): boolean {
    const ringing = this.ringingCall(callId);
    if (!ringing) return this.ignored('decline', source);
    this.handledCallId = ringing;
    this.stopAlerts();
    this.deps.sendCommand({ action: 'decline', callId: ringing, source });
    return true;
  }

  /** Hangs up the active call. */
  hangup(source: CommandSource): boolean {
    if (this.summary.phase !== 'active') return this.ignored('hangup', source);
    this.deps.sendCommand({ action: 'hangup', callId: this.summary.callId, source });
    return true;
  }

  /** The hang-up shortcut: declines while ringing, hangs up during a call, else nothing. */
  hangupOrDecline(source: CommandSource): boolean {
    if (this.summary.phase === 'ringing') return this.decline(source);
    return this.hangup(source);
  }

  /** Drops every alert without waiting for the renderer (sign-out, renderer gone). */
  reset(): void {
    this.update({ phase: 'idle' });
  }

  private ringingCall(callId?: string): string | null {
    if (this.summary.phase !== 'ringing') return null;
    if (callId !== undefined && callId !== this.summary.callId) return null;
    return this.summary.callId;
  }

  private stopAlerts(): void {
    this.deps.ringer.stop();
    this.deps.notifier.dismiss();
  }

  private ignored(action: string, source: CommandSource): false {
    this.log.debug('Ignored a call request that does not fit the call state', { action, source, phase: this.summary.phase });
    return false;
  }
}
