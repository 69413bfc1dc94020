/**
 * The bridge for the agent UI served as a web page by the backend (`/app/`).
 *
 * Same API as the Electron preload. Login sets an HttpOnly session cookie; the page only
 * ever holds the short-lived SDK token. Desktop-only features (tray, global shortcuts)
 * report as unavailable.
 */
import type { AgentProfile, AgentStatusInfo, ApiErrorBody, ClientConfig, SdkTokenResponse } from '../../../common/backend-api';
import type { CallContext } from '../../../common/call-context';
import { callQualityPath, type CallQualityOutcome } from '../../../common/call-quality';
import { controlHttpRequest, controlSuccess, TRANSFER_TARGETS_PATH } from '../../../common/call-control';
import type { AgentStatusInfoPayload, CallControlResult, LoginOutcome, SessionInfo, ShortcutStatus, TransferTargets } from '../../../common/ipc-contract';
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

/** Builds the bridge against a backend origin. */
export function createBrowserBridge(origin: string): Bridge {
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
    ready: () => undefined,
    reportCallState: (summary) => {
      document.title = summary.phase === 'ringing' ? `Incoming call — Switchboard` : summary.phase === 'active' ? 'On a call — Switchboard' : 'Switchboard';
    },
    onCallCommand: () => () => undefined,
    onShortcutStatus: () => () => undefined,
    onSessionEnded: () => () => undefined,
    async getStatus() {
      const response = await api('/api/agent/status');
      if (!response.ok) throw new Error(await errorMessage(response));
      return (await response.json()) as AgentStatusInfo;
    },
    async setStatus(status) {
      const response = await api('/api/agent/status', { method: 'PUT', body: JSON.stringify({ status }) });
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
  return typeof v.status === 'string' && STATUSES.has(v.status) && typeof v.since === 'string' && (v.wrap_up_ends_at === null || typeof v.wrap_up_ends_at === 'string');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
