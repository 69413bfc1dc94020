/**
 * The Client SDK's side of calls: invites rung on every session of a user, the member and
 * RTC events the SDK reads (`member:invited`, `member:joined`, `member:left`, `rtc:hangup`,
 * `rtc:transfer`, `audio:dtmf`, `leg:status:update`), answering, rejecting and hanging up
 * from the SDK, and media offers. Calls themselves (creation, statuses, hang-up) are the
 * engine's: it reaches them through {@link SignallingCalls}, never by importing the engine.
 */
import type { Logger } from '../log';
import { IceGatheringTimeout, WebRtcEndpoint, type WebRtcOptions } from '../media/webrtc-endpoint';
import { PlatformError, type LegControl } from '../voice/call-control';
import { AppLeg, FINAL_STATUSES, type AppInvite, type Conversation, type Leg, type LegStatus, type RingOutcome } from '../voice/legs';
import type { RtcSession, SessionRegistry } from './sessions';

/**
 * How long events about a call wait after the SDK's answer is accepted. The SDK creates its
 * call only once the HTTP answer response is back; an event arriving on the socket before
 * that (the NCCO moving the leg into a named conversation at once) is dropped, and the call's
 * later hang-up then never reaches the app. The real platform takes longer than this to run
 * the next NCCO action; the sandbox would not, so it waits.
 */
export const ANSWER_SETTLE_MS = 150;

/** What signalling needs of the calls. */
export interface SignallingCalls extends Pick<LegControl, 'setStatus' | 'endLeg'> {
  leg(uuid: string): Leg | undefined;
  conversation(id: string): Conversation | undefined;
  allLegs(): Leg[];
}

export interface SignallingDeps {
  sessions: SessionRegistry;
  webrtc: WebRtcOptions;
  log: Logger;
  calls: SignallingCalls;
}

type HangupCode = 'LOCAL_HANGUP' | 'REMOTE_HANGUP';

/** Events held back from the session that has just answered an app leg. */
interface HeldPushes {
  session: RtcSession;
  events: Array<{ type: string; payload: Record<string, unknown> }>;
  timer: NodeJS.Timeout;
}

/** Speaks the Client SDK protocol for the engine's calls. */
export class SdkSignalling {
  private readonly held = new WeakMap<Leg, HeldPushes>();
  /** App legs whose answering session has been told the call ended (so it is told once). */
  private readonly told = new WeakSet<AppLeg>();

  constructor(private readonly deps: SignallingDeps) {
    deps.sessions.onSessionGone = (session) => this.sessionGone(session);
  }

  private get calls(): SignallingCalls {
    return this.deps.calls;
  }

  /** Media for an SDK that offers (`serverCall`, `reconnectCall`): a new endpoint answers its offer. */
  async answerClientOffer(id: string, offerSdp: string): Promise<{ media: WebRtcEndpoint; answerSdp: string }> {
    const media = new WebRtcEndpoint(id, this.deps.webrtc);
    try {
      return { media, answerSdp: await media.answerOffer(offerSdp) };
    } catch (error) {
      media.close();
      // The platform's side failed, not the offer: the SDK may try again.
      if (error instanceof IceGatheringTimeout) throw new PlatformError(503, 'rtc:error:media-unavailable', `The media path could not be set up: ${error.message}`);
      throw new PlatformError(400, 'rtc:error:invalid-sdp', `The SDP offer was not accepted: ${(error as Error).message}`);
    }
  }

  /** Rings every session of an app user; resolves with how ringing ended. */
  async ringApp(leg: AppLeg, timeoutS: number, from: Record<string, unknown>, cancelled?: Promise<void>): Promise<RingOutcome> {
    const { sessions, webrtc, log } = this.deps;
    leg.conversation.members.set(leg.memberId, leg);
    const targets = sessions.sessionsOf(leg.app.id, leg.user.name);
    if (targets.length === 0) {
      log.info(`call ${leg.uuid}: ${leg.user.name} has no session`);
      leg.settleRinging('failed');
      return 'failed';
    }
    // Every session's offer at once: the wait is the slowest one's, not their sum.
    const offers = await Promise.all(
      targets.map(async (session) => {
        const media = new WebRtcEndpoint(`${leg.uuid}/${session.id}`, webrtc);
        try {
          return { session, media, sdp: await media.createOffer() };
        } catch (error) {
          // This session is not rung; the user's other sessions (the desktop app beside a browser tab) still are.
          log.error(`call ${leg.uuid}: could not create a media offer for session ${session.id}: ${(error as Error).message}`);
          media.close();
          return null;
        }
      }),
    );
    for (const offer of offers) {
      if (!offer) continue;
      const { session, media, sdp } = offer;
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
    if (leg.invites.size === 0) {
      leg.settleRinging('failed');
      return 'failed';
    }
    this.calls.setStatus(leg, 'ringing');
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
      this.memberLeft(invite.session, leg, { code: reason.code, text: reason.text });
      this.sendHangup(invite, leg, reason);
    }
    if (outcome !== 'answered') return this.calls.endLeg(leg, outcome);
    leg.endpoint = winner!.media;
    if (leg.status !== 'answered') this.calls.setStatus(leg, 'answered');
  }

