/**
 * An agent's day for the console: the calls offered to them with talk, hold, wrap-up and
 * handle time (the call model's segments, `withHandleTime`), and the time they spent in
 * each status (`agent_status_log`, kept by a trigger on presence).
 */
import { z } from 'zod';
import type { AgentDayView } from '../../common/console-api';
import { withHandleTime, type AgentHistorySegment } from '../admin/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';

/** Query: `date` (YYYY-MM-DD, UTC; today by default). */
export const agentDayQuery = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-03-02')
    .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'must be a real date')
    .optional(),
});

/** Seconds per status between `from` and `to`, from the status changes (the first one at or before `from`). */
export function timeInStatus(changes: ReadonlyArray<{ status: string; since: string }>, fromMs: number, toMs: number): Record<string, number> {
  const totals: Record<string, number> = {};
  changes.forEach((change, i) => {
    const start = Math.max(fromMs, Date.parse(change.since));
    const next = changes[i + 1];
    const end = Math.min(toMs, next ? Date.parse(next.since) : toMs);
    if (end > start) totals[change.status] = (totals[change.status] ?? 0) + Math.round((end - start) / 1000);
  });
  return totals;
}

/** Build an agent's day. */
export async function agentDay(ctx: Pick<AppContext, 'storage' | 'db' | 'now' | 'config'>, name: string, query: unknown): Promise<AgentDayView> {
  const q = parseWith(agentDayQuery, query, 'query');
  const agent = await ctx.storage.agents.findByName(name);
  if (!agent) throw new HttpError(404, 'unknown_agent', 'name does not name an agent', { field: 'name' });
  const now = ctx.now();
  const date = q.date ?? now.toISOString().slice(0, 10);
  const fromMs = Date.parse(`${date}T00:00:00Z`);
  const toMs = Math.min(fromMs + 24 * 3600 * 1000, now.getTime());
  const from = new Date(fromMs).toISOString();
  const to = new Date(Math.max(toMs, fromMs + 1)).toISOString();
  const segments = withHandleTime(await ctx.storage.calls.segmentsOfAgent(agent.name, { from, to }), ctx.config.wrapUpS);
  const { rows } = await ctx.db.query<{ status: string; since: string }>(
    `(SELECT status, since, id FROM agent_status_log WHERE agent_id = $1 AND since <= $2 ORDER BY since DESC, id DESC LIMIT 1)
     UNION ALL
     (SELECT status, since, id FROM agent_status_log WHERE agent_id = $1 AND since > $2 AND since < $3)
     ORDER BY since, id`,
    [agent.id, from, to],
  );
  const sum = (pick: (s: AgentHistorySegment) => number) => segments.reduce((total, s) => total + pick(s), 0);
  return {
    agent: agent.name,
    display_name: agent.display_name,
    date,
    from,
    to,
    calls: segments,
    totals: {
      offered: segments.length,
      answered: segments.filter((s) => s.answered_at !== null).length,
      talk_s: sum((s) => s.talk_s ?? 0),
      hold_s: sum((s) => s.hold_s),
      wrap_up_s: sum((s) => s.wrap_up_s),
      handle_s: sum((s) => s.handle_s),
    },
    time_in_status: toMs > fromMs ? timeInStatus(rows, fromMs, toMs) : {},
  };
}
