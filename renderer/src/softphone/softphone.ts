/**
 * The softphone: the real Vonage Client SDK behind a small, observable model.
 *
 * It owns one `VonageClient`, turns SDK events, the agent's intents and the backend's
 * call-control answers into call-state events (the pure reducer in common/ decides),
 * refreshes the SDK token before it expires, and samples the audio counters of the call on
 * screen from its peer connection (telemetry to Vonage is off).
 *
 * In-call controls: mute and the keypad are the SDK's (`mute`/`unmute`, `sendDTMF`); hold,
 * transfer, consult, conference and leave are the backend's call-control API, reached through
 * the bridge (main in the desktop app, the session cookie in the web app). The backend does
 * not push control changes, so the state of a call is read again every second while a
 * consult or conference goes on, and every 15 s otherwise.
 */
import { VonageClient } from '@vonage/client-sdk';
import type { CallContext } from '../../../common/call-context';
import { QualityTracker, type CallQualitySummary, type QualityReading, type StatsReading } from '../../../common/call-quality';
import {
  callList,
  focusedCall,
  isAnswered,
  isLive,
  noCalls,
  reduceCalls,
  summarize,
  type Call,
  type CallEvent,
  type CallsState,
} from '../../../common/call-state';
import type { CallControlRequest, CallControlResult, ConsultTarget, SessionInfo, TransferTarget } from '../../../common/ipc-contract';
import { checkPhoneNumber } from '../../../common/phone-number';
import { isFinalLegStatus } from '../../../common/vonage-vocabulary';
import type { Bridge } from '../bridge';
import { mediaStart, sampleMedia, VOICE_REPORT_MS, type MediaHealth } from './reachability';
import { connectionOf, nextStep, rebuildStart, reduceRebuild, type RebuildEvent, type RebuildState, type RebuildStep } from './session-rebuild';

/** Where the SDK session stands (decided by the session-rebuild scheduler, `connectionOf`). */
export type Connection = ReturnType<typeof connectionOf>;

/** Packet counters of the call on screen, read from WebRTC stats. */
export interface AudioStats {
  packetsReceived: number;
  packetsSent: number;
  /** `totalAudioEnergy` of what the agent hears: it grows only while there is sound, not with silence. */
  energyReceived: number;
}

/** A call-control action that failed, in the words the agent should read (the backend's, where it gave one). */
export interface ControlError {
  callId: string | null;
  message: string;
}

/** Everything the UI renders. */
export interface SoftphoneView {
  connection: Connection;
  calls: CallsState;
  /** Why each call rings (topic, number dialled), by call id, once the backend told us. */
  contexts: Readonly<Record<string, CallContext>>;
  audio: AudioStats | null;
  /** Live quality of the call on screen (loss, jitter, round trip, MOS), once audio has arrived. */
  quality: QualityReading | null;
  notice: string | null;
  error: ControlError | null;
  /** The answered call on screen receives no audio (its media is being reconnected). */
  noAudio: boolean;
}

/** The outcome of an action the agent can be told about: refused ones come back with a message to show. */
export type ActionOutcome = { ok: true } | { ok: false; message: string };
/** The outcome of {@link Softphone.dial}. */
export type DialOutcome = ActionOutcome;

/** Refresh the SDK token when this share of its life is left. */
const REFRESH_AT_REMAINING = 0.2;
const STATS_INTERVAL_MS = 1000;
const ENDED_DISPLAY_MS = 2500;
/**
 * How often an answered call is checked against the platform. Should the SDK ever miss the
 * hang-up (an event lost in a reconnect, a race in the SDK), the agent must not be left
 * "on a call" the platform has ended; a change of the agent's status checks at once.
 */
