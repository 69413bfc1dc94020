/**
 * The storage interfaces the rest of the backend depends on.
 *
 * Implemented on PostgreSQL (`./pg`), the backend's one store, which several backend
 * instances may share. Timestamps are ISO 8601 strings in UTC.
 */
import type { Sql } from '../db/database';
import type { AgentStatus, CallEventKind, CallLogRecord, CallOutcome, CallSegment } from '../../common/backend-api';
import type { NumberConfigRepository, QueueConfigRepository, VoicemailRepository } from './flow-types';

/** An agent as stored. */
export interface AgentRecord {
  id: string;
  /** Vonage user name; unique regardless of case. */
  name: string;
  display_name: string;
  /** argon2id PHC string. */
  password_hash: string;
  disabled: boolean;
  created_at: string;
}

/** Fields of a new agent. */
export interface NewAgent {
  name: string;
  display_name: string;
  password_hash: string;
  disabled?: boolean;
}

/** Agents. */
export interface AgentRepository {
  /** The agent with this name, compared case-insensitively, or null. */
  findByName(name: string): Promise<AgentRecord | null>;
  /** The agent with this id, or null. */
  findById(id: string): Promise<AgentRecord | null>;
  /** Every agent, by name. */
  list(): Promise<AgentRecord[]>;
  /** Create an agent; throws {@link DuplicateAgentError} when the name is taken (in any case). */
  create(agent: NewAgent, now: string): Promise<AgentRecord>;
  /** Enable or disable an agent. */
  setDisabled(id: string, disabled: boolean): Promise<void>;
  /** Replace an agent's password hash. */
  setPasswordHash(id: string, passwordHash: string): Promise<void>;
  /** Change an agent's display name. */
  setDisplayName(id: string, displayName: string): Promise<void>;
}

