/**
 * The operator console's API shapes (`/api/console/...` and what the console reads from
 * `/api/admin/...`), shared by the backend (`server/console/`) and the console page (`console/`).
 */
import type { CallLogRecord, CallOutcome, CallSegment } from './backend-api';

/** What a console user may do: supervisors see and monitor; admins also change configuration. */
export type ConsoleRole = 'admin' | 'supervisor';

/** Answer of `POST /api/console/login` and `GET /api/console/session`. */
export interface ConsoleSessionView {
  user: { name: string; display_name: string; role: ConsoleRole };
  /** Send back in `X-CSRF-Token` with every change. */
  csrf_token: string;
}

/** One queue on the wallboard. */
export interface WallboardQueue {
  name: string;
  label: string;
  waiting: number;
  /** When the longest-waiting caller joined, or null. */
  oldest_waiting_since: string | null;
  offered_today: number;
  answered_today: number;
  abandoned_today: number;
  answered_within_target: number;
  service_level_target_s: number;
  /** Answered within target / offered (0–1); null before the first call today. */
  service_level: number | null;
}

/** One agent on the wallboard. */
export interface WallboardAgent {
  name: string;
  display_name: string;
  status: string;
  /** Why (an away reason), where presence records one. */
  reason: string | null;
  since: string;
  call: { conversation_uuid: string; from: string | null; flow: string | null; queue: string | null; state: 'ringing' | 'talking'; since: string } | null;
}

/** A call in progress on the wallboard. */
export interface WallboardCall {
  conversation_uuid: string;
  from: string | null;
  to: string | null;
  direction: string | null;
  flow: string | null;
  queue: string | null;
  agent: string | null;
  state: 'waiting' | 'ringing' | 'talking' | 'in-flow';
  started_at: string;
  answered_at: string | null;
}

/** The whole wallboard (`GET /api/console/wallboard`, and each `board` event of its stream). */
export interface WallboardSnapshot {
  /** The server's clock when computed (the page corrects its own clock's offset with it). */
  at: string;
  /** Start of "today" (UTC midnight). */
  day_start: string;
  queues: WallboardQueue[];
  agents: WallboardAgent[];
  calls: WallboardCall[];
}

/** One audit log entry. */
export interface AuditEntry {
  id: number;
  at: string;
  /** The console user's name, or "admin token". */
  actor: string;
  actor_role: string;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
}

/** Answer of `GET /api/console/audit`: newest first; `next_before` pages on. */
export interface AuditPage {
  entries: AuditEntry[];
  next_before: number | null;
}

/** One call of an agent's day. */
export interface AgentDayCall extends CallSegment {
  conversation_uuid: string;
  queue: string | null;
  outcome: CallOutcome | null;
  wrap_up_s: number;
  handle_s: number;
}

/** Answer of `GET /api/console/agents/:name/day`. */
export interface AgentDayView {
  agent: string;
  display_name: string;
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  from: string;
  to: string;
  calls: AgentDayCall[];
  totals: { offered: number; answered: number; talk_s: number; hold_s: number; wrap_up_s: number; handle_s: number };
  /** Seconds in each status over the day (up to now for today). */
  time_in_status: Record<string, number>;
}

/** A voicemail in the console (`GET /api/console/voicemails`). */
export interface ConsoleVoicemail {
  id: string;
  caller: string | null;
  number: string | null;
  queue: string | null;
  duration_s: number | null;
  created_at: string;
  assigned_to: string | null;
  assigned_at: string | null;
  handled_at: string | null;
  /** The console user (or "admin token") who marked it handled. */
  handled_by: string | null;
  /** Where the page plays it (the admin API's audio route). */
  audio_url: string;
}

/** Answer of `GET /api/console/voicemails`, newest first. */
export interface ConsoleVoicemailPage {
  voicemails: ConsoleVoicemail[];
}

