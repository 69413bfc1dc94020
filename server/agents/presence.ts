/**
 * Agent presence: who can take a call right now, and since when.
 *
 * Agents choose available or away themselves; calls make them busy and then wrap-up (after-call
 * work, {@link PresenceOptions.wrapUpS} long, which they may end early); losing their live
 * connection (the app's event stream) for longer than {@link PresenceOptions.graceS} makes them
 * offline, and so does logging out. Routing asks {@link Presence.availableLongestIdle}.
 *
 * State lives in memory (one backend instance decides) and every change is written through
 * the {@link PresenceRepository}; see {@link Presence.restore} for how a restart rebuilds it.
 */
import type { AgentStatus } from '../../common/backend-api';
import type { AgentRecord, LiveAgentLeg, PresenceRecord, PresenceRepository } from '../storage/types';
import { PROGRESS_STATUSES, TERMINAL_STATUSES } from '../webhooks/call-log';

export type { AgentStatus } from '../../common/backend-api';

/** One agent's presence, as routing, the admin API and the agent's event stream see it. */
export interface PresenceEntry {
  agentId: string;
  /** The agent's (Vonage user) name. */
  name: string;
  status: AgentStatus;
  /** When the current status began (ISO 8601). */
  since: string;
  /** While available: since when the agent has had nothing to do (last call's end, or becoming available). */
  idleSince: string | null;
  /** While in wrap-up: when it ends on its own. */
  wrapUpEndsAt: string | null;
}

/** A call event about one of an agent's legs, as {@link Presence.noteCallEvent} takes it. */
export interface AgentLegEvent {
  agentId: string;
  /** The leg's uuid. */
  uuid: string;
  /** The event_url status (ringing, answered, completed, rejected, …). */
  status: string;
  /** When it happened (defaults to now). */
  at?: string;
}

/** Thrown by {@link Presence.set} and {@link Presence.choose} for a change the current status does not allow. */
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

/** Timers, injectable so tests can run a fake clock. */
export interface PresenceTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Where presence reports changes and write failures; a pino logger fits. */
export interface PresenceLog {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Options of {@link Presence}. */
export interface PresenceOptions {
  /** Where each change is saved. */
  repository: PresenceRepository;
  now: () => Date;
  /** Length of after-call work in seconds; 0 skips wrap-up. */
  wrapUpS: number;
  /** How long a dropped live connection may stay away before the agent goes offline, in seconds. */
  graceS: number;
  timers?: PresenceTimers;
  log?: PresenceLog;
}

/** Which status may follow which; same-status changes are no-ops. */
const TRANSITIONS: Readonly<Record<AgentStatus, readonly AgentStatus[]>> = {
  offline: ['available', 'away', 'busy'],
  available: ['away', 'busy', 'offline'],
  away: ['available', 'busy', 'offline'],
  busy: ['wrap-up', 'available', 'away', 'offline'],
  'wrap-up': ['available', 'away', 'busy', 'offline'],
};

/** Ended leg uuids remembered per agent, so a late event for a finished leg changes nothing. */
const ENDED_LEGS_KEPT = 32;

/** Where an agent stood before a call made them busy: a missed call returns them there. */
interface Snapshot {
  status: AgentStatus;
  idleSince: string | null;
  wrapUpEndsAt: string | null;
}

interface AgentState {
  entry: PresenceEntry;
  /** Live legs: uuid → answered. */
  legs: Map<string, boolean>;
  endedLegs: string[];
  /** Whether any leg was answered since the agent became busy. */
  answeredWhileBusy: boolean;
  beforeCall: Snapshot | null;
  lastCallEndedAt: string | null;
  /** Open live connections (event streams). */
  connections: number;
  /** The connection was lost for longer than the grace period during a call: offline when it ends. */
  offlineAfterCall: boolean;
  wrapUpTimer: unknown;
  graceTimer: unknown;
}

const realTimers: PresenceTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // Presence timers must never keep a stopping backend alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The presence of every agent.
 *
 * Synchronous in memory; writes go to the repository in order, behind the scenes.
 */
export class Presence {
  private readonly agents = new Map<string, AgentState>();
  private readonly listeners = new Set<(entry: PresenceEntry) => void>();
  private readonly repository: PresenceRepository;
  private readonly now: () => Date;
  private readonly wrapUpMs: number;
  private readonly graceMs: number;
  private readonly timers: PresenceTimers;
  private readonly log: PresenceLog | undefined;
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: PresenceOptions) {
    this.repository = options.repository;
    this.now = options.now;
    this.wrapUpMs = options.wrapUpS * 1000;
    this.graceMs = options.graceS * 1000;
    this.timers = options.timers ?? realTimers;
    this.log = options.log;
  }

