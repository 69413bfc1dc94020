/**
 * The PostgreSQL implementation of the call log and of saved agent presence.
 */
import type { Database, Sql } from '../db/database';
import { TERMINAL_STATUSES, summarizeCall } from '../webhooks/call-log';
import type {
  CallEventRecord,
  CallFilter,
  CallLogRepository,
  CallRecord,
  CallRecordPatch,
  CallWithEvents,
  LiveAgentLeg,
  NewCallEvent,
  Page,
  PresenceRecord,
  PresenceRepository,
  QueueStatsRecord,
} from './types';

/** A record as a table row: `from` and `to` are SQL keywords, so their columns are `from_addr` and `to_addr`. */
type Row<T extends { from: string | null; to: string | null }> = Omit<T, 'from' | 'to'> & { from_addr: string | null; to_addr: string | null };

type EventRow = Row<CallEventRecord>;

type CallRow = Row<CallRecord> & { updated_at: string };

function toEvent(row: EventRow): CallEventRecord {
  const { from_addr, to_addr, ...rest } = row;
  return { ...rest, from: from_addr, to: to_addr };
}

function toCall(row: CallRow): CallRecord {
  const { from_addr, to_addr, updated_at: _updated, ...rest } = row;
  return { ...rest, from: from_addr, to: to_addr };
}

const EVENT_COLUMNS = ['conversation_uuid', 'uuid', 'kind', 'status', 'agent', 'direction', 'from_addr', 'to_addr', 'timestamp', 'raw', 'received_at'] as const;

const CALL_COLUMNS = [
  'conversation_uuid',
  'direction',
  'from_addr',
  'to_addr',
  'agent',
  'status',
  'started_at',
  'answered_at',
  'ended_at',
  'duration_s',
  'flow',
  'queue',
  'topic',
  'queued_at',
  'wait_s',
  'talk_s',
  'outcome',
  'flow_outcome',
  'recording_url',
  'voicemail_url',
  'updated_at',
] as const;

const placeholders = (n: number, from = 1): string => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');

const INSERT_EVENT = `INSERT INTO call_events (${EVENT_COLUMNS.join(', ')}) VALUES (${placeholders(EVENT_COLUMNS.length)}) RETURNING *`;

const UPSERT_CALL = `INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES (${placeholders(CALL_COLUMNS.length)})
  ON CONFLICT (conversation_uuid) DO UPDATE SET
  ${CALL_COLUMNS.filter((c) => c !== 'conversation_uuid').map((c) => `${c} = excluded.${c}`).join(', ')}`;

const EVENTS_OF = 'SELECT * FROM call_events WHERE conversation_uuid = $1 ORDER BY timestamp, id';

/** Terminal statuses as an SQL list; they are fixed lower-case words, safe to inline. */
const TERMINAL_SQL = [...TERMINAL_STATUSES].map((s) => `'${s}'`).join(', ');

/** Calls where the agent (parameter `$n`) answered, or has any leg (offered, declined, missed). */
const agentMatch = (n: number) => `(lower(c.agent) = lower($${n}) OR EXISTS (
  SELECT 1 FROM call_events e WHERE e.conversation_uuid = c.conversation_uuid AND lower(e.agent) = lower($${n})))`;

/** Calls with a leg of the agent's (parameter `$n`) that ended without being answered. */
const missedMatch = (n: number) => `c.conversation_uuid IN (
  SELECT e.conversation_uuid FROM call_events e
  WHERE lower(e.agent) = lower($${n}) AND e.kind = 'status' AND e.status IN (${TERMINAL_SQL}) AND e.status <> 'completed'
    AND NOT EXISTS (SELECT 1 FROM call_events a WHERE a.uuid = e.uuid AND a.status = 'answered'))`;

/**
 * Key space of the per-conversation advisory locks (the first half of the two-int key; the
 * second is the hash of the conversation uuid). Any constant the backend owns.
 */
const CONVERSATION_LOCK_SPACE = 7_365_101;

/**
 * Serialize writers of one conversation until the transaction ends.
 *
 * A row lock (`SELECT … FOR UPDATE`) cannot lock a call whose row does not exist yet: two
 * first events of one conversation, taken by two instances at once, would each summarise
 * without the other's event. A transaction-scoped advisory lock on the conversation covers
 * that case too; hash collisions only make two conversations wait for each other.
 */
async function lockConversation(sql: Sql, conversationUuid: string): Promise<void> {
  await sql.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CONVERSATION_LOCK_SPACE, conversationUuid]);
}

