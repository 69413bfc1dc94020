/**
 * A small client of Vonage's Voice REST API: place calls, transfer, hang up, speak into a
 * call, and fetch recordings.
 *
 * Requests carry an application JWT (RS256 with the application's private key, signed by
 * `@vonage/jwt`) and go to `VONAGE_API_URL`, so the same code drives the Vonage cloud and
 * the sandbox. The JWT is reused for a minute and never logged.
 */
import { tokenGenerate } from '@vonage/jwt';
import type { Ncco } from '../flows/ncco';

/** Life of an application JWT; reissued well before it ends. */
const JWT_TTL_S = 300;
const JWT_REUSE_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 5_000;

/** An endpoint of `POST /v1/calls`' `to`. */
export type CallTarget = { type: 'app'; user: string } | { type: 'phone'; number: string };

/** Body of `POST /v1/calls` (the fields Switchboard uses). */
export interface CreateCallRequest {
  to: [CallTarget];
  from: { type: 'phone'; number: string };
  answer_url: [string];
  answer_method?: 'GET' | 'POST';
  event_url?: [string];
  event_method?: 'GET' | 'POST';
  /** Seconds to ring before giving up (Vonage: 1-120, default 60). */
  ringing_timer?: number;
}

/** What `POST /v1/calls` answers. */
export interface CreatedCall {
  uuid: string;
  status: string;
  direction: string;
  conversation_uuid?: string;
}

/** What `GET /v1/calls/{uuid}` tells of a leg (the fields reconciliation uses). */
export interface CallInfo {
  uuid: string;
  /** started, ringing, answered, completed, busy, cancelled, … */
  status: string;
  conversation_uuid: string | null;
  end_time: string | null;
  duration: string | null;
}

/** A failed Voice API request: the HTTP status (0 when unreachable) and the platform's words. */
export class VoiceApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'VoiceApiError';
  }
}

/** Options of {@link VoiceApi}. */
export interface VoiceApiOptions {
  /** e.g. `https://api-us.vonage.com` or the sandbox's URL. */
  baseUrl: string;
  applicationId: string;
  /** PEM of the application's private key. */
  privateKey: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * The calls the flows make on the platform.
 *
 * Every method throws {@link VoiceApiError} on a non-2xx answer or a network failure.
 */
export class VoiceApi {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private jwt: { token: string; issuedAt: number } | null = null;

  constructor(private readonly options: VoiceApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  /** `POST /v1/calls`: place a call whose answer_url gives its NCCO. */
  async createCall(request: CreateCallRequest): Promise<CreatedCall> {
    const body = await this.request('POST', '/v1/calls', request);
    if (!isCreatedCall(body)) throw new VoiceApiError(502, 'POST /v1/calls answered without a call uuid');
    return body;
  }

  /** `PUT /v1/calls/{uuid}` transfer: the leg leaves its NCCO and runs this one. */
  async transfer(uuid: string, ncco: Ncco): Promise<void> {
    await this.request('PUT', `/v1/calls/${encodeURIComponent(uuid)}`, { action: 'transfer', destination: { type: 'ncco', ncco } });
  }

  /** `PUT /v1/calls/{uuid}` hangup. */
  async hangup(uuid: string): Promise<void> {
    await this.request('PUT', `/v1/calls/${encodeURIComponent(uuid)}`, { action: 'hangup' });
  }

  /**
   * `GET /v1/calls/{uuid}`: a leg's state as the platform knows it (reconciliation asks this
   * for calls whose end the backend may have missed). Null when the platform has no such leg.
   */
  async getCall(uuid: string): Promise<CallInfo | null> {
    try {
      const body = await this.request('GET', `/v1/calls/${encodeURIComponent(uuid)}`, undefined);
      const info = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
      if (typeof info.status !== 'string') throw new VoiceApiError(502, `GET /v1/calls/${uuid} answered without a status`);
      return {
        uuid,
        status: info.status,
        conversation_uuid: typeof info.conversation_uuid === 'string' ? info.conversation_uuid : null,
        end_time: typeof info.end_time === 'string' ? info.end_time : null,
        duration: info.duration === undefined || info.duration === null ? null : String(info.duration),
      };
    } catch (error) {
      if (error instanceof VoiceApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** `PUT /v1/calls/{uuid}` mute / unmute: whether the others hear this leg. */
  async setMuted(uuid: string, muted: boolean): Promise<void> {
    await this.request('PUT', `/v1/calls/${encodeURIComponent(uuid)}`, { action: muted ? 'mute' : 'unmute' });
  }

  /** `PUT /v1/calls/{uuid}/stream`: play audio to this leg (hold music), looping `loop` times (0: forever). */
  async stream(uuid: string, url: string, loop = 0): Promise<void> {
    await this.request('PUT', `/v1/calls/${encodeURIComponent(uuid)}/stream`, { stream_url: [url], loop });
  }

  /** `DELETE /v1/calls/{uuid}/stream`: stop what {@link stream} plays. */
  async stopStream(uuid: string): Promise<void> {
    await this.request('DELETE', `/v1/calls/${encodeURIComponent(uuid)}/stream`, undefined);
  }

  /** `PUT /v1/calls/{uuid}/talk`: speak text into a leg (queue position announcements). */
  async talk(uuid: string, text: string): Promise<void> {
    await this.request('PUT', `/v1/calls/${encodeURIComponent(uuid)}/talk`, { text });
  }

  /**
   * GET a file the platform keeps (a recording's `recording_url`) with the application JWT.
   *
   * Returns the raw response for streaming; the caller checks the URL is the platform's.
   */
  async fetchFile(url: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: { authorization: `Bearer ${this.token()}` },
        signal: AbortSignal.timeout(this.timeoutMs * 6),
      });
    } catch (error) {
      throw new VoiceApiError(0, `GET recording failed: ${(error as Error).message}`);
    }
    if (!response.ok) throw new VoiceApiError(response.status, `GET recording answered HTTP ${response.status}`);
    return response;
  }

  private token(): string {
    const now = this.now();
    if (this.jwt && now - this.jwt.issuedAt < JWT_REUSE_MS) return this.jwt.token;
    // tokenGenerate consumes `ttl` from its options object: pass a fresh one every time.
    const token = tokenGenerate(this.options.applicationId, this.options.privateKey, { ttl: JWT_TTL_S });
    this.jwt = { token, issuedAt: now };
    return token;
  }

  private async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token()}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new VoiceApiError(0, `${method} ${path} failed: ${(error as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const detail = parsed && typeof parsed === 'object' ? ((parsed as Record<string, unknown>).detail ?? (parsed as Record<string, unknown>).title) : undefined;
      throw new VoiceApiError(response.status, `${method} ${path} answered HTTP ${response.status}${typeof detail === 'string' ? `: ${detail}` : ''}`);
    }
    return parsed;
  }
}

function isCreatedCall(value: unknown): value is CreatedCall {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>).uuid === 'string' && (value as Record<string, unknown>).uuid !== '';
}
