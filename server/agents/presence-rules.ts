/**
 * The rules of agent presence, as pure functions: (the agent's row, their legs, an event) →
 * (the new row, the legs to write, the timers to arm or cancel).
 *
 * Nothing here reads a clock, a database or a timer, so every rule is tested on its own
 * (`test/unit/server/presence-rules.test.ts`); `server/agents/presence.ts` runs them inside
 * one transaction per change, with the agent's row locked.
 *
 * Agents choose available or away themselves; calls make them busy and then wrap-up (after-call
 * work, `wrapUpS` long, which they may end early) and back to the status they had chosen; a
 * missed call returns them exactly where they were. Losing every live connection (the app's
 * event stream) for longer than `graceS` makes them offline — after the call, if on one.
 */
import type { AgentStatus } from '../../common/backend-api';
import { PROGRESS_STATUSES, TERMINAL_STATUSES } from '../webhooks/call-log';

export type { AgentStatus } from '../../common/backend-api';

/** The statuses an agent returns to after a call or a wrap-up: what they had chosen. */
export type ResumeStatus = 'available' | 'away' | 'offline';

/** Where an agent stood when a call made them busy: a missed call returns them there. */
export interface Snapshot {
  status: AgentStatus;
  idleSince: string | null;
  wrapUpEndsAt: string | null;
}

/** One agent's presence row (`agent_presence`), as the rules see it. Times are ISO 8601. */
export interface PresenceState {
  status: AgentStatus;
  /** When the current status began. */
  since: string;
  /** While available: since when the agent has had nothing to do. */
  idleSince: string | null;
  /** While in wrap-up: when it ends on its own. */
  wrapUpEndsAt: string | null;
  /** While busy: where the agent stood before the call. */
  beforeCall: Snapshot | null;
  /** While busy or in wrap-up: the status to return to afterwards. */
  resumeStatus: ResumeStatus | null;
  lastCallEndedAt: string | null;
  /** Whether any leg was answered since the agent became busy. */
  answeredWhileBusy: boolean;
  /** Every connection was lost for longer than the grace period during a call: offline when it ends. */
  offlineAfterCall: boolean;
  /** When the grace period of the lost connections runs out; null while connected. */
  graceEndsAt: string | null;
  /** The call this agent is being offered to (routing's reservation), if any. */
  reservedCall: string | null;
  reservedAt: string | null;
}

/** One of the agent's legs (`agent_legs`); ended ones are kept a while so late events change nothing. */
export interface LegState {
  uuid: string;
  answered: boolean;
  ended: boolean;
}

/** Something that may change an agent's presence. */
export type PresenceEvent =
  /** A change by the backend or an admin; allowed from any status but into wrap-up only from busy. */
  | { type: 'set'; status: AgentStatus; reason: string }
  /** The agent's own choice, from the app: refused while busy, ends a wrap-up early. */
  | { type: 'choose'; status: 'available' | 'away' }
  /** An event_url status of one of the agent's legs. */
  | { type: 'leg'; uuid: string; status: string; at: string }
  /** A live connection opened. */
  | { type: 'connected' }
  /** The agent's last live connection (on any instance) closed. */
  | { type: 'disconnected' }
  /** The grace timer armed for `endsAt` fired; `connected` tells whether a live connection exists now. */
  | { type: 'grace-over'; endsAt: string; connected: boolean }
  /** The wrap-up timer armed for `endsAt` fired. */
  | { type: 'wrap-up-over'; endsAt: string };

/** The settings and the moment a rule is applied at. */
export interface RuleContext {
  /** Now, ISO 8601. */
  now: string;
  /** Length of after-call work in seconds; 0 skips wrap-up. */
  wrapUpS: number;
  /** How long a lost connection may stay away before the agent goes offline, in seconds. */
  graceS: number;
}

/** A timer to arm at `at`, or to cancel (`at` null). One of each per agent at most. */
export interface TimerChange {
  timer: 'wrap-up' | 'grace';
  at: string | null;
}

