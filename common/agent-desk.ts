/**
 * The agent's desk around calls: recent calls with the missed-call badge, the voicemail
 * inbox, and after-call work (disposition and notes). One place for the shapes every side
 * shares: the backend validates requests with these schemas, main validates the answers it
 * forwards over IPC (`common/ipc-contract.ts`), and main and the browser bridge map a
 * {@link DeskRequest} onto the same HTTP request ({@link deskHttpRequest}).
 */
import { z } from 'zod';

const iso = z.string().max(64);
const text = (max: number) => z.string().max(max);

/** One call of the agent's history, as the app shows it (`GET /api/agent/calls`; extra fields are dropped). */
export const agentCallSchema = z.object({
  conversation_uuid: text(256),
  direction: text(32).nullable(),
  from: text(128).nullable(),
  to: text(128).nullable(),
  started_at: iso,
  answered_at: iso.nullable(),
  ended_at: iso.nullable(),
  duration_s: z.number().nullable(),
  talk_s: z.number().nullable(),
  outcome: text(32).nullable(),
  /** This agent was offered the call and did not answer it (whoever else did). */
  missed: z.boolean(),
  /** The agent's own after-call work on it; null until saved. */
  disposition: text(40).nullable(),
  disposition_label: text(80).nullable(),
  notes: text(2000).nullable(),
});
export type AgentCall = z.infer<typeof agentCallSchema>;

/** A page of the agent's history (`GET /api/agent/calls`, keyset paged by `next_cursor`). */
export const agentCallPageSchema = z.object({
  calls: z.array(agentCallSchema).max(200),
  total: z.number().int().nonnegative(),
  next_cursor: text(1000).nullable(),
});
export type AgentCallPage = z.infer<typeof agentCallPageSchema>;

/** The missed-call badge: missed calls started after what the agent has seen (counted up to {@link MISSED_BADGE_CAP}). */
export const missedBadgeSchema = z.object({
  missed: z.number().int().nonnegative(),
  seen_up_to: iso.nullable(),
});
export type MissedBadge = z.infer<typeof missedBadgeSchema>;

/** The badge counts no further than this ("99+"). */
export const MISSED_BADGE_CAP = 100;

/** `PUT /api/agent/calls/seen`: the agent has seen their missed calls up to this call start (ISO). */
export const seenRequest = z.strictObject({
  up_to: z
    .string({ message: 'is required' })
    .max(64, 'is at most 64 characters')
    .refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && Number.isFinite(Date.parse(v)), 'must be an ISO 8601 time'),
});

/** A voicemail in the agent's inbox (`GET /api/voicemails`). */
export const voicemailItemSchema = z.object({
  id: text(64),
  caller: text(128).nullable(),
  number: text(128).nullable(),
  queue: text(64).nullable(),
  duration_s: z.number().nullable(),
  created_at: iso,
  handled_by: text(64).nullable(),
  handled_at: iso.nullable(),
});
export type VoicemailItem = z.infer<typeof voicemailItemSchema>;

/** `PUT /api/voicemails/:id/handled`. */
export const handledRequest = z.strictObject({ handled: z.boolean({ message: 'must be true or false' }) });

/** A voicemail's audio as main hands it to the renderer (which makes a blob URL of it). */
export const voicemailAudioSchema = z.object({
  contentType: z.string().regex(/^audio\/[a-z0-9.+-]+$/i),
  /** Base64 of the recording (at most about 20 MB). */
  base64: z.string().max(28_000_000),
});
export type VoicemailAudio = z.infer<typeof voicemailAudioSchema>;

/** One disposition of the operator's list: a stable code and what the agent reads. */
export const dispositionSchema = z.strictObject({
  code: z
    .string({ message: 'is required' })
    .min(1, 'is required')
    .max(40, 'is at most 40 characters')
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'may hold lower-case letters, digits, dash and underscore only'),
  label: z.string({ message: 'is required' }).trim().min(1, 'is required').max(80, 'is at most 80 characters'),
});
export type Disposition = z.infer<typeof dispositionSchema>;

/** `PUT /api/admin/dispositions`: the whole list, in order; codes unique. */
export const dispositionsRequest = z.strictObject({
  dispositions: z
    .array(dispositionSchema)
    .max(50, 'holds at most 50 dispositions')
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((d, index) => {
        if (seen.has(d.code)) ctx.addIssue({ code: 'custom', path: [index, 'code'], message: `repeats ${d.code}` });
        seen.add(d.code);
      });
    }),
});

/** The dispositions list as every API answers it. */
export const dispositionsSchema = z.object({ dispositions: z.array(z.object({ code: text(40), label: text(80) })).max(50) });
export type Dispositions = z.infer<typeof dispositionsSchema>;

