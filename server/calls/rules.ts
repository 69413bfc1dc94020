/**
 * The call model's rules for a leg's status event, as a pure function of the call's stored
 * state: what the flows must do, with no I/O. `CallFlows.handleEvent` (server/flows/runtime.ts)
 * carries the decision out under the call's lock (binding the leg, Voice API jobs, presence).
 */
import { TERMINAL_STATUSES } from '../webhooks/call-log';

/** The part of a call's state the rules read. */
export interface RuleCall {
  /** The caller's leg. */
  uuid: string;
  ended: boolean;
  mode: 'connect' | 'dial';
  attempt: { agent: string | null; phone: string | null; legUuid: string | null; answered: boolean } | null;
}

/** What a leg's status event means for the call. */
export type LegEventAction =
  /** The caller's leg ended: stop ringing agents, leave any queue. */
  | 'caller-gone'
  /** The leg ringing now answered: release the reservation, leave the queue, record the agent. */
  | 'agent-answered'
  /** The agent who answered left: hang the caller up (never left alone in the music). */
  | 'agent-finished'
  /** The leg ringing now declined, timed out or failed: the next agent, or the fallback. */
  | 'attempt-failed'
  /** A leg the call has moved on from is still ringing (dial mode): hang it up. */
  | 'hangup-stale-leg'
  /** Nothing to do (progress of the current leg, the end of an old one, the caller's progress). */
  | 'none';

/** The decision, and whether the leg must first be bound to the attempt ringing its target. */
export interface LegEventDecision {
  bind: boolean;
  action: LegEventAction;
}

/**
 * Decide what a status event of leg `uuid` (to `to`) means. A leg nobody bound yet belongs to
 * the attempt ringing its target: a connect leg is known only by its events, and a dialled
 * leg's events may come before the Voice API has answered with its uuid.
 */
export function legEventRule(call: RuleCall, event: { uuid: string; status: string; to: string | null }): LegEventDecision {
  const terminal = TERMINAL_STATUSES.has(event.status);
  if (event.uuid === call.uuid) return { bind: false, action: terminal && !call.ended ? 'caller-gone' : 'none' };
  const attempt = call.attempt;
  const bind = attempt !== null && attempt.legUuid === null && (attempt.agent ?? attempt.phone ?? '').toLowerCase() === (event.to ?? '').toLowerCase();
  const current = attempt !== null && (bind || attempt.legUuid === event.uuid);
  if (!current) return { bind, action: !terminal && event.status !== 'answered' && call.mode === 'dial' ? 'hangup-stale-leg' : 'none' };
  if (event.status === 'answered') return { bind, action: attempt.answered ? 'none' : 'agent-answered' };
  if (!terminal) return { bind, action: 'none' };
  return { bind, action: attempt.answered ? 'agent-finished' : 'attempt-failed' };
}
