/**
 * Turning event_url payloads into the call log.
 *
 * Pure functions only: the storage layer calls {@link summarizeCall} inside its
 * transaction, with every event of the conversation, and stores what it returns.
 */
import { z } from 'zod';
import type { CallEventKind, CallOutcome } from '../../common/backend-api';
import type { CallEventRecord, CallRecord } from '../storage/types';

/** Statuses that move a leg forward (a leg with one of these is live on its phone). */
export const PROGRESS_STATUSES: ReadonlySet<string> = new Set(['started', 'ringing', 'answered']);

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

const httpUrl = z
  .string()
  .max(2048, 'is at most 2048 characters')
  .refine((v) => {
    try {
      const url = new URL(v);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

const isoTime = z
  .string()
  .max(64, 'is at most 64 characters')
  .refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 time');

/**
 * Schema of an event_url payload: every kind Vonage sends.
 *
 * - status events (`status`: started, ringing, answered, completed, …): need `uuid`, and
 *   `conversation_uuid` for call statuses;
 * - record events (`recording_url`, `recording_uuid`, `start_time`, `end_time`, `size`);
 * - input events (`dtmf` and/or `speech`);
 * - transfer events (`conversation_uuid_from`, `conversation_uuid_to`);
 * - platform error reports (`type: "error"`, `reason`);
 * - anything else is a `notify` action's payload, stored as sent.
 * Unknown fields pass through (they are kept in `raw`); the fields the call log relies on are checked.
 */
export const callEventPayload = z
  .looseObject({
    status: z
      .string()
      .min(1, 'is required')
      .max(32, 'is at most 32 characters')
      .regex(/^[a-z_]+$/, 'must be a lower-case status word such as "answered"')
      .optional(),
    uuid: identifier.optional(),
    conversation_uuid: identifier.optional(),
    direction: z.string().max(16, 'is at most 16 characters').nullish(),
    from: party,
    to: party,
    timestamp: isoTime.optional(),
    duration: z
      .union([z.string().regex(/^[0-9]{1,9}$/, 'must be a whole number of seconds'), z.number().int().min(0).max(1e9)])
      .optional(),
    recording_url: httpUrl.optional(),
    recording_uuid: identifier.optional(),
    start_time: isoTime.optional(),
    end_time: isoTime.optional(),
    dtmf: z
      .looseObject({
        digits: z.string().max(64, 'is at most 64 characters').regex(/^[0-9*#]*$/, 'may hold 0-9, * and # only').nullish(),
        timed_out: z.boolean().optional(),
      })
      .nullish(),
    speech: z.looseObject({}).nullish(),
    conversation_uuid_from: identifier.optional(),
    conversation_uuid_to: identifier.optional(),
    type: z.string().max(32, 'is at most 32 characters').optional(),
  })
  .superRefine((event, ctx) => {
    if (event.status === undefined) return;
    if (event.uuid === undefined) ctx.addIssue({ code: 'custom', path: ['uuid'], message: `is required for "${event.status}" events` });
    if (CALL_STATUSES.has(event.status) && event.conversation_uuid === undefined) {
      ctx.addIssue({ code: 'custom', path: ['conversation_uuid'], message: `is required for "${event.status}" events` });
    }
  });

/** A validated event_url payload. */
export type CallEventPayload = z.output<typeof callEventPayload>;

/** Which kind of event a validated payload is. */
export function eventKind(payload: CallEventPayload): CallEventKind {
  if (payload.status !== undefined) return 'status';
  if (payload.recording_url !== undefined) return 'record';
  if (payload.dtmf != null || payload.speech != null) return 'input';
  if (payload.conversation_uuid_from !== undefined || payload.conversation_uuid_to !== undefined) return 'transfer';
  if (payload.type === 'error') return 'error';
  return 'notify';
}

interface Leg {
  uuid: string;
  /** The agent whose leg it is (from the leg's events). */
  agent: string | null;
  from: string | null;
  to: string | null;
  direction: string | null;
  status: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  ended: boolean;
  /** `duration` of its completed event. */
  duration: number | null;
}

function rawField(event: CallEventRecord, name: string): unknown {
  try {
    const raw: unknown = JSON.parse(event.raw);
    if (raw && typeof raw === 'object' && name in raw) return (raw as Record<string, unknown>)[name];
  } catch {
    // raw is always JSON we wrote ourselves; a bad row just contributes nothing.
  }
  return undefined;
}

function durationOf(event: CallEventRecord): number | null {
  const raw = rawField(event, 'duration');
  const value = Number(raw);
  return raw !== undefined && Number.isInteger(value) && value >= 0 ? value : null;
}

function seconds(fromIso: string, toIso: string): number {
  return Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
}

function byTime(a: CallEventRecord, b: CallEventRecord): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id - b.id;
}

function legsOf(events: readonly CallEventRecord[]): Leg[] {
  const legs = new Map<string, Leg>();
  for (const event of events) {
    if (event.kind !== 'status' || event.uuid === null || event.status === null) continue;
    let leg = legs.get(event.uuid);
    if (!leg) {
      leg = { uuid: event.uuid, agent: null, from: event.from, to: event.to, direction: event.direction, status: null, answeredAt: null, endedAt: null, ended: false, duration: null };
      legs.set(event.uuid, leg);
    }
    leg.agent ??= event.agent;
    leg.direction ??= event.direction;
    leg.to ??= event.to;
    if (event.status === 'completed') leg.duration ??= durationOf(event);
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
  return [...legs.values()];
}

const EMPTY_FLOW_FIELDS = {
  flow: null,
  queue: null,
  topic: null,
  queued_at: null,
  flow_outcome: null,
  recording_url: null,
  voicemail_url: null,
} as const;

/**
 * Build a call's row from all of its events and the fields flows set on it.
 *
 * Legs are told apart by uuid; a leg belongs to an agent when its events name one.
 * - `direction`: `outbound` when the first leg is an agent calling out (or the backend
 *   calling), else the first leg's direction. `from`/`to`: the first leg's (the dialled
 *   number comes from the next leg when the first has none, as for an app's outbound call).
 * - `status`: while any leg is live, `answered` once any leg answered, else `ringing` if a
 *   leg rings, else `started`. When every leg has ended: `completed` if two legs were
 *   answered or a single leg completed; otherwise the last failure.
 * - `agent`: the agent whose leg answered; else the last agent offered the call; else what a
 *   flow set.
 * - The talk leg is the first answered leg after the caller's (an agent's on inbound calls,
 *   the dialled party's on outbound ones). `wait_s` runs from `queued_at` (or the start) to
 *   its answer, or to the end when nobody answered; `talk_s` is its duration.
 * - `outcome` once the call is over: voicemail (a voicemail was left), answered, and
 *   otherwise: outbound — busy, failed or unanswered; inbound — abandoned (the caller hung up
 *   while an agent's phone rang, or while queued), missed (agents were offered it and none
 *   answered), failed (the caller's leg never connected) or completed (no agent involved).
 * - `recording_url`: the latest record event's, else what a flow set.
 */
export function summarizeCall(previous: CallRecord | null, events: readonly CallEventRecord[]): CallRecord {
  const sorted = [...events].sort(byTime);
  const conversation = sorted.find((e) => e.conversation_uuid !== null)?.conversation_uuid ?? previous?.conversation_uuid;
  if (!conversation) throw new Error('summarizeCall needs an event of a conversation or a previous row');
  const flowFields = previous
    ? {
        flow: previous.flow,
        queue: previous.queue,
        topic: previous.topic,
        queued_at: previous.queued_at,
        flow_outcome: previous.flow_outcome,
        recording_url: previous.recording_url,
        voicemail_url: previous.voicemail_url,
      }
    : { ...EMPTY_FLOW_FIELDS };
  const recorded = sorted.filter((e) => e.kind === 'record').map((e) => rawField(e, 'recording_url')).filter((u): u is string => typeof u === 'string');
  const recordingUrl = recorded[recorded.length - 1] ?? flowFields.recording_url;

  const legs = legsOf(sorted);
  const first = legs[0];
  if (!first) {
    // No status event yet (a record or notify came first, or only a flow's patch).
    const startedAt = previous?.started_at ?? sorted[0]?.timestamp;
    if (!startedAt) throw new Error('summarizeCall needs an event or a previous row');
    return {
      conversation_uuid: conversation,
      direction: previous?.direction ?? null,
      from: previous?.from ?? null,
      to: previous?.to ?? null,
      agent: previous?.agent ?? null,
      status: previous?.status ?? 'started',
      started_at: startedAt,
      answered_at: previous?.answered_at ?? null,
      ended_at: previous?.ended_at ?? null,
      duration_s: previous?.duration_s ?? null,
      wait_s: previous?.wait_s ?? null,
      talk_s: previous?.talk_s ?? null,
      outcome: previous?.outcome ?? null,
      ...flowFields,
      recording_url: recordingUrl,
    };
  }

  const startedAt = sorted.find((e) => e.kind === 'status' && e.uuid !== null)?.timestamp ?? previous?.started_at ?? '';
  const answeredTimes = legs.map((l) => l.answeredAt).filter((t): t is string => t !== null).sort();
  const answeredAt = answeredTimes[0] ?? null;
  const allEnded = legs.every((l) => l.ended);
  const agentCalling = first.agent !== null && first.from !== null && first.from.toLowerCase() === first.agent.toLowerCase();

  let status: string;
  let endedAt: string | null = null;
  let durationS: number | null = null;
  if (allEnded) {
    const byEnd = [...legs].sort((a, b) => ((a.endedAt ?? '') < (b.endedAt ?? '') ? -1 : 1));
    endedAt = byEnd[byEnd.length - 1]?.endedAt ?? null;
    const bridged = answeredTimes.length >= 2;
    const singleCompleted = legs.length === 1 && first.status === 'completed';
    const lastFailure = byEnd.filter((l) => l.status !== 'completed').pop();
    status = bridged || singleCompleted || !lastFailure ? 'completed' : (lastFailure.status ?? 'completed');
    const durations = legs.map((l) => l.duration).filter((d): d is number => d !== null);
    if (durations.length > 0) durationS = Math.max(...durations);
    else if (answeredAt && endedAt) durationS = seconds(answeredAt, endedAt);
    else durationS = 0;
  } else if (answeredAt) {
    status = 'answered';
  } else if (legs.some((l) => l.status === 'ringing')) {
    status = 'ringing';
  } else {
    status = 'started';
  }

  const others = legs.slice(1);
  // A call the platform placed to an agent (the backend calling them) has the agent as its first leg.
  const agentCalled = !agentCalling && first.agent !== null && first.direction === 'outbound';
  const talkLeg =
    others.filter((l) => l.answeredAt !== null).sort((a, b) => ((a.answeredAt ?? '') < (b.answeredAt ?? '') ? -1 : 1))[0] ??
    (agentCalled && first.answeredAt !== null ? first : null);
  const agentLegs = legs.filter((l) => l.agent !== null);
  const answeringAgentLeg = agentCalling ? first : (agentLegs.filter((l) => l.answeredAt !== null)[0] ?? null);
  const agent = answeringAgentLeg?.agent ?? agentLegs[agentLegs.length - 1]?.agent ?? previous?.agent ?? null;

  const waitFrom = flowFields.queued_at ?? startedAt;
  let waitS: number | null = null;
  let talkS: number | null = null;
  if (talkLeg?.answeredAt) {
    waitS = seconds(waitFrom, talkLeg.answeredAt);
    if (talkLeg.ended) talkS = talkLeg.duration ?? (talkLeg.endedAt ? seconds(talkLeg.answeredAt, talkLeg.endedAt) : 0);
  } else if (allEnded && endedAt) {
    waitS = seconds(waitFrom, endedAt);
    talkS = 0;
  }

  let outcome: CallOutcome | null = null;
  if (allEnded) {
    if (flowFields.voicemail_url !== null) outcome = 'voicemail';
    else if (talkLeg) outcome = 'answered';
    else if (agentCalled) outcome = 'missed';
    else if (agentCalling || first.direction === 'outbound') {
      // An agent's call out: the dialled party's leg says why it did not connect.
      const failure = others[others.length - 1]?.status;
      outcome = failure === 'busy' ? 'busy' : failure === 'failed' ? 'failed' : 'unanswered';
    } else if (first.answeredAt === null) outcome = first.status === 'cancelled' ? 'abandoned' : 'failed';
    else if (agentLegs.some((l) => l.status === 'cancelled')) outcome = 'abandoned';
    else if (agentLegs.length > 0) outcome = 'missed';
    else outcome = flowFields.queue !== null ? 'abandoned' : 'completed';
  }

  return {
    conversation_uuid: conversation,
    direction: agentCalling ? 'outbound' : (first.direction ?? previous?.direction ?? null),
    from: first.from,
    to: first.to ?? others.find((l) => l.to !== null)?.to ?? null,
    agent,
    status,
    started_at: startedAt,
    answered_at: answeredAt,
    ended_at: endedAt,
    duration_s: durationS,
    wait_s: waitS,
    talk_s: talkS,
    outcome,
    ...flowFields,
    recording_url: recordingUrl,
  };
}
