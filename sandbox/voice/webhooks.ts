/**
 * Outgoing webhooks: answer_url (fetch the NCCO), NCCO-returning event URLs (input, notify,
 * synchronous connect, onAnswer, a transfer's URL) and event_url (call status), as Vonage
 * sends them.
 *
 * Vonage's rules, as its documentation and support articles state them:
 * - timeouts per webhook: `connect_timeout` (default 1 s) to open the connection and
 *   `socket_timeout` (default 5 s) for the whole response once connected;
 * - a URL that should return an NCCO (answer_url, an input or notify eventUrl...) is tried
 *   three times — the first attempt and two retries — when the connection or socket times
 *   out, is refused, closed or reset, or the server answers 429, 503 or 504 (Vonage's Voice
 *   API troubleshooting guide: "it will retry the request twice"); no retry for other HTTP
 *   errors or a bad NCCO;
 * - events get one retry (two attempts) on the same failures (the Applications API's
 *   `connect_timeout` / `socket_timeout`: "one additional attempt"); they have no fallback;
 * - a URL that should return an NCCO and fails (after its retries, for any reason: offline,
 *   timeout, HTTP error, not JSON, invalid NCCO) is replaced by the application's
 *   `fallback_answer_url`, tried twice ("two further attempts") with the original parameters
 *   plus `reason` and `original_request {url, type}`. What a failure means for the call is
 *   the engine's: a new call ends, a call in progress goes on;
 * - every request is signed (unless the application sets `signed_callbacks: false`):
 *   `Authorization: Bearer <JWT>`, HS256 with the account's signature secret, claims `iat`,
 *   `jti`, `iss: 'Vonage'`, `api_key`, `application_id` and `payload_hash`, the SHA-256 hex
 *   of the exact body bytes sent. A GET has no body: as Vonage documents, its hash is of the
 *   JSON of the query parameters, in order, without whitespace — what a receiver gets from
 *   `JSON.stringify(Object.fromEntries(url.searchParams))`. `@vonage/jwt`'s
 *   `verifySignature(token, secret)` checks the signature only; comparing `payload_hash`
 *   is the receiver's job.
 *
 * Events of one call are delivered in order (a chain per call); a slow or failing event_url
 * never holds the call up.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ApplicationRecord, SandboxStore, Webhook } from '../state/store';
import type { Logger } from '../log';
import { parseNcco } from '../../common/ncco-schema';

/** Answers the call engine gets from a URL that should return an NCCO (an array is the parsed NCCO, ready to run). */
export type AnswerResult = { ok: true; ncco: unknown } | { ok: false; reason: string };

/** Vonage's default time to open a webhook's connection. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 1_000;
/** Vonage's default time for a webhook's response once connected. */
export const DEFAULT_SOCKET_TIMEOUT_MS = 5_000;
/** Attempts at a URL that should return an NCCO: the first and two retries after a transient failure. */
const NCCO_ATTEMPTS = 3;
/** Attempts at the fallback_answer_url, and at an event_url. */
const FALLBACK_ATTEMPTS = 2;
const EVENT_ATTEMPTS = 2;
/** Statuses Vonage retries (rate limited, unavailable, gateway timeout). */
const RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);
/** Network errors worth one retry: the far end was down or dropped the connection. */
const RETRIED_ERRORS: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);
/** The most of a response the sandbox reads; an NCCO is far smaller. */
const MAX_RESPONSE_BYTES = 1_048_576;

/** How one HTTP exchange ended. */
type Outcome = { kind: 'response'; status: number; body: Buffer } | { kind: 'error'; transient: boolean; message: string };

/** Turns a validated NCCO action's `eventUrl: string[]` and `eventMethod` into a webhook (POST unless GET). */
export function hookFrom(urls: string[] | undefined, method: string | undefined): Webhook | undefined {
  const address = urls?.[0];
  return address ? { address, http_method: method?.toUpperCase() === 'GET' ? 'GET' : 'POST' } : undefined;
}

/** The SHA-256 hex of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The signed-webhook JWT Vonage puts in `Authorization: Bearer`: HS256 with the account's
 * signature secret over the hash of what is sent.
 */
