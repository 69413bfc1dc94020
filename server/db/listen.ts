/**
 * LISTEN on a PostgreSQL channel with a connection of its own, reconnecting with back-off.
 *
 * Notifications sent while the connection was down are lost, so `onConnect` runs after every
 * (re)connect, once LISTEN is in place: a listener re-reads there whatever it caches. Should
 * it fail, the connection is dropped and tried again (listening without having re-read would
 * miss what changed meanwhile).
 */
import pg from 'pg';

/** A running listener. */
export interface Listener {
  /** Whether the connection is up and LISTENing. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/** What a listener does. */
export interface ListenHandlers {
  /** A notification on the channel, with its payload ('' when none). */
  onNotify(payload: string): void;
  /** After each connect (the first included), once LISTEN is in place; `first` tells which. */
  onConnect?(first: boolean): Promise<void> | void;
}

/** Options of {@link listen}. */
export interface ListenOptions {
  log: { warn(object: object, message: string): void; info?(object: object, message: string): void };
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** First delay before reconnecting, doubled up to 10 s (default 100 ms). */
  reconnectMs?: number;
}

const MAX_RECONNECT_MS = 10_000;

/**
 * Listen on `channel` of the database at `url`. Resolves once the first connect (and its
 * `onConnect`) succeeded; a failure there rejects, and nothing keeps running.
 */
export async function listen(url: string, channel: string, handlers: ListenHandlers, options: ListenOptions): Promise<Listener> {
  const firstDelay = options.reconnectMs ?? 100;
  let client: pg.Client | null = null;
  let closed = false;
  let delayMs = firstDelay;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (first: boolean): Promise<void> => {
    const next = new pg.Client({ connectionString: url, application_name: (options.applicationName ?? `switchboard-listen-${channel}`).slice(0, 63) });
    next.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '');
    });
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      client = next;
      await handlers.onConnect?.(first);
    } catch (error) {
      if (client === next) client = null;
      next.removeAllListeners('end');
      next.on('error', () => undefined);
      await next.end().catch(() => undefined);
      throw error;
    }
    if (closed) await close();
  };

  const lost = (gone: pg.Client): void => {
    if (client !== gone) return;
    client = null;
    gone.on('error', () => undefined);
    void gone.end().catch(() => undefined);
    if (closed) return;
    options.log.warn({ channel }, 'database listener lost its connection; reconnecting');
    schedule();
  };

  const schedule = (): void => {
    if (closed || timer) return;
    const delay = delayMs;
    delayMs = Math.min(delayMs * 2, MAX_RECONNECT_MS);
    timer = setTimeout(() => {
      timer = undefined;
      if (closed) return;
      connect(false).then(
        () => {
          delayMs = firstDelay;
          options.log.info?.({ channel }, 'database listener reconnected');
        },
        (error: unknown) => {
          options.log.warn({ err: error, channel }, 'database listener could not reconnect');
          schedule();
        },
      );
    }, delay);
    timer.unref();
  };

  const close = async (): Promise<void> => {
    closed = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const current = client;
    client = null;
    await current?.end().catch(() => undefined);
  };

  await connect(true);
  return {
    get listening() {
      return client !== null;
    },
    close,
  };
}
