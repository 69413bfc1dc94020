/**
 * Calls as the platform sees them: legs (one per party) in conversations.
 *
 * A conversation owns a mixer; a leg's media takes part in the mixer of the conversation it
 * is in. Legs move between conversations (`connect` brings the callee into the caller's,
 * `conversation` moves a leg into a named one, a transfer can do either).
 */
import { randomUUID } from 'node:crypto';
import type { ApplicationRecord, Webhook } from '../state/store';
import type { MediaEndpoint } from '../media/endpoint';
import type { Mixer, Playback } from '../media/mixer';
import type { PhoneEndpoint } from '../media/phone-endpoint';
import type { WebRtcEndpoint } from '../media/webrtc-endpoint';
import type { WebSocketEndpoint } from '../media/websocket-endpoint';
import type { RtcSession } from '../sdk/sessions';
import { FINAL_LEG_STATUSES, type LegStatus } from '../../common/vonage-vocabulary';

/** Statuses a leg reports to event_url, in Vonage's words (common/vonage-vocabulary.ts). */
export type { LegStatus };

/** Statuses after which a leg is over. */
export const FINAL_STATUSES: ReadonlySet<LegStatus> = new Set(FINAL_LEG_STATUSES);

/** What a simulated phone experienced, in order. */
export type Heard =
  | { type: 'talk'; text: string }
  | { type: 'stream'; url: string }
  | { type: 'dtmf'; digits: string }
  | { type: 'music'; url: string | null }
  | { type: 'hangup'; reason: string };

/** How a named conversation behaves (the `conversation` action's settings). */
export interface ConversationSettings {
  musicOnHoldUrl?: string;
  /** Legs whose `endOnExit` ends the conversation for everyone when they leave. */
  endOnExit: Set<string>;
}

/** A Conversation API conversation: the room legs and members live in. */
export class Conversation {
  readonly id = `CON-${randomUUID()}`;
  readonly createdAt = new Date();
  private eventSeq = 0;
  /** Legs whose media is in this conversation now. */
  readonly legs = new Set<Leg>();
  /** App legs by member id: what the Client SDK addresses. */
  readonly members = new Map<string, AppLeg>();
  /** A conversation not yet started plays hold music to its legs and bridges no one. */
  started = true;
  private readonly hold = new Map<Leg, Playback>();
  readonly settings: ConversationSettings = { endOnExit: new Set() };
  /** Stops the conversation's recording, if one runs. */
  stopRecording: (() => Promise<void>) | null = null;

  constructor(
    readonly name: string,
    readonly app: ApplicationRecord,
    readonly mixer: Mixer,
  ) {}

  /** Next event id (the SDK reads ids as integers, increasing per conversation). */
  nextEventId(): number {
    return ++this.eventSeq;
  }

  /** The hold music a waiting leg hears, if any. */
  holdPlayback(leg: Leg): Playback | undefined {
    return this.hold.get(leg);
  }

  setHoldPlayback(leg: Leg, playback: Playback | null): void {
    if (playback) this.hold.set(leg, playback);
    else this.hold.delete(leg);
  }

  /** Legs here that have not ended. */
  liveLegs(): Leg[] {
    return [...this.legs].filter((leg) => !leg.isOver);
  }
}

/** One party of a call. */
export abstract class Leg {
  readonly uuid = randomUUID();
  status: LegStatus | 'new' = 'new';
  readonly createdAt = new Date();
  answeredAt: Date | null = null;
  endedAt: Date | null = null;
  endpoint: MediaEndpoint | null = null;
  /** Where this leg's status events go when not the application's event_url (Voice API, connect eventUrl). */
  eventHook: Webhook | undefined;
  muted = false;
  earmuffed = false;
  /** Where each key pressed on this leg is sent as it arrives (Voice API `PUT .../input/dtmf`). */
  dtmfSubscription: Webhook | undefined;
  /** Where each key is sent by a running asynchronous `input` (`mode: "asynchronous"`). */
  asyncInput: Webhook | undefined;
  /** Listens for keys pressed on this leg (an `input` action waiting). */
  onDigit: ((digit: string) => void) | null = null;
  /** A `bargeIn` talk or stream that a key press stops. */
  bargeIn: Playback | null = null;
  /** Playbacks to this leg started by the REST API (talk, stream), so they can be stopped. */
  readonly apiPlaybacks = { talk: new Set<Playback>(), stream: new Set<Playback>() };
  /** Increments when a transfer replaces the running NCCO; the old run stops at its next step. */
  nccoRun = 0;
  private interruptResolve!: () => void;
  /** Resolves when the running NCCO is replaced (transfer). */
  interrupted: Promise<void>;
  private endResolve!: () => void;
  /** Resolves when the leg reaches a final status. */
  readonly ended = new Promise<void>((resolve) => (this.endResolve = resolve));

