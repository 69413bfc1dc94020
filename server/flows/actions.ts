/**
 * NCCO building blocks the flows share: connect an agent with a place to wait should they
 * not answer, join an agent to a waiting caller, voicemail, an outside number, goodbye.
 */
import type { CreateCallRequest } from '../vonage/voice-api';
import type { ConversationAction, Ncco } from './ncco';

/** Said before recording a voicemail. */
export const VOICEMAIL_GREETING =
  'Sorry, no one can take your call right now. Please leave a message after the tone, and press the hash key when you have finished.';
/** Said after a voicemail was recorded. */
export const VOICEMAIL_THANKS = 'Thank you for your message. Goodbye.';
/** Said when a flow ends a call it cannot put through. */
export const GOODBYE = 'Sorry, no one can take your call right now. Please call again later. Goodbye.';
/** Longest voicemail, in seconds. */
export const VOICEMAIL_MAX_S = 120;

/** A named conversation where a caller waits with music. */
export interface HoldSpot {
  conversation: string;
  musicUrl: string;
}

/** The conversation name a caller's leg waits in while the backend looks for an agent. */
export function holdConversationName(kind: 'hold' | 'whisper' | 'queue', callUuid: string): string {
  return `${kind}-${callUuid}`;
}

/**
 * Wait in a conversation of one's own, hearing music, until an agent joins or the backend
 * transfers the leg elsewhere. The caller leaving ends it, so an agent who joined is not
 * left alone.
 */
export function holdAction(hold: HoldSpot): ConversationAction {
  return { action: 'conversation', name: hold.conversation, startOnEnter: false, musicOnHoldUrl: [hold.musicUrl], endOnExit: true };
}

/** What {@link connectAgentNcco} needs. */
export interface AgentConnect {
  agent: string;
  /** Said first; none to say nothing. */
  greeting: string | null;
  ringTimeoutS: number;
  /** Played, looping, should the agent not answer. */
  musicUrl: string;
}

/**
 * Greet, ring an agent's app, and — should the agent not answer — play music.
 *
 * When a connect fails the platform moves on to the next action; the endless music keeps
 * the caller on the line, in the same conversation (so the call log stays one call), while
 * the backend, watching the agent leg's events, transfers the call to the next agent or the
 * fallback. After an answered call the music would follow too, so the backend hangs up the
 * caller when the agent does.
 */
export function connectAgentNcco({ agent, greeting, ringTimeoutS, musicUrl }: AgentConnect): Ncco {
  const ncco: Ncco = [];
  if (greeting) ncco.push({ action: 'talk', text: greeting });
  ncco.push({ action: 'connect', timeout: ringTimeoutS, endpoint: [{ type: 'app', user: agent }] });
  ncco.push({ action: 'stream', streamUrl: [musicUrl], loop: 0 });
  return ncco;
}

/**
 * The NCCO of an agent leg the backend placed: an optional private whisper, then joining
 * the caller's conversation, which starts it (the music stops). Not `endOnExit`: the agent's
 * leg may move on (a consult) and leave the caller behind on hold; when the agent hangs up,
 * the flows hang the caller up (as they do for a connected agent).
 */
export function agentJoinNcco(conversation: string, whisper: string | null): Ncco {
  const ncco: Ncco = [];
  if (whisper) ncco.push({ action: 'talk', text: whisper });
  ncco.push({ action: 'conversation', name: conversation, startOnEnter: true });
  return ncco;
}

/** Greeting, beep, record until # or silence, thanks. The recording goes to `eventUrl`. */
export function voicemailNcco(eventUrl: string, greeting: string = VOICEMAIL_GREETING): Ncco {
  return [
    { action: 'talk', text: greeting },
    { action: 'record', format: 'mp3', beepStart: true, endOnKey: '#', endOnSilence: 5, timeOut: VOICEMAIL_MAX_S, eventUrl: [eventUrl] },
    { action: 'talk', text: VOICEMAIL_THANKS },
  ];
}

/** Put the caller through to an outside number, shown as calling from `from`. */
export function connectPhoneNcco(number: string, from: string, timeoutS: number): Ncco {
  return [
    { action: 'talk', text: 'Please wait while we connect you.' },
    { action: 'connect', timeout: timeoutS, from, endpoint: [{ type: 'phone', number }] },
  ];
}

/**
 * An NCCO whose speech can go through the Voice API's talk (`PUT /v1/calls/{uuid}/talk`) while
 * the rest proceeds: its leading plain talk actions, joined, and the NCCO without them. Only
 * when a `connect` or `conversation` follows (NCCO actions run in order, so the ring or the join
 * would wait for the speech); speech before a recording, or all there is (a goodbye), stays in
 * the NCCO (`said` null), as does a talk with options the talk step does not carry.
 */
export function speechBeforeConnect(ncco: Ncco): { said: string | null; rest: Ncco } {
  let lead = 0;
  while (ncco[lead]?.action === 'talk' && Object.keys(ncco[lead]!).every((key) => key === 'action' || key === 'text')) lead += 1;
  const next = ncco[lead]?.action;
  if (lead === 0 || (next !== 'connect' && next !== 'conversation')) return { said: null, rest: ncco };
  const said = ncco
    .slice(0, lead)
    .map((action) => (action.action === 'talk' ? action.text : ''))
    .join(' ');
  return { said, rest: ncco.slice(lead) };
}

/** Say goodbye; the call ends with the NCCO. */
export function goodbyeNcco(message: string = GOODBYE): Ncco {
  return [{ action: 'talk', text: message }];
}

/**
 * The Voice API request that calls a party about a caller's call: an agent's app (shown the
 * caller's number) or an outside phone (shown the number the caller called: one of ours).
 */
export function partyCallRequest(
  party: { agent: string | null; phone: string | null },
  call: { caller: string | null; number: string; ringTimeoutS: number },
  urls: { answer: string; event: string },
): CreateCallRequest {
  const callerDigits = call.caller?.replace(/^\+/, '') ?? '';
  const caller = /^[0-9]{6,15}$/.test(callerDigits) ? callerDigits : call.number;
  return {
    to: [party.agent ? { type: 'app', user: party.agent } : { type: 'phone', number: party.phone ?? '' }],
    from: { type: 'phone', number: party.agent ? caller : call.number },
    answer_url: [urls.answer],
    answer_method: 'GET',
    event_url: [urls.event],
    event_method: 'POST',
    ringing_timer: call.ringTimeoutS,
  };
}
