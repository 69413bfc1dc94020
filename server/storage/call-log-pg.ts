/**
 * The PostgreSQL implementation of the call log and of saved agent presence.
 */
import { leaveToTransaction, prepared, type Database, type Sql } from '../db/database';
import type { CallSegment } from '../../common/backend-api';
import { TERMINAL_STATUSES, callSegments, summarizeCall } from '../webhooks/call-log';
import type {
  AgentSegmentRecord,
  CallEventRecord,
  CallFilter,
  CallLogRepository,
  CallRecord,
  CallRecordPatch,
  CallWithEvents,
  LiveAgentLeg,
  NewCallEvent,
  Page,
  PageCursor,
  PageRequest,
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

/** An event row's columns, as `SELECT *` gives them. */
const EVENT_ROW = ['id', ...EVENT_COLUMNS].join(', ');

const INSERT_EVENT = prepared(`INSERT INTO call_events (${EVENT_COLUMNS.join(', ')}) VALUES (${placeholders(EVENT_COLUMNS.length)}) RETURNING ${EVENT_ROW}`);

const UPSERT_CALL = prepared(`INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES (${placeholders(CALL_COLUMNS.length)})
  ON CONFLICT (conversation_uuid) DO UPDATE SET
  ${CALL_COLUMNS.filter((c) => c !== 'conversation_uuid').map((c) => `${c} = excluded.${c}`).join(', ')}`);

const EVENTS_OF = prepared(`SELECT ${EVENT_ROW} FROM call_events WHERE conversation_uuid = $1 ORDER BY timestamp, id`);

const LOCKED_CALL = prepared(`SELECT ${CALL_COLUMNS.join(', ')} FROM calls WHERE conversation_uuid = $1 FOR UPDATE`);

/** A day in ms: queue stats read whole UTC days from their daily figures. */
const DAY_MS = 86_400_000;

/** The most matches a page's `total` counts (see `Page` in ./types). */
export const TOTAL_CAP = 10_000;

/** Terminal statuses as an SQL list; they are fixed lower-case words, safe to inline. */
const TERMINAL_SQL = [...TERMINAL_STATUSES].map((s) => `'${s}'`).join(', ');

/**
 * Refresh a call's rows in `agent_calls` (migration 5) after its row was written: one per
 * agent (lower-cased) who answered it (`calls.agent`) or has an event in it, missed when one
 * of that agent's legs ended unanswered (a final status other than completed, and the leg
 * never answered). The rows carry the call's `started_at`, so an agent's history, missed
 * calls and count are one index range. A row that did not change is not rewritten.
 */
const REFRESH_AGENT_CALLS = prepared(`
WITH wanted AS (
  SELECT lower(x.agent) AS agent_key, bool_or(x.missed) AS missed
  FROM (
    SELECT c.agent, false AS missed FROM calls c WHERE c.conversation_uuid = $1 AND c.agent IS NOT NULL
    UNION ALL
    SELECT e.agent, e.kind = 'status' AND e.status IN (${TERMINAL_SQL}) AND e.status <> 'completed'
                    AND NOT EXISTS (SELECT 1 FROM call_events a WHERE a.uuid = e.uuid AND a.status = 'answered')
    FROM call_events e WHERE e.conversation_uuid = $1 AND e.agent IS NOT NULL
  ) x
  GROUP BY 1
), gone AS (
  DELETE FROM agent_calls g WHERE g.conversation_uuid = $1 AND g.agent_key NOT IN (SELECT agent_key FROM wanted)
)
INSERT INTO agent_calls AS r (conversation_uuid, agent_key, started_at, missed)
SELECT c.conversation_uuid, w.agent_key, c.started_at, w.missed FROM wanted w JOIN calls c ON c.conversation_uuid = $1
ON CONFLICT (conversation_uuid, agent_key) DO UPDATE SET started_at = excluded.started_at, missed = excluded.missed
WHERE r.started_at IS DISTINCT FROM excluded.started_at OR r.missed IS DISTINCT FROM excluded.missed`);

/** The exact stored time of a call list's row, for its cursor (the API's times stop at milliseconds). */
const CURSOR_AT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Key space of the per-conversation advisory locks (the first half of the two-int key; the
 * second is the hash of the conversation uuid). Any constant the backend owns.
 */
const CONVERSATION_LOCK_SPACE = 7_365_101;

/** A transaction-scoped advisory lock in a key space, on the hash of a text. */
const ADVISORY_LOCK = prepared('SELECT pg_advisory_xact_lock($1, hashtext($2))');

/**
 * Serialize writers of one conversation until the transaction ends.
 *
 * A row lock (`SELECT … FOR UPDATE`) cannot lock a call whose row does not exist yet: two
 * first events of one conversation, taken by two instances at once, would each summarise
 * without the other's event. A transaction-scoped advisory lock on the conversation covers
 * that case too; hash collisions only make two conversations wait for each other.
 */
function lockConversation(sql: Sql, conversationUuid: string): Promise<unknown> {
  return sql.query(ADVISORY_LOCK, [CONVERSATION_LOCK_SPACE, conversationUuid]);
}

/** Key space of the per-leg advisory locks (see {@link lockLeg}). */
const LEG_LOCK_SPACE = 7_365_102;

/**
 * Serialize filing a leg's events with binding the leg to a call, until the transaction ends.
 *
 * Lock order: a flow's transaction locks its `flow_calls` row, then (binding) the leg, then
 * conversations; storing an event locks the leg, then one conversation. Neither takes a lock
 * the other takes earlier, so they cannot deadlock.
 */
function lockLeg(sql: Sql, legUuid: string): Promise<unknown> {
  return sql.query(ADVISORY_LOCK, [LEG_LOCK_SPACE, legUuid]);
}

/**
 * The conversation a leg's events are filed under: the customer call's, for a leg the flows
 * bound to a call (an agent leg, placed in a conversation of its own and joined to the
 * caller's named one) and for the caller's own leg (whose later events carry the named
 * conversation's id); otherwise the conversation its first status event was filed under;
 * null for a leg nobody knows yet.
 */
const CONVERSATION_OF_LEG = prepared(`SELECT conversation_uuid FROM (
    SELECT c.conversation_uuid, 1 AS rank FROM flow_legs l JOIN flow_calls c ON c.id = l.call_id WHERE l.leg_uuid = $1
    UNION ALL SELECT conversation_uuid, 2 FROM flow_calls WHERE id = $1
    UNION ALL (SELECT conversation_uuid, 3 FROM call_events WHERE uuid = $1 AND kind = 'status' AND conversation_uuid IS NOT NULL ORDER BY id LIMIT 1)
  ) known WHERE conversation_uuid IS NOT NULL ORDER BY rank LIMIT 1`);

async function conversationOfLeg(sql: Sql, legUuid: string): Promise<string | null> {
  const { rows } = await sql.query<{ conversation_uuid: string }>(CONVERSATION_OF_LEG, [legUuid]);
  return rows[0]?.conversation_uuid ?? null;
}

async function lockedCall(sql: Sql, conversationUuid: string): Promise<CallRow | null> {
  const { rows } = await sql.query<CallRow>(LOCKED_CALL, [conversationUuid]);
  return rows[0] ?? null;
}

async function eventsOf(sql: Sql, conversationUuid: string): Promise<CallEventRecord[]> {
  return (await sql.query<EventRow>(EVENTS_OF, [conversationUuid])).rows.map(toEvent);
}

/**
 * Write a call's row; with `agents` (whenever what `agent_calls` derives from may have
 * changed: the call's agent or start, or an event of an agent's leg) its agent rows too.
 * In a transaction: both statements go out at once and run in order.
 */
function upsertCall(sql: Sql, call: CallRecord, updatedAt: string, agents: boolean): Promise<unknown> {
  const row: Record<(typeof CALL_COLUMNS)[number], unknown> = {
    ...call,
    from_addr: call.from,
    to_addr: call.to,
    updated_at: updatedAt,
  };
  const upserted = sql.query(UPSERT_CALL, CALL_COLUMNS.map((c) => row[c]));
  return agents ? Promise.all([upserted, sql.query(REFRESH_AGENT_CALLS, [call.conversation_uuid])]) : upserted;
}

/**
 * Whether a call's `agent_calls` rows may differ from those its previous row had. A call no
 * agent ever had a part in (no agent on its row, before or now, nor on any of its events)
 * has none, and gets none.
 */
function agentsMayChange(previous: CallRow | null, call: CallRecord, events: readonly CallEventRecord[]): boolean {
  if (call.agent === null && (previous?.agent ?? null) === null && !events.some((e) => e.agent !== null)) return false;
  return !previous || previous.agent !== call.agent || previous.started_at !== call.started_at;
}

const DELETE_SEGMENTS = prepared('DELETE FROM call_segments WHERE conversation_uuid = $1');

const INSERT_SEGMENT = prepared(`INSERT INTO call_segments (conversation_uuid, leg_uuid, agent, party, offered_at, answered_at, ended_at, end_status, talk_s, hold_s)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`);

/** Replace a call's segments (`call_segments`) with those of its events; in a transaction, in one round trip. */
function writeSegments(sql: Sql, conversationUuid: string, segments: readonly CallSegment[]): Promise<unknown> {
  return Promise.all([
    sql.query(DELETE_SEGMENTS, [conversationUuid]),
    ...segments.map((s) =>
      sql.query(INSERT_SEGMENT, [conversationUuid, s.leg_uuid, s.agent, s.party, s.offered_at, s.answered_at, s.ended_at, s.end_status, s.talk_s, s.hold_s]),
    ),
  ]);
}

const SEGMENT_COLUMNS = 'leg_uuid, agent, party, offered_at, answered_at, ended_at, end_status, talk_s, hold_s';

async function segmentsOf(sql: Sql, conversationUuid: string): Promise<CallSegment[]> {
  const { rows } = await sql.query<CallSegment>(`SELECT ${SEGMENT_COLUMNS} FROM call_segments WHERE conversation_uuid = $1 ORDER BY offered_at, leg_uuid`, [conversationUuid]);
  return rows;
}

/** Recompute a call's row and segments from its events (the row must exist or events must hold a status). */
async function resummarize(sql: Sql, conversationUuid: string, at: string): Promise<CallRecord | null> {
  const [previousRow, events] = await Promise.all([lockedCall(sql, conversationUuid), eventsOf(sql, conversationUuid)]);
  if (!events.some((e) => e.kind === 'status')) {
    // Nothing left that makes a call (only a leg moved away had status events): no row.
    await sql.query('DELETE FROM call_segments WHERE conversation_uuid = $1', [conversationUuid]);
    if (previousRow) await sql.query('DELETE FROM calls WHERE conversation_uuid = $1', [conversationUuid]);
    return null;
  }
  const call = summarizeCall(previousRow ? toCall(previousRow) : null, events);
  await Promise.all([upsertCall(sql, call, at, true), writeSegments(sql, conversationUuid, callSegments(events))]);
  return call;
}

/**
 * File a leg the flows just bound to a call (`server/calls/store.ts` `bindLeg`, inside the
 * flow's transaction, which holds the call's row) with the customer's call: its events
 * stored before (under the leg's own conversation: a dialled agent leg's first events can
 * come before the Voice API answered) move to `conversationUuid`, the row only those events
 * made goes, and both calls are summarised again. Nothing happens when they are there already.
 */
export async function attachLeg(sql: Sql, legUuid: string, conversationUuid: string, at: string): Promise<void> {
  await lockLeg(sql, legUuid);
  const { rows } = await sql.query<{ conversation_uuid: string }>(
    'SELECT DISTINCT conversation_uuid FROM call_events WHERE uuid = $1 AND conversation_uuid IS NOT NULL AND conversation_uuid <> $2',
    [legUuid, conversationUuid],
  );
  if (rows.length === 0) return;
  await lockConversation(sql, conversationUuid);
  const strays = rows.map((r) => r.conversation_uuid).sort();
  for (const stray of strays) await lockConversation(sql, stray);
  await sql.query('UPDATE call_events SET conversation_uuid = $2 WHERE uuid = $1 AND conversation_uuid <> $2', [legUuid, conversationUuid]);
  for (const stray of strays) await resummarize(sql, stray, at);
  await resummarize(sql, conversationUuid, at);
}

/** The call log over the `call_events` and `calls` tables. */
export function createCallLogRepository(db: Database): CallLogRepository {
  const withEvents = async (row: CallRow): Promise<CallWithEvents> => ({
    ...toCall(row),
    events: await eventsOf(db, row.conversation_uuid),
    segments: await segmentsOf(db, row.conversation_uuid),
  });

  /**
   * A page of calls, newest first (ties by conversation, descending), and their capped count.
   *
   * `list` names the rows in order: `key` is the table whose `started_at` and
   * `conversation_uuid` order the list (`calls c` itself, or an agent's `agent_calls a`, whose
   * rows carry their call's start), `keyClauses` filter it alone (they make the count
   * index-only) and `callClauses` need the call's row. The cursor continues after a row;
   * `total` counts at most {@link TOTAL_CAP} matches (see {@link Page}): counting a whole
   * history of millions on every page would cost more than the page itself.
   */
  const page = async (
    list: { key: 'c' | 'a'; keyClauses: string[]; callClauses: string[]; params: unknown[] },
    { limit, offset, before }: PageRequest,
  ): Promise<Page<CallRecord>> => {
    const { key, keyClauses, callClauses } = list;
    const params = [...list.params];
    const param = (value: unknown): number => params.push(value);
    const source = key === 'c' ? 'calls c' : 'agent_calls a';
    const joined = key === 'c' ? 'calls c' : 'agent_calls a JOIN calls c ON c.conversation_uuid = a.conversation_uuid';
    const where = (clauses: string[]) => (clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '');
    // Counted without the cursor: the whole list's size, the same on every page. In the list's
    // order, so it walks the list's index alone (index-only) rather than whichever rows come first.
    const countSql = `SELECT count(*) AS n FROM (SELECT 1 FROM ${callClauses.length > 0 ? joined : source} ${where([...keyClauses, ...callClauses])}
      ORDER BY ${key}.started_at DESC, ${key}.conversation_uuid DESC LIMIT $${params.length + 1}) capped`;
    const countParams = [...params, TOTAL_CAP];
    const pageClauses = [...keyClauses, ...callClauses];
    if (before) pageClauses.push(`(${key}.started_at, ${key}.conversation_uuid) < ($${param(before.started_at)}::timestamptz, $${param(before.conversation_uuid)}::text)`);
    // One row more than asked tells whether a next page exists. The rows skipped and the page
    // are found on the index alone; only the page's calls are read.
    const itemsSql = `SELECT c.*, ${CURSOR_AT('c.started_at')} AS cursor_at
      FROM (SELECT ${key}.conversation_uuid AS id, ${key}.started_at AS at FROM ${callClauses.length > 0 ? joined : source} ${where(pageClauses)}
            ORDER BY ${key}.started_at DESC, ${key}.conversation_uuid DESC LIMIT $${param(limit + 1)} OFFSET $${param(offset)}) p
      JOIN calls c ON c.conversation_uuid = p.id
      ORDER BY p.at DESC, p.id DESC`;
    const [items, count] = await Promise.all([db.query<CallRow & { cursor_at: string }>(itemsSql, params), db.query<{ n: number }>(countSql, countParams)]);
    const rows = items.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    const next: PageCursor | null = items.rows.length > limit && last ? { started_at: last.cursor_at, conversation_uuid: last.conversation_uuid } : null;
    return { items: rows.map(({ cursor_at: _cursor, ...row }) => toCall(row)), total: count.rows[0]?.n ?? 0, next };
  };

  return {
    async recordEvent(event: NewCallEvent, summarize = summarizeCall, within?: Sql) {
      // One transaction: the event and the call's row are written together or not at all
      // (the caller's, when given: the event webhook applies routing in the same one).
      const run = <T>(work: (sql: Sql) => Promise<T>): Promise<T> => (within ? work(within) : db.tx(work));
      return run(async (sql) => {
        // A leg's events are filed with its customer's call: a known agent leg's (whatever
        // conversation the platform names) and the caller's leg's once it joined a named one.
        // Statements awaited together go out at once and run in order (see `Sql`).
        let conversationUuid = event.conversation_uuid;
        if (conversationUuid !== null && event.uuid !== null) {
          const [, filed] = await Promise.all([lockLeg(sql, event.uuid), conversationOfLeg(sql, event.uuid)]);
          conversationUuid = filed ?? conversationUuid;
        }
        const insert = (): Promise<{ rows: EventRow[] }> =>
          sql.query<EventRow>(INSERT_EVENT, [
            conversationUuid,
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
        // As stored (times in ISO UTC form), like every record read back later.
        const storedOf = ({ rows }: { rows: EventRow[] }): CallEventRecord => {
          if (!rows[0]) throw new Error('INSERT … RETURNING returned no row');
          return toEvent(rows[0]);
        };
        if (conversationUuid === null) return { event: storedOf(await insert()), call: null };
        // Under the conversation's lock: the event, then the call's row and every event of it (this one too).
        const [, inserted, previousRow, events] = await Promise.all([
          lockConversation(sql, conversationUuid),
          insert(),
          lockedCall(sql, conversationUuid),
          eventsOf(sql, conversationUuid),
        ]);
        const stored = storedOf(inserted);
        // Only a leg's status starts a call record; a lone record or notify event does not invent one.
        if (!previousRow && event.kind !== 'status') return { event: stored, call: null };
        // A throw here (or in the upserts) rolls back the event insert too.
        const call = summarize(previousRow ? toCall(previousRow) : null, events);
        // An event of an agent's leg can add the agent or mark the leg missed (or no longer).
        const agentLeg = event.agent !== null || (event.uuid !== null && events.some((e) => e.uuid === event.uuid && e.agent !== null));
        const segments = callSegments(events);
        // A call with no segments before this event nor after it (only the caller's leg) has none to rewrite.
        const segmentsChange = segments.length > 0 || callSegments(events.filter((e) => e.id !== stored.id)).length > 0;
        leaveToTransaction(
          Promise.all([
            upsertCall(sql, call, event.received_at, agentLeg || agentsMayChange(previousRow, call, events)),
            segmentsChange ? writeSegments(sql, conversationUuid, segments) : null,
          ]),
        );
        return { event: stored, call };
      });
    },

    async updateCallRecord(conversationUuid: string, patch: CallRecordPatch, at = new Date().toISOString(), within?: Sql) {
      // Inside the caller's transaction when given one (the flows record a decision together with it).
      const run = <T>(work: (sql: Sql) => Promise<T>): Promise<T> => (within ? work(within) : db.tx(work));
      return run(async (sql) => {
        // The conversation's lock, then its row and events: sent at once, run in order.
        const [, previousRow, events] = await Promise.all([lockConversation(sql, conversationUuid), lockedCall(sql, conversationUuid), eventsOf(sql, conversationUuid)]);
        const base: CallRecord = previousRow ? toCall(previousRow) : emptyCall(conversationUuid, at);
        const patched: CallRecord = { ...base };
        for (const [key, value] of Object.entries(patch) as Array<[keyof CallRecordPatch, string | null | undefined]>) {
          if (value !== undefined) patched[key] = value;
        }
        const call = events.length > 0 ? summarizeCall(patched, events) : patched;
        leaveToTransaction(upsertCall(sql, call, at, agentsMayChange(previousRow, call, events)));
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

    async findCalls(filter: CallFilter, request) {
      const params: unknown[] = [];
      const param = (value: unknown): number => params.push(value);
      // With an agent, the agent's rows in agent_calls lead (they carry the call's start).
      const key = filter.agent !== undefined ? 'a' : 'c';
      const keyClauses: string[] = [];
      const callClauses: string[] = [];
      if (filter.agent !== undefined) keyClauses.push(`a.agent_key = lower($${param(filter.agent)})`);
      if (filter.from !== undefined) keyClauses.push(`${key}.started_at >= $${param(filter.from)}`);
      if (filter.to !== undefined) keyClauses.push(`${key}.started_at < $${param(filter.to)}`);
      const calls = key === 'c' ? keyClauses : callClauses;
      if (filter.outcome !== undefined) calls.push(`c.outcome = $${param(filter.outcome)}`);
      if (filter.queue !== undefined) calls.push(`lower(c.queue) = lower($${param(filter.queue)})`);
      return page({ key, keyClauses, callClauses, params }, request);
    },

    async callsOfAgent(agent, request) {
      return page({ key: 'a', keyClauses: ['a.agent_key = lower($1)'], callClauses: [], params: [agent] }, request);
    },

    async missedCallsOfAgent(agent, request) {
      return page({ key: 'a', keyClauses: ['a.agent_key = lower($1)', 'a.missed'], callClauses: [], params: [agent] }, request);
    },

    async queueStats(range, serviceLevelS): Promise<QueueStatsRecord[]> {
      // Whole UTC days inside the period come from the daily figures (queue_stats_daily, kept
      // by a trigger on calls); the partial days at its ends from the calls themselves.
      const from = Date.parse(range.from);
      const to = Date.parse(range.to);
      const firstDay = Math.ceil(from / DAY_MS) * DAY_MS;
      const endDay = Math.floor(to / DAY_MS) * DAY_MS;
      const iso = (ms: number) => new Date(ms).toISOString();
      const wholeDays = Number.isFinite(from) && Number.isFinite(to) && firstDay < endDay;
      // [from, to) of calls read one by one: all of it, or the two ends around the whole days.
      const partial: Array<[string, string]> = wholeDays
        ? [[range.from, iso(firstDay)], [iso(endDay), range.to]]
        : [[range.from, range.to]];
      const params: unknown[] = [serviceLevelS];
      const param = (value: unknown): number => params.push(value);
      const parts = partial.map(
        ([f, t]) => `SELECT queue, coalesce(outcome, '') AS outcome,
           CASE WHEN outcome = 'answered' THEN coalesce(wait_s, -1) ELSE -1 END AS wait_key, count(*)::int AS calls
         FROM calls WHERE queue IS NOT NULL AND ended_at IS NOT NULL AND started_at >= $${param(f)} AND started_at < $${param(t)}
         GROUP BY 1, 2, 3`,
      );
      if (wholeDays) {
        parts.push(`SELECT queue, outcome, wait_key, calls FROM queue_stats_daily
          WHERE day >= $${param(iso(firstDay).slice(0, 10))}::date AND day < $${param(iso(endDay).slice(0, 10))}::date`);
      }
      const { rows } = await db.query<QueueStatsRecord>(
        `SELECT queue,
           sum(calls)::int AS offered,
           coalesce(sum(calls) FILTER (WHERE outcome = 'answered'), 0)::int AS answered,
           coalesce(sum(calls) FILTER (WHERE outcome IN ('abandoned', 'missed')), 0)::int AS abandoned,
           coalesce(sum(calls) FILTER (WHERE outcome = 'voicemail'), 0)::int AS voicemail,
           coalesce(sum(calls) FILTER (WHERE outcome = 'overflow'), 0)::int AS overflow,
           coalesce(sum(calls) FILTER (WHERE outcome = 'timeout'), 0)::int AS timeout,
           (sum(calls::numeric * wait_key) FILTER (WHERE outcome = 'answered' AND wait_key >= 0)
             / nullif(sum(calls) FILTER (WHERE outcome = 'answered' AND wait_key >= 0), 0))::float8 AS average_wait_s,
           coalesce(sum(calls) FILTER (WHERE outcome = 'answered' AND wait_key >= 0 AND wait_key <= $1), 0)::int AS answered_within_threshold
         FROM (${parts.join('\n UNION ALL ')}) figures
         GROUP BY queue HAVING sum(calls) > 0 ORDER BY queue COLLATE "C"`,
        params,
      );
      return rows;
    },

    async segmentsOfAgent(agent, range): Promise<AgentSegmentRecord[]> {
      const { rows } = await db.query<AgentSegmentRecord>(
        `SELECT s.conversation_uuid, ${SEGMENT_COLUMNS.split(', ').map((c) => `s.${c}`).join(', ')}, c.queue, c.outcome
         FROM call_segments s JOIN calls c ON c.conversation_uuid = s.conversation_uuid
         WHERE lower(s.agent) = lower($1) AND s.offered_at >= $2 AND s.offered_at < $3
         ORDER BY s.offered_at, s.leg_uuid`,
        [agent, range.from, range.to],
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
