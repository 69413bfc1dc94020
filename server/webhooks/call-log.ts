/**
 * Turning event_url payloads into the call log.
 *
 * Pure functions only: the storage layer calls {@link summarizeCall} inside its
 * transaction, with every event of the conversation, and stores what it returns.
 */
import { z } from 'zod';
import type { CallEventKind, CallOutcome, CallSegment } from '../../common/backend-api';
import type { CallEventRecord, CallRecord } from '../storage/types';
import { FINAL_LEG_STATUSES, PROGRESS_LEG_STATUSES, REPORTED_LEG_STATUSES } from '../../common/vonage-vocabulary';

/** Statuses that move a leg forward (a leg with one of these is live on its phone). */
export const PROGRESS_STATUSES: ReadonlySet<string> = new Set(PROGRESS_LEG_STATUSES);

/** Statuses that end a leg. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(FINAL_LEG_STATUSES);

/**
 * Statuses of call (leg) status events, which must carry a conversation_uuid.
 *
 * `disconnected`, `human` and `machine` are reported for a leg too but do not change its
 * state here: they are stored and shown, nothing more.
 */
export const CALL_STATUSES: ReadonlySet<string> = new Set([
  ...PROGRESS_STATUSES,
  ...TERMINAL_STATUSES,
  ...REPORTED_LEG_STATUSES,
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
  /** Its first event's time (when it was offered). */
  startedAt: string;
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
      leg = { uuid: event.uuid, startedAt: event.timestamp, agent: null, from: event.from, to: event.to, direction: event.direction, status: null, answeredAt: null, endedAt: null, ended: false, duration: null };
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
 * Why a flow sent a caller on that means nobody was there to answer (`flow_outcome`): the
 * call is missed when the caller leaves after it.
 */
const MISSED_REASONS: ReadonlySet<string> = new Set(['no-agents', 'no-answer', 'agent-unavailable', 'redirect-limit', 'no-queue']);

function byAnswer(a: Leg, b: Leg): number {
  return (a.answeredAt ?? '') < (b.answeredAt ?? '') ? -1 : (a.answeredAt ?? '') > (b.answeredAt ?? '') ? 1 : 0;
}

/** How the call's legs divide: the first (the caller's), who talked, and whether the call is over. */
function shapeOf(legs: readonly Leg[]) {
  const first = legs[0];
  if (!first) throw new Error('shapeOf needs a leg');
  const others = legs.slice(1);
  const agentCalling = first.agent !== null && first.from !== null && first.from.toLowerCase() === first.agent.toLowerCase();
  // A call the platform placed to an agent (the backend calling them) has the agent as its first leg.
  const agentCalled = !agentCalling && first.agent !== null && first.direction === 'outbound';
  const talkLegs = others.filter((l) => l.answeredAt !== null).sort(byAnswer);
  if (talkLegs.length === 0 && agentCalled && first.answeredAt !== null) talkLegs.push(first);
  // The call is over once the caller's leg is: a leg whose end was not reported yet ends with it.
  const finished = first.ended;
  const endedAt = finished ? legs.reduce((end, l) => (l.ended && l.endedAt !== null && l.endedAt > end ? l.endedAt : end), first.endedAt ?? '') : null;
  return { first, others, agentCalling, agentCalled, talkLegs, finished, endedAt };
}

/** A leg's talk time: its reported duration, else from its answer to its end (or the call's). */
/** Control events that put the caller on hold (the agent's hold, or a consult while the caller holds). */
const HOLD_STARTS = new Set(['hold', 'consult']);
/** Control events that end the caller's hold (resumed, brought back or into a conference, transferred). */
const HOLD_ENDS = new Set(['resume', 'consult-cancelled', 'consult-failed', 'consult-ended', 'conference', 'transfer-completed', 'transfer']);

/**
 * Seconds the caller held, per agent leg that owned the call when the hold began (from the
 * backend's `control` events); a hold still open ends with that leg, or the call.
 */
function holdSeconds(sorted: readonly CallEventRecord[], legs: readonly Leg[], callEnd: string | null): Map<string, number> {
  const totals = new Map<string, number>();
  let open: { leg: string; since: string } | null = null;
  const close = (at: string | null) => {
    if (!open || at === null) return;
    totals.set(open.leg, (totals.get(open.leg) ?? 0) + seconds(open.since, at));
    open = null;
  };
  for (const event of sorted) {
    if (event.kind !== 'control' || event.status === null) continue;
    if (HOLD_ENDS.has(event.status)) close(event.timestamp);
    else if (HOLD_STARTS.has(event.status) && open === null && event.uuid) open = { leg: event.uuid, since: event.timestamp };
  }
  if (open !== null) {
    const still: { leg: string } = open;
    const leg = legs.find((l) => l.uuid === still.leg);
    close(leg?.ended && leg.endedAt ? leg.endedAt : callEnd);
  }
  return totals;
}

function talkOf(leg: Leg, callEnd: string | null): number | null {
  if (leg.answeredAt === null) return 0;
  if (leg.ended) return leg.duration ?? (leg.endedAt ? seconds(leg.answeredAt, leg.endedAt) : 0);
  return callEnd ? seconds(leg.answeredAt, callEnd) : null;
}

/**
 * Build a call's row from all of its events and the fields flows set on it.
 *
 * One row per customer call: the agent legs the flows placed are stored with the caller's
 * conversation (`server/storage/call-log-pg.ts`), so they are legs here, not calls of their own.
 * Legs are told apart by uuid; a leg belongs to an agent when its events name one.
 * - `direction`: `outbound` when the first leg is an agent calling out (or the backend
 *   calling), else the first leg's direction. `from`/`to`: the first leg's (the dialled
 *   number comes from the next leg when the first has none, as for an app's outbound call).
 * - The call is over when the first leg (the caller's) has ended: an agent leg whose end is
 *   not reported yet counts as ending with it (its own end, when it comes, refines the times).
 *   `ended_at`: the latest reported end. `status`: while live, `answered` once any leg
 *   answered, else `ringing` if a leg rings, else `started`; once over, `completed` if two
 *   legs were answered or a single leg completed, otherwise the last failure.
 * - `agent`: the agent whose leg answered last (after a transfer, the one the caller ended with); else the last agent offered the call; else
 *   what a flow set.
 * - Talk legs: the answered legs after the caller's (agents' on inbound calls, the dialled
 *   party's on outbound ones). `wait_s` runs from `queued_at` (or the start) to the first
 *   answer, or to the end when nobody answered; `talk_s` is the sum of their talk.
 * - `outcome` once over. A customer's call: answered (a leg after the caller's answered),
 *   voicemail (a message was left, or `flow_outcome` says so), overflow or timeout (the
 *   flow's `flow_outcome`: a queue's or whisper's redirect), failed (the caller's leg never
 *   connected), abandoned (the caller hung up before the call was answered: while queued,
 *   while an agent's phone rang, in a menu), missed (agents were offered it and none took it,
 *   or the flow found nobody: no-agents, no-answer, agent-unavailable, redirect-limit).
 *   A call an agent places: answered, busy, failed or unanswered (the dialled party's leg
 *   says why). The backend's own call to an agent that never joined a customer's call:
 *   answered or missed. A custom NCCO's call nobody was offered: answered (the NCCO served it).
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
  if (legs.length === 0) {
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

  const { first, others, agentCalling, agentCalled, talkLegs, finished, endedAt } = shapeOf(legs);
  const startedAt = sorted.find((e) => e.kind === 'status' && e.uuid !== null)?.timestamp ?? previous?.started_at ?? '';
  const answeredTimes = legs.map((l) => l.answeredAt).filter((t): t is string => t !== null).sort();
  const answeredAt = answeredTimes[0] ?? null;

  let status: string;
  let durationS: number | null = null;
  if (finished) {
    const ended = legs.filter((l) => l.ended).sort((a, b) => ((a.endedAt ?? '') < (b.endedAt ?? '') ? -1 : 1));
    const bridged = answeredTimes.length >= 2;
    const singleCompleted = legs.length === 1 && first.status === 'completed';
    const lastFailure = ended.filter((l) => l.status !== 'completed').pop();
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

  const agentLegs = legs.filter((l) => l.agent !== null);
  // After a transfer the call belongs to the agent who answered last; each one's part is a segment.
  const answeringAgentLeg = agentCalling ? first : (agentLegs.filter((l) => l.answeredAt !== null).sort(byAnswer).pop() ?? null);
  const agent = answeringAgentLeg?.agent ?? agentLegs[agentLegs.length - 1]?.agent ?? previous?.agent ?? null;

  const waitFrom = flowFields.queued_at ?? startedAt;
  let waitS: number | null = null;
  let talkS: number | null = null;
  const firstTalk = talkLegs[0];
  if (firstTalk?.answeredAt) {
    waitS = seconds(waitFrom, firstTalk.answeredAt);
    // Known once every talk leg has ended, or the call has (a late leg counts to the call's end).
    const talks = talkLegs.map((l) => talkOf(l, endedAt));
    if (talks.every((t): t is number => t !== null)) talkS = talks.reduce((sum, t) => sum + t, 0);
  } else if (finished && endedAt) {
    waitS = seconds(waitFrom, endedAt);
    talkS = 0;
  }

  let outcome: CallOutcome | null = null;
  if (finished) {
    const reason = flowFields.flow_outcome;
    if (agentCalled) outcome = talkLegs.length > 0 ? 'answered' : 'missed';
    else if (agentCalling || flowFields.flow === 'outbound' || first.direction === 'outbound') {
      // An agent's call out: the dialled party's leg says why it did not connect.
      const failure = others[others.length - 1]?.status;
      outcome = talkLegs.length > 0 ? 'answered' : failure === 'busy' ? 'busy' : failure === 'failed' ? 'failed' : 'unanswered';
    } else if (talkLegs.length > 0) outcome = 'answered';
    else if (flowFields.voicemail_url !== null || reason === 'voicemail') outcome = 'voicemail';
    else if (reason === 'overflow') outcome = 'overflow';
    else if (reason === 'timeout') outcome = 'timeout';
    else if (first.answeredAt === null) outcome = first.status === 'cancelled' ? 'abandoned' : 'failed';
    // The caller hung up while an agent's phone rang (its end, if reported, came with or after theirs).
    else if (others.some((l) => !l.ended || l.status === 'cancelled' || (l.endedAt ?? '') >= (first.endedAt ?? ''))) outcome = 'abandoned';
    else if (reason !== null && MISSED_REASONS.has(reason)) outcome = 'missed';
    else if (flowFields.queue !== null) outcome = 'abandoned';
    else if (others.length > 0) outcome = 'missed';
    else outcome = flowFields.flow === 'custom' ? 'answered' : 'abandoned';
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

/**
 * The call's segments: one per leg after the caller's (each agent, or outside phone, offered
 * it), in the order they were offered; for an agent's own call out, the agent's leg (talking
 * from the dialled party's answer). A leg whose end was not reported when the call ended
 * ends with the call.
 */
export function callSegments(events: readonly CallEventRecord[]): CallSegment[] {
  const sorted = [...events].sort(byTime);
  const legs = legsOf(sorted);
  if (legs.length === 0) return [];
  const { first, others, agentCalling, agentCalled, endedAt } = shapeOf(legs);
  const holds = holdSeconds(sorted, legs, endedAt);
  const segment = (leg: Leg, answeredAt: string | null, talk: number | null): CallSegment => {
    const hold = holds.get(leg.uuid) ?? 0;
    return {
      leg_uuid: leg.uuid,
      agent: leg.agent,
      party: leg.agent ?? leg.to,
      offered_at: leg.startedAt,
      answered_at: answeredAt,
      ended_at: leg.ended ? leg.endedAt : endedAt,
      end_status: leg.ended ? leg.status : null,
      // Talk is the connected time less the caller's hold.
      talk_s: talk === null ? null : Math.max(0, talk - hold),
      hold_s: hold,
    };
  };
  if (agentCalling) {
    const dialled = others.filter((l) => l.answeredAt !== null).sort(byAnswer)[0];
    const answeredAt = dialled?.answeredAt ?? null;
    const end = first.endedAt ?? endedAt;
    const talk = answeredAt === null ? 0 : end ? (dialled?.duration ?? seconds(answeredAt, end)) : null;
    return [segment(first, answeredAt, talk)];
  }
  const offered = agentCalled ? [first, ...others] : others;
  return offered.map((leg) => segment(leg, leg.answeredAt, talkOf(leg, endedAt)));
}
