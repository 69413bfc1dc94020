/**
 * Call quality with the call's record: the agent app sends the summary of each of its legs'
 * WebRTC statistics at hang-up (estimated MOS, loss, jitter, round trip;
 * `common/call-quality.ts`), and the admin API reads them per call.
 *
 * `PUT /api/agent/calls/:legUuid/quality` is the agent's own: the leg must be one of theirs in
 * the call log (404 otherwise), and a repeated report replaces the first (the app may retry).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { callQualitySummarySchema, type CallQualitySummary } from '../../common/call-quality';
import { requireAdmin } from '../admin/guard';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';

const legParams = z.object({ legUuid: z.string().trim().min(1, 'must not be empty').max(128, 'is at most 128 characters') });
const callParams = z.object({ uuid: z.string().trim().min(1, 'must not be empty').max(128, 'is at most 128 characters') });

/** One leg's stored quality, as the admin API shows it. */
export type LegQuality = CallQualitySummary & { leg_uuid: string; agent: string; reported_at: string };

const COLUMNS = 'mos_avg, mos_min, loss_pct, jitter_avg_ms, jitter_max_ms, rtt_avg_ms, label, samples, packets_received, packets_lost';

/** Register the agent's quality report and the admin's read of a call's. */
export function registerCallQualityRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.put('/api/agent/calls/:legUuid/quality', async (request, reply) => {
    const { agent } = await authenticateAgent(ctx, request);
    const { legUuid } = parseWith(legParams, request.params, 'query');
    const summary = parseWith(callQualitySummarySchema, request.body);
    if (summary.mos_min > summary.mos_avg) throw new HttpError(400, 'invalid_request', 'mos_min must not exceed mos_avg', { field: 'mos_min' });
    if (summary.jitter_avg_ms > summary.jitter_max_ms) throw new HttpError(400, 'invalid_request', 'jitter_avg_ms must not exceed jitter_max_ms', { field: 'jitter_avg_ms' });
    const leg = await ctx.db.query<{ conversation_uuid: string | null }>(
      `SELECT conversation_uuid FROM call_events WHERE uuid = $1 AND lower(agent) = lower($2) ORDER BY id LIMIT 1`,
      [legUuid, agent.name],
    );
    const row = leg.rows[0];
    if (!row) throw new HttpError(404, 'call_not_found', 'No call of yours has this leg', { field: 'legUuid' });
    const values = [
      summary.mos_avg,
      summary.mos_min,
      summary.loss_pct,
      summary.jitter_avg_ms,
      summary.jitter_max_ms,
      summary.rtt_avg_ms,
      summary.label,
      summary.samples,
      summary.packets_received,
      summary.packets_lost,
    ];
    await ctx.db.query(
      `INSERT INTO call_quality (leg_uuid, conversation_uuid, agent_key, reported_at, ${COLUMNS})
       VALUES ($1, $2, lower($3), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (leg_uuid) DO UPDATE SET
         conversation_uuid = EXCLUDED.conversation_uuid, reported_at = EXCLUDED.reported_at,
         mos_avg = EXCLUDED.mos_avg, mos_min = EXCLUDED.mos_min, loss_pct = EXCLUDED.loss_pct,
         jitter_avg_ms = EXCLUDED.jitter_avg_ms, jitter_max_ms = EXCLUDED.jitter_max_ms, rtt_avg_ms = EXCLUDED.rtt_avg_ms,
         label = EXCLUDED.label, samples = EXCLUDED.samples, packets_received = EXCLUDED.packets_received, packets_lost = EXCLUDED.packets_lost
       WHERE call_quality.agent_key = lower($3)`,
      [legUuid, row.conversation_uuid, agent.name, ctx.now().toISOString(), ...values],
    );
    return reply.code(204).send();
  });

  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));
    scope.get('/api/admin/calls/:uuid/quality', async (request): Promise<{ legs: LegQuality[] }> => {
      const { uuid } = parseWith(callParams, request.params, 'query');
      const result = await ctx.db.query<LegQuality>(
        `SELECT leg_uuid, agent_key AS agent, reported_at, ${COLUMNS} FROM call_quality WHERE conversation_uuid = $1 ORDER BY reported_at, leg_uuid`,
        [uuid],
      );
      return { legs: result.rows };
    });
  });
}
