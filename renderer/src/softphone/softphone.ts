/**
 * The softphone: the real Vonage Client SDK behind a small, observable model.
 *
 * It owns one `VonageClient`, turns SDK events into call-state events (the pure reducer in
 * common/ decides), refreshes the SDK token before it expires, and samples the call's
 * audio counters from the peer connection (telemetry to Vonage is off).
 */
import { VonageClient } from '@vonage/client-sdk';
import type { CallContext } from '../../../common/call-context';
import { currentCallId, idle, reduceCall, summarize, type CallEvent, type CallState } from '../../../common/call-state';
import type { SessionInfo } from '../../../common/ipc-contract';
import { checkPhoneNumber } from '../../../common/phone-number';
import type { Bridge } from '../bridge';

/** Where the SDK session stands. */
export type Connection =
  | { kind: 'connecting' }
  | { kind: 'ready' }
  | { kind: 'reconnecting' }
  | { kind: 'failed'; message: string };

/** Packet counters of the active call, read from WebRTC stats. */
export interface AudioStats {
  packetsReceived: number;
  packetsSent: number;
}

/** Everything the UI renders. */
export interface SoftphoneView {
  connection: Connection;
  call: CallState;
  /** Why the current call rings (topic, number dialled), once the backend told us. */
  context: CallContext | null;
  audio: AudioStats | null;
  notice: string | null;
}

/** The outcome of {@link Softphone.dial}: refused numbers come back with a message to show. */
export type DialOutcome = { ok: true } | { ok: false; message: string };

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
/** Leg statuses after which the call is over (`GET /v0.3/legs/{id}` through `getLeg`). */
const FINAL_LEG_STATUSES = new Set(['completed', 'failed', 'rejected', 'busy', 'cancelled', 'timeout', 'unanswered']);

