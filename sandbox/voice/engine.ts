/**
 * The call engine: places calls, runs their NCCOs, rings app users over the Client SDK
 * protocol, bridges media and reports every status to event_url.
 */
import type { SandboxStore, ApplicationRecord } from '../state/store';
import type { SessionRegistry, RtcSession } from '../rtc/sessions';
import type { MediaClock } from '../media/clock';
import { PhoneEndpoint } from '../media/phone-endpoint';
import { WebRtcEndpoint, type WebRtcOptions } from '../media/webrtc-endpoint';
import { bridge } from '../media/endpoint';
import { silenceFrame } from '../media/g711';
import type { Logger } from '../log';
import { EventSender, fetchNcco } from './webhooks';
import { AppLeg, Conversation, FINAL_STATUSES, PhoneLeg, type AppInvite, type Leg, type LegStatus, type RingOutcome } from './legs';

/** Raised to REST handlers; carries the HTTP status and the SDK's error shape. */
export class PlatformError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const NOT_IN_SERVICE = 'The number you have dialled is not in service. Please check the number and try again.';
/** Speech pace used to time `talk` while it plays (about 14 characters a second). */
const TALK_MS_PER_CHAR = 70;
const DEFAULT_CONNECT_TIMEOUT_S = 60;
/** How long a finished call stays readable through the phone API. */
const RETAIN_FINISHED_CALL_MS = 15 * 60_000;

/** Parts the engine works with. */
export interface EngineDeps {
  store: SandboxStore;
  sessions: SessionRegistry;
  clock: MediaClock;
  log: Logger;
  webrtc: WebRtcOptions;
}

/** Normalises a phone number to Vonage's form: digits only, no plus. */
export function msisdn(number: string): string {
  return number.replace(/[^0-9]/g, '');
}

/** Runs every call of the sandbox. */
export class CallEngine {
  private readonly legs = new Map<string, Leg>();
  private readonly conversations = new Map<string, Conversation>();
  readonly events: EventSender;

  constructor(private readonly deps: EngineDeps) {
    this.events = new EventSender(deps.log);
    deps.sessions.onSessionGone = (session) => this.sessionGone(session);
  }

  /** A session that will not come back: its answered calls end, its invites stop ringing there. */
  private sessionGone(session: RtcSession): void {
    for (const leg of this.legs.values()) {
      if (!(leg instanceof AppLeg) || leg.isOver) continue;
      const invite = leg.invites.get(session.id);
      if (!invite) continue;
      if (leg.answeredBy === invite) {
        this.deps.log.info(`call ${leg.uuid}: ${session.user.name}'s session is gone; ending the call`);
        this.endLeg(leg, 'completed');
      } else if (invite.state === 'invited') {
        invite.state = 'gone';
        invite.media.close();
      }
    }
  }

  leg(uuid: string): Leg | undefined {
    return this.legs.get(uuid);
  }

  conversation(id: string): Conversation | undefined {
    return this.conversations.get(id);
  }

  activeLegCount(): number {
    let n = 0;
    for (const leg of this.legs.values()) if (!leg.isOver) n++;
    return n;
  }

  /** A simulated phone dials a number: the inbound call starts and runs on its own. */
  placeInboundCall(from: string, to: string): PhoneLeg {
    const number = this.deps.store.number(msisdn(to));
    const app = number?.application_id ? this.deps.store.application(number.application_id) : undefined;
    const conversation = this.newConversation();
    const leg = new PhoneLeg(app ?? detachedApp, conversation, 'inbound', msisdn(from), msisdn(to));
    leg.endpoint = new PhoneEndpoint(leg.uuid, this.deps.clock);
    this.legs.set(leg.uuid, leg);
    void this.runInbound(leg, app)
      .catch((error: unknown) => {
        this.deps.log.error(`call ${leg.uuid} failed: ${(error as Error).stack ?? String(error)}`);
        try {
          this.endLeg(leg, 'failed');
        } catch (again) {
          this.deps.log.error(`call ${leg.uuid} could not be ended cleanly: ${(again as Error).message}`);
        }
      })
      .finally(() => this.retire(conversation));
    return leg;
  }

