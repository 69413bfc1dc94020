/**
 * Why a call rings an agent: the flow, the number the caller dialled and, for a campaign
 * number, its topic (seed 002's call whisper). The backend sends it on the agent's event
 * stream (`call-context`) and answers `GET /api/calls/:legUuid/context`; the app shows it on
 * the incoming-call panel and during the call.
 */
import { z } from 'zod';

/** Schema of a {@link CallContext}, for clients that validate what they receive. */
export const callContextSchema = z.object({
  /** The agent's leg: the Client SDK's call id. */
  leg_uuid: z.string().min(1).max(128),
  /** The caller's leg. */
  call_uuid: z.string().min(1).max(128),
  flow: z.enum(['inbound', 'ivr', 'custom', 'whisper', 'queue']),
  /** The number the caller dialled (E.164 digits). */
  number: z.string().max(32).nullable(),
  /** The caller's number. */
  caller: z.string().max(128).nullable(),
  /** The campaign topic, e.g. "the summer offer". */
  topic: z.string().max(200).nullable(),
  /** The queue the caller waited in. */
  queue: z.string().max(40).nullable(),
  /** The label the operator gave the number, e.g. "Summer billboard". */
  label: z.string().max(100).nullable(),
});

/** The context of a call offered to an agent. */
export type CallContext = z.infer<typeof callContextSchema>;
