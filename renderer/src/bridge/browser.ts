/**
 * The bridge for the agent UI served as a web page by the backend (`/app/`).
 *
 * Same API as the Electron preload. Login sets an HttpOnly session cookie; the page only
 * ever holds the short-lived SDK token. Desktop-only features (tray, global shortcuts)
 * report as unavailable.
 */
import type { AgentProfile, ApiErrorBody, ClientConfig, SdkTokenResponse } from '../../../common/backend-api';
import type { LoginOutcome, SessionInfo, ShortcutStatus } from '../../../common/ipc-contract';
import type { Bridge } from './index';

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as ApiErrorBody;
    return body.error.message;
  } catch {
    return `The server answered HTTP ${response.status}`;
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
  };
}
