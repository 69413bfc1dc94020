/**
 * The desktop's client of the Switchboard backend (contract: `common/backend-api.ts`).
 *
 * Every failure becomes a {@link BackendError} whose message an agent can read; the
 * credential is sent in the Authorization header only, never in a URL or a log line.
 */
import { callQualityPath, type CallQualitySummary } from '../common/call-quality';
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
  type AgentStatusRequest,
  type AwayReasons,
  type ClientConfig,
  type SdkTokenResponse,
  type VoiceReport,
} from '../common/backend-api';
import { transferTargetsSchema, type TransferTargets } from '../common/ipc-contract';
import { TRANSFER_TARGETS_PATH, type ControlHttpRequest } from '../common/call-control';
import type { DeskHttpRequest } from '../common/agent-desk';

/** What the agent reads when the backend refuses the stored credential (revoked or expired). */
export const SESSION_ENDED_MESSAGE = 'Your session has ended. Please sign in again.';

/** How a backend call failed. */
export type BackendErrorKind =
  /** 401: wrong name/password at login, or the credential is revoked or expired. */
  | 'unauthorized'
  /** The server could not be reached (down, wrong URL, timeout). */
  | 'network'
  /** Any other 4xx: the request was refused, the message says why. */
  | 'rejected'
  /** 5xx. */
  | 'server'
  /** The answer was not what the contract promises. */
  | 'protocol'
  /** Main holds no credential: nothing was sent (`main/session-authority.ts`). */
  | 'signed-out';

/** A failed backend call, with a message fit for the agent's screen. */
export class BackendError extends Error {
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

/** What a desktop login returns. */
export interface DesktopLogin {
  agent: AgentProfile;
  refreshToken: string;
  expiresAt: string;
}

/** Options of {@link BackendClient}. */
export interface BackendClientOptions {
  /** e.g. `http://127.0.0.1:3030`, without a trailing slash. */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Per request; a hung server must not hang the login form. */
  timeoutMs?: number;
}

/** Calls the backend's desktop-facing endpoints. */
export class BackendClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: BackendClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** `POST /api/auth/login` as a desktop client: the refresh credential comes back in the body. */
  async login(name: string, password: string): Promise<DesktopLogin> {
    const body = await this.request('POST', '/api/auth/login', {
      json: { name, password, client: 'desktop' },
      unauthorized: 'The name or password is not correct.',
      schema: loginResponseSchema,
      unreadable: 'The Switchboard server answered the login without a desktop credential.',
    });
    if (body.refresh_token === undefined) {
      throw new BackendError('protocol', 'The Switchboard server answered the login without a desktop credential.');
    }
    return { agent: body.agent, refreshToken: body.refresh_token, expiresAt: body.expires_at };
  }

  /** `POST /api/auth/token`: exchanges the refresh credential for a short-lived SDK JWT. */
  async exchangeToken(refreshToken: string): Promise<SdkTokenResponse> {
    return this.request('POST', '/api/auth/token', {
      bearer: refreshToken,
      unauthorized: SESSION_ENDED_MESSAGE,
      schema: sdkTokenResponseSchema,
      unreadable: 'The Switchboard server sent an unreadable token.',
    });
  }

  /** `POST /api/auth/logout`: revokes the refresh credential. */
  async logout(refreshToken: string): Promise<void> {
    await this.request('POST', '/api/auth/logout', {
      bearer: refreshToken,
      unauthorized: 'Your session had already ended.',
      allowEmpty: true,
    });
  }

  /** `GET /api/config`: where the Client SDK connects. */
  async getConfig(): Promise<ClientConfig> {
    return this.request('GET', '/api/config', {
      unauthorized: 'Not allowed to read the configuration.',
      schema: clientConfigSchema,
      unreadable: 'The Switchboard server sent an unreadable configuration.',
    });
  }

