/**
 * Agent presence on PostgreSQL: who can take a call right now, and since when — shared by
 * every backend instance.
 *
 * The state is only in the database: each agent's row in `agent_presence`, their legs in
 * `agent_legs` and their open app connections in `agent_connections`. Every change is one
 * transaction that locks the agent's row, applies the rules of `./presence-rules`, writes,
 * arms or cancels the agent's timers (wrap-up end, connection grace) as keyed jobs of the
 * {@link JobQueue} and notifies channel `presence` with the agent's id. A restart therefore
 * loses nothing, and any instance may apply the next change or run the next timer.
 *
 * Each instance LISTENs on `presence` with a connection of its own and keeps a cache of
 * every agent's row, so reads ({@link PresenceService.get}, `list`, …) stay synchronous and
 * {@link PresenceService.onChange} reports changes made by any instance.
 *
 * Routing reserves agents ({@link PresenceService.reserveNext}): an agent is offered one
 * caller at a time across all instances, and stays "available" for everyone to see meanwhile.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_RESERVATION_TTL_S, DEFAULT_VOICE_LEASE_S } from '../config';
import { prepared, type Database, type Sql } from '../db/database';
import { listen, type Listener } from '../db/listen';
import type { JobQueue } from '../jobs/queue';
import type { AgentRecord } from '../storage/types';
import {
  applyPresenceEvent,
  PresenceTransitionError,
  stateFields,
  type AgentStatus,
  type LegState,
  type PresenceEvent,
  type PresenceOutcome,
  type PresenceState,
  type ResumeStatus,
} from './presence-rules';

export type { AgentStatus } from '../../common/backend-api';
export { PresenceTransitionError } from './presence-rules';

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
  /** The call the agent is reserved for (being offered), if any; they are offered no other meanwhile. */
  reservedCall: string | null;
  /** While away: the reason the agent gave, if any. */
  awayReason: string | null;
  /**
   * Whether calls can reach the agent: no lost connection in its grace period and the app's
   * voice session not reported down (or its lease lapsed). Routing offers calls only then.
   */
  reachable: boolean;
}

/** A call event about one of an agent's legs, as {@link PresenceService.noteCallEvent} takes it. */
export interface AgentLegEvent {
  /** The agent's (app user) name, any case. */
  agentName: string;
  /** The agent's id, when the caller knows it already (else it is looked up by name). */
  agentId?: string;
  /** The leg's uuid. */
  uuid: string;
  /** The event_url status (ringing, answered, completed, rejected, …). */
  status: string;
  /** When it happened (defaults to now). */
  at?: string;
}

/** What {@link PresenceService.reserveNext} picks from. */
export interface ReserveRequest {
  /** The call the agent is reserved for (the caller's leg or conversation: the flows' choice). */
  callId: string;
  /** Agents not to offer it to (lower-case names): those who declined, those tried already. */
  exclude: readonly string[];
  /** The agents who may take it (lower-case names); empty: any agent. */
  members: readonly string[];
  /** An agent to take first if eligible (lower case or not), e.g. the number's fixed agent. */
  prefer?: string | undefined;
}