/** Longest notes an agent may write on a call. */
export const NOTES_MAX = 2000;

/** `PUT /api/agent/wrap-ups/:conversationUuid`: the agent's disposition (a code of the list, or none) and notes. */
export const wrapUpRequest = z.strictObject({
  disposition: z.string().max(40, 'is at most 40 characters').nullable(),
  notes: z.string({ message: 'is required' }).max(NOTES_MAX, `is at most ${NOTES_MAX} characters`),
});
export type WrapUpRequest = z.infer<typeof wrapUpRequest>;

/** `PATCH /api/agent/wrap-ups/:conversationUuid`: the notes edited after wrap-up (the disposition stays). */
export const wrapUpNotesRequest = z.strictObject({
  notes: z.string({ message: 'is required' }).max(NOTES_MAX, `is at most ${NOTES_MAX} characters`),
});

/** The agent's after-call work on a call, as saved. */
export const wrapUpSchema = z.object({
  conversation_uuid: text(256),
  disposition: text(40).nullable(),
  disposition_label: text(80).nullable(),
  notes: text(NOTES_MAX),
  updated_at: iso,
});
export type WrapUp = z.infer<typeof wrapUpSchema>;

const conversation = z.string().min(1).max(256);

/** What the app asks of the backend about history, voicemail and after-call work (not the audio: {@link voicemailAudioPath}). */
export const deskRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('history'), cursor: z.string().min(1).max(1000).optional(), missed: z.boolean().optional() }),
  z.strictObject({ action: z.literal('unseen') }),
  z.strictObject({ action: z.literal('seen'), upTo: z.string().min(1).max(64) }),
  z.strictObject({ action: z.literal('voicemails') }),
  z.strictObject({ action: z.literal('handled'), id: z.string().uuid(), handled: z.boolean() }),
  z.strictObject({ action: z.literal('dispositions') }),
  z.strictObject({ action: z.literal('wrap-up'), conversationUuid: conversation, disposition: z.string().max(40).nullable(), notes: z.string().max(NOTES_MAX) }),
  /** Edit a call's notes from Recent calls, after wrap-up. */
  z.strictObject({ action: z.literal('notes'), conversationUuid: conversation, notes: z.string().max(NOTES_MAX) }),
]);
export type DeskRequest = z.infer<typeof deskRequestSchema>;

/** How many calls one history page shows. */
export const HISTORY_PAGE = 25;

/** One HTTP request of the desk API. */
export interface DeskHttpRequest {
  method: 'GET' | 'PUT' | 'PATCH';
  path: string;
  body?: unknown;
}

/** The backend route of a desk request. */
export function deskHttpRequest(request: DeskRequest): DeskHttpRequest {
  switch (request.action) {
    case 'history': {
      const cursor = request.cursor ? `&cursor=${encodeURIComponent(request.cursor)}` : '';
      return { method: 'GET', path: `/api/agent/calls${request.missed ? '/missed' : ''}?limit=${HISTORY_PAGE}${cursor}` };
    }
    case 'unseen':
      return { method: 'GET', path: '/api/agent/calls/unseen' };
    case 'seen':
      return { method: 'PUT', path: '/api/agent/calls/seen', body: { up_to: request.upTo } };
    case 'voicemails':
      return { method: 'GET', path: '/api/voicemails?limit=100' };
    case 'handled':
      return { method: 'PUT', path: `/api/voicemails/${encodeURIComponent(request.id)}/handled`, body: { handled: request.handled } };
    case 'dispositions':
      return { method: 'GET', path: '/api/agent/dispositions' };
    case 'wrap-up':
      return {
        method: 'PUT',
        path: `/api/agent/wrap-ups/${encodeURIComponent(request.conversationUuid)}`,
        body: { disposition: request.disposition, notes: request.notes },
      };
    case 'notes':
      return { method: 'PATCH', path: `/api/agent/wrap-ups/${encodeURIComponent(request.conversationUuid)}`, body: { notes: request.notes } };
  }
}

/** The answer schema of each desk request. */
export const deskAnswerSchemas = {
  history: agentCallPageSchema,
  unseen: missedBadgeSchema,
  seen: missedBadgeSchema,
  voicemails: z.array(voicemailItemSchema).max(200),
  handled: voicemailItemSchema,
  dispositions: dispositionsSchema,
  'wrap-up': wrapUpSchema,
  notes: wrapUpSchema,
} as const;
export type DeskAnswer<A extends DeskRequest['action']> = z.infer<(typeof deskAnswerSchemas)[A]>;

/** The path of a voicemail's audio for agents. */
export function voicemailAudioPath(id: string): string {
  return `/api/voicemails/${encodeURIComponent(id)}/audio`;
}