  /** `GET /api/agent/status`. */
  async getStatus(refreshToken: string): Promise<AgentStatusInfo> {
    return this.request('GET', '/api/agent/status', {
      bearer: refreshToken,
      unauthorized: SESSION_ENDED_MESSAGE,
      schema: agentStatusInfoSchema,
    });
  }

  /**
   * `PUT /api/agent/status`: available or away; a 409 (on a call) becomes a `rejected` error with the server's reason.
   * `reason`: the away reason the agent picked, or `system` when the app chose (sleep, lock, network).
   */
  async setStatus(refreshToken: string, status: AgentStatusRequest['status'], reason?: string): Promise<AgentStatusInfo> {
    return this.request('PUT', '/api/agent/status', {
      json: reason === undefined ? { status } : { status, reason },
      bearer: refreshToken,
      unauthorized: SESSION_ENDED_MESSAGE,
      schema: agentStatusInfoSchema,
    });
  }

  /** `GET /api/agent/away-reasons`: the reasons an agent may give for being away. */
  async getAwayReasons(refreshToken: string): Promise<AwayReasons> {
    return this.request('GET', '/api/agent/away-reasons', { bearer: refreshToken, unauthorized: SESSION_ENDED_MESSAGE, schema: awayReasonsSchema });
  }

  /** `PUT /api/agent/voice`: the app's voice session is up (renews its lease) or down. */
  async reportVoice(refreshToken: string, state: VoiceReport['state']): Promise<AgentStatusInfo> {
    return this.request('PUT', '/api/agent/voice', { json: { state }, bearer: refreshToken, unauthorized: SESSION_ENDED_MESSAGE, schema: agentStatusInfoSchema });
  }

