/**
 * The backend's HTTP contract, shared by the backend, the desktop main process and the
 * renderer's browser shell.
 *
 * Schemas validate requests on the server; the interfaces type responses for clients.
 */
import { z } from 'zod';

/** Agent names are Vonage user names: short, no spaces, no path characters. */
export const agentName = z
  .string()
  .min(1, 'is required')
  .max(64, 'is at most 64 characters')
  .regex(/^[A-Za-z0-9._-]+$/, 'may hold letters, digits, dot, underscore and dash only');

/** `POST /api/auth/login`: a desktop client receives its refresh credential in the body; a web client gets an HttpOnly cookie instead. */
export const loginRequest = z.object({
  name: agentName,
  password: z.string().min(1, 'is required').max(256, 'is at most 256 characters'),
  client: z.enum(['desktop', 'web']).default('desktop'),
});
export type LoginRequest = z.input<typeof loginRequest>;

/** `POST /api/jwt`: the seed guide's compatibility endpoint. */
export const compatJwtRequest = z.object({
  mobile_api_key: z.string().min(1, 'is required').max(512),
  user_name: agentName,
});

/*
 * Response schemas: the answers main (`main/backend-client.ts`), the vault and the browser
 * bridge (`renderer/src/bridge/browser.ts`) read from the backend. Each client parses the
 * body with the schema before using it; the types below are derived from them, so the
 * server's answers and its clients cannot drift.
 */

/** The public face of an agent. */
export const agentProfileSchema = z.object({ name: z.string().min(1).max(64), display_name: z.string().max(200) });
export type AgentProfile = z.infer<typeof agentProfileSchema>;