async function lockedCall(sql: Sql, conversationUuid: string): Promise<CallRow | null> {
  const { rows } = await sql.query<CallRow>('SELECT * FROM calls WHERE conversation_uuid = $1 FOR UPDATE', [conversationUuid]);
  return rows[0] ?? null;
}

async function eventsOf(sql: Sql, conversationUuid: string): Promise<CallEventRecord[]> {
  return (await sql.query<EventRow>(EVENTS_OF, [conversationUuid])).rows.map(toEvent);
}

async function upsertCall(sql: Sql, call: CallRecord, updatedAt: string): Promise<void> {
  const row: Record<(typeof CALL_COLUMNS)[number], unknown> = {
    ...call,
    from_addr: call.from,
    to_addr: call.to,
    updated_at: updatedAt,
  };
  await sql.query(UPSERT_CALL, CALL_COLUMNS.map((c) => row[c]));
}

/** The call log over the `call_events` and `calls` tables. */
export function createCallLogRepository(db: Database): CallLogRepository {
  const withEvents = async (row: CallRow): Promise<CallWithEvents> => ({ ...toCall(row), events: await eventsOf(db, row.conversation_uuid) });

  /** A page of calls matching `clauses` (which use `$1`…`$n` of `params`), newest first. */
  const page = async (clauses: string[], params: unknown[], limit: number, offset: number): Promise<Page<CallRecord>> => {
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const n = params.length;
    const [items, count] = await Promise.all([
      db.query<CallRow>(
        `SELECT c.* FROM calls c ${where} ORDER BY c.started_at DESC, c.conversation_uuid DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, limit, offset],
      ),
      db.query<{ n: number }>(`SELECT count(*) AS n FROM calls c ${where}`, params),
    ]);
    return { items: items.rows.map(toCall), total: count.rows[0]?.n ?? 0 };
  };

  return {
    async recordEvent(event: NewCallEvent, summarize = summarizeCall) {
      // One transaction: the event and the call's row are written together or not at all.
      return db.tx(async (sql) => {
        if (event.conversation_uuid !== null) await lockConversation(sql, event.conversation_uuid);
        const inserted = await sql.query<EventRow>(INSERT_EVENT, [
          event.conversation_uuid,
          event.uuid,
          event.kind,
          event.status,
          event.agent,
          event.direction,
          event.from,
          event.to,
          event.timestamp,
          event.raw,
          event.received_at,
        ]);
        const row = inserted.rows[0];
        if (!row) throw new Error('INSERT … RETURNING returned no row');
        // As stored (times in ISO UTC form), like every record read back later.
        const stored = toEvent(row);
        if (event.conversation_uuid === null) return { event: stored, call: null };
        const previousRow = await lockedCall(sql, event.conversation_uuid);
        // Only a leg's status starts a call record; a lone record or notify event does not invent one.
        if (!previousRow && event.kind !== 'status') return { event: stored, call: null };
        const events = await eventsOf(sql, event.conversation_uuid);
        // A throw here (or in the upsert) rolls back the event insert too.
        const call = summarize(previousRow ? toCall(previousRow) : null, events);
        await upsertCall(sql, call, event.received_at);
        return { event: stored, call };
      });
    },

    async updateCallRecord(conversationUuid: string, patch: CallRecordPatch, at = new Date().toISOString(), within?: Sql) {
      // Inside the caller's transaction when given one (the flows record a decision together with it).
      const run = <T>(work: (sql: Sql) => Promise<T>): Promise<T> => (within ? work(within) : db.tx(work));
      return run(async (sql) => {
        await lockConversation(sql, conversationUuid);
        const previousRow = await lockedCall(sql, conversationUuid);
        const base: CallRecord = previousRow ? toCall(previousRow) : emptyCall(conversationUuid, at);
        const patched: CallRecord = { ...base };
        for (const [key, value] of Object.entries(patch) as Array<[keyof CallRecordPatch, string | null | undefined]>) {
          if (value !== undefined) patched[key] = value;
        }
        const events = await eventsOf(sql, conversationUuid);
        const call = events.length > 0 ? summarizeCall(patched, events) : patched;
        await upsertCall(sql, call, at);
        return call;
      });
    },

    async listCalls(limit) {
      const { rows } = await db.query<CallRow>('SELECT * FROM calls ORDER BY started_at DESC, conversation_uuid DESC LIMIT $1', [limit]);
      return Promise.all(rows.map(withEvents));
    },

    async getCall(conversationUuid) {
      const { rows } = await db.query<CallRow>('SELECT * FROM calls WHERE conversation_uuid = $1', [conversationUuid]);
      const row = rows[0];
      return row ? withEvents(row) : null;
    },

    async findCalls(filter: CallFilter, { limit, offset }) {
      const clauses: string[] = [];
      const params: unknown[] = [];
      const param = (value: unknown): number => params.push(value);
      if (filter.from !== undefined) clauses.push(`c.started_at >= $${param(filter.from)}`);
      if (filter.to !== undefined) clauses.push(`c.started_at < $${param(filter.to)}`);
      if (filter.agent !== undefined) clauses.push(agentMatch(param(filter.agent)));
      if (filter.outcome !== undefined) clauses.push(`c.outcome = $${param(filter.outcome)}`);
      if (filter.queue !== undefined) clauses.push(`lower(c.queue) = lower($${param(filter.queue)})`);
      return page(clauses, params, limit, offset);
    },

    async callsOfAgent(agent, { limit, offset }) {
      return page([agentMatch(1)], [agent], limit, offset);
    },

    async missedCallsOfAgent(agent, { limit, offset }) {
      return page([missedMatch(1)], [agent], limit, offset);
    },

    async queueStats(range, serviceLevelS): Promise<QueueStatsRecord[]> {
      const { rows } = await db.query<QueueStatsRecord>(
        `SELECT queue,
           count(*) AS offered,
           count(*) FILTER (WHERE outcome = 'answered') AS answered,
           count(*) FILTER (WHERE outcome IN ('abandoned', 'missed')) AS abandoned,
           count(*) FILTER (WHERE outcome = 'voicemail') AS voicemail,
           (avg(wait_s) FILTER (WHERE outcome = 'answered'))::float8 AS average_wait_s,
           count(*) FILTER (WHERE outcome = 'answered' AND wait_s <= $3) AS answered_within_threshold
         FROM calls
         WHERE queue IS NOT NULL AND ended_at IS NOT NULL AND started_at >= $1 AND started_at < $2
         GROUP BY queue ORDER BY queue COLLATE "C"`,
        [range.from, range.to, serviceLevelS],
      );
      return rows;
    },

    async liveAgentLegs(since): Promise<LiveAgentLeg[]> {
      const { rows } = await db.query<LiveAgentLeg>(
        `SELECT agent, uuid, coalesce(bool_or(status = 'answered'), false) AS answered
         FROM call_events
         WHERE kind = 'status' AND agent IS NOT NULL AND uuid IS NOT NULL AND timestamp >= $1
         GROUP BY agent, uuid
         HAVING count(*) FILTER (WHERE status IN (${TERMINAL_SQL})) = 0
         ORDER BY agent COLLATE "C", uuid COLLATE "C"`,
        [since],
      );
      return rows;
    },

    async counts() {
      const { rows } = await db.query<{ events: number; calls: number }>(
        'SELECT (SELECT count(*) FROM call_events) AS events, (SELECT count(*) FROM calls) AS calls',
      );
      return rows[0] ?? { events: 0, calls: 0 };
    },
  };
}

function emptyCall(conversationUuid: string, at: string): CallRecord {
  return {
    conversation_uuid: conversationUuid,
    direction: null,
    from: null,
    to: null,
    agent: null,
    status: 'started',
    started_at: at,
    answered_at: null,
    ended_at: null,
    duration_s: null,
    flow: null,
    queue: null,
    topic: null,
    queued_at: null,
    wait_s: null,
    talk_s: null,
    outcome: null,
    flow_outcome: null,
    recording_url: null,
    voicemail_url: null,
  };
}

/** Saved presence over the `agent_presence` table. */
export function createPresenceRepository(db: Sql): PresenceRepository {
  return {
    async list() {
      const { rows } = await db.query<PresenceRecord>(
        'SELECT agent_id, status, since, idle_since, wrap_up_ends_at, resume_status, last_call_ended_at FROM agent_presence ORDER BY agent_id',
      );
      return rows;
    },
    async save(record) {
      await db.query(
        `INSERT INTO agent_presence (agent_id, status, since, idle_since, wrap_up_ends_at, resume_status, last_call_ended_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())
         ON CONFLICT (agent_id) DO UPDATE SET status = excluded.status, since = excluded.since, idle_since = excluded.idle_since,
           wrap_up_ends_at = excluded.wrap_up_ends_at, resume_status = excluded.resume_status,
           last_call_ended_at = excluded.last_call_ended_at, updated_at = excluded.updated_at`,
        [record.agent_id, record.status, record.since, record.idle_since, record.wrap_up_ends_at, record.resume_status, record.last_call_ended_at],
      );
    },
  };
}