/** `GET /api/admin/test-calls`: whether the console's "call this number" button can place a call. */
export interface TestCallsView {
  /** True when the backend runs against the embedded platform, whose simulated phones can call. */
  available: boolean;
  /** Why not, in words, when unavailable. */
  reason: string | null;
  /** The simulated phone the test calls come from (E.164 digits). */
  from: string;
}

/** A test call placed from the console (`POST /api/admin/numbers/:number/test-call`, `GET /api/admin/test-calls/:uuid`). */
export interface TestCallView {
  uuid: string;
  from: string;
  to: string;
  /** The simulated phone's status: started, ringing, answered, completed… */
  status: string;
  /** What the caller has heard so far (the platform's speech), oldest first. */
  heard: string[];
}

/** One of the seed guide's sample NCCOs to start a custom flow from (`GET /api/admin/numbers/:number/ncco-samples`). */
export interface NccoSample {
  id: 'inbound' | 'outbound' | 'ivr';
  label: string;
  /** What the operator should know before saving it. */
  note: string;
  ncco: unknown[];
}

/** A supervisor's way of monitoring a call: hear both (listen), talk to the agent only (coach), talk to both (barge). */
export type MonitorMode = 'listen' | 'coach' | 'barge';

/** A call's monitoring (`GET|POST|PUT|DELETE /api/admin/calls/:call/monitor`). */
export interface MonitorView {
  /** The caller's leg, which names the call in the backend. */
  call: string;
  conversation_uuid: string | null;
  monitor: null | { id: string; supervisor: string; mode: MonitorMode; joined: boolean; /** The supervisor's leg, once joined. */ leg: string | null };
}

/** `GET /api/console/monitor/token`: the supervisor's own short-lived Client SDK token. */
export interface MonitorTokenResponse {
  user: string;
  jwt: string;
  expires_at: string;
  /** Where the browser's Client SDK connects. */
  sdk: { api_url: string; websocket_url: string };
}

/** One call of the console's call log (`GET /api/console/calls`), newest first. */
export interface ConsoleCallRow {
  conversation_uuid: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  direction: string | null;
  from: string | null;
  to: string | null;
  agent: string | null;
  queue: string | null;
  outcome: CallOutcome | null;
  wait_s: number | null;
  talk_s: number | null;
  duration_s: number | null;
  /** The dispositions the call's agents chose (labels, comma-separated), or null. */
  disposition: string | null;
}

/** Answer of `GET /api/console/calls`: a page and where the next one starts (null on the last). */
export interface ConsoleCallPage {
  calls: ConsoleCallRow[];
  next_cursor: string | null;
}

/** One entry of a call's timeline: an event, a leg's start/answer/end, a hold, a quality report. */
export interface ConsoleTimelineEntry {
  at: string;
  kind: 'event' | 'leg' | 'quality' | 'wrap-up' | 'voicemail';
  /** What happened, in words ("ringing", "agent jane answered", "hold 12 s"). */
  text: string;
  leg: string | null;
  agent: string | null;
}

/** Answer of `GET /api/console/calls/:uuid`: the call, its legs, quality, wrap-ups, media and timeline. */
export interface ConsoleCallDetail {
  call: CallLogRecord;
  legs: CallSegment[];
  quality: Array<{ leg_uuid: string; agent: string; mos_avg: number; mos_min: number; loss_pct: number; jitter_avg_ms: number; rtt_avg_ms: number | null; label: string }>;
  wrapups: Array<{ agent: string; disposition: string | null; notes: string; updated_at: string }>;
  voicemails: Array<{ id: string; duration_s: number | null; audio_url: string }>;
  /** Where the page plays the call's recording; null when it has none. */
  recording_audio_url: string | null;
  timeline: ConsoleTimelineEntry[];
}

/** A report of `GET /api/console/reports/:name` (JSON; `?format=csv` gives the same rows as CSV). */
export interface ConsoleReport<Row extends Record<string, string | number | null> = Record<string, string | number | null>> {
  report: string;
  from: string;
  to: string;
  columns: Array<keyof Row & string>;
  rows: Row[];
}
