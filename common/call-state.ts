/**
 * The agent's calls: a discriminated union per call, keyed by call id, with a pure reducer.
 *
 * The renderer's softphone feeds SDK events, the agent's intents and the backend's
 * call-control answers in; the UI and the main process (tray, notification, ringer,
 * shortcuts) read the state out, main through {@link summarize}. Several calls may exist at
 * once: a second invite while the agent is on a call is `waiting` (call waiting), a call the
 * agent put on hold to answer it stays `held`, and a consult or a conference is a state of
 * the call it belongs to, not another call.
 *
 * Inbound: `ringing (or waiting) → answering → active → ending → ended`. Outbound (the agent
 * dials, `serverCall`): `dialing → outgoing (connecting, ringing) → active → ending → ended`.
 * An answered call moves between `active`, `held`, `consulting` (the party rings or talks
 * with the agent while the caller holds), `conferenced` and `transferring` (a transfer was
 * sent; the agent's leg is about to go). `muted` is a flag of every answered state. `from` is
 * always the other party: the caller, or the number the agent dialled.
 */
import type { z } from 'zod';
import type { CallControlState, callSummarySchema, ConsultTarget, InCallControl, TransferTarget } from './ipc-contract';

/** Why a call ended, as the agent should read it. */
export type EndReason =
  | 'completed'
  | 'declined'
  | 'missed'
  | 'answered-elsewhere'
  | 'failed'
  | 'cancelled'
  | 'no-answer'
  /** A blind transfer or a completed warm transfer took the caller elsewhere. */
  | 'transferred'
  /** The agent left a three-way conference, which goes on without them. */
  | 'left';

/** What every answered call carries. */
interface AnsweredFields {
  callId: string;
  from: string;
  answeredAt: number;
  /** The agent's microphone is muted (the SDK's mute): orthogonal to every other state. */
  muted: boolean;
  outbound?: true;
}

/** One call of the agent's. */
export type Call =
  /** The agent asked to dial; `callId` is the softphone's reference until the SDK gives the call its id. */
  | { kind: 'dialing'; callId: string; from: string; requestedAt: number }
  | { kind: 'outgoing'; callId: string; from: string; phase: 'connecting' | 'ringing'; startedAt: number }
  /** An invite while the agent has no other call in progress. */
  | { kind: 'ringing'; callId: string; from: string; invitedAt: number }
  /** An invite while the agent is on another call (call waiting). */
  | { kind: 'waiting'; callId: string; from: string; invitedAt: number }
  | { kind: 'answering'; callId: string; from: string; invitedAt: number }
  | ({ kind: 'active' } & AnsweredFields)
  /** The caller holds with music (the backend's hold); `heldSince` is when this hold began. */
  | ({ kind: 'held'; heldSince: number } & AnsweredFields)
  /** A transfer was sent (blind, or a warm transfer completed); the agent's leg is about to be hung up. */
  | ({ kind: 'transferring'; target: TransferTarget; mode: 'blind' | 'warm' } & AnsweredFields)
  /** The agent called `target` in while the caller holds: it rings, or they talk. */
  | ({ kind: 'consulting'; target: ConsultTarget; phase: 'ringing' | 'talking' } & AnsweredFields)
  /** Caller, agent and a third party together; `with` is the third party as this agent sees it. */
  | ({ kind: 'conferenced'; with: ConsultTarget } & AnsweredFields)
  | { kind: 'ending'; callId: string; from: string; declining: boolean; outbound?: true; leaving?: true }
  | { kind: 'ended'; callId: string; from: string; reason: EndReason; endedAt: number; message?: string };

/** Every call the agent has, by call id, and the order they came in. */
export interface CallsState {
  readonly calls: Readonly<Record<string, Call>>;
  readonly order: readonly string[];
}

/** The events about one call. */
export type CallEvent =
  | { type: 'invite'; callId: string; from: string; at: number }
  /** A call the platform still had after the renderer restarted (crash recovery), taken up again with `reconnectCall`. */
  | { type: 'reconnected'; callId: string; from: string; answeredAt: number }
  | { type: 'answer-requested'; callId: string }
  | { type: 'answered'; callId: string; at: number }
  | { type: 'answer-failed'; callId: string; message: string; at: number }
  | { type: 'decline-requested'; callId: string }
  | { type: 'hangup-requested'; callId: string }
  | { type: 'invite-cancelled'; callId: string; reason: 'missed' | 'answered-elsewhere'; at: number }
  /**
   * The agent's leg ended. `expected`: the agent had asked for a transfer or to leave the
   * conference, and the hang-up may arrive before the backend's answer to that request.
   */
  | { type: 'hung-up'; callId: string; at: number; failed?: string; expected?: 'transferred' | 'left' }
  /** The ended call's notice is done: forget the call. */
  | { type: 'dismiss'; callId: string }
  | { type: 'dial-requested'; ref: string; to: string; at: number }
  | { type: 'dial-started'; ref: string; callId: string; at: number }
  | { type: 'dial-failed'; ref: string; message: string; at: number }
  | { type: 'remote-ringing'; callId: string }
  | { type: 'remote-answered'; callId: string; at: number }
  /** The SDK muted or unmuted the agent's microphone on this call. */
  | { type: 'mute-changed'; callId: string; muted: boolean }
  /** The backend's control state of the call; `self` is the agent's name (whose consult it is). */
  | { type: 'control'; callId: string; control: CallControlState; self: string; at: number }
  /** The backend accepted a blind transfer, or the completion of a warm one. */
  | { type: 'transfer-sent'; callId: string; target: TransferTarget; mode: 'blind' | 'warm' }
  /** The agent asked to leave the conference (the backend hangs the leg up). */
  | { type: 'leave-requested'; callId: string };

