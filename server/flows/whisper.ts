/**
 * Call whisper (seed 002): each campaign number carries a topic.
 *
 * The caller hears "Please wait while we connect you" and waits, with music, in a
 * conversation named after the call, which does not start when they enter. The backend
 * calls an agent (Voice API) with an answer_url carrying that conversation and the topic;
 * the agent's leg hears "Incoming call regarding <topic>" on its own, then joins, which
 * starts the conversation and bridges the two.
 */
import type { WhisperSettings } from '../numbers/schema';
import { agentJoinNcco, holdAction, type HoldSpot } from './actions';
import type { Ncco } from './ncco';

/** The caller's side: the greeting, then waiting in the named conversation. */
export function whisperCallerNcco(settings: Pick<WhisperSettings, 'greeting'>, hold: HoldSpot): Ncco {
  return [{ action: 'talk', text: settings.greeting }, holdAction(hold)];
}

/** What the agent hears privately before joining. */
export function whisperText(topic: string): string {
  return `Incoming call regarding ${topic}`;
}

/** The agent's side: the whisper, then the caller's conversation (startOnEnter, endOnExit). */
export function whisperAgentNcco(conversation: string, topic: string): Ncco {
  return agentJoinNcco(conversation, whisperText(topic));
}