  /**
   * Load these agents' presence from what was saved and the legs still live in the call log.
   *
   * Restart rules: an agent with a live leg is busy; a wrap-up that has not ended resumes with
   * its timer; offline stays offline; anything else (available, away, or a busy/wrap-up that is
   * over) resumes the agent's status from before the call. Nobody is connected after a restart,
   * so every agent who is not offline gets the grace period to reconnect. Disabled agents are
   * offline.
   */
  restore(agents: readonly AgentRecord[], saved: readonly PresenceRecord[], liveLegs: readonly LiveAgentLeg[] = []): void {
    const savedById = new Map(saved.map((r) => [r.agent_id, r]));
    const nowIso = this.nowIso();
    for (const agent of agents) {
      const record = savedById.get(agent.id);
      const state = this.trackState(agent, record);
      if (agent.disabled || !record) continue;
      const legs = liveLegs.filter((l) => l.agent === agent.name);
      if (legs.length > 0) {
        for (const leg of legs) state.legs.set(leg.uuid, leg.answered);
        state.answeredWhileBusy = legs.some((l) => l.answered);
        state.beforeCall = record.status === 'busy' ? resumeOf(record, nowIso) : { status: record.status, idleSince: record.idle_since, wrapUpEndsAt: null };
        if (record.status !== 'busy') this.enter(state, 'busy', nowIso, {});
      } else if (record.status === 'wrap-up' && record.wrap_up_ends_at !== null && Date.parse(record.wrap_up_ends_at) > Date.parse(nowIso)) {
        this.armWrapUp(state, record.wrap_up_ends_at);
      } else if (record.status === 'busy' || record.status === 'wrap-up') {
        const resume = resumeOf(record, nowIso);
        this.enter(state, resume.status, nowIso, { idleSince: record.last_call_ended_at ?? nowIso });
      }
      if (state.entry.status !== 'offline') this.armGrace(state);
      this.save(state);
    }
  }

  /** Start tracking an agent (a new one starts offline); an already tracked agent keeps its presence. */
  track(agent: AgentRecord): PresenceEntry {
    return { ...this.trackState(agent).entry };
  }

  private trackState(agent: AgentRecord, record?: PresenceRecord): AgentState {
    const known = this.agents.get(agent.id);
    if (known) return known;
    const usable = record && !agent.disabled ? record : undefined;
    const state: AgentState = {
      entry: {
        agentId: agent.id,
        name: agent.name,
        status: usable?.status ?? 'offline',
        since: usable?.since ?? this.nowIso(),
        idleSince: usable?.status === 'available' ? usable.idle_since : null,
        wrapUpEndsAt: usable?.status === 'wrap-up' ? usable.wrap_up_ends_at : null,
      },
      legs: new Map(),
      endedLegs: [],
      answeredWhileBusy: false,
      beforeCall: usable?.resume_status ? { status: usable.resume_status, idleSince: usable.idle_since, wrapUpEndsAt: null } : null,
      lastCallEndedAt: usable?.last_call_ended_at ?? null,
      connections: 0,
      offlineAfterCall: false,
      wrapUpTimer: undefined,
      graceTimer: undefined,
    };
    this.agents.set(agent.id, state);
    if (!usable) this.save(state);
    return state;
  }