export const noCalls: CallsState = { calls: {}, order: [] };

/** Fails to compile when a union member is not handled. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled value: ${JSON.stringify(value)}`);
}

/** Answered calls, whatever they are doing now. */
export type AnsweredCall = Extract<Call, { answeredAt: number }>;

/** True for a call the agent has answered (or that the far end answered) and not yet left. */
export function isAnswered(call: Call): call is AnsweredCall {
  switch (call.kind) {
    case 'active':
    case 'held':
    case 'transferring':
    case 'consulting':
    case 'conferenced':
      return true;
    case 'dialing':
    case 'outgoing':
    case 'ringing':
    case 'waiting':
    case 'answering':
    case 'ending':
    case 'ended':
      return false;
    default:
      return assertNever(call);
  }
}

/** A call the agent is engaged in: one that makes a new invite "call waiting". */
export function isEngaged(call: Call): boolean {
  return isAnswered(call) || call.kind === 'dialing' || call.kind === 'outgoing';
}

/** A call still going on (not ended). */
export function isLive(call: Call): boolean {
  return call.kind !== 'ended';
}

/** The calls in the order they came in. */
export function callList(state: CallsState): Call[] {
  return state.order.map((id) => state.calls[id]).filter((call): call is Call => call !== undefined);
}

const FOCUS_RANK: Record<Call['kind'], number> = {
  answering: 0,
  active: 1,
  consulting: 1,
  conferenced: 1,
  transferring: 1,
  dialing: 2,
  outgoing: 2,
  ending: 3,
  ringing: 4,
  held: 5,
  waiting: 6,
  ended: 7,
};

/**
 * The call the agent's screen centres on: the one being answered, else the one they talk on,
 * else one being placed, ending, ringing, on hold; the latest ended one last.
 */
export function focusedCall(state: CallsState): Call | null {
  let best: Call | null = null;
  for (const call of callList(state)) {
    if (!best || FOCUS_RANK[call.kind] < FOCUS_RANK[best.kind] || (call.kind === 'ended' && best.kind === 'ended')) best = call;
  }
  return best;
}

/** Applies one event to the agent's calls; events about an unknown call change nothing. */
export function reduceCalls(state: CallsState, event: CallEvent): CallsState {
  switch (event.type) {
    case 'invite': {
      if (state.calls[event.callId]) return state;
      return normalize(put(state, { kind: 'ringing', callId: event.callId, from: event.from, invitedAt: event.at }));
    }
    case 'reconnected': {
      if (state.calls[event.callId]) return state;
      return normalize(put(state, { kind: 'active', callId: event.callId, from: event.from, answeredAt: event.answeredAt, muted: false }));
    }
    case 'dial-requested': {
      // One call at a time is placed, and only when nothing else goes on.
      if (state.calls[event.ref] || callList(state).some(isLive)) return state;
      return put(state, { kind: 'dialing', callId: event.ref, from: event.to, requestedAt: event.at });
    }
    case 'dial-started': {
      const call = state.calls[event.ref];
      if (call?.kind !== 'dialing' || (event.callId !== event.ref && state.calls[event.callId])) return state;
      const outgoing: Call = { kind: 'outgoing', callId: event.callId, from: call.from, phase: 'connecting', startedAt: event.at };
      return normalize(rekey(state, event.ref, outgoing));
    }
    case 'dial-failed': {
      const call = state.calls[event.ref];
      if (call?.kind !== 'dialing') return state;
      return normalize(put(state, { kind: 'ended', callId: call.callId, from: call.from, reason: 'failed', endedAt: event.at, message: event.message }));
    }
    default: {
      const call = state.calls[event.callId];
      if (!call) return state;
      const next = reduceCall(call, event);
      if (next === call) return state;
      return normalize(next === null ? remove(state, call.callId) : put(state, next));
    }
  }
}

