/**
 * The bridge for the agent UI served as a web page by the backend (`/app/`).
 *
 * Same API as the Electron preload. Login sets an HttpOnly session cookie; the page only
 * ever holds the short-lived SDK token. Desktop-only features (tray, global shortcuts)
 * report as unavailable.
 */
import type { AgentProfile, AgentStatusInfo, ApiErrorBody, AwayReasons, ClientConfig, SdkTokenResponse } from '../../../common/backend-api';
import type { CallContext } from '../../../common/call-context';
import { deskHttpRequest, voicemailAudioPath, type DeskAnswer, type DeskRequest } from '../../../common/agent-desk';
import { callQualityPath, type CallQualityOutcome } from '../../../common/call-quality';
import { controlHttpRequest, controlSuccess, TRANSFER_TARGETS_PATH } from '../../../common/call-control';
import type { AgentStatusInfoPayload, CallControlResult, LoginOutcome, SessionInfo, ShortcutStatus, TransferTargets } from '../../../common/ipc-contract';
import type { WebAlerts } from '../alerts/web-alerts';
import { loadAudioPreferences, saveAudioPreferences } from '../audio/preferences';
import type { Bridge } from './index';

async function errorMessage(response: Response): Promise<string> {
  return (await errorOf(response)).message;
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  try {
    const body = (await response.json()) as ApiErrorBody;
    return { code: body.error.code, message: body.error.message };
  } catch {
    return { code: `http_${response.status}`, message: `The server answered HTTP ${response.status}` };
  }
}