  abstract readonly type: 'phone' | 'app' | 'websocket';

  constructor(
    readonly app: ApplicationRecord,
    public conversation: Conversation,
    readonly direction: 'inbound' | 'outbound',
    readonly from: string,
    readonly to: string,
  ) {
    this.interrupted = new Promise((resolve) => (this.interruptResolve = resolve));
  }

  get isOver(): boolean {
    return this.endedAt !== null;
  }

  /** Stops the running NCCO (a transfer replaces it); returns the new run's number. */
  interrupt(): number {
    this.interruptResolve();
    this.interrupted = new Promise((resolve) => (this.interruptResolve = resolve));
    return ++this.nccoRun;
  }

  /** Marks the leg over (first call wins). */
  finish(): boolean {
    if (this.endedAt) return false;
    this.endedAt = new Date();
    this.onDigit = null;
    this.bargeIn?.stop();
    this.endpoint?.close();
    this.endResolve();
    return true;
  }
}

/** The simulated PSTN phone's leg. */
export class PhoneLeg extends Leg {
  readonly type = 'phone' as const;
  readonly heard: Heard[] = [];
  /** Keys the far end sent to this phone. */
  readonly dtmfReceived: string[] = [];
  declare endpoint: PhoneEndpoint | MediaEndpoint | null;
  private answerResolve: ((outcome: 'answered' | 'rejected' | 'busy') => void) | null = null;
  /** For an outbound leg that rings a simulated phone: settles when the phone answers or refuses. */
  readonly pickUp: Promise<'answered' | 'rejected' | 'busy'>;

  constructor(app: ApplicationRecord, conversation: Conversation, direction: 'inbound' | 'outbound', from: string, to: string) {
    super(app, conversation, direction, from, to);
    this.pickUp = new Promise((resolve) => (this.answerResolve = resolve));
  }

  /** The simulated phone's user answers, rejects or is busy (first wins). */
  respond(outcome: 'answered' | 'rejected' | 'busy'): boolean {
    if (!this.answerResolve) return false;
    this.answerResolve(outcome);
    this.answerResolve = null;
    return true;
  }

  /** Whether this outbound leg is still waiting for its phone to be picked up. */
  get awaitingPickUp(): boolean {
    return this.answerResolve !== null && this.direction === 'outbound' && !this.isOver;
  }
}

/** One SDK session's invitation to an app leg. */
export interface AppInvite {
  session: RtcSession;
  media: WebRtcEndpoint;
  state: 'invited' | 'joined' | 'gone';
}

/** Outcomes of ringing an app user. */
export type RingOutcome = 'answered' | 'rejected' | 'timeout' | 'cancelled' | 'failed';

/**
 * A Client SDK user's leg. Rung on every session of the user and answered on one (calls to
 * the user), or created answered by one session (`serverCall`, direction inbound).
 */
export class AppLeg extends Leg {
  readonly type = 'app' as const;
  readonly memberId = `MEM-${randomUUID()}`;
  readonly invites = new Map<string, AppInvite>();
  answeredBy: AppInvite | null = null;
  /** For `serverCall` legs: the custom data the app sent (the answer_url receives it). */
  customData: Record<string, unknown> | null = null;
  private ringResolve!: (outcome: RingOutcome) => void;
  /** Resolves once ringing ends one way or another. */
  readonly ringOutcome = new Promise<RingOutcome>((resolve) => (this.ringResolve = resolve));
  private ringSettled = false;

  constructor(
    app: ApplicationRecord,
    conversation: Conversation,
    direction: 'inbound' | 'outbound',
    from: string,
    to: string,
    readonly user: { id: string; name: string },
  ) {
    super(app, conversation, direction, from, to);
  }

  /** Settles ringing (first outcome wins). */
  settleRinging(outcome: RingOutcome): boolean {
    if (this.ringSettled) return false;
    this.ringSettled = true;
    this.ringResolve(outcome);
    return true;
  }

  get ringing(): boolean {
    return !this.ringSettled;
  }
}

/** A `connect` to a websocket endpoint: the application's server is the party, `to` its URI. */
export class WebSocketLeg extends Leg {
  readonly type = 'websocket' as const;
  declare endpoint: WebSocketEndpoint | null;
}
