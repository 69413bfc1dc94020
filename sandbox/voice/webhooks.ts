/**
 * Outgoing webhooks: answer_url (fetch the NCCO) and event_url (call status), as Vonage sends them.
 *
 * Events of one call are delivered in order (a chain per call); a slow or failing event_url
 * never holds the call up.
 */
import type { Webhook } from '../state/store';
import type { Logger } from '../log';

/** Answers the call engine gets from answer_url. */
export type AnswerResult = { ok: true; ncco: unknown } | { ok: false; reason: string };

const DEFAULT_TIMEOUT_MS = 5_000;

/** Fetches an NCCO from an answer_url with Vonage's query (GET) or JSON body (POST). */
export async function fetchNcco(hook: Webhook, params: Record<string, string>): Promise<AnswerResult> {
  const timeout = AbortSignal.timeout(hook.socket_timeout ?? DEFAULT_TIMEOUT_MS);
  try {
    let response: Response;
    if (hook.http_method === 'POST') {
      response = await fetch(hook.address, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
        signal: timeout,
      });
    } else {
      const url = new URL(hook.address);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      response = await fetch(url, { signal: timeout });
    }
    if (!response.ok) return { ok: false, reason: `answer_url returned HTTP ${response.status}` };
    return { ok: true, ncco: await response.json() };
  } catch (error) {
    return { ok: false, reason: `answer_url failed: ${(error as Error).message}` };
  }
}

/** Delivers event_url webhooks in order per call. */
export class EventSender {
  private chains = new Map<string, Promise<void>>();
  /** Deliveries in flight, so shutdown can wait for them. */
  private pending = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Queues one event for a call. */
  send(callKey: string, hook: Webhook | undefined, payload: Record<string, unknown>): void {
    if (!hook) return;
    const previous = this.chains.get(callKey) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(hook, payload));
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

  private async deliver(hook: Webhook, payload: Record<string, unknown>): Promise<void> {
    try {
      const init: RequestInit = { signal: AbortSignal.timeout(hook.socket_timeout ?? DEFAULT_TIMEOUT_MS) };
      let target = hook.address;
      if (hook.http_method === 'GET') {
        const url = new URL(hook.address);
        for (const [k, v] of Object.entries(payload)) url.searchParams.set(k, String(v));
        target = url.toString();
      } else {
        init.method = 'POST';
        init.headers = { 'content-type': 'application/json' };
        init.body = JSON.stringify(payload);
      }
      const response = await fetch(target, init);
      if (!response.ok) this.log.warn(`event_url ${hook.address} answered HTTP ${response.status} to ${String(payload.status ?? payload.type)}`);
    } catch (error) {
      this.log.warn(`event_url ${hook.address} failed: ${(error as Error).message}`);
    }
  }
}
