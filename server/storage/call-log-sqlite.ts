/**
 * The SQLite implementation of the call log and of saved agent presence.
 */
import { TERMINAL_STATUSES, summarizeCall } from '../webhooks/call-log';
import type { SqliteDatabase } from './sqlite';
import type {
  CallEventRecord,
  CallFilter,
  CallLogRepository,
  CallRecord,
  CallRecordPatch,
  CallSummarizer,
  CallWithEvents,
  LiveAgentLeg,
  NewCallEvent,
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

function toEventRow(event: NewCallEvent): Omit<EventRow, 'id'> {
  const { from, to, ...rest } = event;
  return { ...rest, from_addr: from, to_addr: to };
}

function toCallRow(call: CallRecord, updatedAt: string): CallRow {
  const { from, to, ...rest } = call;
  return { ...rest, from_addr: from, to_addr: to, updated_at: updatedAt };
}

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

/** Terminal statuses as an SQL list; they are fixed lower-case words, safe to inline. */
const TERMINAL_SQL = [...TERMINAL_STATUSES].map((s) => `'${s}'`).join(', ');

/** Calls where the agent answered, or has any leg (offered, declined, missed). */
const AGENT_MATCH = `(c.agent = @agent COLLATE NOCASE OR EXISTS (
  SELECT 1 FROM call_events e WHERE e.conversation_uuid = c.conversation_uuid AND e.agent = @agent COLLATE NOCASE))`;

/** Calls with a leg of the agent's that ended without being answered. */
const MISSED_MATCH = `c.conversation_uuid IN (
  SELECT e.conversation_uuid FROM call_events e
  WHERE e.agent = @agent COLLATE NOCASE AND e.kind = 'status' AND e.status IN (${TERMINAL_SQL}) AND e.status <> 'completed'
    AND NOT EXISTS (SELECT 1 FROM call_events a WHERE a.uuid = e.uuid AND a.status = 'answered'))`;

/** The call log over the `call_events` and `calls` tables. */
export function createCallLogRepository(db: SqliteDatabase): CallLogRepository {
  const insertEvent = db.prepare(
    `INSERT INTO call_events (conversation_uuid, uuid, kind, status, agent, direction, from_addr, to_addr, timestamp, raw, received_at)
     VALUES (@conversation_uuid, @uuid, @kind, @status, @agent, @direction, @from_addr, @to_addr, @timestamp, @raw, @received_at)`,
  );
  const eventsOf = db.prepare<[string], EventRow>('SELECT * FROM call_events WHERE conversation_uuid = ? ORDER BY timestamp, id');
  const callById = db.prepare<[string], CallRow>('SELECT * FROM calls WHERE conversation_uuid = ?');
  const upsertCall = db.prepare(
    `INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES (${CALL_COLUMNS.map((c) => `@${c}`).join(', ')})
     ON CONFLICT (conversation_uuid) DO UPDATE SET
       ${CALL_COLUMNS.filter((c) => c !== 'conversation_uuid').map((c) => `${c} = excluded.${c}`).join(', ')}`,
  );
  const recent = db.prepare<[number], CallRow>('SELECT * FROM calls ORDER BY started_at DESC, conversation_uuid DESC LIMIT ?');
  const countEvents = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM call_events');
  const countCalls = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM calls');
  const liveLegs = db.prepare<[string], { agent: string; uuid: string; answered: number }>(
    `SELECT agent, uuid, MAX(CASE WHEN status = 'answered' THEN 1 ELSE 0 END) AS answered
     FROM call_events
     WHERE kind = 'status' AND agent IS NOT NULL AND uuid IS NOT NULL AND timestamp >= ?
     GROUP BY agent, uuid
     HAVING SUM(CASE WHEN status IN (${TERMINAL_SQL}) THEN 1 ELSE 0 END) = 0`,
  );
  const stats = db.prepare<{ from: string; to: string; threshold: number }, QueueStatsRecord>(
    `SELECT queue,
       count(*) AS offered,
       SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END) AS answered,
       SUM(CASE WHEN outcome IN ('abandoned', 'missed') THEN 1 ELSE 0 END) AS abandoned,
       SUM(CASE WHEN outcome = 'voicemail' THEN 1 ELSE 0 END) AS voicemail,
       AVG(CASE WHEN outcome = 'answered' THEN wait_s END) AS average_wait_s,
       SUM(CASE WHEN outcome = 'answered' AND wait_s <= @threshold THEN 1 ELSE 0 END) AS answered_within_threshold
     FROM calls
     WHERE queue IS NOT NULL AND ended_at IS NOT NULL AND started_at >= @from AND started_at < @to
     GROUP BY queue ORDER BY queue`,
  );

  // Filtered lists are built from a fixed set of clauses; their statements are prepared once per shape.
  const pageStatements = new Map<string, { rows: ReturnType<SqliteDatabase['prepare']>; count: ReturnType<SqliteDatabase['prepare']> }>();
  const page = (clauses: string[], params: Record<string, unknown>, limit: number, offset: number) => {
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    let statements = pageStatements.get(where);
    if (!statements) {
      statements = {
        rows: db.prepare(`SELECT c.* FROM calls c ${where} ORDER BY c.started_at DESC, c.conversation_uuid DESC LIMIT @limit OFFSET @offset`),
        count: db.prepare(`SELECT count(*) AS n FROM calls c ${where}`),
      };
      pageStatements.set(where, statements);
    }
    const items = (statements.rows.all({ ...params, limit, offset }) as CallRow[]).map(toCall);
    const total = (statements.count.get(params) as { n: number }).n;
    return { items, total };
  };

  const withEvents = (row: CallRow): CallWithEvents => ({ ...toCall(row), events: eventsOf.all(row.conversation_uuid).map(toEvent) });

  const record = db.transaction((event: NewCallEvent, summarize: CallSummarizer) => {
    const info = insertEvent.run(toEventRow(event));
    const stored: CallEventRecord = { id: Number(info.lastInsertRowid), ...event };
    if (event.conversation_uuid === null) return { event: stored, call: null };
    const previousRow = callById.get(event.conversation_uuid);
    // Only a leg's status starts a call record; a lone record or notify event does not invent one.
    if (!previousRow && event.kind !== 'status') return { event: stored, call: null };
    const events = eventsOf.all(event.conversation_uuid).map(toEvent);
    // A throw here (or in the upsert) rolls back the event insert too.
    const call = summarize(previousRow ? toCall(previousRow) : null, events);
    upsertCall.run(toCallRow(call, event.received_at));
    return { event: stored, call };
  });

  const update = db.transaction((conversationUuid: string, patch: CallRecordPatch, at: string) => {
    const previousRow = callById.get(conversationUuid);
    const base: CallRecord = previousRow ? toCall(previousRow) : emptyCall(conversationUuid, at);
    const patched: CallRecord = { ...base };
    for (const [key, value] of Object.entries(patch) as Array<[keyof CallRecordPatch, string | null | undefined]>) {
      if (value !== undefined) patched[key] = value;
    }
    const events = eventsOf.all(conversationUuid).map(toEvent);
    const call = events.length > 0 ? summarizeCall(patched, events) : patched;
    upsertCall.run(toCallRow(call, at));
    return call;
  });

  return {
    async recordEvent(event, summarize = summarizeCall) {
      return record(event, summarize);
    },
    async updateCallRecord(conversationUuid, patch, at = new Date().toISOString()) {
      return update(conversationUuid, patch, at);
    },
    async listCalls(limit) {
      return recent.all(limit).map(withEvents);
    },
    async getCall(conversationUuid) {
      const row = callById.get(conversationUuid);
      return row ? withEvents(row) : null;
    },
    async findCalls(filter: CallFilter, { limit, offset }) {
      const clauses: string[] = [];
      const params: Record<string, unknown> = {};
      if (filter.from !== undefined) {
        clauses.push('c.started_at >= @from');
        params.from = filter.from;
      }
      if (filter.to !== undefined) {
        clauses.push('c.started_at < @to');
        params.to = filter.to;
      }
      if (filter.agent !== undefined) {
        clauses.push(AGENT_MATCH);
        params.agent = filter.agent;
      }
      if (filter.outcome !== undefined) {
        clauses.push('c.outcome = @outcome');
        params.outcome = filter.outcome;
      }
      if (filter.queue !== undefined) {
        clauses.push('c.queue = @queue COLLATE NOCASE');
        params.queue = filter.queue;
      }
      return page(clauses, params, limit, offset);
    },
    async callsOfAgent(agent, { limit, offset }) {
      return page([AGENT_MATCH], { agent }, limit, offset);
    },
    async missedCallsOfAgent(agent, { limit, offset }) {
      return page([MISSED_MATCH], { agent }, limit, offset);
    },
    async queueStats(range, serviceLevelS) {
      return stats.all({ from: range.from, to: range.to, threshold: serviceLevelS });
    },
    async liveAgentLegs(since): Promise<LiveAgentLeg[]> {
      return liveLegs.all(since).map((r) => ({ agent: r.agent, uuid: r.uuid, answered: r.answered === 1 }));
    },
    async counts() {
      return { events: countEvents.get()?.n ?? 0, calls: countCalls.get()?.n ?? 0 };
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
export function createPresenceRepository(db: SqliteDatabase): PresenceRepository {
  const all = db.prepare<[], PresenceRecord>(
    'SELECT agent_id, status, since, idle_since, wrap_up_ends_at, resume_status, last_call_ended_at FROM agent_presence',
  );
  const upsert = db.prepare(
    `INSERT INTO agent_presence (agent_id, status, since, idle_since, wrap_up_ends_at, resume_status, last_call_ended_at, updated_at)
     VALUES (@agent_id, @status, @since, @idle_since, @wrap_up_ends_at, @resume_status, @last_call_ended_at, @updated_at)
     ON CONFLICT (agent_id) DO UPDATE SET status = excluded.status, since = excluded.since, idle_since = excluded.idle_since,
       wrap_up_ends_at = excluded.wrap_up_ends_at, resume_status = excluded.resume_status,
       last_call_ended_at = excluded.last_call_ended_at, updated_at = excluded.updated_at`,
  );
  return {
    async list() {
      return all.all();
    },
    async save(record) {
      upsert.run({ ...record, updated_at: new Date().toISOString() });
    },
  };
}
