/**
 * The bridge for the agent UI served as a web page by the backend (`/app/`).
 *
 * Same API as the Electron preload. Login sets an HttpOnly session cookie; the page only
 * ever holds the short-lived SDK token. Desktop-only features (tray, global shortcuts)
 * report as unavailable.
 */
import type { z } from 'zod';
import {
  agentStatusInfoSchema,
  apiErrorBodySchema,
  awayReasonsSchema,
  clientConfigSchema,
  loginResponseSchema,
  sdkTokenResponseSchema,
  type AgentProfile,
  type AgentStatusInfo,
} from '../../../common/backend-api';
import { callContextSchema } from '../../../common/call-context';
import { deskAnswerSchemas, deskHttpRequest, voicemailAudioPath, type DeskAnswer, type DeskRequest } from '../../../common/agent-desk';
import { callQualityPath, type CallQualityOutcome } from '../../../common/call-quality';
import { controlHttpRequest, controlSuccess, TRANSFER_TARGETS_PATH } from '../../../common/call-control';
import { transferTargetsSchema, type CallControlResult, type LoginOutcome, type SessionInfo, type ShortcutStatus, type TransferTargets } from '../../../common/ipc-contract';
import type { WebAlerts } from '../alerts/web-alerts';
import type { EarlyRequests } from '../early/early-requests';
import { loadAudioPreferences, saveAudioPreferences } from '../audio/preferences';
// The Bridge type is the contract itself (common/), so this file does not import its own index.
import { RESTORE_FRESH_MS, type SwitchboardApi as Bridge } from '../../../common/switchboard-api';

async function errorMessage(response: Response): Promise<string> {
  return (await errorOf(response)).message;
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = apiErrorBodySchema.safeParse(await response.json().catch(() => undefined));
  if (body.success) return { code: body.data.error.code, message: body.data.error.message };
  return { code: `http_${response.status}`, message: `The server answered HTTP ${response.status}` };
}

/** A successful answer, checked against its schema in `common/` (the same one main uses). */
async function answer<S extends z.ZodType>(response: Response, schema: S): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new Error('The Switchboard server sent an unreadable answer.');
  return parsed.data as z.infer<S>;
}


/**
 * Builds the bridge against a backend origin; `alerts` ring and notify for incoming calls (the
 * web app's own); `early`: the token and config requests the page sent as it started
 * (`../early/early-requests.ts`), which the first session restore takes instead of asking again.
 */
