/**
 * The only place that touches `ipcMain`.
 *
 * Typed wrappers over the contract in `common/ipc-contract.ts`: every call is checked to
 * come from the app's own window (main frame, app page URL) and its payload is parsed with
 * the channel's zod schema before the handler runs. A bad call is logged and dropped; an
 * invoke gets a generic rejection, so a probing page learns nothing.
 *
 * Events to the renderer wait for the ready handshake: they are queued until the renderer
 * sends `app:ready`, then flushed in order, so an incoming-call command sent while the
 * page is still loading is not lost.
 */
import {
  eventChannels,
  invokeChannels,
  sendChannels,
  type EventChannel,
  type EventPayload,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
  type SendChannel,
  type SendPayload,
} from '../common/ipc-contract';
import type { IpcEventApi, IpcMainApi, WebContentsApi } from './electron-api';
import { createLogger, type Logger } from './log';

/** The rejection a renderer sees for a call that failed validation. */
export const REJECTED_MESSAGE = 'Request rejected';

/** The rejection a renderer sees when a handler failed for a reason it must not learn. */
export const INTERNAL_ERROR_MESSAGE = 'Switchboard could not complete the request';

/**
 * An error whose message is written for the agent and may cross to the renderer.
 *
 * Any other error thrown by a handler reaches the renderer as {@link INTERNAL_ERROR_MESSAGE}.
 */
export class PublicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublicError';
  }
}

/** Handler of an invoke channel. */
export type InvokeHandler<C extends InvokeChannel> = (request: InvokeRequest<C>) => Promise<InvokeResponse<C>> | InvokeResponse<C>;

/** Handler of a send channel. */
export type SendHandler<C extends SendChannel> = (payload: SendPayload<C>) => void;

/** Options of {@link IpcBridge}. */
export interface IpcBridgeOptions {
  /** True for the URL of the page allowed to call main (the app's renderer page). */
  isAppPage(url: string): boolean;
  log?: Logger;
  /** Events kept while the renderer is not ready; the oldest go first beyond this. */
  maxQueued?: number;
}

type Rejection = { reason: string };

/** Typed, validated IPC between main and the app window's renderer. */
export class IpcBridge {
  private target: WebContentsApi | null = null;
  private ready = false;
  private readonly queue: Array<{ channel: EventChannel; payload: unknown }> = [];
  private readonly disposers: Array<() => void> = [];
  private readonly log: Logger;
  private readonly maxQueued: number;

  constructor(
    private readonly ipcMain: IpcMainApi,
    private readonly options: IpcBridgeOptions,
  ) {
    this.log = options.log ?? createLogger('ipc');
    this.maxQueued = options.maxQueued ?? 100;
    this.on('app:ready', () => {
      this.ready = true;
      this.flush();
    });
  }

  /**
   * Makes `contents` the one renderer allowed to call main and the one events go to.
   *
   * A new document (reload, crash recovery) must say `app:ready` again before it gets events.
   */
  attach(contents: WebContentsApi): void {
    this.target = contents;
    this.ready = false;
    contents.on('did-navigate', () => {
      if (this.target === contents) this.ready = false;
    });
  }

  /** The renderer process died: events wait for the next document's `app:ready` instead of going to the dead one. */
  rendererGone(): void {
    this.ready = false;
  }

  /** True once the attached renderer said `app:ready` (and has not navigated since). */
  isReady(): boolean {
    return this.ready && this.target !== null && !this.target.isDestroyed();
  }

