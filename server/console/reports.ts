/**
 * The console's reports (`GET /api/console/reports/:name`), each one SQL aggregate in the
 * database over a period (`from`, `to`; the last 7 UTC days by default), as JSON or, with
 * `?format=csv`, as CSV (csv-stringify):
 *
 * - `calls-per-hour`: calls started per hour, answered and abandoned among them;
 * - `queues-daily`: per queue per UTC day, offered, answered, abandoned, service level
 *   (answered within `service_level_s` of the offered) and abandon rate, from the daily
 *   figures a trigger keeps (`queue_stats_daily`);
 * - `handle-time`: per UTC day, average wait of answered calls and average talk, hold and
 *   handle time of answered agent legs (handle = talk + hold + the configured wrap-up);
 * - `agent-occupancy`: per agent, seconds available, busy, in wrap-up and away over the
 *   period (`agent_status_log`), and occupancy = (busy + wrap-up) / (available + busy + wrap-up).
 */
import { stringify } from 'csv-stringify';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ConsoleReport } from '../../common/console-api';
import { requireAdmin } from '../admin/guard';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { intParam, timeParam } from '../http/query';
import { MONITOR_FLOW } from '../storage/types';

export const REPORTS = ['calls-per-hour', 'queues-daily', 'handle-time', 'agent-occupancy'] as const;
export type ReportName = (typeof REPORTS)[number];

export const reportQuery = z
  .object({
    from: timeParam.optional(),
    to: timeParam.optional(),
    service_level_s: intParam(1, 3600, 20),
    format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).default('json'),
  })
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  });

const reportParams = z.object({ name: z.enum(REPORTS, { message: `must be one of ${REPORTS.join(', ')}` }) });

const DAY_MS = 86_400_000;

