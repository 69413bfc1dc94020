/**
 * The call model's types: a call being put through (its stored routing state), an attempt
 * at an agent, one transaction's turn on a call, and what the flows need of presence and
 * logging. The flows (`server/flows/runtime.ts`) and the queues (`server/queues/manager.ts`)
 * both work on them.
 */
import type { Sql } from '../db/database';
import type { HoldSpot } from '../flows/actions';
import type { Ncco } from '../flows/ncco';
import type { RouteTarget } from '../flows/targets';
import type { NumberFlowName } from '../numbers/schema';
import type { CallRecordPatch } from '../storage/types';

/** What the flows need of agent presence (`server/agents/presence.ts`). */
export interface PresenceView {
  /** Reserve the longest-idle available agent (or `prefer`) for this call, inside `sql`'s transaction. */
  reserveNext(sql: Sql, request: { callId: string; exclude: string[]; members: string[]; prefer?: string | undefined }): Promise<string | null>;
  /** Reserve this agent for this call if they are available and not reserved. */
  reserveAgent(sql: Sql, name: string, callId: string): Promise<boolean>;
  /** Free an agent reserved for this call. */
  release(sql: Sql, name: string, callId: string): Promise<unknown>;
  /** Every agent's status (this instance's copy, kept current by every instance's changes). */
  list(): ReadonlyArray<{ name: string; status: string; idleSince: string | null }>;
  /** Called with the agent's new presence on every change made by any instance; returns the unsubscribe function. */
  onChange(listener: (entry: { status: string; reservedCall: string | null; reachable?: boolean }) => void): () => void;
}

/** Where the flows log; a pino logger fits. */
export interface FlowLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** One try at putting a caller through to an agent (or an outside phone). */
export interface Attempt {
  /** Tells a job about this attempt from a later one. */
  id: string;
  agent: string | null;
  phone: string | null;
  mode: 'connect' | 'dial';
  /** The agent's leg, once known. */
  legUuid: string | null;
  answered: boolean;
}

/** A call the flows are putting through, keyed by the caller's leg; stored as JSON. */
export interface CallSession {
  uuid: string;
  /** When the flows first saw it (ms). */
  startedAt: number;
  conversationUuid: string | null;
  /** The number called (E.164 digits). */
  number: string;
  caller: string | null;
  flow: NumberFlowName;
  label: string | null;
  topic: string | null;
  /** The queue the caller waits in now. */
  queue: string | null;
  /** How agents are reached now. */
  mode: 'connect' | 'dial';
  /** Where the caller waits in dial mode. */
  hold: HoldSpot;
  ringTimeoutS: number;
  maxAttempts: number;
  /** Agents offered the call so far (lower case). */
  tried: string[];
  attempts: number;
  attempt: Attempt | null;
  fallback: RouteTarget;
  fallbackUsed: boolean;
  redirects: number;
  /** The number's default agent (inbound): offered the call first whenever available. */
  defaultAgent: string | null;
  /** Whisper: the agent or phone to call first. */
  fixed: { type: 'agent'; agent: string } | { type: 'phone'; number: string } | null;
  /** Whisper: waiting for an agent to become available, until this time (ms). */
  waitUntil: number | null;
  ended: boolean;
  /** The first answer's NCCO, returned again should the platform retry the answer_url. */
  firstNcco: Ncco | null;
  /** While the agent holds the caller: since when (ms). Absent in calls stored before hold existed. */
  heldSince?: number | null;
  /** Seconds the caller spent on hold, finished holds only. */
  holdS?: number;
  /** A warm transfer or conference under way (absent in calls stored before it existed). */
  consult?: Consult | null;
  /** The named conversation the caller was moved into (a consult's), or null while in their first one. */
  room?: string | null;
  /** Consult conversations opened so far (names them). */
  rooms?: number;
  /** A supervisor listening, coaching or barging in (`server/flows/monitor.ts`), or null. */
  monitor?: Monitoring | null;
}

/** A supervisor monitoring a call from the console: their Client SDK leg in the call's named conversation. */
export interface Monitoring {
  /** Names this monitoring: the supervisor's SDK call carries it in its custom data. */
  id: string;
  /** The console user. */
  supervisor: string;
  /** Their Client SDK user. */
  identity: string;
  mode: 'listen' | 'coach' | 'barge';
  /** The supervisor's leg once the platform asked for its NCCO. */
  legUuid: string | null;
}

/**
 * A second party the owning agent called about a call (warm transfer): ringing, talking to
 * the agent while the caller holds, or — once the caller is brought in — a three-way conference.
 */
export interface Consult extends Attempt {
  state: 'consulting' | 'conference';
  /** The named conversation of the consult: the agent's and the party's, the caller's once merged. */
  room: string;
  /** The agent who started it. */
  by: string;
  /** The owning agent left (or completed) before the party answered: the caller goes to them on answer. */
  handOff: boolean;
}

/** One transaction's work on one call: its SQL connection. */
export interface Turn {
  sql: Sql;
  /** Call-record changes decided in this turn, merged per conversation and written once before it commits. */
  patches?: Map<string, CallRecordPatch>;
}
