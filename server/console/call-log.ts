/**
 * The console's call log (`/api/console/calls`): every call, filtered by time range, number,
 * agent, queue, outcome and disposition, newest first with keyset paging; each call's
 * timeline (events, legs, holds, transfers, quality, wrap-ups, voicemails); the filtered set
 * as CSV, streamed from a PostgreSQL cursor (pg-query-stream) through csv-stringify, so an
 * export of millions of calls never sits in memory.
 *
 * Paging is by key, never OFFSET: a page continues after the previous page's last call
 * (its start to the microsecond, then its conversation), so calls arriving meanwhile neither
 * repeat nor skip a row, and a deep page costs what the first does. Every filter has an
 * index in the list's order (migrations 5 and 11).
 */
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { z } from 'zod';
import { CALL_OUTCOMES, agentName, type CallLogRecord, type CallSegment } from '../../common/backend-api';
import type { ConsoleCallDetail, ConsoleCallPage, ConsoleCallRow, ConsoleTimelineEntry } from '../../common/console-api';
import { requireAdmin } from '../admin/guard';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { cursorParam, encodeCursor, intParam, timeParam, type Cursor } from '../http/query';
import { MONITOR_FLOW } from '../storage/types';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `is at most ${max} characters`);

/** The call log's filters, shared by the page and the CSV export. */
const filterFields = z.object({
    from: timeParam.optional(),
    to: timeParam.optional(),
    /** A phone number (or user) on either end of the call: the caller or the number dialled. */
    number: z
      .string()
      .trim()
      .regex(/^\+?[0-9A-Za-z._@-]{1,64}$/, 'must be a phone number or user name')
      .transform((v) => v.replace(/^\+/, ''))
      .optional(),
    agent: agentName.optional(),
    queue: text(64).optional(),
    outcome: z.enum(CALL_OUTCOMES, { message: `must be one of ${CALL_OUTCOMES.join(', ')}` }).optional(),
    /** A disposition's code, as an agent chose it after the call. */
    disposition: text(64).optional(),
});
const fromBeforeTo = (q: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx) => {
  if (q.from !== undefined && q.to !== undefined && q.from >= q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
};
export const callLogFilter = filterFields.superRefine(fromBeforeTo);
export type CallLogFilter = z.output<typeof callLogFilter>;

/** Query of `GET /api/console/calls`. */
export const callLogQuery = filterFields.extend({ limit: intParam(1, 200, 50), cursor: cursorParam.optional() }).superRefine(fromBeforeTo);

/** A call log row as selected (see ROW_COLUMNS). */
const ROW_COLUMNS = `c.conversation_uuid, c.started_at, c.answered_at, c.ended_at, c.direction, c.from_addr AS "from", c.to_addr AS "to",
  c.agent, c.queue, c.outcome, c.wait_s, c.talk_s, c.duration_s,
  (SELECT string_agg(coalesce(w.disposition_label, w.disposition), ', ' ORDER BY w.agent_key) FROM call_wrapups w
    WHERE w.conversation_uuid = c.conversation_uuid AND w.disposition IS NOT NULL) AS disposition`;

const CURSOR_AT = `to_char(c.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The filters as SQL over `calls c` (joined with the agent's `agent_calls a` when an agent is
 * asked for, so the agent's own index leads). `branches` are alternatives (the number as the
 * caller, or as the number dialled), each an index range of its own; a page merges them.
 */
export function filterSql(filter: CallLogFilter, params: unknown[]): { source: string; branches: string[][] } {
  const param = (value: unknown): string => `$${params.push(value)}`;
  // A supervisor's monitoring leg is not a call (its steps are on the monitored call's timeline).
  const clauses: string[] = [`c.flow IS DISTINCT FROM ${param(MONITOR_FLOW)}`];
  const source = filter.agent !== undefined ? 'agent_calls a JOIN calls c ON c.conversation_uuid = a.conversation_uuid' : 'calls c';
  if (filter.agent !== undefined) clauses.push(`a.agent_key = lower(${param(filter.agent)})`);
  if (filter.from !== undefined) clauses.push(`c.started_at >= ${param(filter.from)}`);
  if (filter.to !== undefined) clauses.push(`c.started_at < ${param(filter.to)}`);
  if (filter.queue !== undefined) clauses.push(`lower(c.queue) = lower(${param(filter.queue)})`);
  if (filter.outcome !== undefined) clauses.push(`c.outcome = ${param(filter.outcome)}`);
  if (filter.disposition !== undefined) {
    clauses.push(`EXISTS (SELECT 1 FROM call_wrapups w WHERE w.conversation_uuid = c.conversation_uuid AND w.disposition = ${param(filter.disposition)})`);
  }
  if (filter.number === undefined) return { source, branches: [clauses] };
  const n = param(filter.number);
  return { source, branches: [[...clauses, `c.from_addr = ${n}`], [...clauses, `c.to_addr = ${n}`, `c.from_addr IS DISTINCT FROM ${n}`]] };
}

const where = (clauses: string[]) => (clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '');

/** A page of the call log, newest first, after `cursor`. */
export async function callLogPage(ctx: Pick<AppContext, 'db'>, filter: CallLogFilter, limit: number, cursor?: Cursor): Promise<ConsoleCallPage> {
  const params: unknown[] = [];
  const { source, branches } = filterSql(filter, params);
  const keyset: string[] = [];
  if (cursor) keyset.push(`(c.started_at, c.conversation_uuid) < ($${params.push(cursor.started_at)}::timestamptz, $${params.push(cursor.conversation_uuid)}::text)`);
  const take = `$${params.push(limit + 1)}`;
  // Each branch walks its index in the list's order and stops at limit + 1; one more row than
  // asked tells whether there is a next page.
  const ids = branches
    .map((clauses) => `(SELECT c.conversation_uuid AS id, c.started_at AS at FROM ${source} ${where([...clauses, ...keyset])}
      ORDER BY c.started_at DESC, c.conversation_uuid DESC LIMIT ${take})`)
    .join(' UNION ALL ');
  const { rows } = await ctx.db.query<ConsoleCallRow & { cursor_at: string }>(
    `SELECT ${ROW_COLUMNS}, ${CURSOR_AT} AS cursor_at
       FROM (SELECT id, at FROM (${ids}) merged ORDER BY at DESC, id DESC LIMIT ${take}) p
       JOIN calls c ON c.conversation_uuid = p.id
      ORDER BY p.at DESC, p.id DESC`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    calls: page.map(({ cursor_at: _cursor, ...row }) => row),
    next_cursor: rows.length > limit && last ? encodeCursor({ started_at: last.cursor_at, conversation_uuid: last.conversation_uuid }) : null,
  };
}

/** The CSV's columns, in order: the header names and the row fields they come from. */
export const CSV_COLUMNS = [
  'conversation_uuid',
  'started_at',
  'answered_at',
  'ended_at',
  'direction',
  'from',
  'to',
  'agent',
  'queue',
  'outcome',
  'wait_s',
  'talk_s',
  'duration_s',
  'disposition',
  'notes',
] as const;

/** Stream the filtered call log as CSV (header, then one line per call, newest first) into `reply`. */
export async function streamCallLogCsv(ctx: Pick<AppContext, 'db'>, filter: CallLogFilter, reply: FastifyReply): Promise<void> {
  const params: unknown[] = [];
  const { source, branches } = filterSql(filter, params);
  const clauses = branches.length === 1 ? (branches[0] ?? []) : [`(${branches.map((b) => `(${b.join(' AND ')})`).join(' OR ')})`];
  // Rows as arrays of text, times formatted by PostgreSQL, and the wrap-ups aggregated once and
  // joined: per row, the driver parses nothing and the database probes nothing (about twice
  // as fast as the page's row shape over a million calls).
  const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const sql = `SELECT c.conversation_uuid, ${iso('c.started_at')}, ${iso('c.answered_at')}, ${iso('c.ended_at')}, c.direction, c.from_addr, c.to_addr,
      c.agent, c.queue, c.outcome, c.wait_s, c.talk_s, c.duration_s, w.disposition, w.notes
    FROM ${source}
    LEFT JOIN (SELECT conversation_uuid,
                      string_agg(coalesce(disposition_label, disposition), ', ' ORDER BY agent_key) FILTER (WHERE disposition IS NOT NULL) AS disposition,
                      string_agg(agent || ': ' || notes, ' | ' ORDER BY agent_key) FILTER (WHERE notes <> '') AS notes
                 FROM call_wrapups GROUP BY conversation_uuid) w ON w.conversation_uuid = c.conversation_uuid
    ${where(clauses)} ORDER BY c.started_at DESC, c.conversation_uuid DESC`;
  // A connection of its own, outside the pool: the pool's clients pipeline, which a cursor
  // (a portal kept open across round trips) cannot share, and a long export holds no pool slot.
  const client = new pg.Client({ ...(ctx.db.pool.options as pg.ClientConfig), pipeline: false } as pg.ClientConfig);
  client.on('error', () => undefined);
  try {
    await client.connect();
    const rows = client.query(new QueryStream(sql, params, { batchSize: 1000, rowMode: 'array' }));
    const csv = stringify({ header: true, columns: [...CSV_COLUMNS] });
    const date = new Date().toISOString().slice(0, 10);
    reply.hijack();
    reply.raw.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="calls-${date}.csv"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    });
    await pipeline(rows, csv, reply.raw);
  } catch (error) {
    // Before the header: an error answer. After it (the client went away, the query failed): the response is cut short.
    if (!reply.raw.headersSent) throw error;
    reply.raw.destroy();
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface EventRow {
  uuid: string | null;
  kind: string;
  status: string | null;
  agent: string | null;
  timestamp: string;
  raw: string;
}

/** What a stored event says, in words. */
function eventText(e: EventRow): string {
  let payload: Record<string, unknown> = {};
  try {
    payload = JSON.parse(e.raw) as Record<string, unknown>;
  } catch {
    // Kept as written; an unreadable payload still has its kind and status.
  }
  const words = e.kind === 'status' ? [e.status ?? 'event'] : [e.kind, e.status].filter((w): w is string => !!w);
  if (e.kind === 'transfer' && typeof payload.conversation_uuid_to === 'string') words.push(`to ${payload.conversation_uuid_to}`);
  if (e.kind === 'control' && typeof payload.target === 'string') words.push(`to ${payload.target}`);
  return words.join(' ');
}

/** A call with everything that happened in it, in time order. */
export async function callDetail(ctx: Pick<AppContext, 'db'>, uuid: string): Promise<ConsoleCallDetail> {
  const [call, events, legs, quality, wrapups, voicemails] = await Promise.all([
    ctx.db.query<CallLogRecord>(
      `SELECT conversation_uuid, direction, from_addr AS "from", to_addr AS "to", agent, status, started_at, answered_at, ended_at, duration_s,
              flow, queue, topic, queued_at, wait_s, talk_s, outcome, flow_outcome, recording_url, voicemail_url
         FROM calls WHERE conversation_uuid = $1`,
      [uuid],
    ),
    ctx.db.query<EventRow>('SELECT uuid, kind, status, agent, timestamp, raw FROM call_events WHERE conversation_uuid = $1 ORDER BY timestamp, id', [uuid]),
    ctx.db.query<CallSegment>(
      'SELECT leg_uuid, agent, party, offered_at, answered_at, ended_at, end_status, talk_s, hold_s FROM call_segments WHERE conversation_uuid = $1 ORDER BY offered_at, leg_uuid',
      [uuid],
    ),
    ctx.db.query<ConsoleCallDetail['quality'][number] & { reported_at: string }>(
      `SELECT leg_uuid, agent_key AS agent, mos_avg, mos_min, loss_pct, jitter_avg_ms, rtt_avg_ms, label, reported_at
         FROM call_quality WHERE conversation_uuid = $1 ORDER BY reported_at`,
      [uuid],
    ),
    ctx.db.query<ConsoleCallDetail['wrapups'][number]>(
      'SELECT agent, coalesce(disposition_label, disposition) AS disposition, notes, updated_at FROM call_wrapups WHERE conversation_uuid = $1 ORDER BY updated_at',
      [uuid],
    ),
    ctx.db.query<{ id: string; duration_s: number | null; created_at: string }>('SELECT id, duration_s, created_at FROM voicemails WHERE conversation_uuid = $1 ORDER BY created_at', [uuid]),
  ]);
  const row = call.rows[0];
  if (!row) throw new HttpError(404, 'unknown_call', 'uuid does not name a call', { field: 'uuid' });
  const timeline: ConsoleTimelineEntry[] = [
    ...events.rows.map((e): ConsoleTimelineEntry => ({ at: e.timestamp, kind: 'event', text: eventText(e), leg: e.uuid, agent: e.agent })),
    ...legs.rows.flatMap((l): ConsoleTimelineEntry[] => {
      const who = l.agent ? `agent ${l.agent}` : `party ${l.party ?? 'unknown'}`;
      const out: ConsoleTimelineEntry[] = [{ at: l.offered_at, kind: 'leg', text: `${who} offered`, leg: l.leg_uuid, agent: l.agent }];
      if (l.answered_at) out.push({ at: l.answered_at, kind: 'leg', text: `${who} answered`, leg: l.leg_uuid, agent: l.agent });
      if (l.ended_at) {
        const figures = [l.talk_s !== null ? `talk ${l.talk_s} s` : null, l.hold_s > 0 ? `hold ${l.hold_s} s` : null].filter(Boolean).join(', ');
        out.push({ at: l.ended_at, kind: 'leg', text: `${who} leg ended (${l.end_status ?? 'ended'})${figures ? `: ${figures}` : ''}`, leg: l.leg_uuid, agent: l.agent });
      }
      return out;
    }),
    ...quality.rows.map(
      (q): ConsoleTimelineEntry => ({
        at: q.reported_at,
        kind: 'quality',
        text: `quality ${q.label}: MOS ${q.mos_avg.toFixed(2)} (min ${q.mos_min.toFixed(2)}), loss ${q.loss_pct.toFixed(1)} %, jitter ${q.jitter_avg_ms.toFixed(0)} ms`,
        leg: q.leg_uuid,
        agent: q.agent,
      }),
    ),
    ...wrapups.rows.map((w): ConsoleTimelineEntry => ({ at: w.updated_at, kind: 'wrap-up', text: `wrap-up: ${w.disposition ?? 'no disposition'}`, leg: null, agent: w.agent })),
    ...voicemails.rows.map((v): ConsoleTimelineEntry => ({ at: v.created_at, kind: 'voicemail', text: `voicemail left (${v.duration_s ?? '?'} s)`, leg: null, agent: null })),
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return {
    call: row,
    legs: legs.rows,
    quality: quality.rows.map(({ reported_at: _at, ...q }) => q),
    wrapups: wrapups.rows,
    voicemails: voicemails.rows.map((v) => ({ id: v.id, duration_s: v.duration_s, audio_url: `/api/admin/voicemails/${v.id}/audio` })),
    recording_audio_url: row.recording_url ? `/api/console/calls/${encodeURIComponent(uuid)}/recording` : null,
    timeline,
  };
}

const callParams = z.object({ uuid: z.string().min(1, 'is required').max(128, 'is at most 128 characters') });

/** Register `GET /api/console/calls`, `…/calls.csv` and `…/calls/:uuid` (supervisors and admins read). */
export function registerConsoleCallLog(app: FastifyInstance, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));

    scope.get('/api/console/calls', async (request): Promise<ConsoleCallPage> => {
      const { limit, cursor, ...filter } = parseWith(callLogQuery, request.query, 'query');
      return callLogPage(ctx, filter, limit, cursor);
    });

    scope.get('/api/console/calls.csv', async (request, reply) => {
      const filter = parseWith(callLogFilter, request.query, 'query');
      request.log.info({ filter }, 'call log exported');
      await streamCallLogCsv(ctx, filter, reply);
    });

    scope.get('/api/console/calls/:uuid', async (request): Promise<ConsoleCallDetail> => {
      const { uuid } = parseWith(callParams, request.params);
      return callDetail(ctx, uuid);
    });
  });
}
