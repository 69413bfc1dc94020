/**
 * The agent's one status line, as a pure function of what the app knows: the backend's
 * presence (status, away reason, whether it can route calls to the agent), the voice
 * session, whether the agent is talking on a call and whether its audio flows.
 *
 * It never says Available while the voice session or the backend's link to the app is down:
 * then it says why calls do not reach the agent (reconnecting, offline).
 */
import { awayReasonText } from '../../../common/backend-api';
import type { AgentStatusInfoPayload } from '../../../common/ipc-contract';
import type { Connection } from '../softphone/softphone';

/** The colour family of the line (a CSS class) and what tests read in `data-line`. */
export type StatusTone = 'available' | 'busy' | 'away' | 'wrap-up' | 'offline' | 'reconnecting' | 'unknown';

export interface StatusLine {
  tone: StatusTone;
  /** The status in a word or two: Available, On a call, Away — Lunch, Reconnecting… */
  label: string;
  /** Why, when the agent should know more (what is down, what happens meanwhile). */
  detail: string | null;
  /** Whether the wrap-up countdown belongs on the line. */
  countdown: string | null;
}

export interface StatusInputs {
  presence: AgentStatusInfoPayload | null;
  connection: Connection;
  /** The agent has an answered call. */
  onCall: boolean;
  /** The answered call's audio has stopped (reconnecting its media). */
  noAudio: boolean;
}

const NOT_OFFERED = 'Calls are not offered to you until it is back.';

/** The line to show. */
export function statusLine({ presence, connection, onCall, noAudio }: StatusInputs): StatusLine {
  const line = (tone: StatusTone, label: string, detail: string | null = null, countdown: string | null = null): StatusLine => ({ tone, label, detail, countdown });
  if (onCall && noAudio) return line('reconnecting', 'On a call — no audio', 'No sound has reached you for a few seconds. Reconnecting the call…');
  if (connection.kind === 'failed') return line('offline', 'Offline', connection.message);
  if (connection.kind === 'connecting') return line('reconnecting', 'Connecting…', 'Starting the voice session.');
  if (connection.kind === 'reconnecting') {
    return line('reconnecting', 'Reconnecting…', onCall ? 'The voice session is reconnecting; your call goes on if its audio does.' : `The voice session is reconnecting. ${NOT_OFFERED}`);
  }
  if (!presence) return line('unknown', '…');
  if (onCall) return line('busy', 'On a call');
  if (presence.reachable === false && presence.status !== 'offline') {
    return line('reconnecting', 'Reconnecting…', `The Switchboard server has lost touch with this app. ${NOT_OFFERED}`);
  }
  switch (presence.status) {
    case 'available':
      return line('available', 'Available');
    case 'busy':
      return line('busy', 'Busy', 'A call is being offered to you.');
    case 'wrap-up':
      return line('wrap-up', 'Wrap-up', null, presence.wrap_up_ends_at);
    case 'away':
      return line('away', presence.away_reason ? `Away — ${awayReasonText(presence.away_reason)}` : 'Away');
    case 'offline':
      return line('offline', 'Offline', 'The Switchboard server counts you offline.');
  }
}
