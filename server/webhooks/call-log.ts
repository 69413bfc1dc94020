/**
 * Turning event_url payloads into the call log.
 *
 * Pure functions only: the storage layer calls {@link summarizeCall} inside its
 * transaction, with every event of the conversation, and stores what it returns.
 */
import { z } from 'zod';
import type { CallEventRecord, CallRecord, CallSummarizer } from '../storage/types';

/** Statuses that move a leg forward. */
const PROGRESS_STATUSES = new Set(['started', 'ringing', 'answered']);

/** Statuses that end a leg. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'completed',
  'rejected',
  'cancelled',
  'timeout',
  'failed',
  'busy',
  'unanswered',
]);

/**
 * Statuses of call (leg) status events, which must carry a conversation_uuid.
 *
 * `disconnected`, `human` and `machine` are reported for a leg too but do not change its
 * state here: they are stored and shown, nothing more.
 */
export const CALL_STATUSES: ReadonlySet<string> = new Set([
  ...PROGRESS_STATUSES,
  ...TERMINAL_STATUSES,
  'disconnected',
  'human',
  'machine',
]);

const identifier = z.string().trim().min(1, 'must not be empty').max(128, 'is at most 128 characters');

// Phone numbers arrive as strings, but be lenient with a platform that sends digits as a number.
const party = z
  .union([z.string().max(256, 'is at most 256 characters'), z.number().transform((n) => String(n))])
  .nullish()
  .transform((v) => (v === undefined || v === null || v === '' ? null : v));

/**
 * Schema of an event_url payload.
 *
 * Unknown fields pass through (they are kept in `raw`); the ones the call log relies on are
 * checked. `conversation_uuid` is required for call status events.
 */
export const callEventPayload = z
  .looseObject({
    status: z
      .string()
      .min(1, 'is required')
      .max(32, 'is at most 32 characters')
      .regex(/^[a-z_]+$/, 'must be a lower-case status word such as "answered"'),
    uuid: identifier,
    conversation_uuid: identifier.optional(),
    direction: z.string().max(16, 'is at most 16 characters').nullish(),
    from: party,
    to: party,
    timestamp: z
      .string()
      .max(64, 'is at most 64 characters')
      .refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 time')
      .optional(),
    duration: z
      .union([z.string().regex(/^[0-9]{1,9}$/, 'must be a whole number of seconds'), z.number().int().min(0).max(1e9)])
      .optional(),
  })
  .superRefine((event, ctx) => {
    if (CALL_STATUSES.has(event.status) && event.conversation_uuid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['conversation_uuid'], message: `is required for "${event.status}" events` });
    }
  });

/** A validated event_url payload. */
export type CallEventPayload = z.output<typeof callEventPayload>;

interface LegState {
  status: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  ended: boolean;
}

function durationOf(event: CallEventRecord): number | null {
  try {
    const raw: unknown = JSON.parse(event.raw);
    if (raw && typeof raw === 'object' && 'duration' in raw) {
      const value = Number(raw.duration);
      return Number.isInteger(value) && value >= 0 ? value : null;
    }
  } catch {
    // raw is always JSON we wrote ourselves; a bad row just contributes no duration.
  }
  return null;
}

/**
 * Build a call's row from all of its events.
 *
 * - `direction`, `from`, `to`: of the earliest event (the leg that started the call).
 * - `status`: while any leg is live, `answered` once any leg answered, else `ringing` if a
 *   leg rings, else `started`. When every leg has ended: `completed` if two legs were
 *   answered (a bridged call) or a single leg completed; otherwise the last failure
 *   (rejected, busy, timeout, …), so a missed or declined call shows as such.
 * - `answered_at`: the first `answered`; `ended_at`: the last leg's end.
 * - `duration_s`: the longest `duration` reported by a `completed` event, else the time
 *   from answer to end, else 0; null while the call is live.
 * - `agent`: kept from the previous row; set from `agentOfLatest` when none is known yet,
 *   or when the latest event is that agent answering (the one who picked up wins).
 */
export function summarizeCall(previous: CallRecord | null, events: readonly CallEventRecord[], agentOfLatest: string | null): CallRecord {
  const sorted = [...events].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id - b.id));
  const first = sorted[0];
  if (!first || first.conversation_uuid === null) throw new Error('summarizeCall needs at least one event of a conversation');
  const latest = events.reduce((a, b) => (b.id > a.id ? b : a), first);

  const legs = new Map<string, LegState>();
  const durations: number[] = [];
  for (const event of sorted) {
    let leg = legs.get(event.uuid);
    if (!leg) {
      leg = { status: null, answeredAt: null, endedAt: null, ended: false };
      legs.set(event.uuid, leg);
    }
    if (event.status === 'completed') {
      const duration = durationOf(event);
      if (duration !== null) durations.push(duration);
    }
    // An ended leg stays ended, even if a late progress event arrives for it.
    if (leg.ended) continue;
    if (PROGRESS_STATUSES.has(event.status)) {
      leg.status = event.status;
      if (event.status === 'answered') leg.answeredAt ??= event.timestamp;
    } else if (TERMINAL_STATUSES.has(event.status)) {
      leg.status = event.status;
      leg.ended = true;
      leg.endedAt = event.timestamp;
    }
  }

  const allLegs = [...legs.values()];
  const answeredTimes = allLegs.map((l) => l.answeredAt).filter((t): t is string => t !== null).sort();
  const answeredAt = answeredTimes[0] ?? null;
  const allEnded = allLegs.length > 0 && allLegs.every((l) => l.ended);

  let status: string;
  let endedAt: string | null = null;
  let durationS: number | null = null;
  if (allEnded) {
    const byEnd = [...allLegs].sort((a, b) => ((a.endedAt ?? '') < (b.endedAt ?? '') ? -1 : 1));
    endedAt = byEnd[byEnd.length - 1]?.endedAt ?? null;
    const bridged = answeredTimes.length >= 2;
    const singleCompleted = allLegs.length === 1 && allLegs[0]?.status === 'completed';
    const lastFailure = byEnd.filter((l) => l.status !== 'completed').pop();
    status = bridged || singleCompleted || !lastFailure ? 'completed' : (lastFailure.status ?? 'completed');
    if (durations.length > 0) durationS = Math.max(...durations);
    else if (answeredAt && endedAt) durationS = Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(answeredAt)) / 1000));
    else durationS = 0;
  } else if (answeredAt) {
    status = 'answered';
  } else if (allLegs.some((l) => l.status === 'ringing')) {
    status = 'ringing';
  } else {
    status = 'started';
  }

  let agent = previous?.agent ?? null;
  if (agentOfLatest && (agent === null || latest.status === 'answered')) agent = agentOfLatest;

  return {
    conversation_uuid: first.conversation_uuid,
    direction: sorted.find((e) => e.direction !== null)?.direction ?? null,
    from: first.from,
    to: first.to,
    agent,
    status,
    started_at: first.timestamp,
    answered_at: answeredAt,
    ended_at: endedAt,
    duration_s: durationS,
  };
}

/**
 * {@link summarizeCall} bound to the agent of the event being recorded.
 *
 * The agent lookup is asynchronous, so it is done before the transaction and captured here.
 */
export function callSummarizer(agentOfLatest: string | null): CallSummarizer {
  return (previous, events) => summarizeCall(previous, events, agentOfLatest);
}
