/**
 * Where a flow can send a call: an agent, a queue, an outside number, voicemail, or a
 * polite goodbye. IVR options, IVR and inbound fallbacks and the queues' timeout, overflow
 * and no-agents redirects (seed 003) all choose one of these.
 */
import { z } from 'zod';
import { agentName } from './backend-api';
import { checkPhoneNumber } from './phone-number';

/** Queue names: they appear in conversation names and URLs, so letters, digits, `_` and `-`. */
export const queueName = z
  .string()
  .min(1, 'is required')
  .max(40, 'is at most 40 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'may hold letters, digits, underscore and dash, starting with a letter or digit');

/** A valid phone number, stored as Vonage writes it (E.164 digits, no plus). */
export const phoneDigits = z.string().transform((value, ctx) => {
  const checked = checkPhoneNumber(value);
  if (checked.ok) return checked.digits;
  ctx.addIssue({ code: 'custom', message: 'must be a valid phone number in E.164 form, like +14155550100' });
  return z.NEVER;
});

/** Text the platform speaks: non-empty, within Vonage's talk limit. */
export const spokenText = z.string().trim().min(1, 'must not be empty').max(1500, 'is at most 1500 characters');

/** Schema of a {@link RouteTarget}. */
export const routeTarget = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('agent'), agent: agentName }),
  z.strictObject({ type: z.literal('queue'), queue: queueName }),
  z.strictObject({ type: z.literal('phone'), number: phoneDigits }),
  z.strictObject({ type: z.literal('voicemail'), greeting: spokenText.optional() }),
  z.strictObject({ type: z.literal('disconnect'), message: spokenText.optional() }),
]);

/** A destination for a call. */
export type RouteTarget = z.output<typeof routeTarget>;

/** Voicemail: the redirect every flow falls back to unless configured otherwise. */
export const VOICEMAIL: RouteTarget = { type: 'voicemail' };

/**
 * The target as a menu would say it: "talk to Jane", "reach the support queue".
 *
 * Used to write an IVR prompt from its options when the operator gives none.
 */
export function describeTarget(target: RouteTarget): string {
  switch (target.type) {
    case 'agent':
      return `talk to ${target.agent}`;
    case 'queue':
      return `reach the ${target.queue} queue`;
    case 'phone':
      return 'be transferred';
    case 'voicemail':
      return 'leave a message';
    case 'disconnect':
      return 'end the call';
  }
}
