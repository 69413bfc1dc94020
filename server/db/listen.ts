/**
 * LISTEN on a PostgreSQL channel with a connection of its own, reconnecting with back-off.
 *
 * Notifications sent while the connection was down are lost, so `onNotify` is also called
 * after every (re)connect: a listener must treat a notification as "re-read", never as the
 * change itself.
 */
import pg from 'pg';

/** A running listener. */
export interface Listener {
  close(): Promise<void>;
}

/** Listen on `channel` of the database at `url`. */
export function listen(url: string, channel: string, onNotify: (payload: string) => void, log: { warn(object: object, message: string): void }): Listener {
  let client: pg.Client | null = null;
  let closed = false;
  let delayMs = 100;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new pg.Client({ connectionString: url, application_name: `switchboard-listen-${channel}` });
    next.on('error', () => undefined);
    next.on('end', () => {
      if (client === next) client = null;
      if (!closed) schedule();
    });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    try {
      await next.connect();
      await next.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
    } catch (error) {
      log.warn({ err: error, channel }, 'could not listen for database notifications; retrying');
      await next.end().catch(() => undefined);
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    delayMs = 100;
    onNotify('');
  };
  const schedule = (): void => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect().then(() => {
        if (!client) schedule();
      });
    }, delayMs);
    timer.unref();
    delayMs = Math.min(delayMs * 2, 5_000);
  };
  void connect().then(() => {
    if (!client) schedule();
  });
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = null;
      await current?.end().catch(() => undefined);
    },
  };
}