export function signWebhook(account: { api_key: string; signature_secret: string }, applicationId: string | undefined, hashed: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'HS256', typ: 'JWT' });
  const claims = encode({
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    iss: 'Vonage',
    api_key: account.api_key,
    ...(applicationId ? { application_id: applicationId } : {}),
    payload_hash: sha256Hex(hashed),
  });
  const signature = createHmac('sha256', account.signature_secret).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
}

/** A request ready to send: the target, the body bytes, and the text its `payload_hash` covers. */
interface Prepared {
  url: URL;
  method: 'GET' | 'POST';
  body: string | null;
  hashed: string;
}

/** Vonage's query (GET, objects as JSON) or JSON body (POST) for a payload. */
function prepare(hook: Webhook, payload: Record<string, unknown>): Prepared {
  const url = new URL(hook.address);
  if (hook.http_method === 'GET') {
    for (const [key, value] of Object.entries(payload)) {
      if (value !== undefined) url.searchParams.set(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
    }
    return { url, method: 'GET', body: null, hashed: JSON.stringify(Object.fromEntries(url.searchParams)) };
  }
  const body = JSON.stringify(payload);
  return { url, method: 'POST', body, hashed: body };
}

/** One HTTP exchange with Vonage's two timeouts; never rejects. */
function send(prepared: Prepared, headers: Record<string, string>, connectMs: number, socketMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const { url, method, body } = prepared;
    const options: RequestOptions = { method, headers, agent: false };
    let request: ClientRequest;
    let socketTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(socketTimer);
      resolve(outcome);
    };
    const fail = (transient: boolean, message: string) => {
      finish({ kind: 'error', transient, message });
      request.destroy();
    };
    const connected = () => {
      clearTimeout(connectTimer);
      socketTimer = setTimeout(() => fail(true, `no response within ${socketMs} ms (socket_timeout)`), socketMs);
    };
    const connectTimer = setTimeout(() => fail(true, `no connection within ${connectMs} ms (connect_timeout)`), connectMs);
    try {
      request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options);
    } catch (error) {
      finish({ kind: 'error', transient: false, message: (error as Error).message });
      return;
    }
    request.on('socket', (socket) => {
      if (!socket.connecting) connected();
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', connected);
    });
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) fail(false, `the response is larger than ${MAX_RESPONSE_BYTES} bytes`);
        else chunks.push(chunk);
      });
      response.on('end', () => finish({ kind: 'response', status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', (error) => fail(true, error.message));
    });
    request.on('error', (error: NodeJS.ErrnoException) => fail(RETRIED_ERRORS.has(error.code ?? ''), error.code ? `${error.code} ${error.message}` : error.message));
    request.end(body ?? undefined);
  });
}

/** Whether Vonage would try again after this outcome. */
function worthRetrying(outcome: Outcome): boolean {
  return outcome.kind === 'error' ? outcome.transient : RETRIED_STATUSES.has(outcome.status);
}

/**
 * What an NCCO URL's answer means. `required`: the answer must be an NCCO (answer_url);
 * otherwise (an eventUrl during a call) no body or a JSON object means "no new NCCO".
 */