const CALL_CHECK_INTERVAL_MS = 15_000;
/** Control state reads: every second while a consult or conference goes on, else every 15 s; a call the backend does not control, once a minute. */
const CONTROL_TICK_MS = 1000;
const CONTROL_SLOW_MS = 15_000;
const CONTROL_UNKNOWN_MS = 60_000;
/** The first read after an answer waits this long: the backend learns the agent's leg from the platform's events. */
const CONTROL_FIRST_MS = 800;
/** Leg statuses after which the call is over (`GET /v0.3/legs/{id}` through `getLeg`). */
/** Keys the far end can receive. */
const DTMF_DIGITS = /^[0-9*#]+$/;

/** Runs one agent's SDK session. */
export class Softphone {
  private client: VonageClient | null = null;
  private view: SoftphoneView = { connection: { kind: 'connecting' }, calls: noCalls, contexts: {}, audio: null, quality: null, notice: null, error: null, noAudio: false };
  private readonly listeners = new Set<(view: SoftphoneView) => void>();
  /** The token's planned renewal (80 % of its life). */
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private statsCallId: string | null = null;
  /** Each answered call's quality readings, summarised when it ends. */
  private readonly quality = new Map<string, QualityTracker>();
  private readonly dismissTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  private controlTimer: ReturnType<typeof setInterval> | null = null;
  /** When each answered call's control state is read next, and whether a read is under way. */
  private readonly controlDue = new Map<string, number>();
  private readonly controlReading = new Set<string>();
  /** Bumped by every control action, so a read begun before it cannot overwrite its answer. */
  private readonly controlSeq = new Map<string, number>();
  /** Calls this agent was called into by another (a consult): read often, the other agent decides. */
  private readonly partyCalls = new Set<string>();
  /** Calls the agent asked to transfer or leave: their hang-up may come before the backend's answer. */
  private readonly expectedEnds = new Map<string, 'transferred' | 'left'>();
  private offStatus: (() => void) | null = null;
  /** The SDK session's id, to resume it (its calls and events) after a drop. */
  private sessionId: string | null = null;
  /** The one decision of when to rebuild the voice session (`session-rebuild.ts`), and its timer. */
  private rebuild: RebuildState = rebuildStart();
  private rebuildTimer: ReturnType<typeof setTimeout> | null = null;
  private offOnline: (() => void) | null = null;
  private voiceTimer: ReturnType<typeof setInterval> | null = null;
  /** The audio health of the call whose stats are sampled. */
  private mediaHealth: MediaHealth | null = null;
  private dialCount = 0;
  /** Which of the first session's performance marks were set (each once: a retry after a failure is not the start). */
  private sessionMarks: 'none' | 'started' | 'up' = 'none';
  private stopped = false;

  constructor(private readonly bridge: Bridge, private readonly session: SessionInfo) {}

  /** Current view; subscribe for changes. */
  get current(): SoftphoneView {
    return this.view;
  }

  subscribe(listener: (view: SoftphoneView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Creates the SDK session. Errors become a visible `failed` connection, never a throw. */
  async start(): Promise<void> {
    const client = new VonageClient({
      apiUrl: this.session.sdk.apiUrl,
      websocketUrl: this.session.sdk.websocketUrl,
      rtcStatsTelemetry: false,
      loggingLevel: 'Warn',
    } as ConstructorParameters<typeof VonageClient>[0]);
    this.client = client;
    client.on('callInvite', (callId, from) => {
      this.dispatch({ type: 'invite', callId, from, at: Date.now() });
      void this.loadContext(callId);
    });
    client.on('legStatusUpdate', (callId, _legId, status) => {
      if (status === 'RINGING') this.dispatch({ type: 'remote-ringing', callId });
      else if (status === 'ANSWERED') this.dispatch({ type: 'remote-answered', callId, at: Date.now() });
      // COMPLETED: the platform ends the agent's leg too; callHangup follows.
    });
    client.on('callInviteCancel', (callId, reason) =>
      this.dispatch({
        type: 'invite-cancelled',
        callId,
        reason: reason === 'AnsweredElsewhere' ? 'answered-elsewhere' : 'missed',
        at: Date.now(),
      }),
    );
    client.on('callHangup', (callId) => this.hungUp(callId));
    // The session is gone (token expired during a network drop, transport closed): rebuild it
    // with a fresh token while the agent's credential is valid — no new sign-in. A revoked
    // credential ends the app's session through the bridge (onSessionEnded), not here.
    client.on('sessionError', (reason) => {
      if (this.client !== client || this.stopped) return;
      this.update({ notice: `${describeSessionError(String(reason))} Reconnecting…` });
      this.rebuildEvent({ type: 'trigger', trigger: 'session-lost', now: Date.now() });
    });
    client.on('reconnecting', () => {
      if (this.client !== client) return;
      this.rebuildEvent({ type: 'sdk', reconnecting: true, now: Date.now() });
    });
    client.on('reconnection', () => {
      if (this.client !== client) return;
      this.rebuildEvent({ type: 'sdk', reconnecting: false, now: Date.now() });
      void this.checkCallsStillUp();
    });
    // The SDK gave up on a call's media: say so and end it, never a silent "On a call".
    client.on('callMediaDisconnect', (callId) => this.hungUp(callId, 'The call lost its audio and could not be reconnected.'));
    // Back online (the web app too; the desktop's main also sends system:resumed): check the session now.
    if (typeof window !== 'undefined') {
      const online = () => this.rebuildSession();
      window.addEventListener('online', online);
      this.offOnline = () => window.removeEventListener('online', online);
    }
    // The backend's lease, renewed while the session is up.
    this.voiceTimer ??= setInterval(() => {
      if (this.view.connection.kind === 'ready') this.reportVoice('up');
    }, VOICE_REPORT_MS);
    // The status stream opens before the voice session, not once it is up: the backend routes
    // calls only to an agent whose stream is connected (after a reload the old stream's close
    // starts a grace in which she is skipped), so a stream opened at 'ready' left a window in
    // which the app showed ready and a call went past her to the fallback.
    this.followStatus();
    // The first connection is the scheduler's first `reopen`: a failure backs off like any other.
    this.rebuild = rebuildStart();
    this.update({ connection: connectionOf(this.rebuild) });
    await this.runStep('reopen', client);
  }

  /** Feeds the scheduler an event; shows the connection it decides, tells the backend, runs what is due. */
  private rebuildEvent(event: RebuildEvent): void {
    if (this.stopped) return;
    const before = this.view.connection;
    this.rebuild = reduceRebuild(this.rebuild, event);
    const connection = connectionOf(this.rebuild);
    if (JSON.stringify(connection) !== JSON.stringify(before)) {
      this.update({ connection });
      if (connection.kind === 'ready') this.reportVoice('up');
      else if (before.kind === 'ready' || connection.kind === 'failed') this.reportVoice('down');
    }
    this.pumpRebuild();
  }

  /** Runs the scheduler's due step, or looks again when it will be due. */
  private pumpRebuild(): void {
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    this.rebuildTimer = null;
    const client = this.client;
    if (this.stopped || !client) return;
    const next = nextStep(this.rebuild, Date.now());
    if (!next) return;
    if ('waitMs' in next) {
      this.rebuildTimer = setTimeout(() => this.pumpRebuild(), next.waitMs);
      return;
    }
    this.rebuildEvent({ type: 'started', step: next.run, now: Date.now() });
    void this.runStep(next.run, client);
  }

  /**
   * One step of (re)building the session, always with a fresh token: renew it on the live
   * socket, check that socket (renew with a timeout), or open the session again — resumed
   * within the platform's window, else a new one — and take the answered calls' media up again.
   */
  private async runStep(step: RebuildStep, client: VonageClient): Promise<void> {
    try {
      const token = await this.bridge.getSdkToken();
      if (step === 'reopen') {
        // The first session's start and end, for the cold-start bench (test/bench/agent-start.ts):
        // the first attempt's start, and the first success.
        if (this.sessionMarks === 'none') {
          performance.mark('switchboard:session-start');
          this.sessionMarks = 'started';
        }
        const resumed = this.sessionId ? await client.createSession(token.token, this.sessionId).catch(() => null) : null;
        this.sessionId = resumed ?? (await client.createSession(token.token));
        if (this.sessionMarks === 'started') {
          performance.mark('switchboard:session-up');
          this.sessionMarks = 'up';
        }
      } else {
        await withTimeout(client.refreshSession(token.token), step === 'check' ? 10_000 : 30_000);
      }
      if (this.stopped) {
        // Signed out while connecting: end the session that just opened.
        if (step === 'reopen') await client.deleteSession().catch(() => undefined);
        return;
      }
      if (this.client !== client) return;
      const wasDown = this.view.connection.kind !== 'ready';
      if (this.view.notice?.startsWith('Could not renew') || (step === 'reopen' && this.view.notice)) this.update({ notice: null });
      this.scheduleRefresh(token.expiresAt);
      this.rebuildEvent({ type: 'succeeded', now: Date.now() });
      if (step === 'reopen' && wasDown) {
        for (const call of callList(this.view.calls)) if (isAnswered(call)) await client.reconnectCall(call.callId).catch(() => undefined);
        void this.checkCallsStillUp();
      }
    } catch (error) {
      if (this.stopped || this.client !== client) return;
      if (step === 'renew') this.update({ notice: `Could not renew the voice session: ${messageOf(error)}. Retrying…` });
      else if (step === 'reopen' && !this.rebuild.neverUp) this.update({ notice: `Reconnecting to the voice platform: ${messageOf(error)}` });
      this.rebuildEvent({ type: 'failed', message: messageOf(error), now: Date.now() });
    }
  }

  /** Tells the scheduler whether a call is live and whether its media is being reconnected (no new session under it). */
  private syncCalls(): void {
    const live = callList(this.view.calls).some(isLive);
    const mediaReconnecting = this.mediaHealth?.kind === 'stalled';
    if (live === this.rebuild.callLive && mediaReconnecting === this.rebuild.mediaReconnecting) return;
    this.rebuildEvent({ type: 'calls', live, mediaReconnecting, now: Date.now() });
  }

  /**
   * The backend moves the agent out of "busy" when their call ends: make sure it has here too.
   * Followed from `start`, before the voice session: in the web app this opens the status event
   * stream, and the backend routes to an agent only while her stream is connected (see `start`).
   */
  private followStatus(): void {
    if (this.offStatus || this.stopped) return;
    this.offStatus = this.bridge.onStatusChanged((status) => {
      if (status.status !== 'busy') void this.checkCallsStillUp();
    });
  }

  /** Tells the backend whether calls can reach this app; a failure (network down) is retried by the next report. */
  private reportVoice(state: 'up' | 'down'): void {
    if (this.stopped) return;
    void this.bridge.reportVoice(state).catch(() => undefined);
  }

  /** The SDK's media of a call: its peer connection and the element playing the far end (device choice applies to them). */
  media(callId: string): { peerConnection: RTCPeerConnection | undefined; output: HTMLAudioElement | undefined } {
    return { peerConnection: this.client?.getPeerConnection(callId), output: this.client?.getAudioOutputElement() };
  }

  /** One call by id. */
  call(callId: string): Call | undefined {
    return this.view.calls.calls[callId];
  }

  /**
   * Answers a ringing call, or a waiting one: the agent's other calls are put on hold first
   * (the backend's hold: the caller hears music), and the waiting call is answered only once
   * they are.
   */
  async answer(callId: string): Promise<ActionOutcome> {
    const call = this.call(callId);
    if (!this.client || (call?.kind !== 'ringing' && call?.kind !== 'waiting')) return { ok: false, message: 'This call is no longer ringing.' };
    if (call.kind === 'waiting') {
      const held = await this.holdOthers(callId);
      if (!held.ok) return held;
      if (this.call(callId)?.kind !== 'waiting' && this.call(callId)?.kind !== 'ringing') return { ok: false, message: 'This call is no longer ringing.' };
    }
    this.dispatch({ type: 'answer-requested', callId });
    try {
      await this.client.answer(callId);
      this.dispatch({ type: 'answered', callId, at: Date.now() });
      return { ok: true };
    } catch (error) {
      const message = `Could not answer: ${messageOf(error)}`;
      this.dispatch({ type: 'answer-failed', callId, message, at: Date.now() });
      return { ok: false, message };
    }
  }

  /** Declines a ringing or waiting call. */
  async decline(callId: string): Promise<void> {
    const call = this.call(callId);
    if ((call?.kind !== 'ringing' && call?.kind !== 'waiting') || !this.client) return;
    this.dispatch({ type: 'decline-requested', callId });
    try {
      await this.client.reject(callId);
    } finally {
      // A rejected invite gets no callHangup: the call is over for this agent now.
      this.dispatch({ type: 'hung-up', callId, at: Date.now() });
    }
  }

  /**
   * Calls a phone number from the app (`serverCall`; the backend's outbound flow connects it).
   *
   * The number is checked first (E.164, as the backend checks it); a bad one is not dialled
   * and comes back with a message for the agent.
   */
  async dial(input: string): Promise<DialOutcome> {
    const checked = checkPhoneNumber(input);
    if (!checked.ok) return { ok: false, message: checked.message };
    if (!this.client || this.view.connection.kind !== 'ready') return { ok: false, message: 'Not connected to the voice platform yet.' };
    if (callList(this.view.calls).some(isLive)) return { ok: false, message: 'Finish the current call first.' };
    const ref = `dial-${++this.dialCount}`;
    this.dispatch({ type: 'dial-requested', ref, to: checked.e164, at: Date.now() });
    try {
      const callId = await this.client.serverCall({ to: checked.digits });
      this.dispatch({ type: 'dial-started', ref, callId, at: Date.now() });
    } catch (error) {
      this.dispatch({ type: 'dial-failed', ref, message: `Could not place the call: ${messageOf(error)}`, at: Date.now() });
    }
    return { ok: true };
  }

  /** Hangs up an answered call, or cancels one being placed. */
  async hangup(callId: string): Promise<void> {
    const call = this.call(callId);
    if (!call || (!isAnswered(call) && call.kind !== 'outgoing') || !this.client) return;
    this.dispatch({ type: 'hangup-requested', callId });
    try {
      await this.client.hangup(callId);
      // callHangup normally follows; should it be lost (socket reconnecting), the call must
      // not stay "ending" and shut out the next invite. A duplicate is ignored.
      this.hungUp(callId);
    } catch (error) {
      // A call the platform had already ended is simply over, not a failure to show.
      const over = await this.legIsOver(callId);
      this.hungUp(callId, over ? undefined : `Hang-up failed: ${messageOf(error)}`);
    }
  }

  /** Mutes or unmutes the agent's microphone on a call (the SDK's mute). */
  async setMuted(callId: string, muted: boolean): Promise<ActionOutcome> {
    const call = this.call(callId);
    if (!this.client || !call || !isAnswered(call)) return this.fail(callId, 'There is no call to mute.');
    this.clearError();
    try {
      if (muted) await this.client.mute(callId);
      else await this.client.unmute(callId);
      this.dispatch({ type: 'mute-changed', callId, muted });
      return { ok: true };
    } catch (error) {
      return this.fail(callId, `Could not ${muted ? 'mute' : 'unmute'}: ${messageOf(error)}`);
    }
  }

  /** Sends keys to the far end (the SDK's DTMF). */
  async sendDigits(callId: string, digits: string): Promise<ActionOutcome> {
    const call = this.call(callId);
    if (!DTMF_DIGITS.test(digits)) return this.fail(callId, 'Only 0-9, * and # can be sent.');
    if (!this.client || !call || !isAnswered(call)) return this.fail(callId, 'There is no call to send keys to.');
    try {
      await this.client.sendDTMF(callId, digits);
      return { ok: true };
    } catch (error) {
      return this.fail(callId, `Could not send ${digits}: ${messageOf(error)}`);
    }
  }

  /**
   * Puts a call on hold or takes it off. Taking one off hold while another call is in
   * progress holds that one first (the agent swaps between calls).
   */
  async setHold(callId: string, held: boolean): Promise<ActionOutcome> {
    const call = this.call(callId);
    if (!call || !isAnswered(call)) return this.fail(callId, 'There is no call to hold.');
    if (!held) {
      const others = await this.holdOthers(callId);
      if (!others.ok) return others;
    }
    const outcome = await this.control({ action: 'hold', callId, held });
    if (outcome.ok && !held && this.call(callId)?.kind === 'active') {
      // Off hold, the platform unmutes the agent's leg: a microphone the agent muted stays muted.
      const again = this.call(callId);
      if (again && isAnswered(again) && again.muted) await this.client?.mute(callId).catch(() => undefined);
    }
    return outcome;
  }

  /** Blind transfer: the caller goes to an agent, a queue or a number; this agent's leg is hung up. */
  async transfer(callId: string, target: TransferTarget): Promise<ActionOutcome> {
    const outcome = await this.expectingEnd(callId, 'transferred', () => this.control({ action: 'transfer', callId, target }));
    if (outcome.ok) this.dispatch({ type: 'transfer-sent', callId, target, mode: 'blind' });
    return outcome;
  }

  /** Warm transfer, first step: the caller holds while the agent calls `target` in. */
  consult(callId: string, target: ConsultTarget): Promise<ActionOutcome> {
    return this.control({ action: 'consult', callId, target });
  }

  /** Warm transfer done: the caller joins the consulted party and this agent leaves. */
  async completeConsult(callId: string): Promise<ActionOutcome> {
    const call = this.call(callId);
    const target = call?.kind === 'consulting' ? call.target : null;
    const outcome = await this.expectingEnd(callId, 'transferred', () => this.control({ action: 'complete', callId }));
    if (outcome.ok && target) this.dispatch({ type: 'transfer-sent', callId, target, mode: 'warm' });
    return outcome;
  }

  /** Warm transfer abandoned: the consulted party is hung up and the caller is back. */
  cancelConsult(callId: string): Promise<ActionOutcome> {
    return this.control({ action: 'cancel', callId });
  }

  /** Three-way conference: the caller joins the agent and the consulted party. */
  conference(callId: string): Promise<ActionOutcome> {
    return this.control({ action: 'conference', callId });
  }

  /** Leaves a three-way conference; the other two go on. */
  async leaveConference(callId: string): Promise<ActionOutcome> {
    const outcome = await this.expectingEnd(callId, 'left', () => this.control({ action: 'leave', callId }));
    if (outcome.ok) this.dispatch({ type: 'leave-requested', callId });
    return outcome;
  }

  /** Runs a request after which the agent's leg is hung up: a hang-up meanwhile ends the call the way the agent asked. */
  private async expectingEnd(callId: string, end: 'transferred' | 'left', work: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
    this.expectedEnds.set(callId, end);
    const outcome = await work();
    if (!outcome.ok) this.expectedEnds.delete(callId);
    return outcome;
  }

  /** The platform ended the agent's leg. */
  private hungUp(callId: string, failed?: string): void {
    const expected = this.expectedEnds.get(callId);
    this.dispatch({ type: 'hung-up', callId, at: Date.now(), ...(failed ? { failed } : {}), ...(expected ? { expected } : {}) });
  }

  /** Forgets an ended call (the agent dismissed its card). */
  dismiss(callId: string): void {
    if (this.view.calls.calls[callId]?.kind === 'ended') this.dispatch({ type: 'dismiss', callId });
  }

  /** Forgets the last control error (the agent dismissed it, or moved on). */
  clearError(): void {
    if (this.view.error) this.update({ error: null });
  }

  /**
   * The PC woke, unlocked or came back online: the SDK's socket may be dead without knowing
   * it. The scheduler checks it (a renewal with a timeout) and opens the session again if it
   * does not answer; a call in progress is left alone (the SDK reconnects its own media) and
   * only checked against the platform.
   */
  rebuildSession(): void {
    if (!this.client || this.stopped) return;
    if (callList(this.view.calls).some(isLive)) void this.checkCallsStillUp();
    this.rebuildEvent({ type: 'trigger', trigger: 'resumed', now: Date.now() });
  }

  /**
   * After the desktop renderer restarted (a crash) during a call: takes the call up again with
   * the SDK's `reconnectCall` once the session is ready, or says what became of it.
   */
  async recoverCall(callId: string, from: string, since: number): Promise<ActionOutcome> {
    const ready = await this.whenConnected();
    const client = this.client;
    if (!ready || !client || this.stopped) return { ok: false, message: 'No voice session to take the call up again.' };
    try {
      await client.reconnectCall(callId);
      this.dispatch({ type: 'reconnected', callId, from, answeredAt: since });
      this.update({ notice: 'Switchboard restarted during your call; the call was taken up again.' });
      return { ok: true };
    } catch (error) {
      const message = `Switchboard restarted during your call with ${from}, and the call could not be taken up again (${messageOf(error)}).`;
      this.update({ notice: message });
      return { ok: false, message };
    }
  }

  /** Resolves true once the session is ready, false when it failed or the phone stopped. */
  private whenConnected(): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (view: SoftphoneView) => {
        if (this.stopped || view.connection.kind === 'failed') return finish(false);
        if (view.connection.kind === 'ready') return finish(true);
      };
      const finish = (ok: boolean) => {
        off();
        resolve(ok);
      };
      const off = this.subscribe(check);
      check(this.view);
    });
  }

  /** Ends the SDK session (logout or window closing). */
  async stop(): Promise<void> {
    void this.bridge.reportVoice('down').catch(() => undefined);
    this.stopped = true;
    this.clearTimers();
    this.offStatus?.();
    this.offStatus = null;
    const client = this.client;
    this.client = null;
    await client?.deleteSession().catch(() => undefined);
  }

  /** Holds every other call the agent is talking on (before answering or resuming this one). */
  private async holdOthers(callId: string): Promise<ActionOutcome> {
    for (const other of callList(this.view.calls)) {
      if (other.callId === callId) continue;
      if (other.kind === 'outgoing' || other.kind === 'dialing') return this.fail(callId, 'Finish the call you are placing first.');
      if (!isAnswered(other) || other.kind === 'held') continue;
      const held = await this.control({ action: 'hold', callId: other.callId, held: true });
      if (!held.ok) return this.fail(callId, `Could not hold your current call: ${held.message}`);
    }
    return { ok: true };
  }

  /** Runs a call-control request through the bridge and applies the backend's answer. */
  private async control(request: CallControlRequest): Promise<ActionOutcome> {
    this.clearError();
    this.controlSeq.set(request.callId, (this.controlSeq.get(request.callId) ?? 0) + 1);
    let result: CallControlResult;
    try {
      result = await this.bridge.callControl(request);
    } catch (error) {
      return this.fail(request.callId, bridgeMessage(error));
    }
    if (!result.ok) return this.fail(request.callId, result.message);
    if (result.control) this.applyControl(request.callId, result.control);
    return { ok: true };
  }

  private applyControl(callId: string, control: NonNullable<Extract<CallControlResult, { ok: true }>['control']>): void {
    const self = this.session.agent.name;
    if (control.consult && control.consult.by.toLowerCase() !== self.toLowerCase()) this.partyCalls.add(callId);
    else this.partyCalls.delete(callId);
    this.dispatch({ type: 'control', callId, control, self, at: Date.now() });
    this.controlDue.set(callId, Date.now() + this.controlInterval(callId));
  }

  private fail(callId: string | null, message: string): ActionOutcome {
    this.update({ error: { callId, message } });
    return { ok: false, message };
  }

  /** Asks the backend why this call rings; shown once it arrives, if the call is still there. */
  private async loadContext(callId: string): Promise<void> {
    const context = await this.bridge.getCallContext(callId).catch(() => null);
    if (context && this.call(callId)) this.update({ contexts: { ...this.view.contexts, [callId]: context } });
  }

  private dispatch(event: CallEvent): void {
    if (this.stopped) return;
    const before = this.view.calls;
    const calls = reduceCalls(before, event);
    if (calls === before) return;
    const patch: Partial<SoftphoneView> = { calls };
    // Forget what belonged to calls that are gone.
    const gone = before.order.filter((id) => !calls.calls[id]);
    if (gone.length > 0) {
      const contexts = { ...this.view.contexts };
      for (const id of gone) {
        delete contexts[id];
        this.forgetCall(id);
      }
      patch.contexts = contexts;
      if (this.view.error?.callId && gone.includes(this.view.error.callId)) patch.error = null;
    }
    this.update(patch);
    this.syncCalls();
    const summaryBefore = summarize(before);
    const summaryAfter = summarize(calls);
    if (JSON.stringify(summaryBefore) !== JSON.stringify(summaryAfter)) this.bridge.reportCallState(summaryAfter);
    for (const call of callList(calls)) {
      const previous = before.calls[call.callId];
      if (isAnswered(call) && !(previous && isAnswered(previous))) this.controlDue.set(call.callId, Date.now() + CONTROL_FIRST_MS);
      if (call.kind === 'ended' && previous?.kind !== 'ended') {
        // A missed call's card stays until the agent dismisses it (dismiss()); other ends go by themselves.
        if (call.reason !== 'missed') this.scheduleDismiss(call.callId);
        this.finishQuality(call.callId);
      }
    }
    this.followCalls();
  }

  private scheduleDismiss(callId: string): void {
    const existing = this.dismissTimers.get(callId);
    if (existing) clearTimeout(existing);
    this.dismissTimers.set(
      callId,
      setTimeout(() => {
        this.dismissTimers.delete(callId);
        this.dispatch({ type: 'dismiss', callId });
      }, ENDED_DISPLAY_MS),
    );
  }

  /** A call ended: its quality summary goes to the call's record (a call without audio has none). */
  private finishQuality(callId: string): void {
    const summary = this.quality.get(callId)?.summary() ?? null;
    this.quality.delete(callId);
    if (summary) void this.saveQuality(callId, summary);
  }

  /** The call's record keeps its quality; a failure changes nothing for the agent (the call is over), so it is only logged. */
  private async saveQuality(callId: string, summary: CallQualitySummary): Promise<void> {
    const outcome = await this.bridge.saveCallQuality(callId, summary).catch((error: unknown) => ({ ok: false as const, message: messageOf(error) }));
    if (!outcome.ok) console.warn('Switchboard: the call quality was not stored', outcome.message);
  }

  private forgetCall(callId: string): void {
    this.quality.delete(callId);
    this.controlDue.delete(callId);
    this.controlSeq.delete(callId);
    this.controlReading.delete(callId);
    this.partyCalls.delete(callId);
    this.expectedEnds.delete(callId);
    const timer = this.dismissTimers.get(callId);
    if (timer) clearTimeout(timer);
    this.dismissTimers.delete(callId);
  }

  /** Starts or stops the timers that follow answered calls: stats of the call on screen, checks, control reads. */
  private followCalls(): void {
    const answered = callList(this.view.calls).filter(isAnswered);
    const focused = focusedCall(this.view.calls);
    const statsFor = focused && isAnswered(focused) ? focused.callId : (answered[0]?.callId ?? null);
    if (statsFor !== this.statsCallId) {
      this.stopStats();
      if (statsFor) this.startStats(statsFor);
    }
    if (answered.length > 0) {
      this.checkTimer ??= setInterval(() => void this.checkCallsStillUp(), CALL_CHECK_INTERVAL_MS);
      this.controlTimer ??= setInterval(() => this.readControls(), CONTROL_TICK_MS);
    } else {
      if (this.checkTimer) clearInterval(this.checkTimer);
      if (this.controlTimer) clearInterval(this.controlTimer);
      this.checkTimer = null;
      this.controlTimer = null;
    }
  }

  private controlInterval(callId: string): number {
    const call = this.call(callId);
    const busy = call?.kind === 'consulting' || call?.kind === 'conferenced' || this.partyCalls.has(callId);
    return busy ? CONTROL_TICK_MS : CONTROL_SLOW_MS;
  }

  /** Reads the control state of every answered call that is due. */
  private readControls(): void {
    const now = Date.now();
    for (const call of callList(this.view.calls)) {
      if (!isAnswered(call) || call.kind === 'transferring' || this.controlReading.has(call.callId)) continue;
      if ((this.controlDue.get(call.callId) ?? 0) > now) continue;
      void this.readControl(call.callId);
    }
  }

  private async readControl(callId: string): Promise<void> {
    const seq = this.controlSeq.get(callId) ?? 0;
    this.controlReading.add(callId);
    try {
      const result = await this.bridge.callControl({ action: 'state', callId });
      if (!this.controlReading.has(callId) || (this.controlSeq.get(callId) ?? 0) !== seq) return;
      if (result.ok && result.control) this.applyControl(callId, result.control);
      // Not a call the backend controls (another flow), or not now: ask again later.
      else this.controlDue.set(callId, Date.now() + CONTROL_UNKNOWN_MS);
    } catch {
      this.controlDue.set(callId, Date.now() + CONTROL_SLOW_MS);
    } finally {
      this.controlReading.delete(callId);
    }
  }

  private startStats(callId: string): void {
    this.statsCallId = callId;
    this.mediaHealth = mediaStart(Date.now());
    const tracker = this.trackerFor(callId);
    const sample = async () => {
      const pc = this.client?.getPeerConnection(callId);
      if (!pc) return;
      const { audio, reading } = readAudioStats(await pc.getStats());
      const quality = tracker.add(reading);
      if (this.statsCallId !== callId) return;
      this.update({ audio, quality });
      this.watchMedia(callId, audio.packetsReceived);
    };
    void sample().catch(() => undefined);
    this.statsTimer = setInterval(() => void sample().catch(() => undefined), STATS_INTERVAL_MS);
  }

  /** No audio for a few seconds: reconnect the call's media; still none: end it with a message. */
  private watchMedia(callId: string, packetsReceived: number): void {
    if (!this.mediaHealth) return;
    const { health, action } = sampleMedia(this.mediaHealth, packetsReceived, Date.now());
    this.mediaHealth = health;
    this.syncCalls();
    if (action === 'reconnect') {
      this.update({ noAudio: true });
      void this.client?.reconnectCall(callId).catch(() => undefined);
    } else if (action === 'recovered') {
      this.update({ noAudio: false });
    } else if (action === 'give-up') {
      this.update({ noAudio: false });
      void this.client?.hangup(callId).catch(() => undefined);
      this.hungUp(callId, 'No audio reached you for over 10 seconds and the call could not be reconnected, so it was ended.');
    }
  }

  private trackerFor(callId: string): QualityTracker {
    let tracker = this.quality.get(callId);
    if (!tracker) {
      tracker = new QualityTracker();
      this.quality.set(callId, tracker);
    }
    return tracker;
  }

  private stopStats(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    this.statsCallId = null;
    this.mediaHealth = null;
    this.syncCalls();
    if (this.view.noAudio) this.update({ noAudio: false });
    if (this.view.audio || this.view.quality) this.update({ audio: null, quality: null });
  }

  /** Ends answered calls here whose leg the platform says is over (the SDK missed the hang-up). */
  private async checkCallsStillUp(): Promise<void> {
    for (const call of callList(this.view.calls)) {
      if (!isAnswered(call)) continue;
      if (await this.legIsOver(call.callId)) this.hungUp(call.callId);
    }
  }

  /** True only when the platform answers that the leg has ended; unknown (an error) is false. */
  private async legIsOver(callId: string): Promise<boolean> {
    const leg = await this.client?.getLeg(callId).catch(() => null);
    return leg ? isFinalLegStatus(leg.status) : false;
  }

  /** The token's renewal falls due at 80 % of its life; a failed one is retried by the scheduler (1 s, 2 s, 4 s … 30 s). */
  private scheduleRefresh(expiresAt: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const life = Math.max(0, expiresAt - Date.now());
    const delay = Math.max(5_000, life * (1 - REFRESH_AT_REMAINING));
    this.refreshTimer = setTimeout(() => this.rebuildEvent({ type: 'trigger', trigger: 'renew-due', now: Date.now() }), Math.min(delay, 2 ** 31 - 1));
  }

  private clearTimers(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    this.rebuildTimer = null;
    this.offOnline?.();
    this.offOnline = null;
    if (this.voiceTimer) clearInterval(this.voiceTimer);
    this.voiceTimer = null;
    for (const timer of this.dismissTimers.values()) clearTimeout(timer);
    this.dismissTimers.clear();
    for (const timer of [this.checkTimer, this.controlTimer]) if (timer) clearInterval(timer);
    this.checkTimer = null;
    this.controlTimer = null;
    this.stopStats();
  }

  private update(patch: Partial<SoftphoneView>): void {
    this.view = { ...this.view, ...patch };
    for (const listener of this.listeners) listener(this.view);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

type StatsEntry = {
  type: string;
  kind?: string;
  id?: string;
  packetsReceived?: number;
  packetsLost?: number;
  packetsSent?: number;
  jitter?: number;
  totalAudioEnergy?: number;
  roundTripTime?: number;
  currentRoundTripTime?: number;
  selectedCandidatePairId?: string;
  nominated?: boolean;
  state?: string;
};

/**
 * The call's audio counters and quality inputs from one `getStats()` report: what arrived and
 * was lost (`inbound-rtp`), the receiver's jitter, and the round trip — measured by RTCP
 * (`remote-inbound-rtp`) where the far end reports, else by ICE's consent checks on the
 * selected candidate pair.
 */
export function readAudioStats(report: RTCStatsReport): { audio: AudioStats; reading: StatsReading } {
  let packetsReceived = 0;
  let packetsLost = 0;
  let packetsSent = 0;
  let energyReceived = 0;
  let jitterS: number | null = null;
  let rtcpRtt: number | null = null;
  let selectedPair: string | null = null;
  const pairs = new Map<string, StatsEntry>();
  report.forEach((entry: StatsEntry) => {
    if (entry.type === 'inbound-rtp' && entry.kind === 'audio') {
      packetsReceived += entry.packetsReceived ?? 0;
      packetsLost += entry.packetsLost ?? 0;
      energyReceived += entry.totalAudioEnergy ?? 0;
      if (entry.jitter !== undefined) jitterS = Math.max(jitterS ?? 0, entry.jitter);
    } else if (entry.type === 'outbound-rtp' && entry.kind === 'audio') packetsSent += entry.packetsSent ?? 0;
    else if (entry.type === 'remote-inbound-rtp' && entry.kind === 'audio' && entry.roundTripTime !== undefined) rtcpRtt = entry.roundTripTime;
    else if (entry.type === 'transport' && entry.selectedCandidatePairId) selectedPair = entry.selectedCandidatePairId;
    else if (entry.type === 'candidate-pair' && entry.id) pairs.set(entry.id, entry);
  });
  const pair = (selectedPair ? pairs.get(selectedPair) : undefined) ?? [...pairs.values()].find((p) => p.nominated && p.state === 'succeeded');
  const rttS = rtcpRtt ?? pair?.currentRoundTripTime ?? null;
  return {
    audio: { packetsReceived, packetsSent, energyReceived },
    reading: { at: performance.now(), packetsReceived, packetsLost, jitterS, rttS },
  };
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

/** An IPC rejection reads "Error invoking remote method 'x': Error: …": the agent reads only the end. */
function bridgeMessage(error: unknown): string {
  return messageOf(error).replace(/^Error invoking remote method '[^']+': (Error: )?/, '');
}

function describeSessionError(reason: string): string {
  switch (reason) {
    case 'EXPIRED_TOKEN':
      return 'Your voice session expired.';
    case 'TRANSPORT_CLOSED':
    case 'PING_TIMEOUT':
      return 'Lost the connection to the voice platform.';
    default:
      return `Voice session error: ${reason}`;
  }
}