  /** Registers the handler of an invoke channel. */
  handle<C extends InvokeChannel>(channel: C, handler: InvokeHandler<C>): void {
    const contract = invokeChannels[channel];
    this.ipcMain.handle(channel, async (event, ...args) => {
      const rejection = this.check(event, args.length);
      if (rejection) return this.reject(channel, rejection);
      const parsed = contract.request.safeParse(args[0]);
      if (!parsed.success) return this.reject(channel, { reason: `invalid payload: ${summarizeIssues(parsed.error.issues)}` });
      let result: unknown;
      try {
        result = await handler(parsed.data as InvokeRequest<C>);
      } catch (error) {
        if (error instanceof PublicError) throw new Error(error.message);
        this.log.error('Handler failed', { channel, error });
        throw new Error(INTERNAL_ERROR_MESSAGE);
      }
      // Parsing the answer too strips anything the contract does not promise (zod drops
      // unknown keys), so no extra backend field leaks to the renderer by accident.
      const answer = contract.response.safeParse(result);
      if (!answer.success) {
        this.log.error('Handler answer does not match the contract', { channel, issues: summarizeIssues(answer.error.issues) });
        throw new Error(INTERNAL_ERROR_MESSAGE);
      }
      return answer.data;
    });
    this.disposers.push(() => this.ipcMain.removeHandler(channel));
  }

  /** Registers the handler of a fire-and-forget channel. */
  on<C extends SendChannel>(channel: C, handler: SendHandler<C>): void {
    const schema = sendChannels[channel];
    const listener = (event: IpcEventApi, ...args: unknown[]) => {
      const rejection = this.check(event, args.length);
      if (rejection) return void this.drop(channel, rejection);
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) return void this.drop(channel, { reason: `invalid payload: ${summarizeIssues(parsed.error.issues)}` });
      try {
        handler(parsed.data as SendPayload<C>);
      } catch (error) {
        this.log.error('Handler failed', { channel, error });
      }
    };
    this.ipcMain.on(channel, listener);
    this.disposers.push(() => this.ipcMain.removeListener(channel, listener));
  }

  /** Sends an event to the renderer now if it is ready, else queues it. */
  sendToRenderer<C extends EventChannel>(channel: C, payload: EventPayload<C>): void {
    const parsed = eventChannels[channel].safeParse(payload);
    if (!parsed.success) {
      this.log.error('Refusing to send an event that does not match the contract', { channel });
      return;
    }
    if (this.isReady()) {
      this.target?.send(channel, parsed.data);
      return;
    }
    this.queue.push({ channel, payload: parsed.data });
    if (this.queue.length > this.maxQueued) {
      const dropped = this.queue.shift();
      this.log.warn('Renderer not ready: dropped the oldest queued event', { channel: dropped?.channel });
    }
  }

  /** How many events wait for `app:ready`. */
  queuedCount(): number {
    return this.queue.length;
  }

  /** Removes every handler this bridge registered. */
  dispose(): void {
    for (const dispose of this.disposers.splice(0)) dispose();
    this.queue.length = 0;
    this.target = null;
    this.ready = false;
  }

  private flush(): void {
    const target = this.target;
    if (!target) return;
    for (const { channel, payload } of this.queue.splice(0)) target.send(channel, payload);
  }

  /** Why a call must be dropped, or null when it comes from the app's own page. */
  private check(event: IpcEventApi, argCount: number): Rejection | null {
    const target = this.target;
    if (!target || target.isDestroyed()) return { reason: 'no app window' };
    if (event.sender?.id !== target.id) return { reason: 'unknown sender' };
    const frame = event.senderFrame;
    if (!frame) return { reason: 'sender frame is gone' };
    if (frame.parent !== null) return { reason: 'not the main frame' };
    if (!this.options.isAppPage(frame.url)) return { reason: 'sender is not an app page' };
    if (argCount > 1) return { reason: 'too many arguments' };
    return null;
  }

  private reject(channel: string, rejection: Rejection): never {
    this.drop(channel, rejection);
    throw new Error(REJECTED_MESSAGE);
  }

  private drop(channel: string, rejection: Rejection): void {
    // Payloads are not logged: a rejected login would carry a password.
    this.log.warn('Dropped an IPC call', { channel, reason: rejection.reason });
  }
}

function summarizeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; code: string }>): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'} ${issue.code}`)
    .join('; ');
}