  /** A session that will not come back: its answered calls end, its invites stop ringing there. */
  private sessionGone(session: RtcSession): void {
    for (const leg of this.calls.allLegs()) {
      if (!(leg instanceof AppLeg) || leg.isOver) continue;
      const invite = leg.invites.get(session.id);
      if (!invite) continue;
      if (leg.answeredBy === invite) {
        this.deps.log.info(`call ${leg.uuid}: ${session.user.name}'s session is gone; ending the call`);
        this.calls.endLeg(leg, 'completed');
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
    const leg = this.calls.leg(legId);
    if (!(leg instanceof AppLeg) || !leg.conversation.members.has(leg.memberId) || this.calls.conversation(conversationId)?.members.get(leg.memberId) !== leg) {
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
    for (const other of leg.invites.values()) this.memberJoined(other.session, leg);
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
    const leg = this.calls.conversation(conversationId)?.members.get(memberId);
    if (!leg) throw new PlatformError(404, 'conversation:error:member-not-found', 'No such member');
    if (leg.user.name !== userName) throw new PlatformError(403, 'conversation:error:forbidden', 'Not your member');
    return leg;
  }

  /** Ends an answered app leg and tells its session why. */
  hangupApp(leg: AppLeg, code: HangupCode): void {
    if (leg.isOver) return;
    this.tellEnded(leg, code);
    this.calls.endLeg(leg, 'completed');
  }

  /**
   * Tells the session that answered an app leg that the call is over, once, whatever ended
   * it (a hang-up on either side, a failed answer_url, endOnExit, the Voice API): an SDK
   * that is never told keeps showing a call the platform has ended.
   */
  tellEnded(leg: AppLeg, code: HangupCode): void {
    const invite = leg.answeredBy;
    if (!invite || this.told.has(leg)) return;
    this.told.add(leg);
    if (code === 'REMOTE_HANGUP') this.memberLeft(invite.session, leg, { code, text: 'The other party hung up' });
    this.sendHangup(invite, leg, { code, text: code === 'LOCAL_HANGUP' ? 'Hung up' : 'The other party hung up', sip_code: 200 });
  }

  /** `member:joined` for an app leg, with its channel (`to` when the app placed the call). */
  memberJoined(session: RtcSession, leg: AppLeg, to?: { type: 'phone'; number: string }): void {
    const channel = to ? { id: leg.uuid, type: 'app', from: { type: 'app', user: leg.user.name }, to } : { id: leg.uuid, type: 'app' };
    this.push(session, leg, 'member:joined', { member_id: leg.memberId, user: { id: leg.user.id, name: leg.user.name }, channel });
  }

  private memberLeft(session: RtcSession, leg: AppLeg, reason: { code: string; text: string }): void {
    this.push(session, leg, 'member:left', {
      member_id: leg.memberId,
      user: { id: leg.user.id, name: leg.user.name },
      channel: { id: leg.uuid, type: 'app' },
      reason,
    });
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

  /** Keys sent to an answered app leg: the SDK gets each as `audio:dtmf`. */
  dtmf(leg: AppLeg, digits: string): void {
    if (!leg.answeredBy) return;
    for (const digit of digits) {
      this.push(leg.answeredBy.session, leg, 'audio:dtmf', { digit, channel: { id: leg.uuid, type: 'app' } }, { from: leg.memberId });
    }
  }

  /** An app leg moved to another conversation: its session is told (`rtc:transfer`), keeping the member id. */
  transferred(leg: AppLeg, from: Conversation): void {
    if (!leg.answeredBy) return;
    // The SDK takes the top-level `from` as its member in the new conversation (the cid).
    this.push(
      leg.answeredBy.session,
      leg,
      'rtc:transfer',
      { was_member: leg.memberId, user_id: leg.user.id, transferred_from: from.id, channel: { id: leg.uuid, type: 'app' } },
      { from: leg.memberId },
    );
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
    const held = this.held.get(leg);
    if (held && held.session === session) held.events.push({ type, payload });
    else this.deps.sessions.push(session, type, payload);
  }

  /** Starts holding a just-answered leg's events for its session; they go out, in order, after {@link ANSWER_SETTLE_MS}. */
  private holdPushes(leg: AppLeg, session: RtcSession): void {
    const held: HeldPushes = { session, events: [], timer: setTimeout(() => this.releasePushes(leg), ANSWER_SETTLE_MS) };
    held.timer.unref();
    this.held.set(leg, held);
  }

  /** Sends a leg's held events now (its answer settled, or the sandbox shuts down). */
  releasePushes(leg: Leg): void {
    const held = this.held.get(leg);
    if (!held) return;
    this.held.delete(leg);
    clearTimeout(held.timer);
    for (const { type, payload } of held.events) this.deps.sessions.push(held.session, type, payload);
  }

  /**
   * Tells the SDK session of an app-originated call that a leg it placed changed status. The
   * SDK knows ringing, answered and completed (any final status). It reads `_embedded.from_user`
   * at the top level as who caused the change and drops the event when that is its own user,
   * so the user named is the party of the leg (a phone's number), never the agent.
   */
  legStatus(leg: Leg, status: LegStatus): void {
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
}
