/**
 * The whole IPC contract between the renderer (through the preload) and the main process.
 *
 * Three maps: `invoke` (renderer asks, main answers), `send` (renderer tells, fire and
 * forget) and `events` (main tells the renderer). Each entry carries the zod schema main
 * uses to parse the payload before a handler runs; types are derived from the schemas, so
 * the preload, main and renderer cannot drift. Channel names read `domain:action`.
 */
import { z } from 'zod';
import { agentName, agentProfileSchema, agentStatus, agentStatusInfoSchema, agentStatusRequest, awayReasonsSchema, sdkEndpointsSchema, voiceReportRequest } from './backend-api';
import { callContextSchema } from './call-context';
import { deskAnswerSchemas, deskRequestSchema, voicemailAudioSchema } from './agent-desk';
import { callQualitySummarySchema } from './call-quality';
import { audioPreferencesSchema } from './audio-preferences';

const callId = z.string().min(1).max(128);

/** What can be done to the call in progress from outside the renderer (tray, shortcuts). */
export const IN_CALL_CONTROLS = ['mute', 'unmute', 'hold', 'resume'] as const;
export type InCallControl = (typeof IN_CALL_CONTROLS)[number];
const phoneOrUser = z.string().max(128);

export const callSummarySchema = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('idle') }),
  z.object({ phase: z.literal('ringing'), callId, from: phoneOrUser }),
  z.object({
    phase: z.literal('active'),
    callId,
    from: phoneOrUser,
    since: z.number().int().nonnegative(),
    /** What the agent's call is doing; absent, main offers only Hang up. */
    state: z.enum(['calling', 'talking', 'held', 'consulting', 'conference', 'transferring']).optional(),
    muted: z.boolean().optional(),
    /** A second call ringing while the agent is on this one (call waiting). */
    waiting: z.object({ callId, from: phoneOrUser }).optional(),
    /**
     * The in-call controls that apply now (`inCallControls` in `common/call-state.ts`): main's
     * tray, shortcuts and notifications offer exactly these and never work them out from
     * `state`. Absent, main offers only Hang up.
     */
    controls: z.array(z.enum(IN_CALL_CONTROLS)).max(IN_CALL_CONTROLS.length).optional(),
  }),
]);

const agentTarget = z.strictObject({ type: z.literal('agent'), agent: agentName });
const queueTarget = z.strictObject({ type: z.literal('queue'), queue: z.string().min(1).max(40) });
/** E.164 digits without the plus, as Vonage and the backend write numbers (the renderer checks and converts what the agent typed). */
const phoneTarget = z.strictObject({ type: z.literal('phone'), number: z.string().regex(/^[1-9][0-9]{6,14}$/) });

/** Where a caller can be sent (blind transfer). */
export const transferTargetSchema = z.discriminatedUnion('type', [agentTarget, queueTarget, phoneTarget]);
export type TransferTarget = z.infer<typeof transferTargetSchema>;

/** Whom an agent can call in (warm transfer, conference). */
export const consultTargetSchema = z.discriminatedUnion('type', [agentTarget, phoneTarget]);
export type ConsultTarget = z.infer<typeof consultTargetSchema>;

/** A call-control request the renderer makes for one of its calls (`callId`: the agent's leg). */
export const callControlRequestSchema = z.discriminatedUnion('action', [
  /** Read the call's control state (hold, consult, conference). */
  z.strictObject({ action: z.literal('state'), callId }),
  z.strictObject({ action: z.literal('hold'), callId, held: z.boolean() }),
  z.strictObject({ action: z.literal('transfer'), callId, target: transferTargetSchema }),
  z.strictObject({ action: z.literal('consult'), callId, target: consultTargetSchema }),
  z.strictObject({ action: z.literal('complete'), callId }),
  z.strictObject({ action: z.literal('cancel'), callId }),
  z.strictObject({ action: z.literal('conference'), callId }),
  z.strictObject({ action: z.literal('leave'), callId }),
]);
export type CallControlRequest = z.infer<typeof callControlRequestSchema>;