  /**
   * Forgets a finished call after a while: long enough for a test or operator to read what
   * the phone heard, short enough that a sandbox running all day does not grow without bound.
   */
  private retire(conversation: Conversation): void {
    const timer = setTimeout(() => {
      this.conversations.delete(conversation.id);
      for (const [uuid, leg] of this.legs) if (leg.conversation === conversation) this.legs.delete(uuid);
    }, RETAIN_FINISHED_CALL_MS);
    timer.unref();
  }

  /** The simulated phone hangs up. */
  hangupPhone(leg: PhoneLeg): void {
    leg.heard.push({ type: 'hangup', reason: 'caller hung up' });
    this.endLeg(leg, leg.status === 'answered' ? 'completed' : 'cancelled');
  }

  private newConversation(): Conversation {
    const conversation = new Conversation(`CON-${Date.now().toString(36)}`);
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  private async runInbound(leg: PhoneLeg, app: ApplicationRecord | undefined): Promise<void> {
    const voice = app?.capabilities.voice?.webhooks;
    if (!app || !voice?.answer_url) {
      this.setStatus(leg, 'answered', false);
      await this.talk(leg, NOT_IN_SERVICE);
      this.endLeg(leg, 'completed', false);
      return;
    }
    this.setStatus(leg, 'started');
    this.setStatus(leg, 'ringing');
    const answer = await fetchNcco(voice.answer_url, {
      to: leg.to,
      from: leg.from,
      uuid: leg.uuid,
      conversation_uuid: leg.conversation.id,
    });
    if (leg.isOver) return;
    if (!answer.ok) {
      this.deps.log.warn(`call ${leg.uuid}: ${answer.reason}`);
      this.endLeg(leg, 'failed');
      return;
    }
    this.setStatus(leg, 'answered');
    await this.runNcco(leg, answer.ncco);
    if (!leg.isOver) this.endLeg(leg, 'completed');
  }

  /** Executes NCCO actions in order until the list ends or the leg does. */
  private async runNcco(leg: PhoneLeg, ncco: unknown): Promise<void> {
    if (!Array.isArray(ncco)) {
      this.deps.log.warn(`call ${leg.uuid}: NCCO is not an array`);
      return;
    }
    for (const action of ncco as Array<Record<string, unknown>>) {
      if (leg.isOver) return;
      switch (action?.action) {
        case 'talk':
          await this.talk(leg, String(action.text ?? ''));
          break;
        case 'connect':
          await this.connect(leg, action);
          break;
        default:
          this.deps.log.warn(`call ${leg.uuid}: NCCO action ${JSON.stringify(action?.action)} is not supported yet; skipped`);
      }
    }
  }

  /** Plays a talk action to the phone for as long as the text takes to say. */
  private async talk(leg: PhoneLeg, text: string): Promise<void> {
    leg.heard.push({ type: 'talk', text });
    const phone = leg.endpoint;
    if (!phone) return;
    const frame = silenceFrame();
    const stop = this.deps.clock.add(() => phone.deliver(frame));
    await Promise.race([sleep(Math.max(600, text.length * TALK_MS_PER_CHAR)), leg.ended]);
    stop();
  }

  private async connect(leg: PhoneLeg, action: Record<string, unknown>): Promise<void> {
    const endpoint = Array.isArray(action.endpoint) ? (action.endpoint[0] as Record<string, unknown> | undefined) : undefined;
    if (endpoint?.type !== 'app' || typeof endpoint.user !== 'string') {
      this.deps.log.warn(`call ${leg.uuid}: connect to ${JSON.stringify(endpoint?.type)} is not supported yet; skipped`);
      return;
    }
    const timeout = typeof action.timeout === 'number' ? action.timeout : DEFAULT_CONNECT_TIMEOUT_S;
    await this.connectApp(leg, endpoint.user, timeout);
  }

  /** Rings every session of an app user; bridges the first that answers. */
  private async connectApp(phone: PhoneLeg, userName: string, timeoutS: number): Promise<void> {
    const { sessions, webrtc } = this.deps;
    const user = sessions.user(phone.app.id, userName);
    const leg = new AppLeg(phone.app, phone.conversation, phone.from, user);
    this.legs.set(leg.uuid, leg);
    phone.conversation.members.set(leg.memberId, leg);
    this.setStatus(leg, 'started');
    const targets = sessions.sessionsOf(phone.app.id, userName);
    if (targets.length === 0) {
      this.deps.log.info(`call ${phone.uuid}: ${userName} has no session; connect fails`);
      this.endLeg(leg, 'failed');
      return;
    }
    for (const session of targets) {
      const media = new WebRtcEndpoint(`${leg.uuid}/${session.id}`, webrtc);
      let sdp: string;
      try {
        sdp = await media.createOffer();
      } catch (error) {
        this.deps.log.error(`call ${phone.uuid}: could not create a media offer: ${(error as Error).message}`);
        media.close();
        for (const invite of leg.invites.values()) invite.media.close();
        this.endLeg(leg, 'failed');
        return;
      }
      leg.invites.set(session.id, { session, media, state: 'invited' });
      this.push(session, leg, 'member:invited', {
        conversation: { conversation_id: leg.conversation.id, name: leg.conversation.name },
        member_id: leg.memberId,
        user: { id: user.id, name: user.name },
        media: { audio_settings: { enabled: true, muted: false, earmuffed: false } },
        channel: {
          id: leg.uuid,
          type: 'app',
          from: { type: 'phone', number: phone.from },
          to: { type: 'app', user: user.name },
        },
        sdp,
      });
    }
    this.setStatus(leg, 'ringing');
    const timer = setTimeout(() => leg.settleRinging('timeout'), timeoutS * 1000);
    void phone.ended.then(() => leg.settleRinging('cancelled'));
    const outcome = await leg.ringOutcome;
    clearTimeout(timer);
    this.afterRinging(phone, leg, outcome);
    if (outcome !== 'answered') return;
    await Promise.race([leg.ended, phone.ended]);
    if (!leg.isOver) this.hangupApp(leg, 'REMOTE_HANGUP');
  }

  private afterRinging(phone: PhoneLeg, leg: AppLeg, outcome: RingOutcome): void {
    const winner = leg.answeredBy;
    for (const invite of leg.invites.values()) {
      if (invite === winner) continue;
      invite.media.close();
      if (invite.state !== 'invited') continue;
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
    switch (outcome) {
      case 'answered':
        this.setStatus(leg, 'answered');
        leg.endpoint = winner!.media;
        if (phone.endpoint) bridge(phone.endpoint, winner!.media);
        return;
      case 'rejected':
        return this.endLeg(leg, 'rejected');
      case 'timeout':
        return this.endLeg(leg, 'timeout');
      case 'cancelled':
        return this.endLeg(leg, 'cancelled');
      case 'failed':
        return this.endLeg(leg, 'failed');
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

  /** The SDK sends its SDP answer: the leg is answered and bridged (media connects via ICE/DTLS). */
  async answerRtc(conversationId: string, legId: string, session: RtcSession, sdp: string): Promise<{ id: string }> {
    const leg = this.legs.get(legId);
    if (!(leg instanceof AppLeg) || leg.conversation.id !== conversationId) throw new PlatformError(404, 'conversation:error:not-found', 'No such leg');
    const invite = leg.invites.get(session.id);
    if (!invite || invite.state !== 'joined' || !leg.ringing) throw new PlatformError(409, 'conversation:error:invalid-member-state', 'The call is no longer ringing');
    try {
      await invite.media.acceptAnswer(sdp);
    } catch (error) {
      throw new PlatformError(400, 'rtc:error:invalid-sdp', `The SDP answer was not accepted: ${(error as Error).message}`);
    }
    if (!leg.ringing) throw new PlatformError(409, 'conversation:error:invalid-member-state', 'The call is no longer ringing');
    leg.answeredBy = invite;
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

  /** What the SDK reads about a conversation: its member for this user and that member's state. */
  describeConversation(conversationId: string, userName: string): Record<string, unknown> {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) throw new PlatformError(404, 'conversation:error:not-found', 'No such conversation');
    const leg = [...conversation.members.values()].find((l) => l.user.name === userName);
    const state = !leg ? 'LEFT' : leg.isOver ? 'LEFT' : leg.answeredBy ? 'JOINED' : 'INVITED';
    return {
      id: conversation.id,
      name: conversation.name,
      timestamp: { created: conversation.createdAt.toISOString() },
      ...(leg ? { _embedded: { member: { id: leg.memberId, state } } } : {}),
    };
  }

  private memberLeg(conversationId: string, memberId: string, userName: string): AppLeg {
    const leg = this.conversations.get(conversationId)?.members.get(memberId);
    if (!leg) throw new PlatformError(404, 'conversation:error:member-not-found', 'No such member');
    if (leg.user.name !== userName) throw new PlatformError(403, 'conversation:error:forbidden', 'Not your member');
    return leg;
  }

  /** Ends an answered app leg and tells its session why. */
  private hangupApp(leg: AppLeg, code: 'LOCAL_HANGUP' | 'REMOTE_HANGUP'): void {
    const invite = leg.answeredBy;
    if (invite) {
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
    this.endLeg(leg, 'completed');
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
      direction: 'inbound',
    });
  }

  private push(session: RtcSession, leg: Leg, type: string, body: Record<string, unknown>): void {
    const id = leg.conversation.nextEventId();
    this.deps.sessions.push(session, type, {
      id,
      cid: leg.conversation.id,
      conversation_id: leg.conversation.id,
      timestamp: new Date().toISOString(),
      application_id: leg.app.id,
      body,
    });
  }

  /** Records a status and sends it to event_url (unless the call has no application). */
  private setStatus(leg: Leg, status: LegStatus, notify = true): void {
    if (leg.isOver) return;
    leg.status = status;
    if (status === 'answered') leg.answeredAt = new Date();
    if (notify) this.sendEvent(leg, status);
  }

  private endLeg(leg: Leg, status: LegStatus, notify = true): void {
    if (!FINAL_STATUSES.has(status) || leg.isOver) return;
    leg.status = status;
    leg.finish();
    if (notify && leg.app !== detachedApp) this.sendEvent(leg, status);
    if (leg instanceof PhoneLeg) {
      for (const member of leg.conversation.members.values()) {
        if (member.ringing) member.settleRinging('cancelled');
      }
    }
  }

  private sendEvent(leg: Leg, status: LegStatus): void {
    const hook = leg.app.capabilities.voice?.webhooks.event_url;
    const payload: Record<string, unknown> = {
      from: leg.from,
      to: leg.to,
      uuid: leg.uuid,
      conversation_uuid: leg.conversation.id,
      status,
      direction: leg.direction,
      timestamp: new Date().toISOString(),
    };
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
    this.events.send(leg.conversation.id, hook, payload);
  }

  /** Hangs up everything (sandbox shutdown). */
  async shutdown(): Promise<void> {
    for (const leg of this.legs.values()) {
      if (leg instanceof AppLeg) {
        leg.settleRinging('cancelled');
        for (const invite of leg.invites.values()) invite.media.close();
      }
      if (!leg.isOver) this.endLeg(leg, leg.status === 'answered' ? 'completed' : 'cancelled');
    }
    await this.events.drain();
  }
}

/** Stands in for "no application" on calls to unlinked numbers (no webhooks go anywhere). */
const detachedApp: ApplicationRecord = { id: '', name: '(none)', public_key: '', capabilities: {}, created_at: '' };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
