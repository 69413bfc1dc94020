/**
 * The call model's tables: calls being put through, their agent legs, and queue lines.
 *
 * A call (`flow_calls`) is one customer call, keyed by the caller's leg uuid; its routing
 * state (who was tried, which attempt rings now, where the caller waits) is one JSON value
 * owned by the flows (`server/flows/runtime.ts`). Every change happens in a transaction
 * that first locks the call's row ({@link lockCall}): that per-call lock is what makes two
 * instances taking two webhooks of one call apply them one after the other. The tables are
 * migration 3 in `server/db/migrations.ts`.
 */
import type { CallContext } from '../../common/call-context';
import { prepared, type Sql } from '../db/database';
import { attachLeg } from '../storage/call-log-pg';

/** A call's row as this transaction locked it: its id and state. */
export interface LockedCall<T = unknown> {
  id: string;
  state: T;
}

const LOCK_CALL = prepared('SELECT state, ended FROM flow_calls WHERE id = $1 FOR UPDATE');

/** Lock a call's row for the rest of the transaction and return its state, or null. */
export async function lockCall<T>(sql: Sql, id: string): Promise<{ state: T; ended: boolean } | null> {
  const { rows } = await sql.query<{ state: T; ended: boolean }>(LOCK_CALL, [id]);
  return rows[0] ?? null;
}

const READ_CALL = prepared('SELECT state FROM flow_calls WHERE id = $1');

/** A call's state as committed, without a lock (a job deciding whether to act, a lookup). */
export async function readCall<T>(sql: Sql, id: string): Promise<T | undefined> {
  const { rows } = await sql.query<{ state: T }>(READ_CALL, [id]);
  return rows[0]?.state;
}

const INSERT_CALL = prepared('INSERT INTO flow_calls (id, conversation_uuid, state) VALUES ($1, $2, $3::jsonb) ON CONFLICT (id) DO NOTHING');

/** Create a call; false when it exists already (a retried answer webhook). */
export async function insertCall(sql: Sql, id: string, conversationUuid: string | null, state: unknown): Promise<boolean> {
  const { rowCount } = await sql.query(INSERT_CALL, [id, conversationUuid, JSON.stringify(state)]);
  return (rowCount ?? 0) > 0;
}

const SAVE_CALL = prepared('UPDATE flow_calls SET state = $2::jsonb, ended = $3, updated_at = now() WHERE id = $1');

/** Write a call's state back. */
export async function saveCall(sql: Sql, id: string, state: unknown, ended: boolean): Promise<void> {
  await sql.query(SAVE_CALL, [id, JSON.stringify(state), ended]);
}

const LOCK_CALL_MONITORED_BY = prepared(`SELECT id, state FROM flow_calls
  WHERE NOT ended AND state->'monitor'->>'legUuid' = $1 LIMIT 1 FOR UPDATE`);

/**
 * Lock the open call a supervisor's leg is monitoring, if any. The supervisor's leg is bound to
 * no call (it is no leg of the customer's call in the call log), so its events are matched here;
 * only for a terminal event of an otherwise unknown leg, over the open calls.
 */
export async function lockCallMonitoredBy(sql: Sql, legUuid: string): Promise<LockedCall | null> {
  const { rows } = await sql.query<LockedCall>(LOCK_CALL_MONITORED_BY, [legUuid]);
  return rows[0] ?? null;
}

const CALL_OF_LEG = prepared('SELECT call_id FROM flow_legs WHERE leg_uuid = $1');

/** The call an agent leg belongs to. */
export async function callOfLeg(sql: Sql, legUuid: string): Promise<string | null> {
  const { rows } = await sql.query<{ call_id: string }>(CALL_OF_LEG, [legUuid]);
  return rows[0]?.call_id ?? null;
}

/**
 * Remember which call an agent leg belongs to, and what the agent's app shows for it; and
 * file the leg with the customer's call in the call log (its events stored so far, under the
 * leg's own conversation, move to the call's: see `attachLeg`). Inside the flow's
 * transaction, which holds the call's row: the call log's locks come after it.
 */
export async function bindLeg(sql: Sql, legUuid: string, callId: string, agent: string | null, context: CallContext | null, at = new Date().toISOString()): Promise<void> {
  const { rows } = await sql.query<{ conversation_uuid: string | null }>(
    `WITH bound AS (
       INSERT INTO flow_legs (leg_uuid, call_id, agent, context) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (leg_uuid) DO UPDATE SET call_id = EXCLUDED.call_id, agent = EXCLUDED.agent, context = EXCLUDED.context
       RETURNING call_id)
     SELECT c.conversation_uuid FROM bound JOIN flow_calls c ON c.id = bound.call_id`,
    [legUuid, callId, agent, context === null ? null : JSON.stringify(context)],
  );
  const conversationUuid = rows[0]?.conversation_uuid;
  if (conversationUuid) await attachLeg(sql, legUuid, conversationUuid, at);
}

/** The context of an agent's leg, if it is this agent's. */
export async function legContext(sql: Sql, legUuid: string, agent: string): Promise<CallContext | null> {
  const { rows } = await sql.query<{ context: CallContext | null }>('SELECT context FROM flow_legs WHERE leg_uuid = $1 AND lower(agent) = lower($2)', [legUuid, agent]);
  return rows[0]?.context ?? null;
}

/**
 * Calls whose current attempt rings `target` (an agent or phone, lower case) and has no leg
 * yet: a connect leg's first event names only who it rings.
 */
