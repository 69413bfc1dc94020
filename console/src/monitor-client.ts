/**
 * Supervisor monitoring in the browser: the real Client SDK with WebRTC, one call at a time.
 *
 * The backend decides (server/flows/monitor.ts); this page only asks it to start, switch or
 * leave, and places the SDK call that carries the monitoring's id (`serverCall` custom data),
 * which the backend answers with the call's conversation and the mode's canHear / canSpeak.
 * The SDK token is the supervisor's own, short-lived, minted by the backend for
 * `supervisor:<name>`; the page never sees a key. State changes are broadcast to the page.
 * The SDK is a chunk of its own, loaded on the first Listen / Coach / Barge.
 */
import type { VonageClient } from '@vonage/client-sdk';
import type { MonitorMode, MonitorTokenResponse, MonitorView } from '../../common/console-api';
import { api, ApiError } from './api';

export type { MonitorMode } from '../../common/console-api';

/** What the page shows: which call, in which mode, and whether the audio is connected. */
export interface MonitorState {
  conversation: string;
  mode: MonitorMode;
  /** connecting: asked, SDK call being placed; on: the SDK call is up; busy: a switch or leave is under way. */
  phase: 'connecting' | 'on' | 'busy';
}

type Listener = (state: MonitorState | null, message: string | null) => void;

const monitorUrl = (conversation: string) => `/api/admin/calls/${encodeURIComponent(conversation)}/monitor`;

export class MonitorClient {
  private client: VonageClient | null = null;
  private sessionExpires = 0;
  private callId: string | null = null;
  private state: MonitorState | null = null;
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state, null);
    return () => this.listeners.delete(listener);
  }

  current(): MonitorState | null {
    return this.state;
  }

  /** Start monitoring a call in `mode`; on failure the page shows why and nothing stays open. */
  async start(conversation: string, mode: MonitorMode): Promise<void> {
    if (this.state) await this.leave();
    this.set({ conversation, mode, phase: 'connecting' }, null);
    try {
      const view = await api<MonitorView>('POST', monitorUrl(conversation), { mode });
      const client = await this.session();
      this.callId = await client.serverCall({ monitor: view.monitor?.id ?? '', call: view.call });
      if (this.state?.conversation === conversation) this.set({ conversation, mode: this.state.mode, phase: 'on' }, null);
    } catch (error) {
      await api('DELETE', monitorUrl(conversation)).catch(() => undefined);
      this.callId = null;
      this.set(null, messageOf(error, 'Could not start monitoring'));
    }
  }

  /** Switch between listen, coach and barge on the call being monitored. */
  async setMode(mode: MonitorMode): Promise<void> {
    const state = this.state;
    if (!state) return;
    this.set({ ...state, phase: 'busy' }, null);
    try {
      await api<MonitorView>('PUT', monitorUrl(state.conversation), { mode });
      this.set({ ...state, mode, phase: 'on' }, null);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return this.ended(messageOf(error, 'The call is no longer monitored'));
      this.set({ ...state, phase: 'on' }, messageOf(error, 'Could not switch'));
    }
  }

  /** Stop monitoring: the backend hangs the supervisor's leg up; the SDK call ends too. */
  async leave(): Promise<void> {
    const state = this.state;
    if (!state) return;
    this.set({ ...state, phase: 'busy' }, null);
    const callId = this.callId;
    this.callId = null;
    let message: string | null = null;
    try {
      await api('DELETE', monitorUrl(state.conversation));
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) message = messageOf(error, 'Could not leave cleanly');
    }
    if (callId) await this.client?.hangup(callId).catch(() => undefined);
    this.set(null, message);
  }

  private ended(message: string): void {
    this.callId = null;
    this.set(null, message);
  }

  /** The SDK session, created (or re-created when its token is close to expiry) on demand. */
  private async session(): Promise<VonageClient> {
    if (this.client && Date.now() < this.sessionExpires - 60_000) return this.client;
    const token = await api<MonitorTokenResponse>('GET', '/api/console/monitor/token');
    if (!this.client) {
      // The SDK (about 1.3 MB) loads only when a supervisor first monitors, not with the wallboard.
      const { VonageClient } = await import('@vonage/client-sdk');
      this.client = new VonageClient({ apiUrl: token.sdk.api_url, websocketUrl: token.sdk.websocket_url, rtcStatsTelemetry: false, loggingLevel: 'Warn' } as ConstructorParameters<typeof VonageClient>[0]);
      this.client.on('callHangup', (callId) => {
        if (callId === this.callId) this.ended('The call has ended');
      });
    }
    await this.client.createSession(token.jwt);
    this.sessionExpires = Date.parse(token.expires_at);
    return this.client;
  }

  private set(state: MonitorState | null, message: string | null): void {
    this.state = state;
    for (const listener of this.listeners) listener(state, message);
  }
}

function messageOf(error: unknown, fallback: string): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && /permission|NotAllowed/i.test(`${error.name} ${error.message}`)) return 'The browser did not allow the microphone';
  return fallback;
}

/** The page's one monitoring client. */
export const monitor = new MonitorClient();