/** Each report: its columns, its SQL ($1 from, $2 to) and its further parameters ($3: service level or wrap-up seconds). */
const SQL: Record<ReportName, { columns: string[]; sql: string; extra?: (o: { serviceLevelS: number; wrapUpS: number }) => unknown[] }> = {
  'calls-per-hour': {
    columns: ['hour', 'calls', 'answered', 'abandoned'],
    sql: `SELECT to_char(date_trunc('hour', started_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24":00:00Z"') AS hour,
            count(*)::int AS calls,
            count(*) FILTER (WHERE outcome = 'answered')::int AS answered,
            count(*) FILTER (WHERE outcome IN ('abandoned', 'missed'))::int AS abandoned
          FROM calls WHERE started_at >= $1 AND started_at < $2 AND flow IS DISTINCT FROM '${MONITOR_FLOW}'
          GROUP BY 1 ORDER BY 1`,
  },
  'queues-daily': {
    columns: ['day', 'queue', 'offered', 'answered', 'abandoned', 'service_level', 'abandon_rate', 'average_wait_s'],
    sql: `SELECT to_char(day, 'YYYY-MM-DD') AS day, queue,
            sum(calls)::int AS offered,
            coalesce(sum(calls) FILTER (WHERE outcome = 'answered'), 0)::int AS answered,
            coalesce(sum(calls) FILTER (WHERE outcome IN ('abandoned', 'missed')), 0)::int AS abandoned,
            round(coalesce(sum(calls) FILTER (WHERE outcome = 'answered' AND wait_key BETWEEN 0 AND $3), 0)::numeric / sum(calls), 3)::float8 AS service_level,
            round(coalesce(sum(calls) FILTER (WHERE outcome IN ('abandoned', 'missed')), 0)::numeric / sum(calls), 3)::float8 AS abandon_rate,
            round(sum(calls::numeric * wait_key) FILTER (WHERE outcome = 'answered' AND wait_key >= 0)
              / nullif(sum(calls) FILTER (WHERE outcome = 'answered' AND wait_key >= 0), 0), 1)::float8 AS average_wait_s
          FROM queue_stats_daily
          WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date AND day < (($2::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date + 1
          GROUP BY day, queue HAVING sum(calls) > 0 ORDER BY day, queue COLLATE "C"`,
    extra: (o) => [o.serviceLevelS],
  },
  'handle-time': {
    columns: ['day', 'answered_calls', 'average_wait_s', 'answered_legs', 'average_talk_s', 'average_hold_s', 'average_handle_s'],
    sql: `WITH days AS (
            SELECT (started_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS answered_calls, round(avg(wait_s), 1)::float8 AS average_wait_s
              FROM calls WHERE started_at >= $1 AND started_at < $2 AND outcome = 'answered' AND flow IS DISTINCT FROM '${MONITOR_FLOW}' GROUP BY 1
          ), legs AS (
            SELECT (s.offered_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS answered_legs,
                   round(avg(coalesce(s.talk_s, 0)), 1)::float8 AS average_talk_s, round(avg(s.hold_s), 1)::float8 AS average_hold_s,
                   round(avg(coalesce(s.talk_s, 0) + s.hold_s + $3::int), 1)::float8 AS average_handle_s
              FROM call_segments s WHERE s.offered_at >= $1 AND s.offered_at < $2 AND s.answered_at IS NOT NULL AND s.agent IS NOT NULL
             GROUP BY 1
          )
          SELECT to_char(coalesce(d.day, l.day), 'YYYY-MM-DD') AS day, coalesce(d.answered_calls, 0) AS answered_calls, d.average_wait_s,
                 coalesce(l.answered_legs, 0) AS answered_legs, l.average_talk_s, l.average_hold_s, l.average_handle_s
            FROM days d FULL JOIN legs l ON l.day = d.day ORDER BY 1`,
    extra: (o) => [o.wrapUpS],
  },
  'agent-occupancy': {
    columns: ['agent', 'available_s', 'busy_s', 'wrap_up_s', 'away_s', 'occupancy'],
    sql: `WITH changes AS (
            -- Each agent's status at the period's start, then every change inside it.
            SELECT agent_id, status, since FROM (
              SELECT DISTINCT ON (agent_id) agent_id, status, since FROM agent_status_log WHERE since <= $1 ORDER BY agent_id, since DESC, id DESC
            ) first
            UNION ALL
            SELECT agent_id, status, since FROM agent_status_log WHERE since > $1 AND since < $2
          ), spans AS (
            SELECT agent_id, status,
                   extract(epoch FROM least(coalesce(lead(since) OVER (PARTITION BY agent_id ORDER BY since), $2::timestamptz), $2::timestamptz)
                                     - greatest(since, $1::timestamptz)) AS s
              FROM changes
          ), totals AS (
            SELECT agent_id,
                   coalesce(sum(s) FILTER (WHERE status = 'available'), 0) AS available,
                   coalesce(sum(s) FILTER (WHERE status = 'busy'), 0) AS busy,
                   coalesce(sum(s) FILTER (WHERE status = 'wrap-up'), 0) AS wrap_up,
                   coalesce(sum(s) FILTER (WHERE status = 'away'), 0) AS away
              FROM spans WHERE s > 0 GROUP BY agent_id
          )
          SELECT a.name AS agent, round(t.available)::int AS available_s, round(t.busy)::int AS busy_s, round(t.wrap_up)::int AS wrap_up_s,
                 round(t.away)::int AS away_s,
                 round(((t.busy + t.wrap_up) / nullif(t.available + t.busy + t.wrap_up, 0))::numeric, 3)::float8 AS occupancy
            FROM totals t JOIN agents a ON a.id = t.agent_id ORDER BY lower(a.name)`,
  },
};

/** Run a report over [from, to). */
export async function runReport(
  ctx: Pick<AppContext, 'db' | 'config'>,
  name: ReportName,
  period: { from: string; to: string },
  serviceLevelS: number,
): Promise<ConsoleReport> {
  const { columns, sql, extra } = SQL[name];
  const params = [period.from, period.to, ...(extra?.({ serviceLevelS, wrapUpS: ctx.config.wrapUpS }) ?? [])];
  const { rows } = await ctx.db.query<Record<string, string | number | null>>(sql, params);
  return { report: name, from: period.from, to: period.to, columns, rows };
}

/** Register `GET /api/console/reports/:name` (supervisors and admins read). */
export function registerConsoleReports(app: FastifyInstance, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));
    scope.get('/api/console/reports/:name', async (request, reply) => {
      const { name } = parseWith(reportParams, request.params, 'query');
      const q = parseWith(reportQuery, request.query, 'query');
      const to = q.to ?? new Date(Math.ceil(ctx.now().getTime() / DAY_MS) * DAY_MS).toISOString();
      const from = q.from ?? new Date(Date.parse(to) - 7 * DAY_MS).toISOString();
      if (from >= to) throw new HttpError(400, 'invalid_request', 'from must be before to', { field: 'from' });
      const report = await runReport(ctx, name, { from, to }, q.service_level_s);
      if (q.format === 'json') return report;
      void reply.header('content-type', 'text/csv; charset=utf-8');
      void reply.header('content-disposition', `attachment; filename="${name}-${from.slice(0, 10)}-${to.slice(0, 10)}.csv"`);
      void reply.header('cache-control', 'no-store');
      return reply.send(stringify(report.rows, { header: true, columns: report.columns }));
    });
  });
}
