/**
 * The Inbound Call flow (seed 000, §3.1), with routing.
 *
 * The seed greets the caller and connects the in-app user Jane. Here the agent is the
 * longest-idle available one (presence), the seed's Jane only when the number names her as
 * its default; should the agent decline or not answer, the caller waits with music while the
 * backend tries the next agent, then the number's fallback.
 */
import type { InboundSettings } from '../numbers/schema';
import { connectAgentNcco } from './actions';
import type { Ncco } from './ncco';

/** The agent the seed guide's inbound flow rings. */
export const INBOUND_AGENT = 'Jane';

/** The greeting for an agent: `{agent}` in the configured text becomes the name. */
export function inboundGreeting(settings: Pick<InboundSettings, 'greeting'>, agent: string): string {
  return settings.greeting.replaceAll('{agent}', agent);
}

/**
 * Build the NCCO that rings `agent` for an inbound call.
 *
 * With the default greeting and Jane it begins exactly as the seed's JSON:
 * `talk "Thank you for calling Jane"`, `connect` app user Jane.
 */
export function inboundCallNcco(settings: Pick<InboundSettings, 'greeting' | 'ring_timeout_s'>, agent: string, musicUrl: string): Ncco {
  return connectAgentNcco({ agent, greeting: inboundGreeting(settings, agent), ringTimeoutS: settings.ring_timeout_s, musicUrl });
}

/** The NCCO that rings the next agent after one declined or did not answer (the caller hears ringing, no words). */
export function nextAgentNcco(ringTimeoutS: number, agent: string, musicUrl: string): Ncco {
  return connectAgentNcco({ agent, greeting: null, ringTimeoutS, musicUrl });
}
