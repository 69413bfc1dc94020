/**
 * The call engine: creates legs and conversations, rings app users over the Client SDK
 * protocol and simulated phones, puts media into conversation mixers and reports every
 * status to event_url. NCCOs run in {@link NccoRunner} (ncco.ts) on top of this.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { SandboxStore, ApplicationRecord, Webhook } from '../state/store';
import type { SessionRegistry, RtcSession } from '../rtc/sessions';
import type { MediaClock } from '../media/clock';
import type { MediaEndpoint } from '../media/endpoint';
import { Mixer, type AudioSource, type MemberOptions, type Playback } from '../media/mixer';
import { PhoneEndpoint } from '../media/phone-endpoint';
import { WebRtcEndpoint, type WebRtcOptions } from '../media/webrtc-endpoint';
import { dtmfTones } from '../media/tones';
import type { Logger } from '../log';
import { Webhooks, type AnswerResult } from './webhooks';
import { NccoRunner } from './ncco';
import { DEFAULT_RING_TIMEOUT_S, PlatformError, msisdn, type CallControl, type RecordingFormat } from './call-control';
import { nccoProblem } from './ncco-schema';
import { AppLeg, Conversation, FINAL_STATUSES, PhoneLeg, WebSocketLeg, type AppInvite, type Heard, type Leg, type LegStatus, type RingOutcome } from './legs';

const NOT_IN_SERVICE = 'The number you have dialled is not in service. Please check the number and try again.';
/**
 * How long events about a call wait after the SDK's answer is accepted. The SDK creates its
 * call only once the HTTP answer response is back; an event arriving on the socket before
 * that (the NCCO moving the leg into a named conversation at once) is dropped, and the call's
 * later hang-up then never reaches the app. The real platform takes longer than this to run
 * the next NCCO action; the sandbox would not, so it waits.
 */
