/**
 * The call engine, composition root of the sandbox's voice side: it creates legs (inbound
 * calls, `POST /v1/calls`, the Client SDK's `serverCall`), runs their NCCOs
 * ({@link NccoRunner}), keeps their statuses and hangs them up. It implements
 * {@link CallControl}, the interface NCCO actions work through, by composing:
 * {@link Conversations} (conversations and media membership), {@link LegEvents} (what a leg
 * reports to its event URL), {@link SdkSignalling} (the Client SDK's side, `sdk/`) and
 * {@link Webhooks}.
 */
import { join } from 'node:path';
import type { SandboxStore, ApplicationRecord, Webhook } from '../state/store';
import type { SessionRegistry, RtcSession } from '../sdk/sessions';
import { SdkSignalling } from '../sdk/signalling';
import type { MediaClock } from '../media/clock';
import type { MediaEndpoint } from '../media/endpoint';
import { PhoneEndpoint } from '../media/phone-endpoint';
import type { WebRtcOptions } from '../media/webrtc-endpoint';
import type { Logger } from '../log';
import { Webhooks, type AnswerResult } from './webhooks';
import { NccoRunner } from './ncco';
import { DEFAULT_RING_TIMEOUT_S, PlatformError, msisdn, type CallControl, type RecordingFormat } from './call-control';
import { nccoProblem } from '../../common/ncco-schema';
import { Conversations } from './conversations';
import { Keys } from './keys';
import { LegEvents, detachedApp } from './leg-events';
import { AppLeg, FINAL_STATUSES, PhoneLeg, type AppInvite, type Conversation, type Leg, type LegStatus } from './legs';

const NOT_IN_SERVICE = 'The number you have dialled is not in service. Please check the number and try again.';

/** Parts the engine works with. */
export interface EngineDeps {
  store: SandboxStore;
  sessions: SessionRegistry;
  clock: MediaClock;
  log: Logger;
  webrtc: WebRtcOptions;
  /** Folder for recordings (DATA_DIR/sandbox/recordings). */
  recordingsDir: string;
}

/** What rings when a simulated phone is called: decided by the phone API's rules. */
export type PhoneRinging = (leg: PhoneLeg) => void;

/** A call the Voice API asks for (`POST /v1/calls`). */
export interface OutboundCallSpec {
  to: { type: 'phone'; number: string } | { type: 'app'; user: string };
  from: string;
  ncco?: unknown;
  answerHook?: Webhook;
  eventHook?: Webhook;
  ringingTimerS?: number;
  lengthTimerS?: number;
}

/** Runs every call of the sandbox. */
export class CallEngine implements CallControl {
  private readonly legs = new Map<string, Leg>();
  readonly webhooks: Webhooks;
  readonly ncco: NccoRunner;
  readonly rooms: Conversations;
  readonly events: LegEvents;
  readonly sdk: SdkSignalling;
  private readonly keys: Keys;
  /** Base URL of the sandbox (for recording_url); set once it listens. */
  baseUrl = 'http://127.0.0.1';
  /** Called when a simulated phone starts ringing; the phone API answers by its rules. */
  onPhoneRinging: PhoneRinging | null = null;
  /** How long a finished call stays readable through the phone API and the Voice API. */
  retainFinishedCallMs = 15 * 60_000;

  constructor(readonly deps: EngineDeps) {
    this.webhooks = new Webhooks(deps.log, deps.store);
    this.events = new LegEvents(this.webhooks);
    this.ncco = new NccoRunner(this);
    this.rooms = new Conversations(deps.clock, { left: (leg) => this.ncco.left(leg), hangup: (leg) => this.hangup(leg) });
    this.sdk = new SdkSignalling({ sessions: deps.sessions, webrtc: deps.webrtc, log: deps.log, calls: this });
    this.keys = new Keys({ play: this.play, sendLegEvent: this.sendLegEvent, sdkDtmf: (leg, digits) => this.sdk.dtmf(leg, digits) });
  }

  get log(): Logger {
    return this.deps.log;
  }

  get clock(): MediaClock {
    return this.deps.clock;
  }

  // ---------------------------------------------------------------- lookups