/** What applying an event decided. */
export interface PresenceOutcome {
  state: PresenceState;
  /** Legs to insert or update. */
  legs: LegState[];
  timers: TimerChange[];
  /** Whether the row must be written. */
  dirty: boolean;
  /** Why the visible presence (status, since, idle, wrap-up end) changed, for the log; null when it did not. */
  reason: string | null;
}

/** Thrown for a change the current status does not allow (and, by the service, for an unknown agent). */
export class PresenceTransitionError extends Error {
  constructor(
    readonly from: AgentStatus,
    readonly to: AgentStatus,
    message = `Cannot change status from ${from} to ${to}`,
  ) {
    super(message);
    this.name = 'PresenceTransitionError';
  }
}

/** Which status may follow which; same-status changes are no-ops. Wrap-up only follows a call. */
export const TRANSITIONS: Readonly<Record<AgentStatus, readonly AgentStatus[]>> = {
  offline: ['available', 'away', 'busy'],
  available: ['away', 'busy', 'offline'],
  away: ['available', 'busy', 'offline'],
  busy: ['wrap-up', 'available', 'away', 'offline'],
  'wrap-up': ['available', 'away', 'busy', 'offline'],
};

/** A new agent's row: offline since `now`. */
export function initialState(now: string): PresenceState {
  return {
    status: 'offline',
    since: now,
    idleSince: null,
    wrapUpEndsAt: null,
    beforeCall: null,
    resumeStatus: null,
    lastCallEndedAt: null,
    answeredWhileBusy: false,
    offlineAfterCall: false,
    graceEndsAt: null,
    reservedCall: null,
    reservedAt: null,
  };
}

/** The status to return to after a call: what the agent had chosen, available by default. */
export function resumeOf(status: AgentStatus): ResumeStatus {
  return status === 'away' || status === 'offline' ? status : 'available';
}

/**
 * Apply one event to an agent's row and legs.
 *
 * Throws {@link PresenceTransitionError} for a change the rules refuse. An event that changes
 * nothing (a late event for an ended leg, a stale timer) returns the row as it was, not dirty.
 */
export function applyPresenceEvent(current: PresenceState, legs: readonly LegState[], event: PresenceEvent, ctx: RuleContext): PresenceOutcome {
  const draft = new Draft(current, legs, ctx);
  draft.apply(event);
  const state = draft.state;
  return {
    state,
    legs: [...draft.touched].map((uuid) => ({ ...(draft.legs.get(uuid) as LegState) })),
    timers: timerChanges(current, state),
    dirty: !sameState(current, state),
    reason: visiblyChanged(current, state) ? (draft.reason ?? 'unknown') : null,
  };
}

/** The timers the change from `before` to `after` arms or cancels. */
export function timerChanges(before: PresenceState, after: PresenceState): TimerChange[] {
  const changes: TimerChange[] = [];
  const wrapUpBefore = before.status === 'wrap-up' ? before.wrapUpEndsAt : null;
  const wrapUpAfter = after.status === 'wrap-up' ? after.wrapUpEndsAt : null;
  if (wrapUpBefore !== wrapUpAfter) changes.push({ timer: 'wrap-up', at: wrapUpAfter });
  if (before.graceEndsAt !== after.graceEndsAt) changes.push({ timer: 'grace', at: after.graceEndsAt });
  return changes;
}

/** Whether two rows are equal field by field. */
export function sameState(a: PresenceState, b: PresenceState): boolean {
  return JSON.stringify(stateFields(a)) === JSON.stringify(stateFields(b));
}

/** Whether what agents, admins and routing see (status, since, idle time, wrap-up end) differs. */
export function visiblyChanged(a: PresenceState, b: PresenceState): boolean {
  return a.status !== b.status || a.since !== b.since || a.idleSince !== b.idleSince || a.wrapUpEndsAt !== b.wrapUpEndsAt;
}

/** Every stored field of a state, in the order of `agent_presence`'s columns from `status` to `reserved_at`. */
export function stateFields(s: PresenceState): unknown[] {
  const before = s.beforeCall;
  return [
    s.status,
    s.since,
    s.idleSince,
    s.wrapUpEndsAt,
    before?.status ?? null,
    before?.idleSince ?? null,
    before?.wrapUpEndsAt ?? null,
    s.resumeStatus,
    s.lastCallEndedAt,
    s.answeredWhileBusy,
    s.offlineAfterCall,
    s.graceEndsAt,
    s.reservedCall,
    s.reservedAt,
  ];
}