/** Runs one agent's SDK session. */
export class Softphone {
  private client: VonageClient | null = null;
  private view: SoftphoneView = { connection: { kind: 'connecting' }, call: idle, context: null, audio: null, notice: null };
  private readonly listeners = new Set<(view: SoftphoneView) => void>();
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private dismissTimer: ReturnType<typeof setTimeout> | null = null;
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  private offStatus: (() => void) | null = null;
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
    client.on('callHangup', (callId) => this.dispatch({ type: 'hung-up', callId, at: Date.now() }));
    client.on('sessionError', (reason) => {
      this.update({ connection: { kind: 'failed', message: describeSessionError(String(reason)) } });
    });
    client.on('reconnecting', () => this.update({ connection: { kind: 'reconnecting' } }));
    client.on('reconnection', () => {
      this.update({ connection: { kind: 'ready' } });
      void this.checkCallStillUp();
    });
    // The backend moves the agent out of "busy" when their call ends: make sure it has here too.
    this.offStatus = this.bridge.onStatusChanged((status) => {
      if (status.status !== 'busy') void this.checkCallStillUp();
    });
    try {
      const token = await this.bridge.getSdkToken();
      await client.createSession(token.token);
      if (this.stopped) {
        // Signed out while connecting: end the session that just opened.
        await client.deleteSession().catch(() => undefined);
        return;
      }
      this.update({ connection: { kind: 'ready' } });
      this.scheduleRefresh(token.expiresAt);
    } catch (error) {
      this.update({ connection: { kind: 'failed', message: `Could not connect to the voice platform: ${messageOf(error)}` } });
    }
  }

  /** Answers the ringing call. */
  async answer(callId: string): Promise<void> {
    if (this.view.call.kind !== 'ringing' || this.view.call.callId !== callId || !this.client) return;
    this.dispatch({ type: 'answer-requested', callId });
    try {
      await this.client.answer(callId);
      this.dispatch({ type: 'answered', callId, at: Date.now() });
    } catch (error) {
      this.dispatch({ type: 'answer-failed', callId, message: `Could not answer: ${messageOf(error)}` });
    }
  }

  /** Declines the ringing call. */
  async decline(callId: string): Promise<void> {
    if (this.view.call.kind !== 'ringing' || this.view.call.callId !== callId || !this.client) return;
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
    const call = this.view.call;
    if (!this.client || this.view.connection.kind !== 'ready') return { ok: false, message: 'Not connected to the voice platform yet.' };
    if (call.kind !== 'idle' && call.kind !== 'ended') return { ok: false, message: 'Finish the current call first.' };
    this.dispatch({ type: 'dial-requested', to: checked.e164, at: Date.now() });
    try {
      const callId = await this.client.serverCall({ to: checked.digits });
      this.dispatch({ type: 'dial-started', callId, at: Date.now() });
    } catch (error) {
      this.dispatch({ type: 'dial-failed', message: `Could not place the call: ${messageOf(error)}`, at: Date.now() });
    }
    return { ok: true };
  }

  /** Hangs up the active call, or cancels one being placed. */
  async hangup(callId: string): Promise<void> {
    const call = this.view.call;
    if ((call.kind !== 'active' && call.kind !== 'outgoing') || call.callId !== callId || !this.client) return;
    this.dispatch({ type: 'hangup-requested', callId });
    try {
      await this.client.hangup(callId);
      // callHangup normally follows; should it be lost (socket reconnecting), the call must
      // not stay "ending" and shut out the next invite. A duplicate is ignored.
      this.dispatch({ type: 'hung-up', callId, at: Date.now() });
    } catch (error) {
      // A call the platform had already ended is simply over, not a failure to show.
      const over = await this.legIsOver(callId);
      this.dispatch({ type: 'hung-up', callId, at: Date.now(), ...(over ? {} : { failed: `Hang-up failed: ${messageOf(error)}` }) });
    }
  }

  /** Ends the SDK session (logout or window closing). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    this.offStatus?.();
    this.offStatus = null;
    const client = this.client;
    this.client = null;
    await client?.deleteSession().catch(() => undefined);
  }

  /** Asks the backend why this call rings; shown once it arrives, if the call is still this one. */
  private async loadContext(callId: string): Promise<void> {
    const context = await this.bridge.getCallContext(callId).catch(() => null);
    if (context && currentCallId(this.view.call) === callId) this.update({ context });
  }

  private dispatch(event: CallEvent): void {
    if (this.stopped) return;
    const before = this.view.call;
    const call = reduceCall(before, event);
    if (call === before) return;
    const beforeId = currentCallId(before);
    this.update(beforeId !== null && beforeId === currentCallId(call) ? { call } : { call, context: null });
    const summaryBefore = summarize(before);
    const summaryAfter = summarize(call);
    if (JSON.stringify(summaryBefore) !== JSON.stringify(summaryAfter)) this.bridge.reportCallState(summaryAfter);
    if (call.kind === 'active' && before.kind !== 'active') {
      this.startStats(call.callId);
      this.startCallChecks();
    }
    if (call.kind !== 'active') this.stopStats();
    if (call.kind === 'ended') {
      if (this.dismissTimer) clearTimeout(this.dismissTimer);
      this.dismissTimer = setTimeout(() => this.dispatch({ type: 'dismiss' }), ENDED_DISPLAY_MS);
    }
  }

  private startStats(callId: string): void {
    this.stopStats();
    const sample = async () => {
      const pc = this.client?.getPeerConnection(callId);
      if (!pc) return;
      const report = await pc.getStats();
      let packetsReceived = 0;
      let packetsSent = 0;
      report.forEach((entry: { type: string; kind?: string; packetsReceived?: number; packetsSent?: number }) => {
        if (entry.type === 'inbound-rtp' && entry.kind === 'audio') packetsReceived += entry.packetsReceived ?? 0;
        if (entry.type === 'outbound-rtp' && entry.kind === 'audio') packetsSent += entry.packetsSent ?? 0;
      });
      if (this.view.call.kind === 'active') this.update({ audio: { packetsReceived, packetsSent } });
    };
    void sample().catch(() => undefined);
    this.statsTimer = setInterval(() => void sample().catch(() => undefined), STATS_INTERVAL_MS);
  }

  private stopStats(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = null;
    if (this.view.audio) this.update({ audio: null });
  }

  private startCallChecks(): void {
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = setInterval(() => void this.checkCallStillUp(), CALL_CHECK_INTERVAL_MS);
  }

  /** Ends the answered call here if the platform says its leg is over (the SDK missed the hang-up). */
  private async checkCallStillUp(): Promise<void> {
    const call = this.view.call;
    if (call.kind !== 'active') return;
    if (await this.legIsOver(call.callId)) this.dispatch({ type: 'hung-up', callId: call.callId, at: Date.now() });
  }

  /** True only when the platform answers that the leg has ended; unknown (an error) is false. */
  private async legIsOver(callId: string): Promise<boolean> {
    const leg = await this.client?.getLeg(callId).catch(() => null);
    return leg ? FINAL_LEG_STATUSES.has(leg.status.toLowerCase()) : false;
  }

  private scheduleRefresh(expiresAt: number): void {
    const life = Math.max(0, expiresAt - Date.now());
    const delay = Math.max(5_000, life * (1 - REFRESH_AT_REMAINING));
    this.refreshTimer = setTimeout(() => void this.refresh(), Math.min(delay, 2 ** 31 - 1));
  }

  private async refresh(): Promise<void> {
    if (!this.client || this.stopped) return;
    try {
      const token = await this.bridge.getSdkToken();
      await this.client.refreshSession(token.token);
      this.scheduleRefresh(token.expiresAt);
    } catch (error) {
      this.update({ notice: `Could not renew the voice session: ${messageOf(error)}. Retrying in a minute.` });
      this.refreshTimer = setTimeout(() => void this.refresh(), 60_000);
    }
  }

  private clearTimers(): void {
    for (const timer of [this.refreshTimer, this.dismissTimer]) if (timer) clearTimeout(timer);
    this.stopStats();
  }

  private update(patch: Partial<SoftphoneView>): void {
    this.view = { ...this.view, ...patch };
    for (const listener of this.listeners) listener(this.view);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

function describeSessionError(reason: string): string {
  switch (reason) {
    case 'EXPIRED_TOKEN':
      return 'Your voice session expired. Sign in again.';
    case 'TRANSPORT_CLOSED':
    case 'PING_TIMEOUT':
      return 'Lost the connection to the voice platform.';
    default:
      return `Voice session error: ${reason}`;
  }
}