  /**
   * `GET /api/agent/events`: opens the agent's server-sent event stream.
   *
   * Resolves with the streaming response once the server accepted it; no timeout applies to
   * the stream itself (abort `signal` to close it). A 401 throws `unauthorized`.
   */
  async openEvents(refreshToken: string, signal: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}/api/agent/events`, {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${refreshToken}` },
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new BackendError('network', `Cannot reach the Switchboard server at ${this.baseUrl}.`);
    }
    if (response.status === 401) throw new BackendError('unauthorized', SESSION_ENDED_MESSAGE, 401);
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new BackendError(response.status >= 500 ? 'server' : 'rejected', `The status stream was refused (HTTP ${response.status}).`, response.status);
    }
    return response;
  }

  /** `GET /api/calls/{legUuid}/context`: why a call rings the agent; null when the backend has none (404). */
  async getCallContext(refreshToken: string, legUuid: string): Promise<unknown> {
    try {
      return await this.request('GET', `/api/calls/${encodeURIComponent(legUuid)}/context`, {
        bearer: refreshToken,
        unauthorized: SESSION_ENDED_MESSAGE,
      });
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) return null;
      throw error;
    }
  }

  /**
   * One request of the agent's call-control API (`/api/agent/calls/{leg}/…`, built by
   * `common/call-control.ts`). A refusal (404 not your call, 409 not now) throws `rejected`
   * with the backend's message and code.
   */
  async callControl(refreshToken: string, request: ControlHttpRequest): Promise<unknown> {
    return this.request(request.method, request.path, {
      ...(request.body !== undefined ? { json: request.body } : {}),
      bearer: refreshToken,
      unauthorized: SESSION_ENDED_MESSAGE,
      // "Joe is not available" reads better on a call than "target.agent: Joe is not available".
      plainMessage: true,
    });
  }

  /** `PUT /api/agent/calls/{leg}/quality`: a call's quality summary, stored with its record (204). */
  async putCallQuality(refreshToken: string, legUuid: string, summary: CallQualitySummary): Promise<void> {
    await this.request('PUT', callQualityPath(legUuid), { json: summary, bearer: refreshToken, unauthorized: SESSION_ENDED_MESSAGE, allowEmpty: true });
  }

  /** `GET /api/agent/transfer-targets`: other agents with their status, and the queues. */
  async getTransferTargets(refreshToken: string): Promise<TransferTargets> {
    return this.request('GET', TRANSFER_TARGETS_PATH, { bearer: refreshToken, unauthorized: SESSION_ENDED_MESSAGE, schema: transferTargetsSchema });
  }

  /** One request of the agent desk's API (history, badge, voicemails, dispositions, wrap-up; `common/agent-desk.ts`). */
  async desk(refreshToken: string, request: DeskHttpRequest): Promise<unknown> {
    return this.request(request.method, request.path, {
      ...(request.body !== undefined ? { json: request.body } : {}),
      bearer: refreshToken,
      unauthorized: SESSION_ENDED_MESSAGE,
    });
  }

  /** `GET /api/voicemails/{id}/audio`: the recording's bytes and type (at most `maxBytes`). */
  async voicemailAudio(refreshToken: string, path: string, maxBytes: number): Promise<{ contentType: string; bytes: Uint8Array }> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${refreshToken}` },
        signal: AbortSignal.timeout(this.timeoutMs * 3),
      });
    } catch {
      throw new BackendError('network', `Cannot reach the Switchboard server at ${this.baseUrl}. Check your connection and try again.`);
    }
    if (response.status === 401) throw new BackendError('unauthorized', SESSION_ENDED_MESSAGE, 401);
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const message = response.status === 404 ? 'This voicemail is not available.' : `The recording could not be loaded (HTTP ${response.status}).`;
      throw new BackendError(response.status >= 500 ? 'server' : 'rejected', message, response.status);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > maxBytes) throw new BackendError('protocol', 'The recording is too large to play.');
    return { contentType: response.headers.get('content-type') ?? 'application/octet-stream', bytes };
  }

  /**
   * One JSON request. With a `schema` the answer is parsed against it (`common/backend-api.ts`)
   * and an answer outside the contract is a `protocol` error (`unreadable` its message);
   * without one the caller checks the body against its own schema.
   */
  private async request<S extends z.ZodType = z.ZodUnknown>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    path: string,
    options: { json?: unknown; bearer?: string; unauthorized: string; allowEmpty?: boolean; plainMessage?: boolean; schema?: S; unreadable?: string },
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.json !== undefined ? { body: JSON.stringify(options.json) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch {
      throw new BackendError('network', `Cannot reach the Switchboard server at ${this.baseUrl}. Check your connection and try again.`);
    }
    const text = await response.text().catch(() => '');
    const body = parseJson(text);
    if (response.ok) {
      if (body === undefined && !options.allowEmpty) {
        throw new BackendError('protocol', `The Switchboard server sent an unreadable answer (HTTP ${response.status}).`, response.status);
      }
      if (!options.schema) return body as z.infer<S>;
      const parsed = options.schema.safeParse(body);
      if (!parsed.success) {
        throw new BackendError('protocol', options.unreadable ?? `The Switchboard server sent an unreadable answer (HTTP ${response.status}).`, response.status);
      }
      return parsed.data as z.infer<S>;
    }
    const errorBody = apiErrorBodySchema.safeParse(body);
    const apiError = errorBody.success ? errorBody.data.error : undefined;
    const code = apiError?.code;
    const serverMessage = apiError?.message.trim() ? apiError.message.trim() : undefined;
    if (response.status === 401) throw new BackendError('unauthorized', options.unauthorized, 401, code);
    if (response.status >= 500) {
      throw new BackendError('server', `The Switchboard server had a problem (HTTP ${response.status}). Try again in a moment.`, response.status, code);
    }
    const field =
      !options.plainMessage && apiError?.field !== undefined && serverMessage && !serverMessage.includes(apiError.field) ? `${apiError.field}: ` : '';
    throw new BackendError(
      'rejected',
      serverMessage ? `${field}${serverMessage}` : `The Switchboard server refused the request (HTTP ${response.status}).`,
      response.status,
      code,
    );
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
