/**
 * Away reasons: the list an agent picks from when going away (Break, Lunch, …), kept in the
 * database (`away_reasons`, in order) so every instance and every restart sees the same list.
 *
 * Admins read and replace it (`GET|PUT /api/admin/away-reasons`); agents read it
 * (`GET /api/agent/away-reasons`) and name one with `PUT /api/agent/status {status: 'away', reason}`.
 * The reason is stored with the agent's presence and shown in their status line.
 */
import type { FastifyInstance } from 'fastify';
import { awayReasonsRequest, type AwayReasons } from '../../common/backend-api';
import { requireAdmin } from '../admin/guard';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import type { Database } from '../db/database';
import { HttpError, parseWith } from '../http/errors';

/** The configured reasons, in order. */
export async function listAwayReasons(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ label: string }>('SELECT label FROM away_reasons ORDER BY position');
  return rows.map((r) => r.label);
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
 * The configured reason `given` names (any case), as configured; a 400 naming `reason` for
 * one that is not on the list. No reason is fine (plain away).
 */
export async function checkAwayReason(db: Database, given: string | undefined): Promise<string | null> {
  if (given === undefined) return null;
  const { rows } = await db.query<{ label: string }>('SELECT label FROM away_reasons WHERE lower(label) = lower($1)', [given]);
  const label = rows[0]?.label;
  if (label === undefined) throw new HttpError(400, 'invalid_request', `reason must be one of the configured away reasons`, { field: 'reason' });
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