  leg(uuid: string): Leg | undefined {
    return this.legs.get(uuid);
  }

  /** Every leg the engine still remembers (live and recently finished). */
  allLegs(): Leg[] {
    return [...this.legs.values()];
  }

  activeLegCount(): number {
    let n = 0;
    for (const leg of this.legs.values()) if (!leg.isOver) n++;
    return n;
  }

  appUser(app: ApplicationRecord, name: string): { id: string; name: string } {
    return this.deps.sessions.user(app.id, name);
  }

  /** Where a recording is (or would be) stored: in its application's folder, so only that application's token finds it. */
  recordingPath(applicationId: string, id: string, format: RecordingFormat): string {
    return join(this.deps.recordingsDir, applicationId || 'no-application', `${id}.${format}`);
  }

  recordingUrl(id: string): string {
    return `${this.baseUrl}/v1/files/${id}`;
  }

  // ---------------------------------------------------------------- CallControl, by the part that does it

  readonly conversation = (id: string) => this.rooms.get(id);
  readonly namedConversation: CallControl['namedConversation'] = (app, name) => this.rooms.namedConversation(app, name);
  readonly attach: CallControl['attach'] = (leg, conversation, options) => this.rooms.attach(leg, conversation, options);
  readonly startConversation: CallControl['startConversation'] = (conversation) => this.rooms.startConversation(conversation);
  readonly play: CallControl['play'] = (leg, audio, options, heard) => this.rooms.play(leg, audio, options, heard);
  readonly setMuted: CallControl['setMuted'] = (leg, muted) => this.rooms.setMuted(leg, muted);
  readonly setEarmuffed = (leg: Leg, earmuffed: boolean) => this.rooms.setEarmuffed(leg, earmuffed);
  readonly ringApp: CallControl['ringApp'] = (leg, timeoutS, from, cancelled) => this.sdk.ringApp(leg, timeoutS, from, cancelled);
  readonly afterAppRinging: CallControl['afterAppRinging'] = (leg, outcome) => this.sdk.afterAppRinging(leg, outcome);
  readonly eventBase: CallControl['eventBase'] = (leg) => this.events.base(leg);
  readonly eventHook: CallControl['eventHook'] = (leg) => this.events.hook(leg);
  readonly sendLegEvent: CallControl['sendLegEvent'] = (leg, payload, hook) => this.events.send(leg, payload, hook);

  /** Reports a problem with a call to its event_url (bad NCCO, unsupported feature). */
  reportError(leg: Leg, reason: string): void {
    this.events.send(leg, { type: 'error', reason });
  }

  sendConversationEvent(conversation: Conversation, hook: Webhook | undefined, payload: Record<string, unknown>): void {
    this.webhooks.event(conversation.id, hook, payload, conversation.app);
  }

  nccoDuringCall(app: ApplicationRecord, hook: Webhook, params: Record<string, unknown>): Promise<AnswerResult> {
    return this.webhooks.nccoDuringCall(app, hook, params);
  }

  // ---------------------------------------------------------------- creating calls

  /** A simulated phone (or the caller page, passing its own media) dials a number: the inbound call starts and runs on its own. */
  placeInboundCall(from: string, to: string, endpoint?: MediaEndpoint): PhoneLeg {
    const number = this.deps.store.number(msisdn(to));
    const app = (number?.application_id ? this.deps.store.application(number.application_id) : undefined) ?? detachedApp;
    const conversation = this.rooms.create(app);
    const leg = new PhoneLeg(app, conversation, 'inbound', msisdn(from), msisdn(to));
    leg.endpoint = endpoint ?? new PhoneEndpoint(leg.uuid, this.deps.clock);
    this.register(leg);
    this.runCall(leg, async () => {
      if (app === detachedApp || !app.capabilities.voice?.webhooks.answer_url) {
        this.setStatus(leg, 'answered', false);
        this.attach(leg, conversation);
        await this.ncco.run(leg, [{ action: 'talk', text: NOT_IN_SERVICE }]);
        this.endLeg(leg, 'completed', false);
        return;
      }
      this.setStatus(leg, 'started');
      this.setStatus(leg, 'ringing');
      await this.answerAndRun(leg, {});
    });
    return leg;
  }

