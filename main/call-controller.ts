/**
 * The call as main sees it: the renderer reports a `CallSummary`, main drives the tray,
 * the notification and the ringer from it, and turns shortcut / notification / tray
 * requests into `call:command` events for the renderer (which owns the SDK call).
 */
import type { CallSummary } from '../common/call-state';
import type { CallCommand, InCallControl } from '../common/ipc-contract';
import type { TrayState } from './tray';
import { createLogger, type Logger } from './log';

/** Where a request came from. */
export type CommandSource = CallCommand['source'];

/** What the tray can do to the call in progress. */
export type InCallAction = InCallControl;

type ActiveSummary = Extract<CallSummary, { phase: 'active' }>;

/** Whether the action applies now: the summary lists the controls (`inCallControls` in common/), main never works them out. */
function allows(summary: ActiveSummary, action: InCallAction): boolean {
  return summary.controls?.includes(action) ?? false;
}

/** The tray's view of the call in progress: only what the summary says (a summary without controls offers Hang up only). */
function inCallTrayState(summary: ActiveSummary): TrayState {
  return {
    kind: 'in-call',
    from: summary.from,
    ...(summary.state ? { state: summary.state } : {}),
    ...(summary.muted ? { muted: true as const } : {}),
    ...(summary.waiting ? { waiting: summary.waiting.from } : {}),
    ...(summary.controls?.length ? { controls: summary.controls } : {}),
  };
}

/** What the controller drives. */
export interface CallControllerDeps {
  tray: { setState(state: TrayState): void };
  notifier: { ring(callId: string, from: string, options?: { waiting?: boolean }): void; dismiss(): void };
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
      case 'active': {
        // Nothing rings loudly during a call: a call waiting gets the notification (and the tray) only.
        this.deps.ringer.stop();
        const waiting = summary.waiting;
        if (waiting && this.handledCallId !== waiting.callId) {
          this.deps.notifier.ring(waiting.callId, waiting.from, { waiting: true });
        } else {
          if (!waiting) this.handledCallId = null;
          this.deps.notifier.dismiss();
        }
        this.deps.tray.setState(inCallTrayState(summary));
        return;
      }
      case 'idle':
        this.handledCallId = null;
        this.stopAlerts();
        this.deps.tray.setState({ kind: 'idle' });
        return;
    }
  }

  /** Answers the ringing call, or the call waiting (the renderer holds the current one first), and brings the window forward. */
  answer(source: CommandSource, callId?: string): boolean {
    const ringing = this.ringingCall(callId);
    if (!ringing) return this.ignored('answer', source);
    this.handledCallId = ringing;
    this.stopAlerts();
    this.deps.sendCommand({ action: 'answer', callId: ringing, source });
    this.deps.showWindow();
    return true;
  }

  /** Declines the ringing call, or the call waiting. */
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

  /**
   * Mute, unmute, hold or resume the call in progress (tray menu), when the summary says the
   * call can: mute while unmuted, hold while talking, resume while held.
   */
  control(action: InCallAction, source: CommandSource): boolean {
    const summary = this.summary;
    if (summary.phase !== 'active' || !allows(summary, action)) return this.ignored(action, source);
    this.deps.sendCommand({ action, callId: summary.callId, source });
    return true;
  }

  /**
   * The mute shortcut: mutes the call in progress, or unmutes it when the summary says it is
   * muted; nothing when the call's state allows neither (ringing, being placed, transferring).
   */
  toggleMute(source: CommandSource): boolean {
    const controls = this.summary.phase === 'active' ? (this.summary.controls ?? []) : [];
    return this.control(controls.includes('unmute') ? 'unmute' : 'mute', source);
  }

  /** The hold shortcut: holds the call being talked on, resumes the held one, else nothing. */
  toggleHold(source: CommandSource): boolean {
    const controls = this.summary.phase === 'active' ? (this.summary.controls ?? []) : [];
    return this.control(controls.includes('resume') ? 'resume' : 'hold', source);
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
    const summary = this.summary;
    const ringing = summary.phase === 'ringing' ? summary.callId : summary.phase === 'active' ? (summary.waiting?.callId ?? null) : null;
    if (ringing === null || (callId !== undefined && callId !== ringing)) return null;
    return ringing;
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