/** Answer of a successful login. `refresh_token` is present for desktop clients only. */
export const loginResponseSchema = z.object({
  agent: agentProfileSchema,
  refresh_token: z.string().min(1).max(4096).optional(),
  expires_at: z.string().max(64),
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

/** Answer of `POST /api/auth/token`: a short-lived Client SDK JWT for the logged-in agent. */
export const sdkTokenResponseSchema = z.object({
  agent: agentProfileSchema,
  jwt: z.string().min(1).max(8192),
  expires_at: z.string().max(64).refine((value) => !Number.isNaN(Date.parse(value)), 'is not a date'),
});
export type SdkTokenResponse = z.infer<typeof sdkTokenResponseSchema>;

/** Where the Client SDK connects, as `GET /api/config` tells every client. */
export const sdkEndpointsSchema = z.object({ apiUrl: z.string().max(2048), websocketUrl: z.string().max(2048) });
export type SdkEndpoints = z.infer<typeof sdkEndpointsSchema>;

/** Answer of `GET /api/config`. */
export const clientConfigSchema = z.object({ sdk: sdkEndpointsSchema, contact_number: z.string().max(64).nullable() });
export type ClientConfig = z.infer<typeof clientConfigSchema>;

/** Every 4xx/5xx answer of the backend carries this body. */
export const apiErrorBodySchema = z.object({
  error: z.object({
    code: z.string().max(64),
    message: z.string().max(2000),
    /** The request field at fault, as a dotted path, where one is. */
    field: z.string().max(200).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

/**
 * What became of a finished call (null while it is live). A customer's call ends as one of
 * answered, abandoned, missed, voicemail, overflow, timeout or failed; a call an agent places
 * (outbound) as answered, busy, unanswered or failed. See `server/webhooks/call-log.ts`.
 */
export const CALL_OUTCOMES = ['answered', 'abandoned', 'missed', 'voicemail', 'overflow', 'timeout', 'failed', 'busy', 'unanswered'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Kinds of call event: the event_url's (leg status, recording done, input, transfer, notify, platform error) and the backend's own `control` (an agent's hold, consult, conference, transfer; its `status` names the action). */
export type CallEventKind = 'status' | 'record' | 'input' | 'transfer' | 'notify' | 'error' | 'control';

/** One call (conversation) of the call log, without its events. */
export interface CallLogRecord {
  conversation_uuid: string;
  /** inbound (a customer called), outbound (an agent or the backend called out). */
  direction: string | null;
  /** The caller: a phone number, or the agent's name for an agent's outbound call. */
  from: string | null;
  /** The number (or user) dialled. */
  to: string | null;
  /** The agent who answered (or, if nobody did, the last one offered the call). */
  agent: string | null;
  /** Live state of the call: started, ringing, answered, then the final leg status. */
  status: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  /** The call flow that answered it (set by the flow). */
  flow: string | null;
  /** The queue it waited in, if any (set by the flow). */
  queue: string | null;
  /** The campaign topic (call whisper), if any. */
  topic: string | null;
  /** When it entered the queue; wait time counts from here when set, else from the start. */
  queued_at: string | null;
  /** Seconds until an agent (or the dialled party) answered, or until the call ended unanswered. */
  wait_s: number | null;
  /** Seconds the customer and the agent talked. */
  talk_s: number | null;
  outcome: CallOutcome | null;
  /** Why the flow redirected or ended it (timeout, overflow, no-agents…), as the flow recorded it. */
  flow_outcome: string | null;
  recording_url: string | null;
  voicemail_url: string | null;
}

/**
 * One leg of a call other than the caller's: an agent (or outside phone) offered the call.
 * A transferred call has one per agent; talk time is the leg's, from its answer to its end.
 */
export interface CallSegment {
  leg_uuid: string;
  /** The agent whose leg it is; null for an outside phone. */
  agent: string | null;
  /** Who the leg rang (the agent's name, or the phone number). */
  party: string | null;
  offered_at: string;
  answered_at: string | null;
  /** When the leg ended; the call's end for a leg whose own end has not been reported yet. */
  ended_at: string | null;
  /** The leg's final status (completed, rejected, timeout, cancelled…); null while live or unreported. */
  end_status: string | null;
  talk_s: number | null;
  /** Seconds on hold (not tracked yet: 0). */
  hold_s: number;
}

/** One row of the call log as `GET /api/calls` returns it. */
export interface CallLogEntry extends CallLogRecord {
  events: Array<{ uuid: string | null; kind: CallEventKind; status: string | null; agent: string | null; timestamp: string }>;
}

/** An agent's availability: set by the agent (available, away), by calls (busy, wrap-up) and by their connection (offline). */
export const agentStatus = z.enum(['available', 'busy', 'away', 'wrap-up', 'offline']);
export type AgentStatus = z.infer<typeof agentStatus>;

/**
 * The built-in away reason: the desktop app sets it while the PC sleeps or is locked
 * (`main/power.ts`). Always accepted with away, never on the operator's list (so never offered
 * in the agent's Away menu), and not a label the operator may use.
 */
export const SYSTEM_AWAY_REASON = 'system';
/** How reports, the console and the status line show {@link SYSTEM_AWAY_REASON}. */
export const SYSTEM_AWAY_REASON_TEXT = 'System (sleep or lock)';

/** Whether a label names the built-in reason (its value or its text, in any case). */
export function isSystemAwayReason(label: string): boolean {
  const lower = label.trim().toLowerCase();
  return lower === SYSTEM_AWAY_REASON || lower === SYSTEM_AWAY_REASON_TEXT.toLowerCase();
}

/** An away reason as people read it: the built-in one as its text, the operator's as configured. */
export function awayReasonText(reason: string): string {
  // Any spelling of it: an agent may have been away for a "System" the operator configured before it was built in.
  return isSystemAwayReason(reason) ? SYSTEM_AWAY_REASON_TEXT : reason;
}

/** `PUT /api/agent/status`: the statuses an agent may choose; choosing one ends a wrap-up early. */
export const agentStatusRequest = z.object({
  status: z.enum(['available', 'away']),
  /** With away: one of the configured away reasons (`GET /api/agent/away-reasons`) or {@link SYSTEM_AWAY_REASON}. */
  reason: z.string().trim().min(1, 'must not be empty').max(40, 'is at most 40 characters').optional(),
});
export type AgentStatusRequest = z.infer<typeof agentStatusRequest>;

/** One away reason as the admin API takes it: a short label. */
export const awayReasonLabel = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(40, 'is at most 40 characters')
  .refine((label) => !isSystemAwayReason(label), `is the built-in reason ${SYSTEM_AWAY_REASON_TEXT}, set by the app itself`);

/** `PUT /api/admin/away-reasons`: the whole list, in order (labels unique, any case; the built-in reason is not on it). */
export const awayReasonsRequest = z.object({
  reasons: z
    .array(awayReasonLabel)
    .max(50, 'has at most 50 reasons')
    .refine((list) => new Set(list.map((l) => l.toLowerCase())).size === list.length, 'must not repeat a reason'),
});

/** `GET /api/agent/away-reasons`, `GET|PUT /api/admin/away-reasons`. */
export const awayReasonsSchema = z.object({ reasons: z.array(z.string().max(40)).max(50) });
export type AwayReasons = z.infer<typeof awayReasonsSchema>;

/** `PUT /api/agent/voice`: the app's voice session is up (renewing its lease) or down. */
export const voiceReportRequest = z.object({ state: z.enum(['up', 'down']) });
export type VoiceReport = z.infer<typeof voiceReportRequest>;

/** An agent's own status, as `GET|PUT /api/agent/status` answer and the `status` server-sent event carries it. */
export const agentStatusInfoSchema = z.object({
  status: agentStatus,
  /** When this status began. */
  since: z.string().max(64),
  /** When a wrap-up ends on its own; null outside wrap-up. */
  wrap_up_ends_at: z.string().max(64).nullable(),
  /** While away: the reason the agent gave, if any. */
  away_reason: z.string().max(40).nullable(),
  /**
   * Whether calls can reach the agent: their app's connection is up and its voice session
   * too. False while either is lost (the status is kept to return to; routing skips them).
   */
  reachable: z.boolean(),
});
export type AgentStatusInfo = z.infer<typeof agentStatusInfoSchema>;

/** A page of calls (`GET /api/agent/calls`, `/api/agent/calls/missed`, `/api/admin/calls`). */
export interface CallPage {
  calls: CallLogRecord[];
  /** How many calls match in all, counted up to 10,000: 10,000 means "10,000 or more". */
  total: number;
  limit: number;
  offset: number;
  /**
   * Pass as `cursor` (with `offset` 0) for the next page: it continues after this page's last
   * call, so calls arriving meanwhile neither repeat a row nor skip one. Null on the last page.
   */
  next_cursor: string | null;
}