/** The backend's control state of a call (`GET /api/agent/calls/{leg}/control`). */
export const callControlStateSchema = z.object({
  held: z.boolean(),
  /** When the current hold began (ISO), or null. */
  since: z.string().max(64).nullable(),
  total_s: z.number().nonnegative(),
  consult: z
    .object({
      target: z.discriminatedUnion('type', [
        z.object({ type: z.literal('agent'), agent: z.string().max(64) }),
        z.object({ type: z.literal('phone'), number: z.string().max(32) }),
      ]),
      state: z.enum(['ringing', 'talking', 'conference']),
      by: z.string().max(64),
    })
    .nullable(),
});
export type CallControlState = z.infer<typeof callControlStateSchema>;

/**
 * What became of a call-control request: the call's control state (null after a transfer or
 * leaving, when the agent's leg is going away), or the backend's refusal with its message.
 */
export const callControlResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), control: callControlStateSchema.nullable() }),
  z.object({ ok: z.literal(false), code: z.string().max(64), message: z.string().max(500) }),
]);
export type CallControlResult = z.infer<typeof callControlResultSchema>;

/** Where the agent may send or consult: other agents with their status, and the queues. */
export const transferTargetsSchema = z.object({
  agents: z.array(z.object({ name: z.string().max(64), status: agentStatus })).max(1000),
  queues: z.array(z.object({ name: z.string().max(40), label: z.string().max(100).nullable() })).max(1000),
});
export type TransferTargets = z.infer<typeof transferTargetsSchema>;


/** What the renderer needs to run the softphone once an agent is signed in. */
export const sessionInfoSchema = z.object({ agent: agentProfileSchema, sdk: sdkEndpointsSchema });
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const loginOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), session: sessionInfoSchema }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type LoginOutcome = z.infer<typeof loginOutcomeSchema>;

export const sdkTokenSchema = z.object({ token: z.string(), expiresAt: z.number() });
export type SdkToken = z.infer<typeof sdkTokenSchema>;

const shortcutStateSchema = z.object({
  accelerator: z.string(),
  registered: z.boolean(),
  error: z.string().optional(),
});
export const shortcutStatusSchema = z.object({
  answer: shortcutStateSchema,
  hangup: shortcutStateSchema,
  /** Mute / unmute and hold / resume the call in progress: present when configured. */
  mute: shortcutStateSchema.optional(),
  hold: shortcutStateSchema.optional(),
});
export type ShortcutStatus = z.infer<typeof shortcutStatusSchema>;

export const callCommandSchema = z.object({
  /** answer / decline act on the ringing or waiting call; the others on the call in progress. */
  action: z.enum(['answer', 'decline', 'hangup', 'mute', 'unmute', 'hold', 'resume']),
  callId,
  /** `window`: the incoming-call window (`main/incoming-window.ts`). */
  source: z.enum(['shortcut', 'notification', 'tray', 'window']),
});
export type CallCommand = z.infer<typeof callCommandSchema>;

/** The agent's status as main forwards it: the backend's own schema (`common/backend-api.ts`), one contract end to end. */
export { agentStatusInfoSchema };
export type AgentStatusInfoPayload = z.infer<typeof agentStatusInfoSchema>;

/** A tel:/callto:/sip: link named a number (shown with Call / Cancel; never dialled without the agent), or nothing callable. */
export const dialRequestSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), number: z.string().regex(/^[1-9][0-9]{6,14}$/), display: z.string().max(64) }),
  z.object({ ok: z.literal(false), message: z.string().max(500) }),
]);
export type DialRequestPayload = z.infer<typeof dialRequestSchema>;

/** The call a crashed renderer had: the new one takes it up again (`reconnectCall`) if the platform still has it. */
export const callRecoverSchema = z.object({ callId, from: phoneOrUser, since: z.number().int().nonnegative() });

/** A renderer log line for the log file. */
export const logWriteSchema = z.strictObject({ level: z.enum(['info', 'warn', 'error']), message: z.string().max(2000) });

const none = z.undefined();

/** The desktop app's own settings (the browser shell reports them unsupported). */
export const desktopSettingsSchema = z.object({
  /** Start Switchboard when the agent logs in to the computer (off unless turned on). */
  openAtLogin: z.object({ supported: z.boolean(), enabled: z.boolean() }),
});
export type DesktopSettings = z.infer<typeof desktopSettingsSchema>;