function readNcco(hook: Webhook, outcome: Outcome, required: boolean): AnswerResult {
  const where = hook.address;
  if (outcome.kind === 'error') return { ok: false, reason: `${where} failed: ${outcome.message}` };
  if (outcome.status < 200 || outcome.status > 299) return { ok: false, reason: `${where} returned HTTP ${outcome.status}` };
  const text = outcome.body.toString('utf8').trim();
  if (text === '') return required ? { ok: false, reason: `${where} returned no NCCO` } : { ok: true, ncco: null };
  let ncco: unknown;
  try {
    ncco = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${where} did not return JSON` };
  }
  if (Array.isArray(ncco)) {
    const parsed = parseNcco(ncco);
    return parsed.ok ? { ok: true, ncco: parsed.ncco } : { ok: false, reason: `${where} returned an invalid NCCO: ${parsed.problem}` };
  }
  return required ? { ok: false, reason: `${where} did not return an NCCO (a JSON array)` } : { ok: true, ncco };
}

/** Sends every webhook of the sandbox. */
export class Webhooks {
  private chains = new Map<string, Promise<void>>();
  /** Deliveries in flight, so shutdown can wait for them. */
  private pending = new Set<Promise<void>>();

  /** `store` holds the account whose signature secret signs. */
  constructor(
    private readonly log: Logger,
    private readonly store: SandboxStore,
  ) {}

  /**
   * The NCCO for a new call: from `hook` (a Voice API call's answer_url) or the
   * application's answer_url, else its fallback_answer_url.
   */
  async answer(app: ApplicationRecord, params: Record<string, unknown>, hook = app.capabilities.voice?.webhooks.answer_url): Promise<AnswerResult> {
    if (!hook) return { ok: false, reason: 'the application has no answer_url' };
    return this.withFallback(app, hook, params, 'answer', true);
  }

  /**
   * An NCCO from a URL during a call (input or notify eventUrl, synchronous connect, onAnswer,
   * a transfer's URL), else from the fallback_answer_url. `ncco` may be null or an object:
   * the URL chose not to change the call.
   */
  async nccoDuringCall(app: ApplicationRecord, hook: Webhook, params: Record<string, unknown>): Promise<AnswerResult> {
    return this.withFallback(app, hook, params, 'event', false);
  }

  /** Fetches an NCCO from one URL with Vonage's retry, no fallback; `required` as in {@link readNcco}. */
  private async fetchNcco(hook: Webhook, params: Record<string, unknown>, app: ApplicationRecord, required: boolean, attempts: number): Promise<AnswerResult> {
    return readNcco(hook, await this.exchange(hook, params, app, attempts), required);
  }

  /** Queues one event for a call (delivered in order per call), signed for `app`. */
  event(callKey: string, hook: Webhook | undefined, payload: Record<string, unknown>, app: ApplicationRecord): void {
    if (!hook) return;
    const previous = this.chains.get(callKey) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(hook, payload, app));
    this.chains.set(callKey, next);
    this.pending.add(next);
    void next.finally(() => {
      this.pending.delete(next);
      if (this.chains.get(callKey) === next) this.chains.delete(callKey);
    });
  }

  /** Resolves once every queued event has been tried. */
  async drain(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async withFallback(
    app: ApplicationRecord,
    hook: Webhook,
    params: Record<string, unknown>,
    type: 'answer' | 'event',
    required: boolean,
  ): Promise<AnswerResult> {
    const first = await this.fetchNcco(hook, params, app, required, NCCO_ATTEMPTS);
    const fallback = app.capabilities.voice?.webhooks.fallback_answer_url;
    if (first.ok || !fallback) return first;
    this.log.warn(`${first.reason}; trying the fallback_answer_url`);
    const second = await this.fetchNcco(fallback, { ...params, reason: first.reason, original_request: { url: hook.address, type } }, app, required, FALLBACK_ATTEMPTS);
    return second.ok ? second : { ok: false, reason: `${first.reason}; then the fallback_answer_url: ${second.reason}` };
  }

  /** Sends a payload to a webhook, retrying transient failures up to `attempts` tries in all. */
  private async exchange(hook: Webhook, payload: Record<string, unknown>, app: ApplicationRecord, attempts: number): Promise<Outcome> {
    const prepared = prepare(hook, payload);
    const connectMs = hook.connect_timeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const socketMs = hook.socket_timeout ?? DEFAULT_SOCKET_TIMEOUT_MS;
    let outcome: Outcome | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      outcome = await send(prepared, this.headers(prepared, app), connectMs, socketMs);
      if (!worthRetrying(outcome)) break;
    }
    return outcome!;
  }

  /** Headers of one attempt; each attempt gets its own signature (fresh `jti` and `iat`). */
  private headers(prepared: Prepared, app: ApplicationRecord): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'switchboard-sandbox' };
    if (prepared.body !== null) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(prepared.body));
    }
    if (app.capabilities.voice?.signed_callbacks !== false) {
      headers.authorization = `Bearer ${signWebhook(this.store.account, app.id || undefined, prepared.hashed)}`;
    }
    return headers;
  }

  private async deliver(hook: Webhook, payload: Record<string, unknown>, app: ApplicationRecord): Promise<void> {
    const what = String(payload.status ?? payload.type ?? 'event');
    const outcome = await this.exchange(hook, payload, app, EVENT_ATTEMPTS);
    if (outcome.kind === 'error') this.log.warn(`event_url ${hook.address} failed for ${what}: ${outcome.message}`);
    else if (outcome.status < 200 || outcome.status > 299) this.log.warn(`event_url ${hook.address} answered HTTP ${outcome.status} to ${what}`);
  }
}