/** Builds the bridge against a backend origin; `alerts` ring and notify for incoming calls (the web app's own). */
export function createBrowserBridge(origin: string, alerts?: WebAlerts): Bridge {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${origin}${path}`, {
      ...init,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    });

  const sessionFor = async (agent: AgentProfile): Promise<SessionInfo> => {
    const response = await api('/api/config');
    if (!response.ok) throw new Error(await errorMessage(response));
    const config = (await response.json()) as ClientConfig;
    return { agent, sdk: config.sdk };
  };

  const statusEvents = createStatusEvents(origin);

  const unavailable: ShortcutStatus = {
    answer: { accelerator: '', registered: false, error: 'Global shortcuts need the desktop app' },
    hangup: { accelerator: '', registered: false, error: 'Global shortcuts need the desktop app' },
  };

  return {
    async restoreSession() {
      const response = await api('/api/auth/token', { method: 'POST', body: '{}' });
      if (!response.ok) return null;
      const token = (await response.json()) as SdkTokenResponse;
      return sessionFor(token.agent);
    },
    async login(name: string, password: string): Promise<LoginOutcome> {
      // Still inside the sign-in click: the moment browsers allow asking for notifications and sound.
      alerts?.enable();
      try {
        const response = await api('/api/auth/login', { method: 'POST', body: JSON.stringify({ name, password, client: 'web' }) });
        if (!response.ok) return { ok: false, error: await errorMessage(response) };
        const body = (await response.json()) as { agent: AgentProfile };
        return { ok: true, session: await sessionFor(body.agent) };
      } catch {
        return { ok: false, error: `Cannot reach the Switchboard server at ${origin}` };
      }
    },
    async logout() {
      await api('/api/auth/logout', { method: 'POST', body: '{}' }).catch(() => undefined);
    },
    async getSdkToken() {
      const response = await api('/api/auth/token', { method: 'POST', body: '{}' });
      if (!response.ok) throw new Error(await errorMessage(response));
      const token = (await response.json()) as SdkTokenResponse;
      return { token: token.jwt, expiresAt: Date.parse(token.expires_at) };
    },
    getShortcutStatus: async () => unavailable,
    // A web page cannot start with the computer: the option is the desktop app's.
    getSettings: async () => ({ openAtLogin: { supported: false, enabled: false } }),
    setOpenAtLogin: async () => {
      throw new Error('Start at login is an option of the desktop app');
    },
    ready: () => undefined,
    reportCallState: (summary) => {
      alerts?.update(summary);
      document.title = summary.phase === 'ringing' ? `Incoming call — Switchboard` : summary.phase === 'active' ? 'On a call — Switchboard' : 'Switchboard';
    },
    onCallCommand: () => () => undefined,
    onShortcutStatus: () => () => undefined,
    onSessionEnded: () => () => undefined,
    // Desktop only: dial links, sleep/network events and crash recovery are main's; the browser logs to its console.
    onDialRequest: () => () => undefined,
    onSystemResumed: () => () => undefined,
    onCallRecover: () => () => undefined,
    log: () => undefined,
    async getStatus() {
      const response = await api('/api/agent/status');
      if (!response.ok) throw new Error(await errorMessage(response));
      return (await response.json()) as AgentStatusInfo;
    },
    async setStatus(status, reason) {
      const response = await api('/api/agent/status', { method: 'PUT', body: JSON.stringify(reason === undefined ? { status } : { status, reason }) });
      if (!response.ok) throw new Error(await errorMessage(response));
      return (await response.json()) as AgentStatusInfo;
    },
    async getAwayReasons() {
      const response = await api('/api/agent/away-reasons');
      if (!response.ok) throw new Error(await errorMessage(response));
      return (await response.json()) as AwayReasons;
    },
    async reportVoice(state) {
      const response = await api('/api/agent/voice', { method: 'PUT', body: JSON.stringify({ state }) });
      if (!response.ok) throw new Error(await errorMessage(response));
      return (await response.json()) as AgentStatusInfo;
    },
    onStatusChanged: (callback) => statusEvents.subscribe(callback),
    async getCallContext(callId) {
      // Context only adds to the call panel: any failure means none.
      try {
        const response = await api(`/api/calls/${encodeURIComponent(callId)}/context`);
        return response.ok ? ((await response.json()) as CallContext) : null;
      } catch {
        return null;
      }
    },
    async callControl(request): Promise<CallControlResult> {
      const http = controlHttpRequest(request);
      try {
        const response = await api(http.path, { method: http.method, ...(http.body !== undefined ? { body: JSON.stringify(http.body) } : {}) });
        if (response.ok) return controlSuccess(request, await response.json().catch(() => null));
        return { ok: false, ...(await errorOf(response)) };
      } catch {
        return { ok: false, code: 'network', message: `Cannot reach the Switchboard server at ${origin}` };
      }
    },
    async saveCallQuality(callId, summary): Promise<CallQualityOutcome> {
      try {
        const response = await api(callQualityPath(callId), { method: 'PUT', body: JSON.stringify(summary) });
        return response.ok ? { ok: true } : { ok: false, message: await errorMessage(response) };
      } catch {
        return { ok: false, message: `Cannot reach the Switchboard server at ${origin}` };
      }
    },
    async getTransferTargets(): Promise<TransferTargets> {
      const response = await api(TRANSFER_TARGETS_PATH);
      if (!response.ok) throw new Error(await errorMessage(response));
      return (await response.json()) as TransferTargets;
    },
    // The backend checks these; the page trusts its own origin's answers as it does for the status.
    async desk<R extends DeskRequest>(request: R): Promise<DeskAnswer<R['action']>> {
      const http = deskHttpRequest(request);
      let response: Response;
      try {
        response = await api(http.path, { method: http.method, ...(http.body !== undefined ? { body: JSON.stringify(http.body) } : {}) });
      } catch {
        throw new Error(`Cannot reach the Switchboard server at ${origin}`);
      }
      if (!response.ok) throw new Error(await errorMessage(response));
      return (await response.json()) as DeskAnswer<R['action']>;
    },
    // The web app remembers audio choices in the page's local storage (the desktop app in main's store).
    getAudioPreferences: async () => loadAudioPreferences(),
    async setAudioPreferences(preferences) {
      saveAudioPreferences(preferences);
      return preferences;
    },
    async getVoicemailAudio(id) {
      const response = await fetch(`${origin}${voicemailAudioPath(id)}`, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(response.status === 404 ? 'This voicemail is not available.' : await errorMessage(response));
      const type = response.headers.get('content-type') ?? '';
      return { contentType: /^audio\//i.test(type) ? type : 'audio/wav', base64: toBase64(new Uint8Array(await response.arrayBuffer())) };
    },
  };
}

/**
 * One `EventSource` on `/api/agent/events` (the session cookie authenticates it), shared by
 * every subscriber and open only while someone listens. The browser reconnects it by itself.
 */
function createStatusEvents(origin: string) {
  const listeners = new Set<(status: AgentStatusInfoPayload) => void>();
  let source: EventSource | null = null;
  const close = () => {
    source?.close();
    source = null;
  };
  return {
    subscribe(callback: (status: AgentStatusInfoPayload) => void): () => void {
      listeners.add(callback);
      if (!source) {
        source = new EventSource(`${origin}/api/agent/events`);
        source.addEventListener('status', (event) => {
          const status = parseJson((event as MessageEvent<string>).data);
          if (isStatusInfo(status)) for (const listener of listeners) listener(status);
        });
        // The server ended the session (logout, disabled): stop reconnecting.
        source.addEventListener('session-ended', close);
      }
      return () => {
        listeners.delete(callback);
        if (listeners.size === 0) close();
      };
    },
  };
}

const STATUSES: ReadonlySet<string> = new Set(['available', 'busy', 'away', 'wrap-up', 'offline']);

/** The contract's shape, checked by hand: the page does not bundle the schema library for one object. */
function isStatusInfo(value: unknown): value is AgentStatusInfoPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.status === 'string' &&
    STATUSES.has(v.status) &&
    typeof v.since === 'string' &&
    (v.wrap_up_ends_at === null || typeof v.wrap_up_ends_at === 'string') &&
    (v.away_reason === undefined || v.away_reason === null || typeof v.away_reason === 'string') &&
    (v.reachable === undefined || typeof v.reachable === 'boolean')
  );
}

/** Base64 of bytes, in slices (a recording is megabytes: one `String.fromCharCode` call would overflow the stack). */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