/** Renderer → main, with an answer. */
export const invokeChannels = {
  'session:restore': { request: none, response: sessionInfoSchema.nullable() },
  'auth:login': {
    request: z.object({ name: agentName, password: z.string().min(1).max(256) }),
    response: loginOutcomeSchema,
  },
  'auth:logout': { request: none, response: z.void() },
  'token:sdk': { request: none, response: sdkTokenSchema },
  'shortcuts:status': { request: none, response: shortcutStatusSchema },
  /** The agent's current status (main asks the backend with the stored credential). */
  'status:get': { request: none, response: agentStatusInfoSchema },
  /** The agent chooses available or away (also ends a wrap-up early). */
  'status:set': { request: agentStatusRequest, response: agentStatusInfoSchema },
  /** The away reasons the agent may pick from (configured by the admin). */
  'status:away-reasons': { request: none, response: awayReasonsSchema },
  /** The softphone's voice session is up (renewed every few seconds) or down; the backend routes calls only while up. */
  'status:voice': { request: voiceReportRequest, response: agentStatusInfoSchema },
  /** Why an incoming call rings the agent (flow, number dialled, campaign topic); null when the backend has nothing. */
  'call:context': { request: z.object({ callId }), response: callContextSchema.nullable() },
  /** Hold, transfer, consult, complete, cancel, conference, leave, or read the state (main calls the backend's call-control API). */
  'call:control': { request: callControlRequestSchema, response: callControlResultSchema },
  /** Agents (with their status) and queues the agent may transfer to. */
  'call:transfer-targets': { request: none, response: transferTargetsSchema },
  /** History, missed-call badge, voicemail inbox, dispositions and after-call work (`common/agent-desk.ts`; main checks the answer against the action's schema too). */
  'desk:request': { request: deskRequestSchema, response: z.union(Object.values(deskAnswerSchemas)) },
  /** A voicemail's audio (main fetches it with the stored credential; the renderer plays it from a blob URL). */
  'voicemail:audio': { request: z.object({ id: z.string().uuid() }), response: voicemailAudioSchema },
  /** The desktop app's settings (start at login). */
  'settings:get': { request: none, response: desktopSettingsSchema },
  /** Changes a setting; answers the settings as they now are. */
  'settings:set': { request: z.strictObject({ openAtLogin: z.boolean() }), response: desktopSettingsSchema },
  /** A call's quality summary at hang-up, stored with the call's record (`PUT /api/agent/calls/{leg}/quality`). */
  'call:quality': {
    request: z.object({ callId, summary: callQualitySummarySchema }),
    response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), message: z.string().max(500) })]),
  },
  /** The agent's audio choices (microphone, speaker, ringer device and volume) from main's store. */
  'audio:get': { request: none, response: audioPreferencesSchema },
  /** Stores the audio choices in main's store (the ring window plays with them); answers them as stored. */
  'audio:set': { request: audioPreferencesSchema, response: audioPreferencesSchema },
} as const;

/** Renderer → main, no answer. */
export const sendChannels = {
  /** The renderer is ready to receive events: main flushes what it queued before. */
  'app:ready': none,
  /** The softphone's call state changed: main drives tray, notification and ringer from it. */
  'call:state': callSummarySchema,
  /** A warning or error of the renderer, for the log file (main redacts and rate-limits it). */
  'log:write': logWriteSchema,
} as const;

/** Main → renderer. */
export const eventChannels = {
  /** Answer/decline/hang up, asked for outside the renderer (shortcut, notification, tray). */
  'call:command': callCommandSchema,
  'shortcuts:status': shortcutStatusSchema,
  /** Main lost the agent's session (credential revoked or unreadable): show the login. */
  'session:ended': z.object({ reason: z.string() }),
  /** The agent's status changed (pushed by the backend's event stream, which main holds). */
  'status:changed': agentStatusInfoSchema,
  /** A dial link (tel:, callto:, sip:) opened the app. */
  'dial:request': dialRequestSchema,
  /** The PC woke, unlocked or came back online: rebuild the voice session. */
  'system:resumed': z.object({ after: z.enum(['suspend', 'lock', 'offline']) }),
  /** The renderer was restarted after a crash during this call. */
  'call:recover': callRecoverSchema,
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type SendChannel = keyof typeof sendChannels;
export type EventChannel = keyof typeof eventChannels;

export type InvokeRequest<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['response']>;
export type SendPayload<C extends SendChannel> = z.infer<(typeof sendChannels)[C]>;
export type EventPayload<C extends EventChannel> = z.infer<(typeof eventChannels)[C]>;