export const ANSWER_SETTLE_MS = 150;

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
  private readonly conversations = new Map<string, Conversation>();
  /** Named conversations (the `conversation` action), per application. */
  private readonly named = new Map<string, Conversation>();
  readonly webhooks: Webhooks;
  readonly ncco: NccoRunner;
  /** Base URL of the sandbox (for recording_url); set once it listens. */
  baseUrl = 'http://127.0.0.1';
  /** Called when a simulated phone starts ringing; the phone API answers by its rules. */
  onPhoneRinging: PhoneRinging | null = null;
  /** How long a finished call stays readable through the phone API and the Voice API. */
  retainFinishedCallMs = 15 * 60_000;

  constructor(readonly deps: EngineDeps) {
    this.webhooks = new Webhooks(deps.log, deps.store);
    this.ncco = new NccoRunner(this);
    deps.sessions.onSessionGone = (session) => this.sessionGone(session);
  }

  get log(): Logger {
    return this.deps.log;
  }

  get clock(): MediaClock {
    return this.deps.clock;
  }

  appUser(app: ApplicationRecord, name: string): { id: string; name: string } {
    return this.deps.sessions.user(app.id, name);
  }

  recordingUrl(id: string): string {
    return `${this.baseUrl}/v1/files/${id}`;
  }

  nccoDuringCall(app: ApplicationRecord, hook: Webhook, params: Record<string, unknown>): Promise<AnswerResult> {
    return this.webhooks.nccoDuringCall(app, hook, params);
  }

  sendConversationEvent(conversation: Conversation, hook: Webhook | undefined, payload: Record<string, unknown>): void {
    this.webhooks.event(conversation.id, hook, payload, conversation.app);
  }

  // ---------------------------------------------------------------- lookups

  leg(uuid: string): Leg | undefined {
    return this.legs.get(uuid);
  }

  conversation(id: string): Conversation | undefined {
    return this.conversations.get(id);
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

  /**
   * Where a recording is (or would be) stored: in its application's folder, so only that
   * application's token finds it.
   */
  recordingPath(applicationId: string, id: string, format: RecordingFormat): string {
    return join(this.deps.recordingsDir, applicationId || 'no-application', `${id}.${format}`);
  }

  // ---------------------------------------------------------------- creating calls

  /**
   * A simulated phone (or the caller page, passing its own media) dials a number: the
   * inbound call starts and runs on its own.
   */
  placeInboundCall(from: string, to: string, endpoint?: MediaEndpoint): PhoneLeg {
    const number = this.deps.store.number(msisdn(to));
    const app = (number?.application_id ? this.deps.store.application(number.application_id) : undefined) ?? detachedApp;
    const conversation = this.newConversation(app);
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
    const conversation = this.newConversation(app);
    const from = msisdn(spec.from);
    const leg =
      spec.to.type === 'phone'
        ? new PhoneLeg(app, conversation, 'outbound', from, msisdn(spec.to.number))
        : new AppLeg(app, conversation, 'outbound', from, spec.to.user, this.deps.sessions.user(app.id, spec.to.user));
    leg.eventHook = spec.eventHook;
    this.register(leg);
    this.runCall(leg, async () => {
      this.setStatus(leg, 'started');
      const timeout = spec.ringingTimerS ?? DEFAULT_RING_TIMEOUT_S;
      if (leg instanceof PhoneLeg) {
        const outcome = await this.ringPhone(leg, timeout, new Promise(() => undefined));
        if (outcome !== 'answered') return this.endLeg(leg, outcome);
      } else {
        const outcome = await this.ringApp(leg, timeout, { type: 'phone', number: from });
        this.afterAppRinging(leg, outcome);
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

  /**
   * `POST /v0.3/legs` from the Client SDK (`serverCall`): the app's offer is answered and
   * the leg exists, media connecting, until the SDK knocks.
   */
  async openAppLeg(session: RtcSession, offerSdp: string): Promise<{ leg: AppLeg; answerSdp: string }> {
    const app = this.deps.store.application(session.applicationId);
    if (!app) throw new PlatformError(404, 'application:error:not-found', 'The application no longer exists');
    const conversation = this.newConversation(app);
    const leg = new AppLeg(app, conversation, 'inbound', session.user.name, '', session.user);
    const { media, answerSdp } = await this.answerClientOffer(`${leg.uuid}/${session.id}`, offerSdp);
    const invite: AppInvite = { session, media, state: 'joined' };
    leg.invites.set(session.id, invite);
    leg.answeredBy = invite;
    leg.settleRinging('answered');
    leg.endpoint = media;
    conversation.members.set(leg.memberId, leg);
    this.register(leg);
    return { leg, answerSdp };
  }

  /** Media for an SDK that offers (`serverCall`, `reconnectCall`): a new endpoint answers its offer. */
  private async answerClientOffer(id: string, offerSdp: string): Promise<{ media: WebRtcEndpoint; answerSdp: string }> {
    const media = new WebRtcEndpoint(id, this.deps.webrtc);
    try {
      return { media, answerSdp: await media.answerOffer(offerSdp) };
    } catch (error) {
      media.close();
      throw new PlatformError(400, 'rtc:error:invalid-sdp', `The SDP offer was not accepted: ${(error as Error).message}`);
    }
  }

  /**
   * `POST /v0.3/knocking`: the app's call starts — member:joined, then the answer_url with
   * `to`, `from_user` and `custom_data`, then its NCCO on this leg.
   */
  knock(leg: AppLeg, to: string, customData: Record<string, unknown>): void {
    if (leg.status !== 'new') throw new PlatformError(409, 'conversation:error:invalid-member-state', 'This leg has already knocked');
    leg.customData = customData;
    (leg as { to: string }).to = to;
    const invite = leg.answeredBy!;
    this.push(invite.session, leg, 'member:joined', {
      member_id: leg.memberId,
      user: { id: leg.user.id, name: leg.user.name },
      channel: { id: leg.uuid, type: 'app', from: { type: 'app', user: leg.user.name }, to: { type: 'phone', number: to } },
    });
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
    const { media, answerSdp } = await this.answerClientOffer(`${leg.uuid}/${session.id}`, offerSdp);
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
    if (leg.conversation.mixer.has(leg.uuid)) this.joinMixer(leg, media);
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
      const remembered = new Set<Conversation>();
      for (const other of this.legs.values()) remembered.add(other.conversation);
      for (const conversation of this.conversations.values()) {
        if (conversation.liveLegs().length === 0 && !remembered.has(conversation)) this.closeConversation(conversation);
      }
    }, this.retainFinishedCallMs);
    timer.unref();
  }

  private closeConversation(conversation: Conversation): void {
    conversation.mixer.close();
    this.conversations.delete(conversation.id);
    for (const [key, named] of this.named) if (named === conversation) this.named.delete(key);
  }

  newConversation(app: ApplicationRecord, name?: string): Conversation {
    const conversation = new Conversation(name ?? `CON-${randomUUID()}`, app, new Mixer(this.deps.clock));
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  /**
   * The named conversation of an application, created on first use and again once everyone
   * has left it (a finished conversation's name starts a new one).
   */
  namedConversation(app: ApplicationRecord, name: string): { conversation: Conversation; created: boolean } {
    const key = `${app.id}/${name}`;
    const existing = this.named.get(key);
    if (existing && existing.liveLegs().length > 0) return { conversation: existing, created: false };
    if (existing) this.named.delete(key);
    const conversation = this.newConversation(app, name);
    this.named.set(key, conversation);
    return { conversation, created: true };
  }

  // ---------------------------------------------------------------- media in conversations

  /** Puts a leg's media into a conversation's mixer (leaving the one it was in). */
  attach(leg: Leg, conversation: Conversation, options: MemberOptions = {}): void {
    memberOptions.set(leg, options);
    if (leg.conversation === conversation && conversation.legs.has(leg)) {
      // Already here: only who it hears and speaks to changes (e.g. after a private whisper).
      if (conversation.mixer.has(leg.uuid)) {
        const routing = conversation.started ? { canHear: options.canHear, canSpeak: options.canSpeak } : { canHear: [], canSpeak: [] };
        conversation.mixer.update(leg.uuid, routing);
      }
      return;
    }
    this.detach(leg);
    leg.conversation = conversation;
    conversation.legs.add(leg);
    if (leg instanceof AppLeg) conversation.members.set(leg.memberId, leg);
    if (leg.endpoint) this.joinMixer(leg, leg.endpoint);
  }

  /** Joins a leg's media to its conversation's mixer with its options; a waiting conversation bridges no one yet. */
  private joinMixer(leg: Leg, endpoint: MediaEndpoint): void {
    const conversation = leg.conversation;
    conversation.mixer.join(leg.uuid, endpoint, {
      ...memberOptions.get(leg),
      muted: leg.muted,
      earmuffed: leg.earmuffed,
      ...(conversation.started ? {} : { canHear: [], canSpeak: [] }),
    });
  }

  /** Takes a leg's media out of its conversation; an `endOnExit` leg ends the conversation. */
  detach(leg: Leg): void {
    const conversation = leg.conversation;
    if (!conversation.legs.delete(leg)) return;
    conversation.mixer.leave(leg.uuid);
    conversation.holdPlayback(leg)?.stop();
    conversation.setHoldPlayback(leg, null);
    this.ncco.left(leg);
    if (conversation.settings.endOnExit.has(leg.uuid)) {
      conversation.settings.endOnExit.delete(leg.uuid);
      for (const other of conversation.liveLegs()) {
        if (other !== leg) this.hangup(other);
      }
    }
    if (conversation.liveLegs().length === 0) void conversation.stopRecording?.();
  }

  /**
   * A leg moved to another conversation: event_url gets a `transfer` event and an app leg's
   * session is told (`rtc:transfer`), keeping the same member id.
   */
  noteTransfer(leg: Leg, from: Conversation, to: Conversation): void {
    this.sendLegEvent(leg, { type: 'transfer', conversation_uuid_from: from.id, conversation_uuid_to: to.id, conversation_uuid: to.id });
    if (leg instanceof AppLeg && leg.answeredBy) {
      // The SDK takes the top-level `from` as its member in the new conversation (the cid).
      this.push(
        leg.answeredBy.session,
        leg,
        'rtc:transfer',
        { was_member: leg.memberId, user_id: leg.user.id, transferred_from: from.id, channel: { id: leg.uuid, type: 'app' } },
        { from: leg.memberId },
      );
    }
  }

  /**
   * Voice API transfer: the leg's NCCO is replaced by this one (the route has validated it), or
   * by the one a URL returns.
   */
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

  /** Starts a conversation that was waiting: hold music stops and everyone is bridged. */
  startConversation(conversation: Conversation): void {
    if (conversation.started) return;
    conversation.started = true;
    for (const leg of conversation.legs) {
      conversation.holdPlayback(leg)?.stop();
      conversation.setHoldPlayback(leg, null);
      if (conversation.mixer.has(leg.uuid)) conversation.mixer.update(leg.uuid, { canHear: undefined, canSpeak: undefined, ...memberOptions.get(leg) });
    }
  }

  /** Plays audio to one leg; a phone notes what it heard. */
  play(leg: Leg, audio: Int16Array | AudioSource, options: { loop?: number; level?: number }, heard?: Heard): Playback {
    if (heard && leg instanceof PhoneLeg) leg.heard.push(heard);
    return leg.conversation.mixer.play(audio, { ...options, to: [leg.uuid] });
  }

  setMuted(leg: Leg, muted: boolean): void {
    leg.muted = muted;
    if (leg.conversation.mixer.has(leg.uuid)) leg.conversation.mixer.update(leg.uuid, { muted });
  }

  setEarmuffed(leg: Leg, earmuffed: boolean): void {
    leg.earmuffed = earmuffed;
    if (leg.conversation.mixer.has(leg.uuid)) leg.conversation.mixer.update(leg.uuid, { earmuffed });
  }

  /** Sends DTMF to a leg (Voice API `PUT /dtmf`): its party hears the tones. */
  sendDtmf(leg: Leg, digits: string): void {
    if (leg instanceof PhoneLeg) {
      leg.dtmfReceived.push(...digits);
      this.play(leg, dtmfTones(digits), {}, { type: 'dtmf', digits });
    } else if (leg instanceof AppLeg && leg.answeredBy) {
      this.play(leg, dtmfTones(digits), {});
      for (const digit of digits) {
        this.push(leg.answeredBy.session, leg, 'audio:dtmf', { digit, channel: { id: leg.uuid, type: 'app' } }, { from: leg.memberId });
      }
    } else if (leg instanceof WebSocketLeg) {
      for (const digit of digits) leg.endpoint?.sendDtmf(digit);
    }
  }

  /**
   * Keys pressed by a leg's party (the phone's keypad, the SDK's sendDTMF): an `input`
   * action collects them, a barge-in prompt stops, and the other parties hear them.
   */
  pressDigits(leg: Leg, digits: string): void {
    for (const digit of digits) {
      // Each key on its own, as it arrives: an asynchronous input, a DTMF subscription.
      for (const hook of new Set([leg.asyncInput, leg.dtmfSubscription])) {
        if (hook) this.sendLegEvent(leg, { dtmf: { digits: digit, timed_out: false } }, hook);
      }
      if (leg.bargeIn) {
        leg.bargeIn.stop();
        leg.bargeIn = null;
      }
      leg.onDigit?.(digit);
    }
    for (const other of leg.conversation.liveLegs()) {
      if (other === leg || !leg.conversation.started) continue;
      this.sendDtmf(other, digits);
    }
  }

  // ---------------------------------------------------------------- ringing

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

  /** Rings every session of an app user; resolves with how ringing ended. */
  async ringApp(leg: AppLeg, timeoutS: number, from: Record<string, unknown>, cancelled?: Promise<void>): Promise<RingOutcome> {
    const { sessions, webrtc } = this.deps;
    leg.conversation.members.set(leg.memberId, leg);
    const targets = sessions.sessionsOf(leg.app.id, leg.user.name);
    if (targets.length === 0) {
      this.log.info(`call ${leg.uuid}: ${leg.user.name} has no session`);
      leg.settleRinging('failed');
      return 'failed';
    }
    for (const session of targets) {
      const media = new WebRtcEndpoint(`${leg.uuid}/${session.id}`, webrtc);
      let sdp: string;
      try {
        sdp = await media.createOffer();
      } catch (error) {
        this.log.error(`call ${leg.uuid}: could not create a media offer: ${(error as Error).message}`);
        media.close();
        leg.settleRinging('failed');
        return 'failed';
      }
      leg.invites.set(session.id, { session, media, state: 'invited' });
      this.push(session, leg, 'member:invited', {
        conversation: { conversation_id: leg.conversation.id, name: leg.conversation.name },
        member_id: leg.memberId,
        user: { id: leg.user.id, name: leg.user.name },
        media: { audio_settings: { enabled: true, muted: false, earmuffed: false } },
        channel: { id: leg.uuid, type: 'app', from, to: { type: 'app', user: leg.user.name } },
        sdp,
      });
    }
    this.setStatus(leg, 'ringing');
    const timer = setTimeout(() => leg.settleRinging('timeout'), timeoutS * 1000);
    void cancelled?.then(() => leg.settleRinging('cancelled'));
    void leg.ended.then(() => leg.settleRinging('cancelled'));
    const outcome = await leg.ringOutcome;
    clearTimeout(timer);
    return outcome;
  }

  /** Tells the sessions that did not answer why ringing stopped, and settles the leg. */
  afterAppRinging(leg: AppLeg, outcome: RingOutcome): void {
    const winner = leg.answeredBy;
    for (const invite of leg.invites.values()) {
      if (invite === winner) continue;
      invite.media.close();
      if (invite.state === 'gone') continue;
      invite.state = 'gone';
      if (outcome === 'answered') continue; // they saw member:joined: AnsweredElsewhere
      const reason =
        outcome === 'timeout'
          ? { code: 'RING_TIMER', text: 'No answer', sip_code: 487 }
          : outcome === 'rejected'
            ? { code: 'REMOTE_REJECT', text: 'Rejected elsewhere', sip_code: 603 }
            : { code: 'REMOTE_CANCEL', text: 'Caller hung up', sip_code: 200 };
      this.push(invite.session, leg, 'member:left', {
        member_id: leg.memberId,
        user: { id: leg.user.id, name: leg.user.name },
        channel: { id: leg.uuid, type: 'app' },
        reason: { code: reason.code, text: reason.text },
      });
      this.sendHangup(invite, leg, reason);
    }
    if (outcome !== 'answered') return this.endLeg(leg, outcome);
    leg.endpoint = winner!.media;
    if (leg.status !== 'answered') this.setStatus(leg, 'answered');
  }

  // ---------------------------------------------------------------- the Client SDK's side

  /** A session that will not come back: its answered calls end, its invites stop ringing there. */
  private sessionGone(session: RtcSession): void {
    for (const leg of this.legs.values()) {
      if (!(leg instanceof AppLeg) || leg.isOver) continue;
      const invite = leg.invites.get(session.id);
      if (!invite) continue;
      if (leg.answeredBy === invite) {
        this.log.info(`call ${leg.uuid}: ${session.user.name}'s session is gone; ending the call`);
        this.endLeg(leg, 'completed');
      } else if (invite.state === 'invited') {
        invite.state = 'gone';
        invite.media.close();
      }
    }
  }

  /** The SDK joins its member (first step of answering). */
  joinMember(conversationId: string, memberId: string, session: RtcSession): { id: string } {
    const leg = this.memberLeg(conversationId, memberId, session.user.name);
    const invite = leg.invites.get(session.id);
    if (!invite || !leg.ringing) throw new PlatformError(409, 'conversation:error:invalid-member-state', 'The call is no longer ringing');
    invite.state = 'joined';
    return { id: memberId };
  }

  /** The SDK sends its SDP answer: the leg is answered (media connects via ICE/DTLS). */
  async answerRtc(conversationId: string, legId: string, session: RtcSession, sdp: string): Promise<{ id: string }> {
    const leg = this.legs.get(legId);
    if (!(leg instanceof AppLeg) || !leg.conversation.members.has(leg.memberId) || this.memberConversation(leg, conversationId) === undefined) {
      throw new PlatformError(404, 'conversation:error:not-found', 'No such leg');
    }
    const invite = leg.invites.get(session.id);
    if (!invite || invite.state !== 'joined' || !leg.ringing) throw new PlatformError(409, 'conversation:error:invalid-member-state', 'The call is no longer ringing');
    try {
      await invite.media.acceptAnswer(sdp);
    } catch (error) {
      throw new PlatformError(400, 'rtc:error:invalid-sdp', `The SDP answer was not accepted: ${(error as Error).message}`);
    }
    if (!leg.ringing) throw new PlatformError(409, 'conversation:error:invalid-member-state', 'The call is no longer ringing');
    leg.answeredBy = invite;
    this.holdPushes(leg, invite.session);
    for (const other of leg.invites.values()) {
      this.push(other.session, leg, 'member:joined', {
        member_id: leg.memberId,
        user: { id: leg.user.id, name: leg.user.name },
        channel: { id: leg.uuid, type: 'app' },
      });
    }
    leg.settleRinging('answered');
    return { id: legId };
  }

  /**
   * The SDK removes its member: a reject while ringing (for every session of the user: the
   * others see RejectedElsewhere), a hang-up once answered. The SDK names no session here.
   */
  leaveMember(conversationId: string, memberId: string, userName: string): void {
    const leg = this.memberLeg(conversationId, memberId, userName);
    if (leg.ringing) {
      leg.settleRinging('rejected');
      return;
    }
    if (leg.answeredBy && !leg.isOver) this.hangupApp(leg, 'LOCAL_HANGUP');
  }

  /** The app leg of a member, checked against the caller's user. Members keep their id across transfers. */
  memberLeg(conversationId: string, memberId: string, userName: string): AppLeg {
    const leg = this.conversations.get(conversationId)?.members.get(memberId);
    if (!leg) throw new PlatformError(404, 'conversation:error:member-not-found', 'No such member');
    if (leg.user.name !== userName) throw new PlatformError(403, 'conversation:error:forbidden', 'Not your member');
    return leg;
  }

  /** The conversation id the SDK may use for this leg: its current one or one it was transferred from. */
  private memberConversation(leg: AppLeg, conversationId: string): Conversation | undefined {
    const conversation = this.conversations.get(conversationId);
    return conversation?.members.get(leg.memberId) === leg ? conversation : undefined;
  }

  /** Ends an answered app leg and tells its session why. */
  hangupApp(leg: AppLeg, code: 'LOCAL_HANGUP' | 'REMOTE_HANGUP'): void {
    if (leg.isOver) return;
    this.tellSdkEnded(leg, code);
    this.endLeg(leg, 'completed');
  }

  /**
   * Tells the session that answered an app leg that the call is over, once, whatever ended
   * it (a hang-up on either side, a failed answer_url, endOnExit, the Voice API): an SDK
   * that is never told keeps showing a call the platform has ended.
   */
  private tellSdkEnded(leg: AppLeg, code: 'LOCAL_HANGUP' | 'REMOTE_HANGUP'): void {
    const invite = leg.answeredBy;
    if (!invite || sdkTold.has(leg)) return;
    sdkTold.add(leg);
    if (code === 'REMOTE_HANGUP') {
      this.push(invite.session, leg, 'member:left', {
        member_id: leg.memberId,
        user: { id: leg.user.id, name: leg.user.name },
        channel: { id: leg.uuid, type: 'app' },
        reason: { code, text: 'The other party hung up' },
      });
    }
    this.sendHangup(invite, leg, { code, text: code === 'LOCAL_HANGUP' ? 'Hung up' : 'The other party hung up', sip_code: 200 });
  }

  private sendHangup(invite: AppInvite, leg: AppLeg, reason: { code: string; text: string; sip_code: number }): void {
    const media = invite.media;
    const counters = media.counters();
    this.push(invite.session, leg, 'rtc:hangup', {
      channel: { id: leg.uuid, type: 'app' },
      bandwidth: { bytes_in: media.bytesIn, bytes_out: media.bytesOut },
      reason,
      quality: {
        mos_score: 4.3,
        quality_percentage: 100,
        jitter_min_var: 0,
        jitter_max_var: 0,
        jitter_loss_rate: 0,
        jitter_burst_rate: 0,
        flaw_total: 0,
        packet_cnt: counters.packets_received + counters.packets_sent,
        packet_loss_perc: 0,
      },
      direction: leg.direction,
    });
  }

  /**
   * Pushes a conversation event to one session; `extra` adds top-level fields (`from`,
   * `_embedded`). Events about a call the session has just answered wait, in order, until
   * the SDK has had its answer response ({@link ANSWER_SETTLE_MS}).
   */
  push(session: RtcSession, leg: Leg, type: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}): void {
    const payload = {
      id: leg.conversation.nextEventId(),
      cid: leg.conversation.id,
      conversation_id: leg.conversation.id,
      timestamp: new Date().toISOString(),
      application_id: leg.app.id,
      ...extra,
      body,
    };
    const held = heldPushes.get(leg);
    if (held && held.session === session) held.events.push({ type, payload });
    else this.deps.sessions.push(session, type, payload);
  }

  /** Starts holding a just-answered leg's events for its session; they go out, in order, after {@link ANSWER_SETTLE_MS}. */
  private holdPushes(leg: AppLeg, session: RtcSession): void {
    const held: HeldPushes = { session, events: [], timer: setTimeout(() => this.releasePushes(leg), ANSWER_SETTLE_MS) };
    held.timer.unref();
    heldPushes.set(leg, held);
  }

  private releasePushes(leg: Leg): void {
    const held = heldPushes.get(leg);
    if (!held) return;
    heldPushes.delete(leg);
    clearTimeout(held.timer);
    for (const { type, payload } of held.events) this.deps.sessions.push(held.session, type, payload);
  }

  /**
   * Tells the SDK session of an app-originated call that a leg it placed changed status. The
   * SDK knows ringing, answered and completed (any final status). It reads `_embedded.from_user`
   * at the top level as who caused the change and drops the event when that is its own user,
   * so the user named is the party of the leg (a phone's number), never the agent.
   */
  private pushLegStatus(leg: Leg, status: LegStatus): void {
    if (leg instanceof AppLeg) return;
    const sdkStatus = FINAL_STATUSES.has(status) ? 'completed' : status === 'ringing' || status === 'answered' ? status : null;
    if (!sdkStatus) return;
    for (const other of leg.conversation.legs) {
      if (!(other instanceof AppLeg) || other.direction !== 'inbound' || !other.answeredBy || other.isOver) continue;
      this.push(
        other.answeredBy.session,
        other,
        'leg:status:update',
        {
          direction: leg.direction,
          leg_id: leg.uuid,
          status: sdkStatus,
          type: leg.type,
          statusHistory: [{ status: sdkStatus, date: new Date().toISOString() }],
        },
        { _embedded: { from_user: { id: `USR-${leg.uuid}`, name: leg.direction === 'outbound' ? leg.to : leg.from } } },
      );
    }
  }

  // ---------------------------------------------------------------- statuses and ending

  /** Hangs a leg up from the platform's side (NCCO over, Voice API hangup, endOnExit). */
  hangup(leg: Leg): void {
    if (leg.isOver) return;
    if (leg instanceof AppLeg) {
      if (leg.ringing) {
        leg.settleRinging('cancelled');
        return;
      }
      return this.hangupApp(leg, 'REMOTE_HANGUP');
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
    if (notify) this.sendEvent(leg, status);
    this.pushLegStatus(leg, status);
  }

  endLeg(leg: Leg, status: LegStatus, notify = true): void {
    if (!FINAL_STATUSES.has(status) || leg.isOver) return;
    leg.status = status;
    leg.finish();
    this.detach(leg);
    if (notify && leg.app !== detachedApp) this.sendEvent(leg, status);
    this.pushLegStatus(leg, status);
    if (leg instanceof AppLeg) {
      this.tellSdkEnded(leg, 'REMOTE_HANGUP');
      for (const invite of leg.invites.values()) invite.media.close();
    }
  }

  /** The payload fields every event of a leg carries. */
  eventBase(leg: Leg): Record<string, unknown> {
    return {
      from: leg.from,
      to: leg.to,
      uuid: leg.uuid,
      conversation_uuid: leg.conversation.id,
      timestamp: new Date().toISOString(),
    };
  }

  /** The leg's event webhook: its own (Voice API, connect eventUrl) or the application's. */
  eventHook(leg: Leg): Webhook | undefined {
    return leg.eventHook ?? leg.app.capabilities.voice?.webhooks.event_url;
  }

  /** Sends a non-status event of a leg (record, input without NCCO, errors) in the call's order. */
  sendLegEvent(leg: Leg, payload: Record<string, unknown>, hook = this.eventHook(leg)): void {
    if (leg.app === detachedApp) return;
    this.webhooks.event(leg.conversation.id, hook, { ...this.eventBase(leg), ...payload }, leg.app);
  }

  /** Reports a problem with a call to its event_url (bad NCCO, unsupported feature). */
  reportError(leg: Leg, reason: string): void {
    this.sendLegEvent(leg, { type: 'error', reason });
  }

  private sendEvent(leg: Leg, status: LegStatus): void {
    const payload: Record<string, unknown> = { ...this.eventBase(leg), status, direction: leg.direction };
    if (status === 'completed') {
      const start = leg.answeredAt ?? leg.createdAt;
      const end = leg.endedAt ?? new Date();
      Object.assign(payload, {
        duration: String(leg.answeredAt ? Math.round((end.getTime() - start.getTime()) / 1000) : 0),
        start_time: start.toISOString(),
        end_time: end.toISOString(),
        rate: '0.00000000',
        price: '0',
        network: 'sandbox',
      });
    }
    this.webhooks.event(leg.conversation.id, this.eventHook(leg), payload, leg.app);
  }

  /** Hangs up everything (sandbox shutdown). */
  async shutdown(): Promise<void> {
    for (const leg of this.legs.values()) {
      this.releasePushes(leg);
      if (leg instanceof AppLeg) {
        leg.settleRinging('cancelled');
        for (const invite of leg.invites.values()) invite.media.close();
      }
      if (!leg.isOver) this.endLeg(leg, leg.status === 'answered' ? 'completed' : 'cancelled');
    }
    for (const conversation of this.conversations.values()) conversation.mixer.close();
    await this.webhooks.drain();
  }
}

/** Events held back from the session that has just answered an app leg. */
interface HeldPushes {
  session: RtcSession;
  events: Array<{ type: string; payload: Record<string, unknown> }>;
  timer: NodeJS.Timeout;
}
const heldPushes = new WeakMap<Leg, HeldPushes>();

/** App legs whose answering session has been told the call ended (so it is told once). */
const sdkTold = new WeakSet<AppLeg>();

/** The options each leg joined its conversation with, re-applied when a waiting conversation starts. */
const memberOptions = new WeakMap<Leg, MemberOptions>();

/** Stands in for "no application" on calls to unlinked numbers (no webhooks go anywhere). */
export const detachedApp: ApplicationRecord = { id: '', name: '(none)', public_key: '', capabilities: {}, created_at: '' };