export function createBrowserBridge(origin: string, alerts?: WebAlerts, early?: EarlyRequests | null): Bridge {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${origin}${path}`, {
      ...init,
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', ...(init.headers ?? {}) },
    });

  let earlyRequests = early ?? null;
  const readSdkConfig = async (sent?: Promise<Response>): Promise<SessionInfo['sdk']> => {
    const response = await (sent ?? api('/api/config'));
    if (!response.ok) throw new Error(await errorMessage(response));
    return (await answer(response, clientConfigSchema)).sdk;
  };
  const sessionFor = async (agent: AgentProfile): Promise<SessionInfo> => ({ agent, sdk: await readSdkConfig() });
  /** The SDK token `restoreSession` received: the softphone's first `getSdkToken` takes it instead of asking again. */
  let restoredToken: { token: string; expiresAt: number; receivedAt: number } | null = null;

  const statusEvents = createStatusEvents(origin);

  const unavailable: ShortcutStatus = {
    answer: { accelerator: '', registered: false, error: 'Global shortcuts need the desktop app' },
    hangup: { accelerator: '', registered: false, error: 'Global shortcuts need the desktop app' },
  };

  return {
    async restoreSession() {
      // At start: the token and the SDK's endpoints together, not one after the other — and
      // the first time, the requests the page sent before its scripts were evaluated.
      const sent = earlyRequests;
      earlyRequests = null;
      const config = readSdkConfig(sent?.config);
      config.catch(() => undefined); // signed out: nobody waits for it
      const response = await (sent?.token ?? api('/api/auth/token', { method: 'POST', body: '{}' }));
      if (!response.ok) return null;
      const token = await answer(response, sdkTokenResponseSchema);
      restoredToken = { token: token.jwt, expiresAt: Date.parse(token.expires_at), receivedAt: Date.now() };
      return { agent: token.agent, sdk: await config };
    },
    async login(name: string, password: string): Promise<LoginOutcome> {
      // Still inside the sign-in click: the moment browsers allow asking for notifications and sound.
      alerts?.enable();
      try {
        const response = await api('/api/auth/login', { method: 'POST', body: JSON.stringify({ name, password, client: 'web' }) });
        if (!response.ok) return { ok: false, error: await errorMessage(response) };
        const body: { agent: AgentProfile } = await answer(response, loginResponseSchema);
        return { ok: true, session: await sessionFor(body.agent) };
      } catch {
        return { ok: false, error: `Cannot reach the Switchboard server at ${origin}` };
      }
    },
    async logout() {
      restoredToken = null;
      await api('/api/auth/logout', { method: 'POST', body: '{}' }).catch(() => undefined);
    },
    async getSdkToken() {
      const kept = restoredToken;
      restoredToken = null;
      if (kept && Date.now() - kept.receivedAt < RESTORE_FRESH_MS) return { token: kept.token, expiresAt: kept.expiresAt };
      const response = await api('/api/auth/token', { method: 'POST', body: '{}' });
      if (!response.ok) throw new Error(await errorMessage(response));
      const token = await answer(response, sdkTokenResponseSchema);
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
      return answer(response, agentStatusInfoSchema);
    },
    async setStatus(status, reason) {
      const response = await api('/api/agent/status', { method: 'PUT', body: JSON.stringify(reason === undefined ? { status } : { status, reason }) });
      if (!response.ok) throw new Error(await errorMessage(response));
      return answer(response, agentStatusInfoSchema);
    },
    async getAwayReasons() {
      const response = await api('/api/agent/away-reasons');
      if (!response.ok) throw new Error(await errorMessage(response));
      return answer(response, awayReasonsSchema);
    },
    async reportVoice(state) {
      const response = await api('/api/agent/voice', { method: 'PUT', body: JSON.stringify({ state }) });
      if (!response.ok) throw new Error(await errorMessage(response));
      return answer(response, agentStatusInfoSchema);
    },
    onStatusChanged: (callback) => statusEvents.subscribe(callback),
    async getCallContext(callId) {
      // Context only adds to the call panel: any failure means none.
      try {
        const response = await api(`/api/calls/${encodeURIComponent(callId)}/context`);
        return response.ok ? await answer(response, callContextSchema) : null;
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
      return answer(response, transferTargetsSchema);
    },
    // Each answer is checked against its action's schema, as main does.
    async desk<R extends DeskRequest>(request: R): Promise<DeskAnswer<R['action']>> {
      const http = deskHttpRequest(request);
      let response: Response;
      try {
        response = await api(http.path, { method: http.method, ...(http.body !== undefined ? { body: JSON.stringify(http.body) } : {}) });
      } catch {
        throw new Error(`Cannot reach the Switchboard server at ${origin}`);
      }
      if (!response.ok) throw new Error(await errorMessage(response));
      return (await answer(response, deskAnswerSchemas[request.action])) as DeskAnswer<R['action']>;
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
  const listeners = new Set<(status: AgentStatusInfo) => void>();
  let source: EventSource | null = null;
  const close = () => {
    source?.close();
    source = null;
  };
  return {
    subscribe(callback: (status: AgentStatusInfo) => void): () => void {
      listeners.add(callback);
      if (!source) {
        source = new EventSource(`${origin}/api/agent/events`);
        source.addEventListener('status', (event) => {
          const status = agentStatusInfoSchema.safeParse(parseJson((event as MessageEvent<string>).data));
          if (status.success) for (const listener of listeners) listener(status.data);
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
