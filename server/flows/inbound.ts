/**
 * The seed guide's Inbound Call flow (seed 000, §3.1).
 *
 * A caller dials the contact center's number, hears a greeting, and is connected to the
 * in-app user Jane.
 */
import type { AnswerContext, Ncco } from './ncco';

/** The agent the seed guide's inbound flow rings. */
export const INBOUND_AGENT = 'Jane';

/**
 * Build the Inbound Call NCCO.
 *
 * Exactly the seed's JSON: `talk "Thank you for calling Jane"`, then `connect` the app user.
 * The context is accepted (and unused for now) so every flow has the same signature.
 */
export function inboundCallNcco(_context: AnswerContext = {}, agent: string = INBOUND_AGENT): Ncco {
  return [
    { action: 'talk', text: `Thank you for calling ${agent}` },
    { action: 'connect', endpoint: [{ type: 'app', user: agent }] },
  ];
}
