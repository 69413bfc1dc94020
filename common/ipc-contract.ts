/**
 * The whole IPC contract between the renderer (through the preload) and the main process.
 *
 * Three maps: `invoke` (renderer asks, main answers), `send` (renderer tells, fire and
 * forget) and `events` (main tells the renderer). Each entry carries the zod schema main
 * uses to parse the payload before a handler runs; types are derived from the schemas, so
 * the preload, main and renderer cannot drift. Channel names read `domain:action`.
 */
import { z } from 'zod';
import { agentName, agentStatus, agentStatusRequest } from './backend-api';
import { callContextSchema } from './call-context';

const callId = z.string().min(1).max(128);
const phoneOrUser = z.string().max(128);

export const callSummarySchema = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('idle') }),
  z.object({ phase: z.literal('ringing'), callId, from: phoneOrUser }),
  z.object({ phase: z.literal('active'), callId, from: phoneOrUser, since: z.number().int().nonnegative() }),
]);

const agentProfileSchema = z.object({ name: z.string(), display_name: z.string() });
const sdkEndpointsSchema = z.object({ apiUrl: z.string(), websocketUrl: z.string() });

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
export const shortcutStatusSchema = z.object({ answer: shortcutStateSchema, hangup: shortcutStateSchema });
export type ShortcutStatus = z.infer<typeof shortcutStatusSchema>;

export const callCommandSchema = z.object({
  action: z.enum(['answer', 'decline', 'hangup']),
  callId,
  source: z.enum(['shortcut', 'notification', 'tray']),
});
export type CallCommand = z.infer<typeof callCommandSchema>;

/** The agent's status as main forwards it (the backend's `AgentStatusInfo`). */
export const agentStatusInfoSchema = z.object({
  status: agentStatus,
  since: z.string().max(64),
  wrap_up_ends_at: z.string().max(64).nullable(),
});
export type AgentStatusInfoPayload = z.infer<typeof agentStatusInfoSchema>;

const none = z.undefined();

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
  /** Why an incoming call rings the agent (flow, number dialled, campaign topic); null when the backend has nothing. */
  'call:context': { request: z.object({ callId }), response: callContextSchema.nullable() },
} as const;

/** Renderer → main, no answer. */
export const sendChannels = {
  /** The renderer is ready to receive events: main flushes what it queued before. */
  'app:ready': none,
  /** The softphone's call state changed: main drives tray, notification and ringer from it. */
  'call:state': callSummarySchema,
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
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type SendChannel = keyof typeof sendChannels;
export type EventChannel = keyof typeof eventChannels;

export type InvokeRequest<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['response']>;
export type SendPayload<C extends SendChannel> = z.infer<(typeof sendChannels)[C]>;
export type EventPayload<C extends EventChannel> = z.infer<(typeof eventChannels)[C]>;