  /**
   * Fetches the leg's first NCCO (answer_url, with the fallback rules) and runs it; the leg
   * ends when the NCCO does. NCCOs arrive validated: `Webhooks` checks every fetched one, the
   * Voice API route checks the one a `POST /v1/calls` carries.
   */
  private async answerAndRun(leg: Leg, extra: Record<string, unknown>, ncco?: unknown, answerHook?: Webhook): Promise<void> {
    let first = ncco;
    if (first === undefined) {
      const params = { to: leg.to, from: leg.from, uuid: leg.uuid, conversation_uuid: leg.conversation.id, ...extra };
      const answer = await this.webhooks.answer(leg.app, params, answerHook);
      if (leg.isOver) return;
      if (!answer.ok) {
        this.log.warn(`call ${leg.uuid}: ${answer.reason}`);
        this.reportError(leg, answer.reason);
        this.endLeg(leg, 'failed');
        return;
      }
      first = answer.ncco;
    }
    if (leg.status !== 'answered') this.setStatus(leg, 'answered');
    if (!leg.conversation.legs.has(leg)) this.attach(leg, leg.conversation);
    // After a transfer the new NCCO owns the leg (and hangs up when it finishes).
    if ((await this.ncco.run(leg, first as unknown[])) === 'finished') this.hangup(leg);
  }

  /** Voice API `POST /v1/calls`: rings a phone or an app user; when answered, runs the NCCO. */
  createCall(app: ApplicationRecord, spec: OutboundCallSpec): Leg {
    const conversation = this.rooms.create(app);
    const from = msisdn(spec.from);
    const leg =
      spec.to.type === 'phone'
        ? new PhoneLeg(app, conversation, 'outbound', from, msisdn(spec.to.number))
        : new AppLeg(app, conversation, 'outbound', from, spec.to.user, this.appUser(app, spec.to.user));
    leg.eventHook = spec.eventHook;
    this.register(leg);
    this.runCall(leg, async () => {
      this.setStatus(leg, 'started');
      const timeout = spec.ringingTimerS ?? DEFAULT_RING_TIMEOUT_S;
      if (leg instanceof PhoneLeg) {
        const outcome = await this.ringPhone(leg, timeout, new Promise(() => undefined));
        if (outcome !== 'answered') return this.endLeg(leg, outcome);
      } else {
        const outcome = await this.sdk.ringApp(leg, timeout, { type: 'phone', number: from });
        this.sdk.afterAppRinging(leg, outcome);
        if (outcome !== 'answered') return;
      }
      if (spec.lengthTimerS) {
        const limit = setTimeout(() => this.hangup(leg), spec.lengthTimerS * 1000);
        void leg.ended.then(() => clearTimeout(limit));
      }
      await this.answerAndRun(leg, {}, spec.ncco, spec.answerHook);
    });
    return leg;
  }

  /** `POST /v0.3/legs` from the Client SDK (`serverCall`): the app's offer is answered and the leg exists, media connecting, until the SDK knocks. */
  async openAppLeg(session: RtcSession, offerSdp: string): Promise<{ leg: AppLeg; answerSdp: string }> {
    const app = this.deps.store.application(session.applicationId);
    if (!app) throw new PlatformError(404, 'application:error:not-found', 'The application no longer exists');
    const conversation = this.rooms.create(app);
    const leg = new AppLeg(app, conversation, 'inbound', session.user.name, '', session.user);
    const { media, answerSdp } = await this.sdk.answerClientOffer(`${leg.uuid}/${session.id}`, offerSdp);
    const invite: AppInvite = { session, media, state: 'joined' };
    leg.invites.set(session.id, invite);
    leg.answeredBy = invite;
    leg.settleRinging('answered');
    leg.endpoint = media;
    conversation.members.set(leg.memberId, leg);
    this.register(leg);
    return { leg, answerSdp };
  }

