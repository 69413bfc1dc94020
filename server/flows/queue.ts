/**
 * The Queue flow (seed 003): callers wait in line with music until an agent answers.
 *
 * Each caller waits in a conversation of their own (startOnEnter false, hold music). The
 * queue manager (`server/queues/manager.ts`) calls available agents, longest idle first; the
 * agent's leg joins the caller's conversation. Position announcements, timeout, overflow and
 * no-agents redirects are the manager's too.
 */
import type { QueueSettings } from '../queues/schema';
import { holdAction, type HoldSpot } from './actions';
import type { Ncco } from './ncco';

/** What a caller is told about their place in line. */
export function positionText(position: number): string {
  return position <= 1 ? 'You are next in line.' : `You are number ${position} in line.`;
}

/** The caller's side: greeting, optionally their position, then waiting. */
export function queueCallerNcco(settings: Pick<QueueSettings, 'greeting' | 'announce_position'>, position: number, hold: HoldSpot): Ncco {
  const ncco: Ncco = [{ action: 'talk', text: settings.greeting }];
  if (settings.announce_position) ncco.push({ action: 'talk', text: positionText(position) });
  ncco.push(holdAction(hold));
  return ncco;
}
