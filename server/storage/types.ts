/**
 * The storage interfaces the rest of the backend depends on.
 *
 * They are asynchronous even though SQLite answers synchronously, so a PostgreSQL
 * implementation (the plan for multi-instance deployments) can follow behind them unchanged.
 * Timestamps are ISO 8601 strings in UTC.
 */
import type { CallLogEntry } from '../../common/backend-api';

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
}

/** One event_url payload as stored. */
export interface CallEventRecord {
  id: number;
  conversation_uuid: string | null;
  uuid: string;
  status: string;
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
export type CallRecord = Omit<CallLogEntry, 'events'>;

/** A call with its events, oldest event first. */
export interface CallWithEvents extends CallRecord {
  events: CallEventRecord[];
}

/**
 * Computes a call's row from its previous row and all of its events (the new one included).
 *
 * Called inside the storage transaction, so it must be synchronous and free of I/O.
 */
export type CallSummarizer = (previous: CallRecord | null, events: CallEventRecord[]) => CallRecord;

/** The call log. */
export interface CallLogRepository {
  /**
   * Store an event and, when it belongs to a conversation, upsert that call's row from
   * `summarize`, all in one transaction: either both are written or neither.
   */
  recordEvent(event: NewCallEvent, summarize: CallSummarizer): Promise<{ event: CallEventRecord; call: CallRecord | null }>;
  /** Calls newest first, each with its events. */
  listCalls(limit: number): Promise<CallWithEvents[]>;
  /** One call with its events, or null. */
  getCall(conversationUuid: string): Promise<CallWithEvents | null>;
  /** Number of stored events and calls (for health checks and tests). */
  counts(): Promise<{ events: number; calls: number }>;
}

/**
 * Everything the backend stores.
 *
 * One object so a PostgreSQL implementation can be swapped in as a whole.
 */
export interface Storage {
  agents: AgentRepository;
  credentials: CredentialRepository;
  calls: CallLogRepository;
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