  /** `POST /v0.3/knocking`: the app's call starts — member:joined, then the answer_url with `to`, `from_user` and `custom_data`, then its NCCO on this leg. */
  knock(leg: AppLeg, to: string, customData: Record<string, unknown>): void {
    if (leg.status !== 'new') throw new PlatformError(409, 'conversation:error:invalid-member-state', 'This leg has already knocked');
    leg.customData = customData;
    (leg as { to: string }).to = to;
    this.sdk.memberJoined(leg.answeredBy!.session, leg, { type: 'phone', number: to });
    this.runCall(leg, async () => {
      this.setStatus(leg, 'started');
      this.setStatus(leg, 'ringing');
      await this.answerAndRun(leg, { from_user: leg.user.name, custom_data: customData });
    });
  }

  /**
   * `reconnectCall` (`POST .../rtc/{leg}/offer`): the SDK offers new media for an answered app
   * leg (after a network change, or from a new session taking the call over). A new endpoint
   * answers it and replaces the old one in the mixer with the same audio options.
   */
  async reconnectAppMedia(leg: AppLeg, session: RtcSession, offerSdp: string): Promise<string> {
    const { media, answerSdp } = await this.sdk.answerClientOffer(`${leg.uuid}/${session.id}`, offerSdp);
    const invite = leg.answeredBy;
    if (!invite || leg.isOver) {
      media.close();
      throw new PlatformError(409, 'conversation:error:invalid-member-state', 'The call is not in progress');
    }
    const old = invite.media;
    leg.invites.delete(invite.session.id);
    invite.session = session;
    invite.media = media;
    leg.invites.set(session.id, invite);
    leg.endpoint = media;
    if (leg.conversation.mixer.has(leg.uuid)) this.rooms.joinMixer(leg, media);
    old.close();
    return answerSdp;
  }

  /** Runs a call's life; an unexpected error ends it as failed rather than leaving it hanging. */
  private runCall(leg: Leg, life: () => Promise<void>): void {
    void life()
      .catch((error: unknown) => {
        this.log.error(`call ${leg.uuid} failed: ${(error as Error).stack ?? String(error)}`);
        try {
          this.endLeg(leg, 'failed');
        } catch (again) {
          this.log.error(`call ${leg.uuid} could not be ended cleanly: ${(again as Error).message}`);
        }
      })
      // A call's life can finish while its leg lives on (moved by a Voice API transfer): it is
      // retired only once it has ended.
      .finally(() => void leg.ended.then(() => this.retire(leg)));
  }

  /** Makes a leg known (Voice API and phone API find it by uuid). */
  register(leg: Leg): void {
    this.legs.set(leg.uuid, leg);
  }

  /**
   * Forgets a finished leg after a while: long enough for a test or operator to read what
   * the phone heard, short enough that a sandbox running all day does not grow without bound.
   */
  private retire(leg: Leg): void {
    const timer = setTimeout(() => {
      this.legs.delete(leg.uuid);
      this.rooms.closeUnused(this.legs.values());
    }, this.retainFinishedCallMs);
    timer.unref();
  }

  // ---------------------------------------------------------------- keys and transfers

  /** Sends DTMF to a leg (Voice API `PUT /dtmf`, `dtmfAnswer`): its party hears the tones. */
  readonly sendDtmf = (leg: Leg, digits: string) => this.keys.send(leg, digits);
  /** Keys pressed by a leg's party (the phone's keypad, the SDK's sendDTMF). */
  readonly pressDigits = (leg: Leg, digits: string) => this.keys.press(leg, digits);

  /** A leg moved to another conversation: event_url gets a `transfer` event and an app leg's session is told. */
  noteTransfer(leg: Leg, from: Conversation, to: Conversation): void {
    this.sendLegEvent(leg, { type: 'transfer', conversation_uuid_from: from.id, conversation_uuid_to: to.id, conversation_uuid: to.id });
    if (leg instanceof AppLeg) this.sdk.transferred(leg, from);
  }