type BoundEvent = Exclude<CallEvent, { type: 'invite' | 'reconnected' | 'dial-requested' | 'dial-started' | 'dial-failed' }>;

/** One call's transition; null removes the call. The call itself comes back when nothing changes. */
export function reduceCall(call: Call, event: BoundEvent): Call | null {
  switch (event.type) {
    case 'answer-requested':
      return call.kind === 'ringing' || call.kind === 'waiting' ? { kind: 'answering', callId: call.callId, from: call.from, invitedAt: call.invitedAt } : call;
    case 'answered':
      return call.kind === 'answering' || call.kind === 'ringing' || call.kind === 'waiting'
        ? { kind: 'active', callId: call.callId, from: call.from, answeredAt: event.at, muted: false }
        : call;
    case 'answer-failed':
      return call.kind === 'answering' ? { kind: 'ended', callId: call.callId, from: call.from, reason: 'failed', endedAt: event.at, message: event.message } : call;
    case 'decline-requested':
    case 'hangup-requested':
      if (call.kind === 'outgoing') return { kind: 'ending', callId: call.callId, from: call.from, declining: true, outbound: true };
      if (isAnswered(call)) return { kind: 'ending', callId: call.callId, from: call.from, declining: false, ...(call.outbound ? { outbound: true as const } : {}) };
      if (call.kind === 'ringing' || call.kind === 'waiting' || call.kind === 'answering') {
        return { kind: 'ending', callId: call.callId, from: call.from, declining: true };
      }
      return call;
    case 'leave-requested':
      return call.kind === 'conferenced'
        ? { kind: 'ending', callId: call.callId, from: call.from, declining: false, leaving: true, ...(call.outbound ? { outbound: true as const } : {}) }
        : call;
    case 'invite-cancelled':
      return call.kind === 'ringing' || call.kind === 'waiting' || call.kind === 'answering'
        ? { kind: 'ended', callId: call.callId, from: call.from, reason: event.reason, endedAt: event.at }
        : call;
    case 'hung-up': {
      if (call.kind === 'ended' || call.kind === 'dialing') return call;
      const ended = (reason: EndReason): Call => ({
        kind: 'ended',
        callId: call.callId,
        from: call.from,
        reason: event.failed ? 'failed' : reason,
        endedAt: event.at,
        ...(event.failed ? { message: event.failed } : {}),
      });
      if (call.kind === 'transferring') return ended('transferred');
      if (call.kind === 'ending' && call.leaving) return ended('left');
      if (isAnswered(call) || (call.kind === 'ending' && !call.declining)) return ended(event.expected ?? 'completed');
      const outbound = call.kind === 'outgoing' || (call.kind === 'ending' && call.outbound === true);
      return ended(!outbound ? 'declined' : call.kind === 'ending' ? 'cancelled' : 'no-answer');
    }
    case 'dismiss':
      return call.kind === 'ended' ? null : call;
    case 'remote-ringing':
      return call.kind === 'outgoing' && call.phase !== 'ringing' ? { ...call, phase: 'ringing' } : call;
    case 'remote-answered':
      return call.kind === 'outgoing' ? { kind: 'active', callId: call.callId, from: call.from, answeredAt: event.at, muted: false, outbound: true } : call;
    case 'mute-changed':
      return isAnswered(call) && call.muted !== event.muted ? { ...call, muted: event.muted } : call;
    case 'control':
      return isAnswered(call) && call.kind !== 'transferring' ? fromControl(call, event.control, event.self, event.at) : call;
    case 'transfer-sent':
      return isAnswered(call) && call.kind !== 'transferring'
        ? { kind: 'transferring', ...answeredFields(call), target: event.target, mode: event.mode }
        : call;
    default:
      return assertNever(event);
  }
}

