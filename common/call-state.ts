/**
 * The agent's call lifecycle: a discriminated union and a pure reducer.
 *
 * The renderer's softphone feeds SDK events and user intents in; the UI and the main
 * process (tray, notification, ringer) read the state out. One call at a time: an agent
 * who is busy does not get a second invite shown (the platform rings other sessions).
 *
 * Inbound: `idle → ringing → answering → active → ending → ended`. Outbound (the agent
 * dials, `serverCall`): `idle → dialing → outgoing (connecting, ringing) → active → ending →
 * ended`. `from` is always the other party: the caller, or the number the agent dialled.
 */

/** Why a call ended, as the agent should read it. */
export type EndReason = 'completed' | 'declined' | 'missed' | 'answered-elsewhere' | 'failed' | 'cancelled' | 'no-answer';

export type CallState =
  | { kind: 'idle' }
  | { kind: 'ringing'; callId: string; from: string; invitedAt: number }
  | { kind: 'answering'; callId: string; from: string }
  | { kind: 'dialing'; from: string; requestedAt: number }
  | { kind: 'outgoing'; callId: string; from: string; phase: 'connecting' | 'ringing'; startedAt: number }
  | { kind: 'active'; callId: string; from: string; answeredAt: number; outbound?: true }
  | { kind: 'ending'; callId: string; from: string; declining: boolean; outbound?: true }
  | { kind: 'ended'; callId: string; from: string; reason: EndReason; endedAt: number; message?: string };

export type CallEvent =
  | { type: 'invite'; callId: string; from: string; at: number }
  | { type: 'answer-requested'; callId: string }
  | { type: 'answered'; callId: string; at: number }
  | { type: 'answer-failed'; callId: string; message: string }
  | { type: 'decline-requested'; callId: string }
  | { type: 'hangup-requested'; callId: string }
  | { type: 'invite-cancelled'; callId: string; reason: 'missed' | 'answered-elsewhere'; at: number }
  | { type: 'hung-up'; callId: string; at: number; failed?: string }
  | { type: 'dismiss' }
  | { type: 'dial-requested'; to: string; at: number }
  | { type: 'dial-started'; callId: string; at: number }
  | { type: 'dial-failed'; message: string; at: number }
  | { type: 'remote-ringing'; callId: string }
  | { type: 'remote-answered'; callId: string; at: number };

export const idle: CallState = { kind: 'idle' };

/** Fails to compile when a union member is not handled. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled value: ${JSON.stringify(value)}`);
}

/** The call id the state is about; null while idle or before a dialled call has one. */
export function currentCallId(state: CallState): string | null {
  return state.kind === 'idle' || state.kind === 'dialing' ? null : state.callId;
}

/** Events that are not about a call id the state already has. */
const UNBOUND_EVENTS: ReadonlySet<CallEvent['type']> = new Set(['invite', 'dismiss', 'dial-requested', 'dial-started', 'dial-failed']);

/**
 * Applies one event to the state.
 *
 * Events about another call than the current one are ignored, so a late SDK event for a
 * finished call cannot disturb the next one.
 */
export function reduceCall(state: CallState, event: CallEvent): CallState {
  if (!UNBOUND_EVENTS.has(event.type) && 'callId' in event && event.callId !== currentCallId(state)) {
    return state;
  }
  switch (event.type) {
    case 'invite':
      if (state.kind !== 'idle' && state.kind !== 'ended') return state;
      return { kind: 'ringing', callId: event.callId, from: event.from, invitedAt: event.at };
    case 'answer-requested':
      return state.kind === 'ringing' ? { kind: 'answering', callId: state.callId, from: state.from } : state;
    case 'answered':
      return state.kind === 'answering' || state.kind === 'ringing'
        ? { kind: 'active', callId: state.callId, from: state.from, answeredAt: event.at }
        : state;
    case 'answer-failed':
      return state.kind === 'answering'
        ? { kind: 'ended', callId: state.callId, from: state.from, reason: 'failed', endedAt: Date.now(), message: event.message }
        : state;
    case 'decline-requested':
    case 'hangup-requested':
      if (state.kind === 'outgoing' || (state.kind === 'active' && state.outbound)) {
        return { kind: 'ending', callId: state.callId, from: state.from, declining: state.kind === 'outgoing', outbound: true };
      }
      return state.kind === 'ringing' || state.kind === 'active' || state.kind === 'answering'
        ? { kind: 'ending', callId: state.callId, from: state.from, declining: state.kind !== 'active' }
        : state;
    case 'invite-cancelled':
      return state.kind === 'ringing' || state.kind === 'answering'
        ? { kind: 'ended', callId: state.callId, from: state.from, reason: event.reason, endedAt: event.at }
        : state;
    case 'hung-up': {
      if (state.kind === 'idle' || state.kind === 'ended' || state.kind === 'dialing') return state;
      const answered = state.kind === 'active' || (state.kind === 'ending' && !state.declining);
      const outbound = state.kind === 'outgoing' || ((state.kind === 'active' || state.kind === 'ending') && state.outbound === true);
      const unanswered: EndReason = !outbound ? 'declined' : state.kind === 'ending' ? 'cancelled' : 'no-answer';
      const reason: EndReason = event.failed ? 'failed' : answered ? 'completed' : unanswered;
      return {
        kind: 'ended',
        callId: state.callId,
        from: state.from,
        reason,
        endedAt: event.at,
        ...(event.failed ? { message: event.failed } : {}),
      };
    }
    case 'dismiss':
      return state.kind === 'ended' ? idle : state;
    case 'dial-requested':
      return state.kind === 'idle' || state.kind === 'ended' ? { kind: 'dialing', from: event.to, requestedAt: event.at } : state;
    case 'dial-started':
      return state.kind === 'dialing' ? { kind: 'outgoing', callId: event.callId, from: state.from, phase: 'connecting', startedAt: event.at } : state;
    case 'dial-failed':
      return state.kind === 'dialing' ? { kind: 'ended', callId: '', from: state.from, reason: 'failed', endedAt: event.at, message: event.message } : state;
    case 'remote-ringing':
      return state.kind === 'outgoing' ? { ...state, phase: 'ringing' } : state;
    case 'remote-answered':
      return state.kind === 'outgoing' ? { kind: 'active', callId: state.callId, from: state.from, answeredAt: event.at, outbound: true } : state;
    default:
      return assertNever(event);
  }
}

/** What the main process needs to know about the call: small, serialisable, validated at IPC. */
export type CallSummary =
  | { phase: 'idle' }
  | { phase: 'ringing'; callId: string; from: string }
  | { phase: 'active'; callId: string; from: string; since: number };

/** Projects the full state onto the summary main acts on (tray, notification, ringer). */
export function summarize(state: CallState): CallSummary {
  switch (state.kind) {
    case 'ringing':
    case 'answering':
      return { phase: 'ringing', callId: state.callId, from: state.from };
    case 'active':
      return { phase: 'active', callId: state.callId, from: state.from, since: state.answeredAt };
    case 'outgoing':
      // Main treats a call the agent placed as theirs already: the hang-up shortcut cancels it, nothing rings.
      return { phase: 'active', callId: state.callId, from: state.from, since: state.startedAt };
    case 'dialing':
    case 'ending':
    case 'ended':
    case 'idle':
      return { phase: 'idle' };
    default:
      return assertNever(state);
  }
}
