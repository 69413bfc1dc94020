/**
 * Calls as the platform sees them: legs (one per party) in conversations.
 */
import { randomUUID } from 'node:crypto';
import type { ApplicationRecord } from '../state/store';
import type { MediaEndpoint } from '../media/endpoint';
import type { PhoneEndpoint } from '../media/phone-endpoint';
import type { WebRtcEndpoint } from '../media/webrtc-endpoint';
import type { RtcSession } from '../rtc/sessions';

/** Statuses a leg reports to event_url, in Vonage's words. */
export type LegStatus =
  | 'started'
  | 'ringing'
  | 'answered'
  | 'completed'
  | 'rejected'
  | 'cancelled'
  | 'timeout'
  | 'failed'
  | 'busy'
  | 'unanswered';

/** Statuses after which a leg is over. */
export const FINAL_STATUSES: ReadonlySet<LegStatus> = new Set(['completed', 'rejected', 'cancelled', 'timeout', 'failed', 'busy', 'unanswered']);

/** What a simulated phone experienced. */
export type Heard = { type: 'talk'; text: string } | { type: 'hangup'; reason: string };

/** A Conversation API conversation: the room legs and members live in. */
export class Conversation {
  readonly id = `CON-${randomUUID()}`;
  readonly createdAt = new Date();
  private eventSeq = 0;
  /** Members by id: app users invited to or joined in this conversation. */
  readonly members = new Map<string, AppLeg>();

  constructor(readonly name: string) {}

  /** Next event id (the SDK reads ids as integers, increasing per conversation). */
  nextEventId(): number {
    return ++this.eventSeq;
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
  private endResolve!: () => void;
  /** Resolves when the leg reaches a final status. */
  readonly ended = new Promise<void>((resolve) => (this.endResolve = resolve));

  abstract readonly type: 'phone' | 'app';

  constructor(
    readonly app: ApplicationRecord,
    readonly conversation: Conversation,
    readonly direction: 'inbound' | 'outbound',
    readonly from: string,
    readonly to: string,
  ) {}

  get isOver(): boolean {
    return this.endedAt !== null;
  }

  /** Marks the leg over (first call wins). */
  finish(): boolean {
    if (this.endedAt) return false;
    this.endedAt = new Date();
    this.endpoint?.close();
    this.endResolve();
    return true;
  }
}

/** The simulated PSTN phone's leg. */
export class PhoneLeg extends Leg {
  readonly type = 'phone' as const;
  readonly heard: Heard[] = [];
  readonly dtmfReceived: string[] = [];
  declare endpoint: PhoneEndpoint | null;
}

/** One SDK session's invitation to an app leg. */
export interface AppInvite {
  session: RtcSession;
  media: WebRtcEndpoint;
  state: 'invited' | 'joined' | 'rejected' | 'gone';
}

/** Outcomes of ringing an app user. */
export type RingOutcome = 'answered' | 'rejected' | 'timeout' | 'cancelled' | 'failed';

/** A Client SDK user's leg: rung on every session of the user, answered on one. */
export class AppLeg extends Leg {
  readonly type = 'app' as const;
  readonly memberId = `MEM-${randomUUID()}`;
  readonly invites = new Map<string, AppInvite>();
  answeredBy: AppInvite | null = null;
  private ringResolve!: (outcome: RingOutcome) => void;
  /** Resolves once ringing ends one way or another. */
  readonly ringOutcome = new Promise<RingOutcome>((resolve) => (this.ringResolve = resolve));
  private ringSettled = false;

  constructor(
    app: ApplicationRecord,
    conversation: Conversation,
    from: string,
    readonly user: { id: string; name: string },
  ) {
    super(app, conversation, 'outbound', from, user.name);
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
