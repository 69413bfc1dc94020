/**
 * The call model's rules for a leg's status event, as a pure function of the call's stored
 * state: what the flows must do, with no I/O. `CallFlows.handleEvent` (server/flows/runtime.ts)
 * carries the decision out under the call's lock (binding the leg, Voice API jobs, presence).
 */
import { TERMINAL_STATUSES } from '../webhooks/call-log';

/** A party the call rings or talks to: an agent's app or an outside phone. */
export interface RuleParty {
  agent: string | null;
  phone: string | null;
  legUuid: string | null;
  answered: boolean;
}

/** The part of a call's state the rules read. */
export interface RuleCall {
  /** The caller's leg. */
  uuid: string;
  ended: boolean;
  mode: 'connect' | 'dial';
  /** The agent (or phone) the caller is put through to: ringing, or answered and owning the call. */
  attempt: RuleParty | null;
  /**
   * A second party the owning agent called about this call (warm transfer): ringing, consulted
   * while the caller holds, or in a three-way conference. Absent in calls stored before it existed.
   */
  consult?: (RuleParty & { state: 'consulting' | 'conference' }) | null;
}

/** What a leg's status event means for the call. */
export type LegEventAction =
  /** The caller's leg ended: stop ringing agents, leave any queue. */
  | 'caller-gone'
  /** The leg ringing now answered: release the reservation, leave the queue, record the agent. */
  | 'agent-answered'
  /** The agent who answered left: hang the caller up (never left alone in the music). */
  | 'agent-finished'
  /**
   * The owning agent left while a consulted party is on the call (answered, or still ringing):
   * the caller is handed to that party, not hung up.
   */
  | 'owner-left-to-consult'
  /** The leg ringing now declined, timed out or failed: the next agent, or the fallback. */
  | 'attempt-failed'
  /** The consulted party answered: release their reservation; the agent talks to them. */
  | 'consult-answered'
  /** The consulted party did not answer: the caller returns to the agent. */
  | 'consult-failed'
  /** The consulted party hung up after answering: the caller returns to the agent (or stays in the conference). */
  | 'consult-left'
  /** A leg the call has moved on from is still ringing (dial mode): hang it up. */
  | 'hangup-stale-leg'
  /** Nothing to do (progress of the current leg, the end of an old one, the caller's progress). */
  | 'none';

/** The decision, and whether the leg must first be bound to the attempt (or consult) ringing its target. */
export interface LegEventDecision {
  bind: boolean;
  /** Bind to the consulted party rather than the attempt. */
  bindConsult?: boolean;
  action: LegEventAction;
}

const sameTarget = (party: RuleParty, to: string | null): boolean => (party.agent ?? party.phone ?? '').toLowerCase() === (to ?? '').toLowerCase();

/**
 * Decide what a status event of leg `uuid` (to `to`) means. A leg nobody bound yet belongs to
 * the attempt (or consult) ringing its target: a connect leg is known only by its events, and a
 * dialled leg's events may come before the Voice API has answered with its uuid.
 */
export function legEventRule(call: RuleCall, event: { uuid: string; status: string; to: string | null }): LegEventDecision {
  const terminal = TERMINAL_STATUSES.has(event.status);
  if (event.uuid === call.uuid) return { bind: false, action: terminal && !call.ended ? 'caller-gone' : 'none' };
  const attempt = call.attempt;
  const consult = call.consult ?? null;
  const bind = attempt !== null && attempt.legUuid === null && sameTarget(attempt, event.to);
  const current = attempt !== null && (bind || attempt.legUuid === event.uuid);
  if (!current && consult) {
    const bindConsult = consult.legUuid === null && sameTarget(consult, event.to);
    if (bindConsult || consult.legUuid === event.uuid) {
      if (event.status === 'answered') return { bind: false, bindConsult, action: consult.answered ? 'none' : 'consult-answered' };
      if (!terminal) return { bind: false, bindConsult, action: 'none' };
      return { bind: false, bindConsult, action: consult.answered ? 'consult-left' : 'consult-failed' };
    }
  }
  if (!current) return { bind, action: !terminal && event.status !== 'answered' && call.mode === 'dial' ? 'hangup-stale-leg' : 'none' };
  if (event.status === 'answered') return { bind, action: attempt.answered ? 'none' : 'agent-answered' };
  if (!terminal) return { bind, action: 'none' };
  if (!attempt.answered) return { bind, action: 'attempt-failed' };
  return { bind, action: consult ? 'owner-left-to-consult' : 'agent-finished' };
}