/** A refresh credential as stored: only the SHA-256 of the token, never the token. */
export interface RefreshCredentialRecord {
  id: string;
  agent_id: string;
  /** SHA-256 hex of the opaque token. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Fields of a new refresh credential. */
export interface NewRefreshCredential {
  agent_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
}

/** Long-lived agent credentials. */
export interface CredentialRepository {
  /** Store a credential. */
  create(credential: NewRefreshCredential): Promise<RefreshCredentialRecord>;
  /** The credential with this token hash, or null (revoked and expired ones included). */
  findByTokenHash(tokenHash: string): Promise<RefreshCredentialRecord | null>;
  /** Record a use. */
  markUsed(id: string, at: string): Promise<void>;
  /** Revoke one credential; revoking twice keeps the first time. */
  revoke(id: string, at: string): Promise<void>;
  /** Delete credentials that expired before `before`; returns how many. */
  deleteExpired(before: string): Promise<number>;
  /** Revoke every live credential of an agent; returns how many. */
  revokeAllOfAgent(agentId: string, at: string): Promise<number>;
}

/** One event_url payload as stored. */
export interface CallEventRecord {
  id: number;
  conversation_uuid: string | null;
  /** The leg's uuid; record, transfer and notify events may have none. */
  uuid: string | null;
  kind: CallEventKind;
  /** The leg status, for `status` events only. */
  status: string | null;
  /** The agent whose leg this is (an app user calling or being called), or null. */
  agent: string | null;
  direction: string | null;
  from: string | null;
  to: string | null;
  /** The platform's timestamp, or the receive time when the payload had none. */
  timestamp: string;
  /** The payload exactly as received, as JSON. */
  raw: string;
  received_at: string;
}

/** Fields of a new call event. */
export type NewCallEvent = Omit<CallEventRecord, 'id'>;

/** One call (conversation) as stored: the call log's row without its events. */
export type CallRecord = CallLogRecord;

/** A call with its events, oldest event first, and its agents' segments, first offered first. */
export interface CallWithEvents extends CallRecord {
  events: CallEventRecord[];
  segments: CallSegment[];
}

/** An agent's segment of a call, with what the agent's history shows of the call. */
export interface AgentSegmentRecord extends CallSegment {
  conversation_uuid: string;
  queue: string | null;
  outcome: CallOutcome | null;
}

/**
 * What a call flow may set on a call's record (`updateCallRecord`); the rest comes from events.
 *
 * `null` clears a field; a field left out is kept.
 */
/**
 * The `flow` of a supervisor's own monitoring leg (`server/flows/monitor.ts`): not a call of the
 * contact center, so the wallboard, the console's call log and the reports leave it out.
 */
export const MONITOR_FLOW = 'monitor';

export type CallRecordPatch = Partial<
  Pick<CallRecord, 'flow' | 'queue' | 'topic' | 'queued_at' | 'agent' | 'flow_outcome' | 'recording_url' | 'voicemail_url'>
>;

/**
 * Computes a call's row from its previous row and all of its events (the new one included).
 *
 * Called inside the storage transaction, so it must be synchronous and free of I/O.
 */
export type CallSummarizer = (previous: CallRecord | null, events: CallEventRecord[]) => CallRecord;

/**
 * Where a call list's next page starts: the last call of the page before, by its start
 * (the stored time, to the microsecond) and conversation. The list goes on with the calls
 * after it in the list's order (newest first, ties by conversation, descending).
 */
export interface PageCursor {
  started_at: string;
  conversation_uuid: string;
}

/**
 * A page request: at most `limit` rows after skipping `offset`.
 *
 * Call lists also take `before`, a cursor (keyset paging): the page starts after that call,
 * so calls arriving meanwhile neither repeat nor skip a row, and a deep page costs what the
 * first one does. `offset` then counts from the cursor (normally 0).
 */
export interface PageRequest {
  limit: number;
  offset: number;
  before?: PageCursor | undefined;
}

/**
 * A page of rows and how many match in all. Call lists (the call log's `findCalls`,
 * `callsOfAgent`, `missedCallsOfAgent`) count at most 10,000 matches (`TOTAL_CAP` in
 * ./call-log-pg): a `total` of 10,000 means "10,000 or more". Their `total` is of the whole
 * list, whatever the cursor; `next` is the cursor of the page after this one, null on the last.
 */
export interface Page<T> {
  items: T[];
  total: number;
  next?: PageCursor | null;
}

/** Filters of the admin call list; all optional, combined with AND. */
export interface CallFilter {
  /** Calls started at or after this time. */
  from?: string;
  /** Calls started before this time. */
  to?: string;
  /** Calls the agent answered or was offered (any of their legs). */
  agent?: string;
  outcome?: CallOutcome;
  queue?: string;
}

/** Queue figures over a period, from finished calls with a `queue`. */
export interface QueueStatsRecord {
  queue: string;
  /** Finished calls that entered the queue. */
  offered: number;
  answered: number;
  /** Ended without reaching an agent: the caller gave up (abandoned) or every agent offered missed it. */
  abandoned: number;
  /** A message was left (sent to voicemail by the queue, or after it). */
  voicemail: number;
  /** Sent on by the queue's overflow rule (a full line) and not answered or left a message after. */
  overflow: number;
  /** Sent on by the queue's longest wait and not answered or left a message after. */
  timeout: number;
  /** Mean wait of answered calls, in seconds; null when none was answered. */
  average_wait_s: number | null;
  /** Answered within the service-level threshold. */
  answered_within_threshold: number;
}

/** A leg of an agent's that the call log shows still live (for rebuilding presence at start-up). */
export interface LiveAgentLeg {
  agent: string;
  uuid: string;
  answered: boolean;
}

/** The call log. */
export interface CallLogRepository {
  /**
   * Store an event and, when it belongs to a conversation, upsert that call's row from
   * `summarize` (default: the call log's own summary), all in one transaction: either both
   * are written or neither. Only a status event creates a call's row; other kinds update
   * an existing one (and count when a later status event summarises the call). Within the
   * caller's transaction (`within`), the row's write is left to it (see `Database.tx`).
   */
  recordEvent(event: NewCallEvent, summarize?: CallSummarizer, within?: Sql): Promise<{ event: CallEventRecord; call: CallRecord | null }>;
  /**
   * Set flow-owned fields of a call's record (creating the record if no event came yet) and
   * recompute what depends on them (wait time, outcome), in one transaction. Returns the row;
   * within the caller's transaction (`within`), its write is left to it (see `Database.tx`).
   */
  updateCallRecord(conversationUuid: string, patch: CallRecordPatch, at?: string, within?: Sql): Promise<CallRecord>;
  /** Calls newest first, each with its events. */
  listCalls(limit: number): Promise<CallWithEvents[]>;
  /** One call with its events, or null. */
  getCall(conversationUuid: string): Promise<CallWithEvents | null>;
  /** Calls matching the filter, newest first. */
  findCalls(filter: CallFilter, page: PageRequest): Promise<Page<CallRecord>>;
  /** Calls the agent answered or was offered, newest first. */
  callsOfAgent(agent: string, page: PageRequest): Promise<Page<CallRecord>>;
  /** Calls that rang one of the agent's legs which ended unanswered (declined, timed out, cancelled), newest first. */
  missedCallsOfAgent(agent: string, page: PageRequest): Promise<Page<CallRecord>>;
  /** Per-queue figures of calls started in [from, to). */
  queueStats(range: { from: string; to: string }, serviceLevelS: number): Promise<QueueStatsRecord[]>;
  /** The agent's segments (legs of calls offered to them) offered in [from, to), oldest first. */
  segmentsOfAgent(agent: string, range: { from: string; to: string }): Promise<AgentSegmentRecord[]>;
  /** Agent legs with events since `since` and no final status yet. */
  liveAgentLegs(since: string): Promise<LiveAgentLeg[]>;
  /** Number of stored events and calls (for health checks and tests). */
  counts(): Promise<{ events: number; calls: number }>;
}

/** An agent's presence as saved, so a restart can pick it up (see `server/agents/presence.ts`). */
export interface PresenceRecord {
  agent_id: string;
  status: AgentStatus;
  since: string;
  idle_since: string | null;
  wrap_up_ends_at: string | null;
  /** The status to return to after the current call or wrap-up. */
  resume_status: 'available' | 'away' | 'offline' | null;
  last_call_ended_at: string | null;
}

/** Saved agent presence. */
export interface PresenceRepository {
  /** Every saved entry. */
  list(): Promise<PresenceRecord[]>;
  /** Insert or replace an agent's entry. */
  save(record: PresenceRecord): Promise<void>;
}

/**
 * Failed logins, kept in the shared store so every backend instance counts the same ones
 * (see `server/auth/rate-limit.ts`). Keys are opaque (agent name and client address).
 */
export interface LoginFailureRepository {
  /** Failures of `key` strictly after `since`. */
  count(key: string, since: string): Promise<number>;
  /** Record a failure of `key` at `at`. */
  record(key: string, at: string): Promise<void>;
  /** Forget every failure of `key`. */
  reset(key: string): Promise<void>;
  /** The oldest failure of `key` strictly after `since`, or null. */
  oldestSince(key: string, since: string): Promise<string | null>;
  /** Delete failures (of every key) at or before `before`; returns how many. */
  deleteBefore(before: string): Promise<number>;
}

/** Ids (`jti`) of signed webhook tokens already accepted, so a replayed token is refused by every instance. */
export interface WebhookTokenRepository {
  /** Remember `jti` until `expiresAt`: true the first time, false when it was already claimed. */
  claim(jti: string, expiresAt: string): Promise<boolean>;
  /** Forget tokens that expired before `before`; returns how many. */
  deleteExpired(before: string): Promise<number>;
}

/**
 * Everything the backend stores.
 *
 * One object, so tests can wrap or replace a part and callers close it as a whole.
 */
export interface Storage {
  agents: AgentRepository;
  credentials: CredentialRepository;
  calls: CallLogRepository;
  presence: PresenceRepository;
  /** Each number's call flow. */
  numbers: NumberConfigRepository;
  /** Queue definitions. */
  queues: QueueConfigRepository;
  voicemails: VoicemailRepository;
  loginFailures: LoginFailureRepository;
  webhookTokens: WebhookTokenRepository;
  /** Release the underlying database. */
  close(): Promise<void>;
}

/** Thrown when creating an agent whose name already exists (in any case). */
export class DuplicateAgentError extends Error {
  constructor(name: string) {
    super(`An agent named "${name}" already exists`);
    this.name = 'DuplicateAgentError';
  }
}
