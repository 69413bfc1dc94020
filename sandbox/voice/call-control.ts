/**
 * The narrow interface NCCO actions work through: what an action may do to a call (ring and
 * bridge a party, play into a leg, move legs between conversations, report events, fetch the
 * NCCO that continues the call), without knowing the engine that does it. The engine
 * implements it; `actions/` and the runner depend only on this file, so neither imports the
 * engine (no import circle).
 */
import type { ApplicationRecord, Webhook } from '../state/store';
import type { Logger } from '../log';
import type { MediaClock } from '../media/clock';
import type { AudioSource, MemberOptions, Playback } from '../media/mixer';
import type { AnswerResult } from './webhooks';
import type { AppLeg, Conversation, Heard, Leg, LegStatus, PhoneLeg, RingOutcome } from './legs';

/** The formats the sandbox records in (Vonage also offers ogg, which the sandbox cannot encode). */
export type RecordingFormat = 'mp3' | 'wav';

/** How long a party rings when the call or `connect` sets no timer (Vonage: 60 s). */
export const DEFAULT_RING_TIMEOUT_S = 60;

/** The longest a connected call lasts when the `connect` sets no `limit` (Vonage: 2 hours). */
export const DEFAULT_CONNECT_LIMIT_S = 7200;

/** Normalises a phone number to Vonage's form: digits only, no plus. */
export function msisdn(number: string): string {
  return number.replace(/[^0-9]/g, '');
}

/** Raised to REST handlers; carries the HTTP status and the SDK's error shape. */
export class PlatformError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Creating, ringing and ending legs. */
export interface LegControl {
  /** Makes a new leg known (the Voice API and the phone API find it by uuid). */
  register(leg: Leg): void;
  /** Records a status and reports it to the leg's event URL (unless `notify` is false). */
  setStatus(leg: Leg, status: LegStatus, notify?: boolean): void;
  /** Ends a leg with a final status. */
  endLeg(leg: Leg, status: LegStatus, notify?: boolean): void;
  /** Hangs a leg up from the platform's side. */
  hangup(leg: Leg): void;
  /** The Client SDK user an app leg calls (created on first use, as Vonage does). */
  appUser(app: ApplicationRecord, name: string): { id: string; name: string };
  /** Rings a simulated phone until it answers, refuses, times out or the caller gives up. */
  ringPhone(leg: PhoneLeg, timeoutS: number, callerGone: Promise<void>): Promise<'answered' | 'rejected' | 'busy' | 'timeout' | 'cancelled'>;
  /** Rings every session of an app user. */
  ringApp(leg: AppLeg, timeoutS: number, from: Record<string, unknown>, cancelled?: Promise<void>): Promise<RingOutcome>;
  /** Tells the sessions that did not answer why ringing stopped, and settles the leg. */
  afterAppRinging(leg: AppLeg, outcome: RingOutcome): void;
}

/** Media: what a leg hears and what its party sends. */
export interface MediaControl {
  readonly clock: MediaClock;
  /** Plays audio to one leg; a simulated phone notes what it heard. */
  play(leg: Leg, audio: Int16Array | AudioSource, options: { loop?: number; level?: number }, heard?: Heard): Playback;
  /** Sends keys to a leg: its party hears the tones. */
  sendDtmf(leg: Leg, digits: string): void;
  setMuted(leg: Leg, muted: boolean): void;
}

/** Conversations and their members. */
export interface ConversationControl {
  conversation(id: string): Conversation | undefined;
  /** An application's named conversation, created on first use and again once empty. */
  namedConversation(app: ApplicationRecord, name: string): { conversation: Conversation; created: boolean };
  /** Puts a leg's media into a conversation (leaving the one it was in). */
  attach(leg: Leg, conversation: Conversation, options?: MemberOptions): void;
  /** A leg moved to another conversation: its event URL and its SDK session are told. */
  noteTransfer(leg: Leg, from: Conversation, to: Conversation): void;
  /** Starts a waiting conversation: hold music stops and everyone is bridged. */
  startConversation(conversation: Conversation): void;
}

/** Webhooks: the events of a call and the NCCOs that continue it. */
export interface EventControl {
  /** The payload fields every event of a leg carries. */
  eventBase(leg: Leg): Record<string, unknown>;
  /** The leg's event webhook: its own or the application's. */
  eventHook(leg: Leg): Webhook | undefined;
  /** Sends a non-status event of a leg in the call's order. */
  sendLegEvent(leg: Leg, payload: Record<string, unknown>, hook?: Webhook): void;
  /** Sends an event about a conversation (its recording) in that conversation's order. */
  sendConversationEvent(conversation: Conversation, hook: Webhook | undefined, payload: Record<string, unknown>): void;
  /** Reports a problem with a call to its event URL. */
  reportError(leg: Leg, reason: string): void;
  /** Asks a URL for the NCCO that continues a call (retries and fallback as Vonage). */
  nccoDuringCall(app: ApplicationRecord, hook: Webhook, params: Record<string, unknown>): Promise<AnswerResult>;
}

/** Where recordings go and how they are fetched. */
export interface RecordingControl {
  /** The file a recording is stored in: its application's folder. */
  recordingPath(applicationId: string, id: string, format: RecordingFormat): string;
  /** The `recording_url` an application downloads it from. */
  recordingUrl(id: string): string;
}

/** Everything an NCCO action may do to a call. */
export interface CallControl extends LegControl, MediaControl, ConversationControl, EventControl, RecordingControl {
  readonly log: Logger;
}