  /** Voice API transfer: the leg's NCCO is replaced by this one (the route has validated it), or by the one a URL returns. */
  async transfer(leg: Leg, destination: { ncco: unknown } | { url: Webhook }): Promise<void> {
    let ncco: unknown;
    if ('url' in destination) {
      const answer = await this.webhooks.nccoDuringCall(leg.app, destination.url, this.eventBase(leg));
      if (!answer.ok) throw new PlatformError(400, 'transfer:error:ncco', answer.reason);
      // `Webhooks` has validated an array; anything else (no body, an object) is no NCCO to run.
      if (!Array.isArray(answer.ncco)) throw new PlatformError(400, 'transfer:error:invalid-ncco', `Invalid NCCO: ${nccoProblem(answer.ncco)}`);
      ncco = answer.ncco;
    } else ncco = destination.ncco;
    if (leg.isOver) throw new PlatformError(400, 'call:error:ended', 'The call has ended');
    void this.ncco.transfer(leg, ncco as unknown[]).catch((error: unknown) => this.log.error(`call ${leg.uuid}: transfer failed: ${String(error)}`));
  }

  // ---------------------------------------------------------------- ringing, statuses and ending

  /** Rings a simulated phone until it answers, refuses, the timer runs out or the caller gives up. */
  async ringPhone(leg: PhoneLeg, timeoutS: number, callerGone: Promise<void>): Promise<'answered' | 'rejected' | 'busy' | 'timeout' | 'cancelled'> {
    this.setStatus(leg, 'ringing');
    this.onPhoneRinging?.(leg);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      leg.pickUp,
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutS * 1000))),
      callerGone.then(() => 'cancelled' as const),
      leg.ended.then(() => 'cancelled' as const),
    ]);
    clearTimeout(timer);
    leg.respond('rejected'); // settles pickUp for good, so a late answer does nothing
    if (outcome === 'answered') {
      leg.endpoint = new PhoneEndpoint(leg.uuid, this.deps.clock);
      this.setStatus(leg, 'answered');
    }
    return outcome;
  }

  /** Hangs a leg up from the platform's side (NCCO over, Voice API hangup, endOnExit). */
  hangup(leg: Leg): void {
    if (leg.isOver) return;
    if (leg instanceof AppLeg) {
      if (leg.ringing) {
        leg.settleRinging('cancelled');
        return;
      }
      return this.sdk.hangupApp(leg, 'REMOTE_HANGUP');
    }
    if (leg instanceof PhoneLeg) {
      if (leg.awaitingPickUp) {
        this.endLeg(leg, 'cancelled');
        return;
      }
      leg.heard.push({ type: 'hangup', reason: 'the other side hung up' });
    }
    this.endLeg(leg, leg.status === 'answered' ? 'completed' : 'cancelled');
  }

  /** The simulated phone hangs up. */
  hangupPhone(leg: PhoneLeg): void {
    leg.heard.push({ type: 'hangup', reason: 'caller hung up' });
    this.endLeg(leg, leg.status === 'answered' ? 'completed' : leg.direction === 'outbound' ? 'rejected' : 'cancelled');
  }

  /** Records a status and sends it to the leg's event URL (unless the call has no application). */
  setStatus(leg: Leg, status: LegStatus, notify = true): void {
    if (leg.isOver) return;
    leg.status = status;
    if (status === 'answered') leg.answeredAt = new Date();
    if (notify) this.events.status(leg, status);
    this.sdk.legStatus(leg, status);
  }

  endLeg(leg: Leg, status: LegStatus, notify = true): void {
    if (!FINAL_STATUSES.has(status) || leg.isOver) return;
    leg.status = status;
    leg.finish();
    this.rooms.detach(leg);
    if (notify) this.events.status(leg, status);
    this.sdk.legStatus(leg, status);
    if (leg instanceof AppLeg) {
      this.sdk.tellEnded(leg, 'REMOTE_HANGUP');
      for (const invite of leg.invites.values()) invite.media.close();
    }
  }

  /** Hangs up everything (sandbox shutdown). */
  async shutdown(): Promise<void> {
    for (const leg of this.legs.values()) {
      this.sdk.releasePushes(leg);
      if (leg instanceof AppLeg) {
        leg.settleRinging('cancelled');
        for (const invite of leg.invites.values()) invite.media.close();
      }
      if (!leg.isOver) this.endLeg(leg, leg.status === 'answered' ? 'completed' : 'cancelled');
    }
    this.rooms.closeAll();
    await this.webhooks.drain();
  }
}
