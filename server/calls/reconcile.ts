/**
 * Reconciliation: finishing what the backend missed.
 *
 * A webhook can be lost (the backend was down past the platform's retries, a network split),
 * and a call whose `completed` event never arrived would stay open forever: its record
 * without an end, its agent Busy, its queue entry in line. At start and every 30 s this
 * job asks the platform (`GET /v1/calls/{uuid}`) about every leg the backend still holds
 * open that is older than {@link SETTLE_MS} (every {@link RECONCILE_EVERY_MS}), and feeds the final state of each ended one
 * through the same path a webhook takes — so the record, presence and routing all close
 * it exactly as if the event had arrived (and a late real event then changes nothing).
 */
import type { Sql } from '../db/database';
import { pruneFinished } from './store';
import type { JobQueue } from '../jobs/queue';
import type { CallInfo } from '../vonage/voice-api';
import { TERMINAL_STATUSES } from '../webhooks/call-log';

/** Legs younger than this are left alone: their events may simply be on the way. */
export const SETTLE_MS = 25_000;
/**
 * How often reconciliation runs. With {@link SETTLE_MS}, a leg whose end was missed is closed
 * (its agent released) at most 55 s after it ended; the price is one `GET /v1/calls/{uuid}`
 * per open leg every 30 s (about 20 requests a second with 600 legs open).
 */
export const RECONCILE_EVERY_MS = 30_000;

/**
 * The timing reconciliation uses: {@link SETTLE_MS} and {@link RECONCILE_EVERY_MS} unless
 * changed. Only benchmarks change it (test/bench/recovery.ts shortens both to time a
 * recovery without waiting minutes); the backend itself never does.
 */
export const reconcileTiming = { settleMs: SETTLE_MS, everyMs: RECONCILE_EVERY_MS };
/** Finished calls' routing state (and processed-webhook keys) is kept this long, for late events. */
const KEEP_FINISHED_MS = 24 * 60 * 60_000;
/** A job locked this long was taken by an instance that died (ours take seconds). */
const ABANDONED_JOB_S = 300;
/** Legs asked about per run (the rest wait for the next minute). */
const BATCH = 500;

const TASK = 'reconcile';

/** A leg the backend holds open, with what its last event said. */
export interface OpenLeg {
  uuid: string;
  conversation_uuid: string | null;
  from: string | null;
  to: string | null;
  direction: string | null;
}

/** A synthesised event_url payload (what the platform would have sent). */
export interface ReconciledEvent {
  uuid: string;
  conversation_uuid: string;
  status: string;
  timestamp: string;
  from?: string;
  to?: string;
  direction?: string;
  duration?: string;
  reconciled: true;
}

/** What reconciliation works with. */
export interface ReconcileDeps {
  sql: Sql;
  jobs: JobQueue;
  /** The platform's view of a leg; null when it knows no such leg. */
  getCall(uuid: string): Promise<CallInfo | null>;
  /** Apply an event as the event webhook would (stored, presence, routing). */
  apply(event: ReconciledEvent): Promise<void>;
  now: () => Date;
  log: { info(object: object, message: string): void; warn(object: object, message: string): void };
}

/** Every leg with a status event but no final one, in calls that are still open or in flows still running. */
export async function openLegs(sql: Sql, startedBefore: string, limit = BATCH): Promise<OpenLeg[]> {
  const terminal = [...TERMINAL_STATUSES];
  const { rows } = await sql.query<OpenLeg>(
    `SELECT DISTINCT ON (e.uuid) e.uuid, e.conversation_uuid, e.from_addr AS "from", e.to_addr AS "to", e.direction
       FROM call_events e
      WHERE e.kind = 'status' AND e.uuid IS NOT NULL AND e.received_at < $1
        AND NOT EXISTS (SELECT 1 FROM call_events t WHERE t.uuid = e.uuid AND t.status = ANY($2::text[]))
      ORDER BY e.uuid, e.received_at DESC
      LIMIT $3`,
    [startedBefore, terminal, limit],
  );
  const known = new Set(rows.map((r) => r.uuid));
  // Calls the flows hold open whose caller leg never reported anything at all.
  const flows = await sql.query<{ id: string; conversation_uuid: string | null }>(
    'SELECT id, conversation_uuid FROM flow_calls WHERE NOT ended AND created_at < $1 ORDER BY created_at LIMIT $2',
    [startedBefore, limit],
  );
  for (const call of flows.rows) {
    if (!known.has(call.id)) rows.push({ uuid: call.id, conversation_uuid: call.conversation_uuid, from: null, to: null, direction: 'inbound' });
  }
  return rows;
}

/**
 * One pass: ask the platform about each open leg and apply the end of those that ended.
 * Returns how many legs were closed.
 */
export async function reconcileOnce(deps: ReconcileDeps): Promise<number> {
  const before = new Date(deps.now().getTime() - reconcileTiming.settleMs).toISOString();
  const legs = await openLegs(deps.sql, before);
  let closed = 0;
  for (const leg of legs) {
    let info: CallInfo | null;
    try {
      info = await deps.getCall(leg.uuid);
    } catch (error) {
      // The platform could not be asked: try again next time rather than guess.
      deps.log.warn({ uuid: leg.uuid, err: error }, 'reconciliation could not ask the platform about a leg');
      continue;
    }
    // A leg the platform no longer knows has ended long ago.
    const status = info === null ? 'completed' : info.status;
    if (!TERMINAL_STATUSES.has(status)) continue;
    const conversation = info?.conversation_uuid ?? leg.conversation_uuid;
    if (!conversation) continue;
    const event: ReconciledEvent = {
      uuid: leg.uuid,
      conversation_uuid: conversation,
      status,
      timestamp: info?.end_time ?? deps.now().toISOString(),
      reconciled: true,
    };
    if (leg.from) event.from = leg.from;
    if (leg.to) event.to = leg.to;
    if (leg.direction) event.direction = leg.direction;
    if (info?.duration) event.duration = info.duration;
    await deps.apply(event);
    closed += 1;
  }
  if (closed > 0) deps.log.info({ closed, checked: legs.length }, 'reconciled calls whose end was missed');
  return closed;
}

/**
 * Register the reconciliation job (before the job queue starts). Each run re-arms the next;
 * the job key keeps one pending run for all instances together.
 */
export function registerReconciliation(deps: ReconcileDeps): void {
  deps.jobs.register(TASK, async () => {
    try {
      await reconcileOnce(deps);
      // Housekeeping rides along: rows that only guard against late or replayed deliveries.
      const now = deps.now().getTime();
      await pruneFinished(deps.sql, new Date(now - KEEP_FINISHED_MS).toISOString());
      await deps.sql.query('DELETE FROM webhook_tokens WHERE expires_at < $1', [new Date(now).toISOString()]);
      const released = await deps.jobs.releaseAbandoned(deps.sql, ABANDONED_JOB_S);
      if (released > 0) deps.log.warn({ workers: released }, 'released jobs that a stopped instance had taken');
    } finally {
      await deps.jobs.add(deps.sql, TASK, {}, { jobKey: TASK, runAt: new Date(deps.now().getTime() + reconcileTiming.everyMs) });
    }
  });
}

/** Run reconciliation now (at start-up, once the job queue runs). */
export async function reconcileSoon(jobs: JobQueue, sql: Sql): Promise<void> {
  await jobs.add(sql, TASK, {}, { jobKey: TASK });
}