/** Where presence reports changes and failures; a pino logger fits. */
export interface PresenceLog {
  info(object: object, message: string): void;
  warn?(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Options of {@link PresenceService}. */
export interface PresenceOptions {
  db: Database;
  /** Where the wrap-up and grace timers and the periodic sweep run; the service registers its tasks on it. */
  jobs: JobQueue;
  /** Stamps the rows (since, idle since, wrap-up end); timers themselves run on the wall clock. */
  now?: () => Date;
  /** Length of after-call work in seconds; 0 skips wrap-up. */
  wrapUpS: number;
  /** How long a lost live connection may stay away before the agent goes offline, in seconds. */
  graceS: number;
  /** A reservation older than this counts as free (ring time plus grace), in seconds; default 60. */
  reservationTtlS?: number;
  /** How long the app's "voice session up" report counts, in seconds; default 15. */
  voiceLeaseS?: number;
  /** This instance's id in `agent_connections` (default: a new uuid per start). */
  instanceId?: string;
  /** How often this instance refreshes its connections' `seen_at` (default 15 s). */
  heartbeatMs?: number;
  /** Connections not refreshed for this long are gone (default 45 s). */
  connectionTimeoutMs?: number;
  /** How often the sweep (stale reservations, dead instances' connections, old legs) runs (default 15 s). */
  sweepMs?: number;
  /** First delay before reconnecting a lost listener, doubled up to 10 s (default 250 ms). */
  reconnectMs?: number;
  log?: PresenceLog;
}

const TASK_WRAP_UP = 'presence:wrap-up';
const TASK_GRACE = 'presence:grace';
const TASK_SWEEP = 'presence:sweep';
const SWEEP_KEY = 'presence:sweep';

/** Ended legs are kept this long, so late events for them change nothing. */
const ENDED_LEG_KEPT_S = 3_600;
/** A leg not heard of for this long is over whatever the call log says (twice Vonage's 2 h limit). */
const LIVE_LEG_FORGET_S = 4 * 3_600;

/** The agent's row and name, as read from the database. */
interface PresenceRow {
  agent_id: string;
  name: string;
  status: AgentStatus;
  since: string;
  idle_since: string | null;
  wrap_up_ends_at: string | null;
  before_status: AgentStatus | null;
  before_idle_since: string | null;
  before_wrap_up_ends_at: string | null;
  resume_status: ResumeStatus | null;
  last_call_ended_at: string | null;
  answered_while_busy: boolean;
  offline_after_call: boolean;
  grace_ends_at: string | null;
  reserved_call: string | null;
  reserved_at: string | null;
  away_reason: string | null;
  voice_down: boolean;
  version: number;
}

const ROW_COLUMNS = `p.agent_id, a.name, p.status, p.since, p.idle_since, p.wrap_up_ends_at, p.before_status, p.before_idle_since,
  p.before_wrap_up_ends_at, p.resume_status, p.last_call_ended_at, p.answered_while_busy, p.offline_after_call, p.grace_ends_at,
  p.reserved_call, p.reserved_at, p.away_reason, p.voice_down, p.version`;

/** A change committed or about to be: the row as written. */
interface Applied {
  row: PresenceRow;
  entry: PresenceEntry;
}

function stateOf(row: PresenceRow): PresenceState {
  return {
    status: row.status,
    since: row.since,
    idleSince: row.idle_since,
    wrapUpEndsAt: row.wrap_up_ends_at,
    beforeCall: row.before_status ? { status: row.before_status, idleSince: row.before_idle_since, wrapUpEndsAt: row.before_wrap_up_ends_at } : null,
    resumeStatus: row.resume_status,
    lastCallEndedAt: row.last_call_ended_at,
    answeredWhileBusy: row.answered_while_busy,
    offlineAfterCall: row.offline_after_call,
    graceEndsAt: row.grace_ends_at,
    reservedCall: row.reserved_call,
    reservedAt: row.reserved_at,
  };
}

function entryOf(row: PresenceRow): PresenceEntry {
  return {
    agentId: row.agent_id,
    name: row.name,
    status: row.status,
    since: row.since,
    idleSince: row.idle_since,
    wrapUpEndsAt: row.wrap_up_ends_at,
    reservedCall: row.reserved_call,
    awayReason: row.status === 'away' ? row.away_reason : null,
    reachable: row.grace_ends_at === null && !row.voice_down,
  };
}

function sameEntry(a: PresenceEntry, b: PresenceEntry): boolean {
  return (
    a.name === b.name &&
    a.status === b.status &&
    a.since === b.since &&
    a.idleSince === b.idleSince &&
    a.wrapUpEndsAt === b.wrapUpEndsAt &&
    a.reservedCall === b.reservedCall &&
    a.awayReason === b.awayReason &&
    a.reachable === b.reachable
  );
}

const ENSURE_ROWS = `WITH inserted AS (
    INSERT INTO agent_presence (agent_id, status, since, updated_at)
    SELECT id, 'offline', $2, now() FROM agents WHERE $1::text IS NULL OR id = $1
    ON CONFLICT (agent_id) DO NOTHING
    RETURNING agent_id
  )
  SELECT pg_notify('presence', agent_id) FROM inserted`;

/**
 * Reachable for an offer: no lost connection in its grace period, and the app's voice session
 * not reported down nor its lease lapsed (an app that never reported has no lease).
 */
const REACHABLE = `p.grace_ends_at IS NULL AND NOT p.voice_down AND (p.voice_until IS NULL OR p.voice_until > now())`;

/** Eligible for an offer: available (only), reachable, enabled, and not reserved for another call (or reserved too long ago). */
const ELIGIBLE = `p.status = 'available' AND NOT a.disabled AND ${REACHABLE}
  AND (p.reserved_call IS NULL OR p.reserved_at < now() - make_interval(secs => $1))`;

// The statements of call events and routing (each webhook's hot path), prepared once per connection.
const AGENT_BY_NAME = prepared('SELECT id FROM agents WHERE lower(name) = lower($1)');
/** Who `reserveNext` may take: eligible, not excluded ($2), among the members ($3) when any. */
const NEXT_CANDIDATES = `agent_presence p JOIN agents a ON a.id = p.agent_id
  WHERE ${ELIGIBLE}
    AND NOT (lower(a.name) = ANY($2::text[]))
    AND (cardinality($3::text[]) = 0 OR lower(a.name) = ANY($3::text[]))`;
/** A `lockingReservation` row: the agent locked and `T`'s columns, or nulls and whether one was skipped. */
type Reserved<T> = (({ agent_id: string } & T) | ({ agent_id: null } & { [K in keyof T]: null })) & { skipped: boolean };
/**
 * A reservation's query, run once: the first row `candidates` gives, locked (`FOR UPDATE …
 * SKIP LOCKED`, ordered by `order`), or, when none could be locked, whether the same
 * eligibility read without locks finds someone (`skipped`: an eligible agent's row is held by
 * another transaction for a moment; `lockedRetry` looks again). One row either way, so the
 * check costs no round trip of its own; it is evaluated only when nothing was locked.
 */
function lockingReservation(columns: string, candidates: string, order = ''): string {
  return `WITH picked AS (SELECT ${columns} FROM ${candidates} ${order} LIMIT 1 FOR UPDATE OF p SKIP LOCKED)
  SELECT picked.*, picked.agent_id IS NULL AND EXISTS (SELECT 1 FROM ${candidates}) AS skipped
  FROM (SELECT) AS one LEFT JOIN picked ON true`;
}
/** `reserveNext`'s: $4 first when eligible, else the longest idle. */
const RESERVE_NEXT = prepared(
  lockingReservation(
    'p.agent_id, a.name',
    NEXT_CANDIDATES,
    'ORDER BY (lower(a.name) = lower($4)) IS TRUE DESC, p.idle_since ASC NULLS LAST, p.since ASC, lower(a.name) COLLATE "C"',
  ),
);
/** The agent named $2, when she may be offered the call $3 (reserved for it already counts). */
const NAMED_CANDIDATE = `agent_presence p JOIN agents a ON a.id = p.agent_id
  WHERE lower(a.name) = lower($2) AND p.status = 'available' AND NOT a.disabled AND ${REACHABLE}
    AND (p.reserved_call IS NULL OR p.reserved_call = $3 OR p.reserved_at < now() - make_interval(secs => $1))`;
const RESERVE_AGENT = prepared(lockingReservation('p.agent_id, p.reserved_call', NAMED_CANDIDATE));
/**
 * How often, and how far apart, a reservation that found nobody looks again while an eligible
 * agent's row is locked by another transaction (`lockedRetry`): 10 × 25 ms.
 */
const LOCKED_RETRIES = 10;
const LOCKED_RETRY_MS = 25;
const RELEASE = prepared(`WITH freed AS (
    UPDATE agent_presence p SET reserved_call = NULL, reserved_at = NULL, version = p.version + 1, updated_at = now()
    FROM agents a
    WHERE a.id = p.agent_id AND lower(a.name) = lower($1) AND p.reserved_call = $2
    RETURNING p.agent_id
  )
  SELECT pg_notify('presence', agent_id) FROM freed`);
/** The app's voice report: up renews the lease, down ends it; a change of reachability bumps the version and notifies. */
const REPORT_VOICE = `WITH old AS (SELECT agent_id, voice_down FROM agent_presence WHERE agent_id = $1 FOR UPDATE),
  written AS (
    UPDATE agent_presence p SET voice_down = NOT $2::boolean,
      voice_until = CASE WHEN $2::boolean THEN now() + make_interval(secs => $3) END,
      version = p.version + CASE WHEN old.voice_down = $2::boolean THEN 1 ELSE 0 END,
      updated_at = now()
    FROM old WHERE p.agent_id = old.agent_id
    RETURNING p.agent_id, old.voice_down = $2::boolean AS changed
  )
  SELECT agent_id, changed, CASE WHEN changed THEN pg_notify('presence', agent_id) END FROM written`;
/** Voice leases the apps stopped renewing (closed, network lost): down, for everyone to see. */
const LAPSE_VOICE = `WITH lapsed AS (
    UPDATE agent_presence SET voice_down = true, version = version + 1, updated_at = now()
    WHERE NOT voice_down AND voice_until < now()
    RETURNING agent_id
  )
  SELECT pg_notify('presence', agent_id) FROM lapsed`;
const SET_AWAY_REASON = 'UPDATE agent_presence SET away_reason = $2, version = version + 1, updated_at = now() WHERE agent_id = $1 RETURNING version';
const MARK_RESERVED = prepared('UPDATE agent_presence SET reserved_call = $2, reserved_at = now(), version = version + 1, updated_at = now() WHERE agent_id = $1');
const NOTIFY = prepared(`SELECT pg_notify('presence', $1)`);
const LOCK_ROW = prepared(`SELECT ${ROW_COLUMNS} FROM agent_presence p JOIN agents a ON a.id = p.agent_id WHERE p.agent_id = $1 FOR UPDATE OF p`);
const READ_ROWS = prepared(`SELECT ${ROW_COLUMNS} FROM agent_presence p JOIN agents a ON a.id = p.agent_id WHERE p.agent_id = ANY($1::text[])`);
const LEGS_OF = prepared('SELECT leg_uuid AS uuid, answered, ended_at IS NOT NULL AS ended FROM agent_legs WHERE agent_id = $1');
const WRITE_LEG = prepared(`INSERT INTO agent_legs (agent_id, leg_uuid, answered, ended_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
  ON CONFLICT (agent_id, leg_uuid) DO UPDATE
    SET answered = EXCLUDED.answered, seen_at = now(), ended_at = CASE WHEN $4 THEN coalesce(agent_legs.ended_at, now()) END`);
const WRITE_ROW = prepared(`UPDATE agent_presence SET status = $2, since = $3, idle_since = $4, wrap_up_ends_at = $5, before_status = $6,
    before_idle_since = $7, before_wrap_up_ends_at = $8, resume_status = $9, last_call_ended_at = $10,
    answered_while_busy = $11, offline_after_call = $12, grace_ends_at = $13, reserved_call = $14, reserved_at = $15,
    version = version + 1, updated_at = now()
  WHERE agent_id = $1 RETURNING version`);

/**
 * Runs a reservation's query (`lockingReservation`), and while it locks nobody but says an
 * eligible agent's row was skipped for its lock, runs it again a moment later
 * (`LOCKED_RETRIES` × `LOCKED_RETRY_MS`). Returns the row it locked, if any.
 *
 * Why: SKIP LOCKED keeps concurrent reservations from waiting on each other, but it also
 * passes over an available agent whose row another transaction holds for a moment: her voice
 * lease being renewed (every few seconds), a status change, another call's reservation not yet
 * committed. With nobody else free, that caller was sent to the fallback while she was free
 * (a likely cause of a rare failure of the desktop scenario that calls Jane right after her PC
 * wakes, when her status is written). Waiting for the lock instead (plain FOR
 * UPDATE) could deadlock reservations that lock rows in different orders; looking again
 * cannot. The check rides in the same statement, read only when nothing was locked: no
 * round trip of its own, when someone is free or when nobody qualifies.
 */
async function lockedRetry<T>(reserve: () => Promise<Reserved<T>>): Promise<({ agent_id: string } & T) | undefined> {
  for (let attempt = 0; ; attempt += 1) {
    const row = await reserve();
    if (row.agent_id !== null) return row;
    if (attempt >= LOCKED_RETRIES || !row.skipped) return undefined;
    await new Promise((resolve) => setTimeout(resolve, LOCKED_RETRY_MS));
  }
}

/** The presence of every agent, in the database, cached and kept current on each instance. */
export class PresenceService {
  private readonly db: Database;
  private readonly jobs: JobQueue;
  private readonly now: () => Date;
  private readonly wrapUpS: number;
  private readonly graceS: number;
  private readonly reservationTtlS: number;
  private readonly voiceLeaseS: number;
  private readonly heartbeatMs: number;
  private readonly connectionTimeoutS: number;
  private readonly sweepMs: number;
  private readonly reconnectMs: number;
  private readonly log: PresenceLog | undefined;
  /** This instance, in `agent_connections`. */
  readonly instanceId: string;

  private readonly cache = new Map<string, { entry: PresenceEntry; version: number }>();
  private readonly listeners = new Set<(entry: PresenceEntry, previous: PresenceEntry | undefined) => void>();
  /** This instance's open connections: id → release. */
  private readonly open = new Map<string, () => Promise<void>>();
  /** Releases under way, which {@link close} waits for. */
  private readonly releasing = new Set<Promise<void>>();
  private listener: Listener | null = null;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly pendingReads = new Set<string>();
  private reading: Promise<void> | null = null;
  private started = false;
  private closed = false;

  constructor(options: PresenceOptions) {
    this.db = options.db;
    this.jobs = options.jobs;
    this.now = options.now ?? (() => new Date());
    this.wrapUpS = options.wrapUpS;
    this.graceS = options.graceS;
    this.reservationTtlS = options.reservationTtlS ?? DEFAULT_RESERVATION_TTL_S;
    this.voiceLeaseS = options.voiceLeaseS ?? DEFAULT_VOICE_LEASE_S;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.connectionTimeoutS = (options.connectionTimeoutMs ?? 45_000) / 1000;
    this.sweepMs = options.sweepMs ?? 15_000;
    this.reconnectMs = options.reconnectMs ?? 250;
    this.log = options.log;
    this.instanceId = options.instanceId ?? randomUUID();
    this.jobs.register(TASK_WRAP_UP, (payload) => this.timerFired(payload, 'wrap-up'));
    this.jobs.register(TASK_GRACE, (payload) => this.timerFired(payload, 'grace'));
    this.jobs.register(TASK_SWEEP, () => this.sweep());
  }

  /**
   * Listen for changes, give every agent a row and load them all; then keep this instance's
   * connections alive and the sweep scheduled. Nothing else is needed after a restart: the
   * state and its timers are in the database.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // The timers are graphile-worker jobs: its schema must exist before the first is added.
    await this.jobs.installSchema();
    await this.db.query(ENSURE_ROWS, [null, this.nowIso()]);
    // Listen before loading, so no change falls between the two; after a lost connection,
    // notifications may have been missed: read everything again.
    this.listener = await listen(
      this.db.url,
      'presence',
      { onNotify: (agentId) => agentId && this.queueRead(agentId), onConnect: (first) => this.reload(!first) },
      { log: { warn: (o, m) => this.log?.warn?.(o, m), info: (o, m) => this.log?.info(o, m) }, applicationName: `switchboard-presence-${this.instanceId}`, reconnectMs: this.reconnectMs },
    );
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
    await this.jobs.add(this.db, TASK_SWEEP, {}, { jobKey: SWEEP_KEY, runAt: new Date(Date.now() + this.sweepMs) });
  }

  /**
   * Stop: release this instance's connections (their agents get the grace period, to come
   * back through another instance), stop listening. Jobs are the {@link JobQueue}'s to stop.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    await Promise.all([...this.open.values()].map((release) => release()));
    await Promise.all([...this.releasing]);
    await this.reading;
    const listener = this.listener;
    this.listener = null;
    await listener?.close();
  }

  /** Whether this instance's listener is connected (for health and tests). */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  // ── reads (this instance's cache) ─────────────────────────────────────────────

  /** An agent's presence, or undefined for an unknown id. */
  get(agentId: string): PresenceEntry | undefined {
    const known = this.cache.get(agentId);
    return known ? { ...known.entry } : undefined;
  }

  /** The presence of the agent with this name (compared case-insensitively), or undefined. */
  byName(name: string): PresenceEntry | undefined {
    const lower = name.toLowerCase();
    for (const { entry } of this.cache.values()) if (entry.name.toLowerCase() === lower) return { ...entry };
    return undefined;
  }

  /** Every agent's presence, by name. */
  list(): PresenceEntry[] {
    return [...this.cache.values()].map((c) => ({ ...c.entry })).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Available agents, longest idle first (idle since their last call ended or since they
   * became available), for display; routing reserves with {@link reserveNext}.
   *
   * `exclude` lists agent ids or names to leave out.
   */
  availableLongestIdle(exclude: readonly string[] = []): PresenceEntry[] {
    const skip = new Set(exclude.map((e) => e.toLowerCase()));
    return [...this.cache.values()]
      .map((c) => c.entry)
      .filter((e) => e.status === 'available' && e.reachable && !skip.has(e.agentId.toLowerCase()) && !skip.has(e.name.toLowerCase()))
      .sort((a, b) => (a.idleSince ?? a.since).localeCompare(b.idleSince ?? b.since) || a.name.localeCompare(b.name))
      .map((e) => ({ ...e }));
  }

  /**
   * Subscribe to every change any instance makes (reservations included); returns the
   * unsubscribe function. `previous` is what this instance knew before (undefined for an
   * agent it had not seen).
   */
  onChange(listener: (entry: PresenceEntry, previous: PresenceEntry | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  // ── agents' and admins' actions ──────────────────────────────────────────────

  /** Make sure an agent has a row (a new one starts offline); an agent with one keeps it. */
  async track(agent: Pick<AgentRecord, 'id'>): Promise<PresenceEntry> {
    await this.db.query(ENSURE_ROWS, [agent.id, this.nowIso()]);
    await this.refresh([agent.id]);
    const entry = this.get(agent.id);
    if (!entry) throw new Error(`agent ${agent.id} has no presence row`);
    return entry;
  }

  /**
   * The agent's own choice (available or away), from the app.
   *
   * Refused while busy (the call decides) with {@link PresenceTransitionError}; in wrap-up it
   * ends the after-call work early.
   */
  async choose(agentId: string, status: 'available' | 'away', awayReason: string | null = null): Promise<PresenceEntry> {
    return this.own(agentId, status, { type: 'choose', status }, status === 'away' ? awayReason : null);
  }

  /**
   * The app's report of its voice session: `up` (renewed every few seconds: a lease of
   * `voiceLeaseS`) or `down` (reconnecting, expired, failed). While it is down or the lease has
   * lapsed, routing offers the agent no call; their status is kept, to return to.
   */
  async reportVoice(agentId: string, up: boolean): Promise<PresenceEntry | undefined> {
    const { rows } = await this.db.query<{ agent_id: string; changed: boolean }>(REPORT_VOICE, [agentId, up, this.voiceLeaseS]);
    if (rows[0]?.changed) await this.refresh([agentId]);
    return this.get(agentId);
  }

  /**
   * Change an agent's status for the backend or an admin: from any status, into wrap-up only
   * from busy (same-status changes are no-ops). Taking an agent off a call (busy → available,
   * say) also ends their live legs and their reservation: an admin can always unstick an agent.
   * `reason` goes to the log (logout, disabled, admin…). Throws {@link PresenceTransitionError}
   * for a refused change and for an unknown agent.
   */
  async set(agentId: string, status: AgentStatus, reason: string): Promise<PresenceEntry> {
    return this.own(agentId, status, { type: 'set', status, reason }, status === 'away' ? null : undefined);
  }

  /**
   * Count a live connection (the app's event stream) of an agent, held by this instance;
   * returns its release.
   *
   * An offline agent who connects becomes available. When an agent's last connection on any
   * instance goes, they have the grace period to come back before going offline (after the
   * call, if on one). Connections are kept alive by this instance's heartbeat: those of an
   * instance that died stop counting after {@link PresenceOptions.connectionTimeoutMs}.
   */
  async connect(agentId: string): Promise<() => Promise<void>> {
    const id = randomUUID();
    const applied = await this.db.tx((sql) =>
      this.change(sql, agentId, async () => {
        await sql.query('INSERT INTO agent_connections (id, agent_id, instance_id) VALUES ($1, $2, $3)', [id, agentId, this.instanceId]);
        return { type: 'connected' };
      }),
    );
    if (!applied) return async () => undefined;
    this.committed(applied);
    let released: Promise<void> | undefined;
    const release = (): Promise<void> => {
      if (released) return released;
      const done = this.disconnect(id, agentId).finally(() => this.releasing.delete(done));
      this.releasing.add(done);
      released = done;
      return done;
    };
    this.open.set(id, release);
    return release;
  }

  private async disconnect(id: string, agentId: string): Promise<void> {
    // No longer refreshed, whatever happens below: at worst the row goes stale and the sweep ends it.
    this.open.delete(id);
    try {
      const applied = await this.db.tx((sql) =>
        this.change(sql, agentId, async () => {
          await sql.query('DELETE FROM agent_connections WHERE id = $1', [id]);
          return (await this.liveConnections(sql, agentId)) === 0 ? { type: 'disconnected' } : null;
        }),
      );
      if (applied) this.committed(applied);
    } catch (error) {
      this.log?.error({ err: error, agentId }, 'could not release a presence connection');
    }
  }

  // ── call events and routing, inside the caller's transaction ────────────────

  /**
   * Feed one of an agent's leg events, as part of the caller's transaction `sql` (the event
   * webhook's).
   *
   * A leg ringing or answered makes the agent busy. When the agent's last live leg ends:
   * after an answered call, wrap-up and then back to the status from before the call; after a
   * missed, declined or timed-out one, straight back to where they were. An answered or ended
   * leg frees the agent's reservation. Late events for an ended leg are ignored. Returns the
   * entry as it will be once committed, or undefined for an unknown agent. Other instances
   * (and this one) hear of it through the notification; {@link refresh} reads it at once.
   */
  async noteCallEvent(sql: Sql, event: AgentLegEvent): Promise<PresenceEntry | undefined> {
    const agentId = event.agentId ?? (await sql.query<{ id: string }>(AGENT_BY_NAME, [event.agentName])).rows[0]?.id;
    if (agentId === undefined) return undefined;
    const at = event.at ?? this.nowIso();
    const applied = await this.change(sql, agentId, () => ({ type: 'leg', uuid: event.uuid, status: event.status, at }));
    return applied?.entry;
  }

  /**
   * Reserve the agent to offer call `callId` to, in the caller's transaction: available
   * (never away, offline, wrap-up or busy), enabled, unreserved (or holding a reservation
   * older than the TTL), a member when `members` is not empty, not excluded; `prefer` first
   * if eligible, else the longest idle. Rows other transactions hold are skipped (SKIP
   * LOCKED), so concurrent calls never get the same agent. Returns the agent's name, or null.
   */
  async reserveNext(sql: Sql, request: ReserveRequest): Promise<string | null> {
    const exclude = request.exclude.map((n) => n.toLowerCase());
    const members = request.members.map((n) => n.toLowerCase());
    const picked = await lockedRetry(
      async () => (await sql.query<Reserved<{ name: string }>>(RESERVE_NEXT, [this.reservationTtlS, exclude, members, request.prefer ?? null])).rows[0]!,
    );
    if (!picked) return null;
    await this.markReserved(sql, picked.agent_id, request.callId);
    return picked.name;
  }

  /**
   * Reserve one named agent for `callId` (same eligibility as {@link reserveNext}; an agent
   * already reserved for this very call counts as reserved). Returns whether they are.
   */
  async reserveAgent(sql: Sql, name: string, callId: string): Promise<boolean> {
    const row = await lockedRetry(
      async () => (await sql.query<Reserved<{ reserved_call: string | null }>>(RESERVE_AGENT, [this.reservationTtlS, name, callId])).rows[0]!,
    );
    if (!row) return false;
    if (row.reserved_call !== callId) await this.markReserved(sql, row.agent_id, callId);
    return true;
  }

  /** Free an agent reserved for `callId` (a reservation for another call is left alone). */
  async release(sql: Sql, name: string, callId: string): Promise<void> {
    await sql.query(RELEASE, [name, callId]);
  }

  private async markReserved(sql: Sql, agentId: string, callId: string): Promise<void> {
    await Promise.all([sql.query(MARK_RESERVED, [agentId, callId]), sql.query(NOTIFY, [agentId])]);
  }

  /**
   * Read these agents' rows now and report what changed, rather than waiting for the
   * notification (after a transaction of the caller's that changed them has committed).
   */
  async refresh(agentIds: readonly string[]): Promise<void> {
    const { rows } = await this.db.query<PresenceRow>(READ_ROWS, [agentIds]);
    for (const row of rows) this.accept(row);
  }

  /** Re-read every row (at start, and after the listener was lost: notifications may have been missed). */
  async reload(report = true): Promise<void> {
    const { rows } = await this.db.query<PresenceRow>(`SELECT ${ROW_COLUMNS} FROM agent_presence p JOIN agents a ON a.id = p.agent_id`);
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.agent_id);
      this.accept(row, report);
    }
    for (const id of [...this.cache.keys()]) if (!seen.has(id)) this.cache.delete(id);
  }

  // ── the transaction of one change ────────────────────────────────────────────

  /**
   * Lock the agent's row (creating it for an agent that has none), let `prepare` do its part
   * and name the event, apply the rules, write the row and legs, arm or cancel the timers and
   * notify — all in `sql`'s transaction. Undefined for an unknown agent.
   */
  private async change(sql: Sql, agentId: string, prepare: () => PresenceEvent | null | Promise<PresenceEvent | null>): Promise<Applied | undefined> {
    let [row, legs] = await this.lock(sql, agentId);
    if (!row) {
      // An agent created behind the API's back: their row starts offline (ENSURE_ROWS notifies).
      await sql.query(ENSURE_ROWS, [agentId, this.nowIso()]);
      [row, legs] = await this.lock(sql, agentId);
      if (!row) return undefined;
    }
    const event = await prepare();
    if (!event) return { row, entry: entryOf(row) };
    const now = this.nowIso();
    const outcome = applyPresenceEvent(stateOf(row), legs, event, { now, wrapUpS: this.wrapUpS, graceS: this.graceS });
    if (!outcome.dirty) {
      await this.writeLegs(sql, agentId, outcome.legs);
      return { row, entry: entryOf(row) };
    }
    // Every write at once (they run in this order): the legs, the row, its timers, the notification.
    const [, written] = await Promise.all([
      this.writeLegs(sql, agentId, outcome.legs),
      this.writeRow(sql, row, outcome),
      ...outcome.timers.map((timer) => {
        const jobKey = `${timer.timer === 'wrap-up' ? 'wrapup' : 'grace'}:${agentId}`;
        if (timer.at === null) return this.jobs.remove(sql, jobKey);
        return this.jobs.add(sql, timer.timer === 'wrap-up' ? TASK_WRAP_UP : TASK_GRACE, { agentId, endsAt: timer.at }, { jobKey, runAt: this.wallClock(timer.at) });
      }),
      sql.query(NOTIFY, [agentId]),
    ]);
    if (outcome.reason) this.log?.info({ agent: row.name, status: written.status, reason: outcome.reason }, 'agent status');
    return { row: written, entry: entryOf(written) };
  }

  /** Lock the agent's row, then read the legs it guards (sent together, run in that order). */
  private async lock(sql: Sql, agentId: string): Promise<[PresenceRow | undefined, LegState[]]> {
    const [locked, legs] = await Promise.all([sql.query<PresenceRow>(LOCK_ROW, [agentId]), sql.query<LegState>(LEGS_OF, [agentId])]);
    return [locked.rows[0], legs.rows];
  }

  /** Write the agent's legs, all in one round trip (in the change's transaction). */
  private writeLegs(sql: Sql, agentId: string, legs: readonly LegState[]): Promise<unknown> {
    return Promise.all(legs.map((leg) => sql.query(WRITE_LEG, [agentId, leg.uuid, leg.answered, leg.ended])));
  }

  private async writeRow(sql: Sql, row: PresenceRow, outcome: PresenceOutcome): Promise<PresenceRow> {
    const s = outcome.state;
    const { rows } = await sql.query<{ version: number }>(WRITE_ROW, [row.agent_id, ...stateFields(s)]);
    return {
      ...row,
      status: s.status,
      since: s.since,
      idle_since: s.idleSince,
      wrap_up_ends_at: s.wrapUpEndsAt,
      before_status: s.beforeCall?.status ?? null,
      before_idle_since: s.beforeCall?.idleSince ?? null,
      before_wrap_up_ends_at: s.beforeCall?.wrapUpEndsAt ?? null,
      resume_status: s.resumeStatus,
      last_call_ended_at: s.lastCallEndedAt,
      answered_while_busy: s.answeredWhileBusy,
      offline_after_call: s.offlineAfterCall,
      grace_ends_at: s.graceEndsAt,
      reserved_call: s.reservedCall,
      reserved_at: s.reservedAt,
      version: Number(rows[0]?.version ?? row.version + 1),
    };
  }

  /** A change of this instance's own transaction, committed: into the cache at once. */
  private committed(applied: Applied): void {
    this.accept(applied.row);
  }

  /** Apply the agent's or an admin's change; `awayReason` (unless undefined) replaces the stored reason in the same transaction. */
  private async own(agentId: string, status: AgentStatus, event: PresenceEvent, awayReason?: string | null): Promise<PresenceEntry> {
    const applied = await this.db.tx(async (sql) => {
      const done = await this.change(sql, agentId, () => event);
      if (!done || awayReason === undefined || done.row.away_reason === awayReason) return done;
      const [{ rows }] = await Promise.all([sql.query<{ version: number }>(SET_AWAY_REASON, [agentId, awayReason]), sql.query(NOTIFY, [agentId])]);
      const row: PresenceRow = { ...done.row, away_reason: awayReason, version: Number(rows[0]?.version ?? done.row.version + 1) };
      return { row, entry: entryOf(row) };
    });
    if (!applied) throw new PresenceTransitionError('offline', status, 'Unknown agent');
    this.committed(applied);
    return applied.entry;
  }

  private async liveConnections(sql: Sql, agentId: string): Promise<number> {
    const { rows } = await sql.query<{ live: number }>(
      'SELECT count(*)::int AS live FROM agent_connections WHERE agent_id = $1 AND seen_at > now() - make_interval(secs => $2)',
      [agentId, this.connectionTimeoutS],
    );
    return rows[0]?.live ?? 0;
  }

  // ── timers and the sweep (jobs: any instance may run them, maybe twice) ──────

  /** A wrap-up or grace timer fired: apply it if the row still expects it (the payload's `endsAt`). */
  private async timerFired(payload: Record<string, unknown>, timer: 'wrap-up' | 'grace'): Promise<void> {
    const agentId = typeof payload.agentId === 'string' ? payload.agentId : null;
    const endsAt = typeof payload.endsAt === 'string' ? payload.endsAt : null;
    if (!agentId || !endsAt) return;
    const applied = await this.db.tx((sql) =>
      this.change(sql, agentId, async () => {
        if (timer === 'wrap-up') return { type: 'wrap-up-over', endsAt };
        // Rows of instances that stopped refreshing them are gone.
        await sql.query('DELETE FROM agent_connections WHERE agent_id = $1 AND seen_at <= now() - make_interval(secs => $2)', [agentId, this.connectionTimeoutS]);
        return { type: 'grace-over', endsAt, connected: (await this.liveConnections(sql, agentId)) > 0 };
      }),
    );
    if (applied) this.committed(applied);
  }

  /**
   * The periodic sweep: frees reservations past their TTL, gives agents whose connections a
   * dead instance left behind the grace period, forgets old ended legs and ends legs nothing
   * was heard of for hours. Schedules its next run first, so a crash mid-sweep loses no run.
   */
  private async sweep(): Promise<void> {
    await this.jobs.add(this.db, TASK_SWEEP, {}, { jobKey: SWEEP_KEY, runAt: new Date(Date.now() + this.sweepMs), maxAttempts: 25 });
    await this.db.query(
      `WITH freed AS (
         UPDATE agent_presence SET reserved_call = NULL, reserved_at = NULL, version = version + 1, updated_at = now()
         WHERE reserved_call IS NOT NULL AND reserved_at < now() - make_interval(secs => $1)
         RETURNING agent_id
       )
       SELECT pg_notify('presence', agent_id) FROM freed`,
      [this.reservationTtlS],
    );
    await this.db.query(LAPSE_VOICE);
    const stale = await this.db.query<{ agent_id: string }>(
      'SELECT DISTINCT agent_id FROM agent_connections WHERE seen_at <= now() - make_interval(secs => $1)',
      [this.connectionTimeoutS],
    );
    for (const { agent_id: agentId } of stale.rows) {
      const applied = await this.db.tx((sql) =>
        this.change(sql, agentId, async () => {
          const gone = await sql.query('DELETE FROM agent_connections WHERE agent_id = $1 AND seen_at <= now() - make_interval(secs => $2)', [
            agentId,
            this.connectionTimeoutS,
          ]);
          if ((gone.rowCount ?? 0) === 0) return null; // another instance's sweep got there first
          return (await this.liveConnections(sql, agentId)) === 0 ? { type: 'disconnected' } : null;
        }),
      );
      if (applied) this.committed(applied);
    }
    await this.db.query('DELETE FROM agent_legs WHERE ended_at < now() - make_interval(secs => $1)', [ENDED_LEG_KEPT_S]);
    const forgotten = await this.db.query<{ agent_id: string; leg_uuid: string }>(
      'SELECT agent_id, leg_uuid FROM agent_legs WHERE ended_at IS NULL AND seen_at < now() - make_interval(secs => $1)',
      [LIVE_LEG_FORGET_S],
    );
    for (const leg of forgotten.rows) {
      const at = this.nowIso();
      const applied = await this.db.tx((sql) => this.change(sql, leg.agent_id, () => ({ type: 'leg', uuid: leg.leg_uuid, status: 'failed', at })));
      if (applied) this.committed(applied);
    }
  }

  /** Refresh this instance's connections so other instances keep counting them. */
  private async beat(): Promise<void> {
    if (this.open.size === 0) return;
    try {
      await this.db.query('UPDATE agent_connections SET seen_at = now() WHERE id = ANY($1::text[])', [[...this.open.keys()]]);
    } catch (error) {
      this.log?.error({ err: error }, 'could not refresh presence connections');
    }
  }

  // ── the listener and the cache ───────────────────────────────────────────────

  /** Read a notified agent's row; notifications arriving meanwhile are read together. */
  private queueRead(agentId: string): void {
    this.pendingReads.add(agentId);
    this.reading ??= this.drainReads().finally(() => {
      this.reading = null;
    });
  }

  private async drainReads(): Promise<void> {
    while (this.pendingReads.size > 0 && !this.closed) {
      const ids = [...this.pendingReads];
      this.pendingReads.clear();
      try {
        await this.refresh(ids);
      } catch (error) {
        this.log?.error({ err: error }, 'could not read presence after a notification');
        // Try again shortly; if the database is gone, the listener's reconnection reloads everything.
        const retry = setTimeout(() => {
          if (!this.closed) for (const id of ids) this.queueRead(id);
        }, 1_000);
        retry.unref();
        return;
      }
    }
  }

  /** Keep the newer of the cached and the read row; report a visible difference. */
  private accept(row: PresenceRow, report = true): void {
    const known = this.cache.get(row.agent_id);
    const version = Number(row.version);
    if (known && known.version >= version) return;
    const entry = entryOf(row);
    this.cache.set(row.agent_id, { entry, version });
    if (!report || (known && sameEntry(known.entry, entry))) return;
    for (const listener of this.listeners) {
      try {
        listener({ ...entry }, known ? { ...known.entry } : undefined);
      } catch (error) {
        this.log?.error({ err: error }, 'presence listener failed');
      }
    }
  }

  private nowIso(): string {
    return this.now().toISOString();
  }

  /** When a timer due at `at` (by this service's clock) should run by the wall clock the job queue uses. */
  private wallClock(at: string): Date {
    return new Date(Date.now() + Math.max(0, Date.parse(at) - this.now().getTime()));
  }
}