  /** The presence of the agent with this name (compared case-insensitively), or undefined. */
  byName(name: string): PresenceEntry | undefined {
    const lower = name.toLowerCase();
    for (const state of this.agents.values()) if (state.entry.name.toLowerCase() === lower) return { ...state.entry };
    return undefined;
  }

  /** An agent's presence, or undefined for an unknown id. */
  get(agentId: string): PresenceEntry | undefined {
    const state = this.agents.get(agentId);
    return state ? { ...state.entry } : undefined;
  }

  /** Every agent's presence, by name. */
  list(): PresenceEntry[] {
    return [...this.agents.values()].map((s) => ({ ...s.entry })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Available agents, longest idle first (idle since their last call ended or since they became available).
   *
   * `exclude` lists agent ids or names to leave out (e.g. agents who already declined this call).
   */
  availableLongestIdle(exclude: readonly string[] = []): PresenceEntry[] {
    const skip = new Set(exclude.map((e) => e.toLowerCase()));
    return [...this.agents.values()]
      .map((s) => s.entry)
      .filter((e) => e.status === 'available' && !skip.has(e.agentId.toLowerCase()) && !skip.has(e.name.toLowerCase()))
      .sort((a, b) => (a.idleSince ?? a.since).localeCompare(b.idleSince ?? b.since) || a.name.localeCompare(b.name))
      .map((e) => ({ ...e }));
  }

  /**
   * Change an agent's status, checking that the current one allows it.
   *
   * `reason` is recorded for the log (agent, call, logout, disconnect, admin…). Setting the
   * current status again changes nothing. Throws {@link PresenceTransitionError} for a change
   * the table does not allow and for an unknown agent.
   */
  set(agentId: string, status: AgentStatus, reason: string): PresenceEntry {
    const state = this.require(agentId, status);
    if (state.entry.status === status) return { ...state.entry };
    if (!TRANSITIONS[state.entry.status].includes(status)) throw new PresenceTransitionError(state.entry.status, status);
    const nowIso = this.nowIso();
    if (status === 'wrap-up') {
      state.beforeCall ??= { status: 'available', idleSince: null, wrapUpEndsAt: null };
      this.armWrapUp(state, new Date(Date.parse(nowIso) + this.wrapUpMs).toISOString());
      this.changed(state, reason);
      return { ...state.entry };
    }
    if (status === 'busy') state.beforeCall = snapshotOf(state.entry);
    this.enter(state, status, nowIso, { idleSince: status === 'available' ? this.idleStart(state, nowIso) : null });
    this.changed(state, reason);
    return { ...state.entry };
  }

  /**
   * The agent's own choice (available or away), from the app.
   *
   * Refused while busy (the call decides); in wrap-up it ends the after-call work early.
   */
  choose(agentId: string, status: 'available' | 'away'): PresenceEntry {
    const state = this.require(agentId, status);
    if (state.entry.status === 'busy') {
      throw new PresenceTransitionError('busy', status, 'You are on a call; your status changes when it ends');
    }
    if (state.entry.status === 'wrap-up') state.beforeCall = null;
    return this.set(agentId, status, 'agent');
  }

  /**
   * Feed one of an agent's leg events.
   *
   * A leg ringing or answered makes the agent busy. When the agent's last live leg ends: after
   * an answered call, wrap-up for the configured time and then back to the status from before
   * the call; after a missed, declined or timed-out one, straight back to the status (and idle
   * time) from before. Late events for a finished leg are ignored. Returns the entry, or
   * undefined for an unknown agent.
   */
  noteCallEvent(event: AgentLegEvent): PresenceEntry | undefined {
    const state = this.agents.get(event.agentId);
    if (!state) return undefined;
    if (state.endedLegs.includes(event.uuid)) return { ...state.entry };
    const at = event.at ?? this.nowIso();
    if (PROGRESS_STATUSES.has(event.status)) {
      const answered = event.status === 'answered' || state.legs.get(event.uuid) === true;
      state.legs.set(event.uuid, answered);
      if (answered) state.answeredWhileBusy = true;
      if (state.entry.status !== 'busy') {
        state.beforeCall = snapshotOf(state.entry);
        state.answeredWhileBusy = answered;
        this.enter(state, 'busy', this.nowIso(), {});
        this.changed(state, 'call');
      }
    } else if (TERMINAL_STATUSES.has(event.status)) {
      state.legs.delete(event.uuid);
      state.endedLegs.push(event.uuid);
      if (state.endedLegs.length > ENDED_LEGS_KEPT) state.endedLegs.shift();
      if (state.entry.status === 'busy' && state.legs.size === 0) this.callOver(state, at);
    }
    return { ...state.entry };
  }

  /**
   * Count a live connection (the app's event stream) for an agent; returns its release.
   *
   * An offline agent who connects becomes available. When the last connection goes, the agent
   * has the grace period to come back before going offline (after the call, if on one).
   */
  connect(agentId: string): () => void {
    const state = this.agents.get(agentId);
    if (!state) return () => undefined;
    state.connections += 1;
    this.clearGrace(state);
    state.offlineAfterCall = false;
    if (state.entry.status === 'offline') this.set(agentId, 'available', 'connected');
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.connections -= 1;
      if (state.connections === 0 && !this.closed) this.armGrace(state);
    };
  }

  /** Subscribe to every change; returns the unsubscribe function. */
  onChange(listener: (entry: PresenceEntry) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Stop timers and wait for pending writes (at shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const state of this.agents.values()) {
      this.clearGrace(state);
      this.clearWrapUp(state);
    }
    await this.writes;
  }

  private require(agentId: string, status: AgentStatus): AgentState {
    const state = this.agents.get(agentId);
    if (!state) throw new PresenceTransitionError('offline', status, 'Unknown agent');
    return state;
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  /** When an agent becoming available now counts as idle from. */
  private idleStart(state: AgentState, nowIso: string): string {
    // Fresh from their own call's wrap-up, they have been idle since that call ended.
    if (state.entry.status === 'wrap-up' && state.lastCallEndedAt !== null) return state.lastCallEndedAt;
    return nowIso;
  }

  private callOver(state: AgentState, at: string): void {
    const nowIso = this.nowIso();
    const before = state.beforeCall ?? { status: 'available', idleSince: null, wrapUpEndsAt: null };
    if (state.offlineAfterCall) {
      state.offlineAfterCall = false;
      state.beforeCall = null;
      this.enter(state, 'offline', nowIso, {});
    } else if (state.answeredWhileBusy) {
      state.lastCallEndedAt = at;
      state.beforeCall = { status: resumeStatus(before.status), idleSince: null, wrapUpEndsAt: null };
      if (this.wrapUpMs > 0) {
        this.armWrapUp(state, new Date(Date.parse(nowIso) + this.wrapUpMs).toISOString());
      } else {
        state.beforeCall = null;
        this.enter(state, resumeStatus(before.status), nowIso, { idleSince: at });
      }
    } else {
      // Missed, declined or timed out: back exactly where they were, idle time included.
      state.beforeCall = null;
      if (before.status === 'wrap-up' && before.wrapUpEndsAt !== null && Date.parse(before.wrapUpEndsAt) > Date.parse(nowIso)) {
        state.beforeCall = { status: 'available', idleSince: null, wrapUpEndsAt: null };
        this.armWrapUp(state, before.wrapUpEndsAt);
      } else {
        const status = before.status === 'wrap-up' ? 'available' : before.status;
        this.enter(state, status, nowIso, { idleSince: status === 'available' ? (before.idleSince ?? nowIso) : null });
      }
    }
    state.answeredWhileBusy = false;
    this.changed(state, 'call');
  }

  private enter(state: AgentState, status: AgentStatus, nowIso: string, fields: { idleSince?: string | null }): void {
    this.clearWrapUp(state);
    if (status !== 'busy') {
      // Leaving busy by any path forgets its legs, so a stale one can never hold a later call open.
      state.legs.clear();
      state.answeredWhileBusy = false;
    }
    state.entry = {
      ...state.entry,
      status,
      since: nowIso,
      idleSince: status === 'available' ? (fields.idleSince ?? nowIso) : null,
      wrapUpEndsAt: null,
    };
  }

  private armWrapUp(state: AgentState, endsAt: string): void {
    this.enter(state, 'wrap-up', this.nowIso(), {});
    state.entry.wrapUpEndsAt = endsAt;
    const delay = Math.max(0, Date.parse(endsAt) - this.now().getTime());
    state.wrapUpTimer = this.timers.setTimeout(() => {
      state.wrapUpTimer = undefined;
      if (state.entry.status !== 'wrap-up') return;
      const target = resumeStatus(state.beforeCall?.status ?? 'available');
      state.beforeCall = null;
      this.enter(state, target, this.nowIso(), { idleSince: state.lastCallEndedAt ?? this.nowIso() });
      this.changed(state, 'wrap-up ended');
    }, delay);
  }

  private clearWrapUp(state: AgentState): void {
    if (state.wrapUpTimer !== undefined) this.timers.clearTimeout(state.wrapUpTimer);
    state.wrapUpTimer = undefined;
  }

  private armGrace(state: AgentState): void {
    this.clearGrace(state);
    state.graceTimer = this.timers.setTimeout(() => {
      state.graceTimer = undefined;
      if (state.connections > 0 || state.entry.status === 'offline') return;
      if (state.entry.status === 'busy') {
        state.offlineAfterCall = true;
        return;
      }
      this.set(state.entry.agentId, 'offline', 'disconnected');
    }, this.graceMs);
  }

  private clearGrace(state: AgentState): void {
    if (state.graceTimer !== undefined) this.timers.clearTimeout(state.graceTimer);
    state.graceTimer = undefined;
  }

  private changed(state: AgentState, reason: string): void {
    this.save(state);
    this.log?.info({ agent: state.entry.name, status: state.entry.status, reason }, 'agent status');
    const entry = { ...state.entry };
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (error) {
        this.log?.error({ err: error }, 'presence listener failed');
      }
    }
  }

  private save(state: AgentState): void {
    const record: PresenceRecord = {
      agent_id: state.entry.agentId,
      status: state.entry.status,
      since: state.entry.since,
      idle_since: state.entry.idleSince,
      wrap_up_ends_at: state.entry.wrapUpEndsAt,
      resume_status: state.beforeCall ? resumeStatus(state.beforeCall.status) : null,
      last_call_ended_at: state.lastCallEndedAt,
    };
    this.writes = this.writes
      .then(() => this.repository.save(record))
      .catch((error: unknown) => this.log?.error({ err: error, agent: record.agent_id }, 'could not save presence'));
  }
}

function snapshotOf(entry: PresenceEntry): Snapshot {
  return { status: entry.status, idleSince: entry.idleSince, wrapUpEndsAt: entry.wrapUpEndsAt };
}

/** The status to return to after a call: what the agent had chosen, available by default. */
function resumeStatus(status: AgentStatus): 'available' | 'away' | 'offline' {
  return status === 'away' || status === 'offline' ? status : 'available';
}

function resumeOf(record: PresenceRecord, nowIso: string): Snapshot {
  return { status: resumeStatus(record.resume_status ?? 'available'), idleSince: record.last_call_ended_at ?? nowIso, wrapUpEndsAt: null };
}