export async function callsRinging(sql: Sql, target: string): Promise<Array<{ id: string; conversation_uuid: string | null }>> {
  const { rows } = await sql.query<{ id: string; conversation_uuid: string | null }>(
    `SELECT id, conversation_uuid FROM flow_calls
      WHERE NOT ended AND (
        (state->'attempt' IS NOT NULL AND state->'attempt'->>'legUuid' IS NULL
          AND lower(coalesce(state->'attempt'->>'agent', state->'attempt'->>'phone')) = $1)
        -- A consulted party's leg (warm transfer) is found the same way.
        OR (state->'consult' IS NOT NULL AND state->'consult'->>'legUuid' IS NULL
          AND lower(coalesce(state->'consult'->>'agent', state->'consult'->>'phone')) = $1))
      ORDER BY created_at`,
    [target],
  );
  return rows;
}

/** The call of a leg, the caller's own (the call's id) before a bound agent leg's, locked. */
const LOCK_CALL_OF_LEG = prepared(`SELECT id, state FROM flow_calls
  WHERE id IN ($1, (SELECT call_id FROM flow_legs WHERE leg_uuid = $1))
  ORDER BY id = $1 DESC LIMIT 1 FOR UPDATE`);

/**
 * Lock the customer call a leg's event belongs to, if the flows hold one: the caller's own
 * leg, a bound agent leg, or the call whose attempt rings the event's `to` (a connect leg's
 * first event). Every transaction takes the call's row first, then presence, then the call
 * log's locks — the event webhook calls this before anything else for that reason. The
 * state comes with the lock, so the flows need not read it again.
 */
export async function lockCallOfEvent(sql: Sql, event: { uuid: string; to: string | null; conversation_uuid: string | null }): Promise<LockedCall | null> {
  const known = await sql.query<LockedCall>(LOCK_CALL_OF_LEG, [event.uuid]);
  if (known.rows[0]) return known.rows[0];
  if (!event.to) return null;
  const candidates = await callsRinging(sql, event.to.toLowerCase());
  const callId = (candidates.find((c) => c.conversation_uuid === event.conversation_uuid) ?? candidates[0])?.id;
  if (callId === undefined) return null;
  const locked = await lockCall(sql, callId);
  return locked ? { id: callId, state: locked.state } : null;
}

const FIRST_DELIVERY = prepared('INSERT INTO processed_webhooks (key) VALUES ($1) ON CONFLICT DO NOTHING');

/**
 * Mark a webhook as applied; false when it was already (Vonage retries a delivery it got no
 * answer to, and the retry must change nothing).
 */
export async function firstDelivery(sql: Sql, key: string): Promise<boolean> {
  const { rowCount } = await sql.query(FIRST_DELIVERY, [key]);
  return (rowCount ?? 0) > 0;
}

/** One caller in a queue line. */
export interface QueueEntryRow {
  call_id: string;
  queue: string;
  joined_at: string;
  offering: string | null;
  /** Agents who turned the caller down (lower case) → when (ISO). */
  declined: Record<string, string>;
  last_announced_at: string;
}

/** Put a caller in line (or move them to another queue). */
export async function enqueue(sql: Sql, callId: string, queue: string, at: string): Promise<void> {
  await sql.query(
    `INSERT INTO queue_entries (call_id, queue, joined_at, last_announced_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (call_id) DO UPDATE SET queue = EXCLUDED.queue, joined_at = EXCLUDED.joined_at, offering = NULL, declined = '{}'::jsonb, last_announced_at = EXCLUDED.joined_at`,
    [callId, queue, at],
  );
}

/** A caller's place in line, locked, or null when not queued. */
export async function queueEntry(sql: Sql, callId: string): Promise<QueueEntryRow | null> {
  const { rows } = await sql.query<QueueEntryRow>('SELECT * FROM queue_entries WHERE call_id = $1 FOR UPDATE', [callId]);
  return rows[0] ?? null;
}

/** Update who a queued caller is offered to, and who declined them. */
export async function updateQueueEntry(sql: Sql, callId: string, fields: { offering?: string | null; declined?: Record<string, string>; lastAnnouncedAt?: string }): Promise<void> {
  await sql.query(
    `UPDATE queue_entries SET
       offering = CASE WHEN $2::boolean THEN $3 ELSE offering END,
       declined = coalesce($4::jsonb, declined),
       last_announced_at = coalesce($5::timestamptz, last_announced_at)
     WHERE call_id = $1`,
    [callId, fields.offering !== undefined, fields.offering ?? null, fields.declined ? JSON.stringify(fields.declined) : null, fields.lastAnnouncedAt ?? null],
  );
}

/** Take a caller out of line. */
export async function dequeue(sql: Sql, callId: string): Promise<boolean> {
  const { rowCount } = await sql.query('DELETE FROM queue_entries WHERE call_id = $1', [callId]);
  return (rowCount ?? 0) > 0;
}

/** Every queued caller, longest waiting first. */
export async function queuedCallers(sql: Sql): Promise<QueueEntryRow[]> {
  const { rows } = await sql.query<QueueEntryRow>('SELECT * FROM queue_entries ORDER BY joined_at, call_id');
  return rows;
}

/** Calls still open that started before `before` (for reconciliation). */
export async function openCalls(sql: Sql, before: string, limit: number): Promise<Array<{ id: string; state: unknown }>> {
  const { rows } = await sql.query<{ id: string; state: unknown }>(
    'SELECT id, state FROM flow_calls WHERE NOT ended AND created_at < $1 ORDER BY created_at LIMIT $2',
    [before, limit],
  );
  return rows;
}

/** Forget finished calls (and their legs and processed-webhook keys) older than `before`. */
export async function pruneFinished(sql: Sql, before: string): Promise<number> {
  await sql.query('DELETE FROM processed_webhooks WHERE created_at < $1', [before]);
  const { rowCount } = await sql.query('DELETE FROM flow_calls WHERE ended AND updated_at < $1', [before]);
  return rowCount ?? 0;
}
