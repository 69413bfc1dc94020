/**
 * The agent's status stream, held by main.
 *
 * The renderer has no backend credential, so main opens the backend's server-sent event
 * stream (`GET /api/agent/events`) with the stored refresh credential and forwards each
 * status to the renderer. The open stream is also what keeps the agent present at the
 * backend: when it drops, main reconnects (with back-off) within the backend's grace period.
 */
import { agentStatusInfoSchema, type AgentStatusInfoPayload } from '../common/ipc-contract';
import { BackendError, SESSION_ENDED_MESSAGE, type BackendClient } from './backend-client';
import { createLogger, type Logger } from './log';
import type { SessionAuthority } from './session-authority';

/** One server-sent event. */
export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * Split a server-sent event stream into events.
 *
 * Follows the format's rules that matter here: events end at a blank line, `event:` names
 * them (default `message`), `data:` lines join with newlines, comments (`:`) and `retry:` are
 * skipped, CRLF or LF line ends.
 */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = 'message';
  let data: string[] = [];
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r?\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
        if (line === '') {
          if (data.length > 0) yield { event, data: data.join('\n') };
          event = 'message';
          data = [];
        } else if (line.startsWith('event:')) {
          event = line.slice(6).trim();
        } else if (line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** What the stream needs from around it. */
export interface StatusStreamDeps {
  backend: Pick<BackendClient, 'openEvents'>;
  /**
   * Lends the credential, and ends the session when the backend does (a 401, or the
   * stream's `session-ended`: credential revoked, agent disabled, password reset).
   */
  authority: Pick<SessionAuthority, 'credential' | 'end'>;
  /** A status arrived (already checked against the contract). */
  onStatus(status: AgentStatusInfoPayload): void;
  /** First reconnect delay in ms (doubles up to {@link maxRetryMs}). */
  retryMs?: number;
  maxRetryMs?: number;
  /**
   * A stream silent this long is taken for dead (a sleeping laptop, a proxy that holds a
   * dead connection) and opened again: the server writes a heartbeat every 15 s, so the
   * default is two heartbeats and a margin.
   */
  idleMs?: number;
  log?: Logger;
}

/** Two of the server's 15 s heartbeats, and a margin. */
export const STATUS_STREAM_IDLE_MS = 35_000;

/** Messages for the renderer, by the backend's `session-ended` reason. */
const ENDED_MESSAGES: Record<string, string> = {
  disabled: 'Your account was disabled. Contact your administrator.',
  'password-reset': 'Your password was reset. Please sign in again.',
};

/** Keeps the backend's event stream open while the agent is signed in. */
export class StatusStream {
  private generation = 0;
  private controller: AbortController | null = null;
  private wake: (() => void) | null = null;
  private readonly log: Logger;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly idleMs: number;

  constructor(private readonly deps: StatusStreamDeps) {
    this.log = deps.log ?? createLogger('status');
    this.retryMs = deps.retryMs ?? 1_000;
    this.maxRetryMs = deps.maxRetryMs ?? 15_000;
    this.idleMs = deps.idleMs ?? STATUS_STREAM_IDLE_MS;
  }

  /** True while a stream is kept open (or being reopened). */
  get running(): boolean {
    return this.controller !== null;
  }

  /** Open the stream (again, if one is open: e.g. after a new login). */
  start(): void {
    this.stop();
    const generation = ++this.generation;
    this.controller = new AbortController();
    void this.run(generation, this.controller.signal);
  }

  /** Close the stream and stop reconnecting. */
  stop(): void {
    this.generation += 1;
    this.controller?.abort();
    this.controller = null;
    this.wake?.();
  }

  private async run(generation: number, signal: AbortSignal): Promise<void> {
    let delay = this.retryMs;
    while (generation === this.generation) {
      const token = this.deps.authority.credential();
      if (!token) return this.finish(generation);
      try {
        const response = await this.deps.backend.openEvents(token, signal);
        if (!response.body) throw new BackendError('protocol', 'The status stream had no body.');
        delay = this.retryMs;
        for await (const event of readServerSentEvents(this.watchdog(response.body))) {
          if (generation !== this.generation) return;
          if (event.event === 'status') this.forward(event.data);
          else if (event.event === 'session-ended') return this.ended(generation, event.data, token);
        }
        this.log.info('Status stream closed by the server; reconnecting');
      } catch (error) {
        if (signal.aborted || generation !== this.generation) return;
        if (error instanceof BackendError && error.kind === 'unauthorized') {
          this.finish(generation);
          this.deps.authority.end(error.message, token);
          return;
        }
        this.log.warn('Status stream failed; retrying', { reason: error instanceof Error ? error.message : String(error), delayMs: delay });
      }
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.maxRetryMs);
    }
  }

  /**
   * The body, failing once nothing (not even a heartbeat comment) arrived for `idleMs`:
   * the read then throws, the response is cancelled and the loop reconnects.
   */
  private watchdog(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const { idleMs, log } = this;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let stream: TransformStreamDefaultController<Uint8Array> | null = null;
    const disarm = () => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const arm = () => {
      disarm();
      timer = setTimeout(() => {
        log.warn('Status stream silent past two heartbeats; reconnecting', { idleMs });
        stream?.error(new Error(`no data for ${idleMs} ms`));
      }, idleMs);
      timer.unref?.();
    };
    return body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        start(controller) {
          stream = controller;
          arm();
        },
        transform(chunk, controller) {
          arm();
          controller.enqueue(chunk);
        },
        flush: disarm,
        // Runtimes that know `cancel` call it when the reader goes away (stop(), a new login).
        ...({ cancel: disarm } as object),
      }),
    );
  }

  private forward(data: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      parsed = undefined;
    }
    const status = agentStatusInfoSchema.safeParse(parsed);
    if (!status.success) {
      this.log.warn('Dropped a status event that does not match the contract');
      return;
    }
    this.deps.onStatus(status.data);
  }

  private ended(generation: number, data: string, credential: string): void {
    this.finish(generation);
    let reason = '';
    try {
      const body = JSON.parse(data) as { reason?: unknown };
      reason = typeof body.reason === 'string' ? body.reason : '';
    } catch {
      // An unreadable reason still ends the session.
    }
    // A logout from this app closes the stream too; main already knows.
    if (reason === 'logged-out') return;
    this.deps.authority.end(ENDED_MESSAGES[reason] ?? SESSION_ENDED_MESSAGE, credential);
  }

  private finish(generation: number): void {
    if (generation !== this.generation) return;
    this.controller = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