function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

/** A row being changed by one event. */
class Draft {
  readonly state: PresenceState;
  readonly legs: Map<string, LegState>;
  readonly touched = new Set<string>();
  reason: string | null = null;

  constructor(
    current: PresenceState,
    legs: readonly LegState[],
    private readonly ctx: RuleContext,
  ) {
    this.state = { ...current, beforeCall: current.beforeCall ? { ...current.beforeCall } : null };
    this.legs = new Map(legs.map((l) => [l.uuid, { ...l }]));
  }

  apply(event: PresenceEvent): void {
    switch (event.type) {
      case 'set':
        this.set(event.status, event.reason);
        return;
      case 'choose':
        this.choose(event.status);
        return;
      case 'leg':
        this.leg(event.uuid, event.status, event.at);
        return;
      case 'connected':
        this.state.graceEndsAt = null;
        this.state.offlineAfterCall = false;
        if (this.state.status === 'offline') this.set('available', 'connected');
        return;
      case 'disconnected':
        // An offline agent has nothing to lose; anyone else gets the grace period (again, in full).
        if (this.state.status !== 'offline') this.state.graceEndsAt = addSeconds(this.ctx.now, this.ctx.graceS);
        return;
      case 'grace-over':
        this.graceOver(event.endsAt, event.connected);
        return;
      case 'wrap-up-over':
        this.wrapUpOver(event.endsAt);
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown presence event ${JSON.stringify(never)}`);
      }
    }
  }

  private set(status: AgentStatus, reason: string): void {
    const s = this.state;
    if (s.status === status) return;
    if (!TRANSITIONS[s.status].includes(status)) throw new PresenceTransitionError(s.status, status);
    const leavingBusy = s.status === 'busy';
    if (status === 'wrap-up') {
      // Only from busy: the call is over by decree (and with wrap-up configured to 0, so is that).
      s.lastCallEndedAt = this.ctx.now;
      const resume = s.resumeStatus ?? 'available';
      if (this.ctx.wrapUpS > 0) this.wrapUp(addSeconds(this.ctx.now, this.ctx.wrapUpS), resume);
      else this.enter(resume, this.ctx.now);
    } else if (status === 'busy') {
      this.becomeBusy(false);
    } else {
      this.enter(status, status === 'available' ? this.idleStart() : null);
    }
    // Whoever takes an agent off a call or offline frees them for routing too.
    if (leavingBusy || status === 'offline') this.releaseReservation();
    this.reason = reason;
  }

  private choose(status: 'available' | 'away'): void {
    if (this.state.status === 'busy') throw new PresenceTransitionError('busy', status, 'You are on a call; your status changes when it ends');
    // Ending wrap-up early: the agent's choice replaces the status they would have returned to.
    if (this.state.status === 'wrap-up') this.state.resumeStatus = null;
    this.set(status, 'agent');
  }

  private leg(uuid: string, status: string, at: string): void {
    const known = this.legs.get(uuid);
    if (known?.ended) return;
    const s = this.state;
    if (PROGRESS_STATUSES.has(status)) {
      const answered = status === 'answered' || known?.answered === true;
      this.putLeg({ uuid, answered, ended: false });
      if (answered) {
        s.answeredWhileBusy = true;
        this.releaseReservation();
      }
      if (s.status !== 'busy') {
        this.becomeBusy(answered);
        this.reason = 'call';
      }
    } else if (TERMINAL_STATUSES.has(status)) {
      this.putLeg({ uuid, answered: known?.answered ?? false, ended: true });
      this.releaseReservation();
      if (s.status === 'busy' && this.liveLegs() === 0) this.callOver(at);
    }
  }

  private becomeBusy(answered: boolean): void {
    const s = this.state;
    const resume = s.status === 'wrap-up' ? (s.resumeStatus ?? 'available') : resumeOf(s.status);
    const before: Snapshot = { status: s.status, idleSince: s.idleSince, wrapUpEndsAt: s.wrapUpEndsAt };
    this.enter('busy', null);
    s.beforeCall = before;
    s.resumeStatus = resume;
    s.answeredWhileBusy = answered;
  }

  /** The agent's last live leg ended. */
  private callOver(at: string): void {
    const s = this.state;
    const before = s.beforeCall ?? { status: 'available', idleSince: null, wrapUpEndsAt: null };
    const resume = s.resumeStatus ?? resumeOf(before.status);
    if (s.offlineAfterCall) {
      s.offlineAfterCall = false;
      this.enter('offline', null);
    } else if (s.answeredWhileBusy) {
      s.lastCallEndedAt = at;
      if (this.ctx.wrapUpS > 0) this.wrapUp(addSeconds(this.ctx.now, this.ctx.wrapUpS), resume);
      else this.enter(resume, at);
    } else if (before.status === 'wrap-up' && before.wrapUpEndsAt !== null && Date.parse(before.wrapUpEndsAt) > Date.parse(this.ctx.now)) {
      // Missed, declined or timed out: back exactly where they were, the rest of the wrap-up included.
      this.wrapUp(before.wrapUpEndsAt, resume);
    } else if (before.status === 'wrap-up') {
      this.enter(resume, s.lastCallEndedAt ?? this.ctx.now);
    } else {
      // Idle time included.
      this.enter(before.status, before.idleSince ?? this.ctx.now);
    }
    this.reason = 'call';
  }

  private graceOver(endsAt: string, connected: boolean): void {
    const s = this.state;
    if (s.graceEndsAt !== endsAt) return; // a timer that was re-armed or cancelled meanwhile
    s.graceEndsAt = null;
    if (connected || s.status === 'offline') return;
    if (s.status === 'busy') {
      s.offlineAfterCall = true;
      return;
    }
    this.set('offline', 'disconnected');
  }

  private wrapUpOver(endsAt: string): void {
    const s = this.state;
    if (s.status !== 'wrap-up' || s.wrapUpEndsAt !== endsAt) return;
    this.enter(s.resumeStatus ?? 'available', s.lastCallEndedAt ?? this.ctx.now);
    this.reason = 'wrap-up ended';
  }

  private wrapUp(endsAt: string, resume: ResumeStatus): void {
    this.enter('wrap-up', null);
    this.state.wrapUpEndsAt = endsAt;
    this.state.resumeStatus = resume;
  }

  /** Enter a status now; `idleSince` counts only for available (default: now). */
  private enter(status: AgentStatus, idleSince: string | null): void {
    const s = this.state;
    if (status !== 'busy') {
      // Leaving busy by any path ends its legs, so a stale one can never hold a later call open.
      for (const leg of this.legs.values()) if (!leg.ended) this.putLeg({ ...leg, ended: true });
      s.answeredWhileBusy = false;
      s.beforeCall = null;
    }
    if (status !== 'busy' && status !== 'wrap-up') s.resumeStatus = null;
    s.status = status;
    s.since = this.ctx.now;
    s.idleSince = status === 'available' ? (idleSince ?? this.ctx.now) : null;
    s.wrapUpEndsAt = null;
  }

  /** When an agent becoming available now counts as idle from. */
  private idleStart(): string {
    // Fresh from their own call's wrap-up, they have been idle since that call ended.
    const s = this.state;
    return s.status === 'wrap-up' && s.lastCallEndedAt !== null ? s.lastCallEndedAt : this.ctx.now;
  }

  private releaseReservation(): void {
    this.state.reservedCall = null;
    this.state.reservedAt = null;
  }

  private liveLegs(): number {
    let live = 0;
    for (const leg of this.legs.values()) if (!leg.ended) live += 1;
    return live;
  }

  private putLeg(leg: LegState): void {
    const known = this.legs.get(leg.uuid);
    if (known && known.answered === leg.answered && known.ended === leg.ended) return;
    this.legs.set(leg.uuid, leg);
    this.touched.add(leg.uuid);
  }
}
