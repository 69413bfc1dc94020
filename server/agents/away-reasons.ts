/**
 * Away reasons: the list an agent picks from when going away (Break, Lunch, …), kept in the
 * database (`away_reasons`, in order) so every instance and every restart sees the same list.
 *
 * Admins read and replace it (`GET|PUT /api/admin/away-reasons`); agents read it
 * (`GET /api/agent/away-reasons`) and name one with `PUT /api/agent/status {status: 'away', reason}`.
 * The reason is stored with the agent's presence and shown in their status line.
 *
 * One reason is built in: `system` (SYSTEM_AWAY_REASON), which the desktop app gives while the
 * PC sleeps or is locked. It is always accepted with away, never on the configured list (so the
 * agent's menu does not offer it), and the admin cannot save a label that names it.
 */
import type { FastifyInstance } from 'fastify';
import { awayReasonsRequest, isSystemAwayReason, SYSTEM_AWAY_REASON, type AwayReasons } from '../../common/backend-api';
import { requireAdmin } from '../admin/guard';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import type { Database } from '../db/database';
import { HttpError, parseWith } from '../http/errors';

/**
 * The configured reasons, in order. A row naming the built-in reason (saved before it was built
 * in) is left out: the agent does not pick it, and the next save drops it.
 */
export async function listAwayReasons(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ label: string }>('SELECT label FROM away_reasons ORDER BY position');
  return rows.map((r) => r.label).filter((label) => !isSystemAwayReason(label));
}

/** Replace the list (in one transaction: readers see the old list or the new one). */
export async function replaceAwayReasons(db: Database, reasons: readonly string[]): Promise<void> {
  await db.tx(async (sql) => {
    await sql.query('DELETE FROM away_reasons');
    if (reasons.length > 0) {
      await sql.query('INSERT INTO away_reasons (position, label) SELECT i, label FROM unnest($1::text[]) WITH ORDINALITY AS r(label, i)', [reasons]);
    }
  });
}

/**
 * The configured reason `given` names (any case), as configured, or the built-in `system`; a
 * 400 naming `reason` for one that is neither. No reason is fine (plain away).
 */
export async function checkAwayReason(db: Database, given: string | undefined): Promise<string | null> {
  if (given === undefined) return null;
  if (isSystemAwayReason(given)) return SYSTEM_AWAY_REASON;
  const { rows } = await db.query<{ label: string }>('SELECT label FROM away_reasons WHERE lower(label) = lower($1)', [given]);
  const label = rows[0]?.label;
  if (label === undefined) throw new HttpError(400, 'invalid_request', `reason must be one of the configured away reasons or ${SYSTEM_AWAY_REASON}`, { field: 'reason' });
  return label;
}

/** Register `GET /api/agent/away-reasons` and `GET|PUT /api/admin/away-reasons`. */
export function registerAwayReasonRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/agent/away-reasons', async (request): Promise<AwayReasons> => {
    await authenticateAgent(ctx, request);
    return { reasons: await listAwayReasons(ctx.db) };
  });

  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));
    scope.get('/api/admin/away-reasons', async (): Promise<AwayReasons> => ({ reasons: await listAwayReasons(ctx.db) }));
    scope.put('/api/admin/away-reasons', async (request): Promise<AwayReasons> => {
      const { reasons } = parseWith(awayReasonsRequest, request.body);
      await replaceAwayReasons(ctx.db, reasons);
      request.log.info({ count: reasons.length }, 'away reasons replaced');
      return { reasons: await listAwayReasons(ctx.db) };
    });
  });
}