function answeredFields(call: AnsweredCall): AnsweredFields {
  return { callId: call.callId, from: call.from, answeredAt: call.answeredAt, muted: call.muted, ...(call.outbound ? { outbound: true as const } : {}) };
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The answered state the backend's control state means for this agent. */
function fromControl(call: AnsweredCall, control: CallControlState, self: string, at: number): Call {
  const base = answeredFields(call);
  const consult = control.consult;
  let next: Call;
  if (consult) {
    const mine = sameName(consult.by, self);
    if (consult.state === 'conference') next = { kind: 'conferenced', ...base, with: mine ? consult.target : { type: 'agent', agent: consult.by } };
    // The consulted party (another agent called in) simply talks with the agent who called.
    else if (!mine) next = { kind: 'active', ...base };
    else next = { kind: 'consulting', ...base, target: consult.target, phase: consult.state };
  } else if (control.held) {
    const since = control.since ? Date.parse(control.since) : Number.NaN;
    const heldSince = call.kind === 'held' ? call.heldSince : Number.isFinite(since) ? Math.min(since, at) : at;
    next = { kind: 'held', ...base, heldSince };
  } else {
    next = { kind: 'active', ...base };
  }
  return JSON.stringify(next) === JSON.stringify(call) ? call : next;
}

function put(state: CallsState, call: Call): CallsState {
  const known = state.calls[call.callId] !== undefined;
  return { calls: { ...state.calls, [call.callId]: call }, order: known ? state.order : [...state.order, call.callId] };
}

function remove(state: CallsState, callId: string): CallsState {
  const calls = { ...state.calls };
  delete calls[callId];
  return { calls, order: state.order.filter((id) => id !== callId) };
}

function rekey(state: CallsState, from: string, call: Call): CallsState {
  const calls = { ...state.calls };
  delete calls[from];
  calls[call.callId] = call;
  return { calls, order: state.order.map((id) => (id === from ? call.callId : id)) };
}

/** An invite is `waiting` exactly while another call is engaged, `ringing` otherwise. */
function normalize(state: CallsState): CallsState {
  let calls: Record<string, Call> | null = null;
  for (const id of state.order) {
    const call = state.calls[id];
    if (!call || (call.kind !== 'ringing' && call.kind !== 'waiting')) continue;
    const engaged = state.order.some((other) => other !== id && state.calls[other] !== undefined && isEngaged(state.calls[other]));
    const kind = engaged ? 'waiting' : 'ringing';
    if (call.kind !== kind) {
      calls ??= { ...state.calls };
      calls[id] = { ...call, kind };
    }
  }
  return calls ? { calls, order: state.order } : state;
}

/**
 * What the main process needs to know about the agent's calls: small, serialisable, validated
 * at IPC. The type is the IPC contract's schema (`callSummarySchema`), so the two cannot drift.
 */
export type CallSummary = z.infer<typeof callSummarySchema>;

/** What the call in progress is doing, as the summary says it. */
export type SummaryState = NonNullable<Extract<CallSummary, { phase: 'active' }>['state']>;

/**
 * The in-call controls that apply to a call in `state`: mute or unmute (whichever fits
 * `muted`) while there is someone to talk to, hold while talking, resume while held. The one
 * place this is decided: main reads the answer from the summary.
 */
export function inCallControls(state: SummaryState, muted: boolean): InCallControl[] {
  const talking = state === 'talking' || state === 'held' || state === 'consulting' || state === 'conference';
  const controls: InCallControl[] = [];
  if (talking) controls.push(muted ? 'unmute' : 'mute');
  if (state === 'talking') controls.push('hold');
  if (state === 'held') controls.push('resume');
  return controls;
}

const SUMMARY_RANK: Partial<Record<Call['kind'], number>> = { active: 0, consulting: 0, conferenced: 0, transferring: 0, outgoing: 1, held: 2 };

/**
 * Projects the calls onto the summary main acts on (tray, notification, ringer, shortcuts).
 *
 * The call in progress is `active`, with what it is doing, whether the microphone is muted,
 * and the call waiting, if any; with none in progress, the ringing call (still `ringing` while
 * it is being answered, so main does not ring twice); else idle. A call being placed is
 * `active` as soon as it has an id: the hang-up shortcut cancels it, nothing rings.
 */
export function summarize(state: CallsState): CallSummary {
  const calls = callList(state);
  let primary: Extract<Call, { kind: 'outgoing' }> | AnsweredCall | null = null;
  for (const call of calls) {
    const rank = SUMMARY_RANK[call.kind];
    if (rank === undefined || (call.kind !== 'outgoing' && !isAnswered(call))) continue;
    if (!primary || rank < (SUMMARY_RANK[primary.kind] ?? 9)) primary = call;
  }
  if (primary) {
    const waiting = calls.find((call) => call.kind === 'waiting');
    const since = primary.kind === 'outgoing' ? primary.startedAt : primary.answeredAt;
    const state = summaryState(primary);
    const muted = primary.kind === 'outgoing' ? false : primary.muted;
    return {
      phase: 'active',
      callId: primary.callId,
      from: primary.from,
      since,
      state,
      muted,
      controls: inCallControls(state, muted),
      ...(waiting ? { waiting: { callId: waiting.callId, from: waiting.from } } : {}),
    };
  }
  const ringing = calls.find((call) => call.kind === 'ringing' || call.kind === 'answering' || call.kind === 'waiting');
  if (ringing) return { phase: 'ringing', callId: ringing.callId, from: ringing.from };
  return { phase: 'idle' };
}

function summaryState(call: Extract<Call, { kind: 'outgoing' }> | AnsweredCall): SummaryState {
  switch (call.kind) {
    case 'outgoing':
      return 'calling';
    case 'active':
      return 'talking';
    case 'held':
      return 'held';
    case 'consulting':
      return 'consulting';
    case 'conferenced':
      return 'conference';
    case 'transferring':
      return 'transferring';
    default:
      return assertNever(call);
  }
}
