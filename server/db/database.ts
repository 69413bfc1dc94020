/**
 * The backend's one store: a PostgreSQL connection pool, transactions and migrations.
 *
 * Every module that keeps state (storage repositories, the call model, the job queue) goes
 * through a {@link Database}. Timestamps come back as ISO 8601 strings in UTC (not `Date`),
 * the form the rest of the backend and its API use; `bigint` counts come back as numbers.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { migrate, type Migration } from './migrate';
import { MIGRATIONS } from "./migrations";

/**
 * A statement each connection prepares once and then only executes: PostgreSQL parses and
 * plans it once per connection (or keeps a generic plan) rather than on every call. For the
 * fixed statements of the webhooks' hot paths; made with {@link prepared}.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

/**
 * A {@link PreparedStatement} for fixed SQL text, named after the text (so two modules
 * preparing the same text share it). Its result columns must be listed, never `*`: a
 * prepared `SELECT *` fails ("cached plan must not change result type") once a migration of
 * another instance adds a column.
 */
export function prepared(text: string): PreparedStatement {
  return { name: `sb_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text };
}

/**
 * Something that runs SQL: the pool or a transaction's client.
 *
 * A transaction's client pipelines: statements issued without waiting for the previous
 * one's answer (`Promise.all`) are sent at once and run in order, one after the other, as
 * if each had been awaited — only the waits between them are saved. (The pool, by contrast,
 * would run them at once on different connections.)
 */
export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string | PreparedStatement, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A pool with transactions. */
export interface Database extends Sql {
  readonly pool: pg.Pool;
  /** The connection string (for the job queue and listeners, which need their own connections). */
  readonly url: string;
  /**
   * Run `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws.
   * Serialization failures and deadlocks are retried (up to 5 times) with the whole of `work`.
   * `work` need not wait for a write whose answer it does not use: the transaction waits for
   * every statement before it commits, and fails as `work` would have if one failed.
   */
  tx<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;
const INT8 = 20;
const NUMERIC = 1700;

/** pg's own timestamptz parser: it knows every offset form the server's TimeZone may print (`+00`, `+05:30`, BC, infinity). */
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (value: string) => Date | number;

/** A time as the rest of the backend wants it; ±infinity (which no ISO string can say) stays PostgreSQL's word. */
function isoTime(value: string): string {
  const date = parseTimestamptz(value);
  return date instanceof Date && Number.isFinite(date.getTime()) ? date.toISOString() : value;
}

/** Per-pool type parsers: ISO strings for times, numbers for counts and averages. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    // A timestamp without time zone is taken as UTC, never as the process's local time.
    if (oid === TIMESTAMPTZ) return isoTime;
    if (oid === TIMESTAMP) return (value: string) => isoTime(`${value}+00`);
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as unknown as pg.CustomTypesConfig;

/** SQLSTATEs worth retrying a whole transaction for. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Options of {@link openDatabase}. */
export interface OpenOptions {
  /** Largest number of pooled connections (default 10). */
  max?: number;
  /** Migrations to apply (default: all of the backend's). */
  migrations?: readonly Migration[];
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * Leave writes of a transaction (statements of a `tx`'s {@link Sql}) to it: the transaction
 * waits for them before it commits and fails if one failed, so they need not be awaited, and
 * its COMMIT goes out in the same round trip. Never for the pool's statements, which nothing
 * would wait for.
 */
export function leaveToTransaction(writes: Promise<unknown>): void {
  // Their failure is the transaction's to report; this promise's own rejection is not news.
  writes.catch(() => undefined);
}

/** A statement as pg takes it. */
function queryConfig(text: string | PreparedStatement, params: readonly unknown[] | undefined): pg.QueryConfig {
  return typeof text === 'string' ? { text, values: params as unknown[] } : { name: text.name, text: text.text, values: params as unknown[] };
}

/** A transaction's {@link Sql}, which knows the statements it is still waiting on. */
interface TransactionSql extends Sql {
  /** The statements sent and not answered yet. */
  unanswered(): Array<Promise<unknown>>;
}

/**
 * A transaction's statements, sent on its connection. Those issued together (in one
 * `Promise.all`) leave in one write: the socket is corked until the current tick ends. Each
 * write is a system call that also wakes the server, and on a small machine costs more CPU
 * than the statement itself; pg writes each statement on its own, hence this hot path.
 */
function transactionSql(client: pg.PoolClient): TransactionSql {
  const socket = (client as unknown as pg.Client).connection.stream;
  const pending = new Set<Promise<unknown>>();
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return {
    query: (text, params) => {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      const answer = client.query(queryConfig(text, params));
      pending.add(answer);
      // Handled here, so a write nobody awaits never rejects unhandled: `tx` awaits it before it commits.
      answer.then(
        () => pending.delete(answer),
        () => pending.delete(answer),
      );
      return answer as never;
    },
    unanswered: () => [...pending],
  };
}

/**
 * Wrap an existing pool. Its clients must pipeline (`pipeline: true`, as {@link openDatabase}
 * makes them): transactions send BEGIN with their first statement, and callers may issue
 * statements of one transaction without awaiting each (see {@link Sql}).
 */
export function databaseOf(pool: pg.Pool, url: string): Database {
  let closing: Promise<void> | undefined;
  return {
    pool,
    url,
    query: (text, params) => pool.query(queryConfig(text, params)) as never,
    async tx(work) {
      for (let attempt = 1; ; attempt += 1) {
        const client = await pool.connect();
        // A connection that cannot even roll back is broken: destroy it rather than pool it.
        let broken = false;
        try {
          const sql = transactionSql(client);
          // BEGIN goes out with the work's first statement, unawaited: the server runs it first.
          const [, result] = await Promise.all([sql.query('BEGIN'), work(sql)]);
          // COMMIT goes out behind the writes the work did not wait for (see `Database.tx`), and
          // is reported only once they all succeeded (after a failed one it only rolls back).
          const writes = sql.unanswered();
          await Promise.all([...writes, sql.query('COMMIT')]);
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          if (attempt < 5 && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
          throw error;
        } finally {
          client.release(broken);
        }
      }
    },
    // pg throws when a pool is ended twice; several owners may close the same one.
    close: () => (closing ??= pool.end()),
  };
}

/** Connect to `url`, bring the schema up to date (under an advisory lock) and return the pool. */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types,
    application_name: options.applicationName ?? 'switchboard',
    // pg's pipeline mode: a webhook's statements that need no answer in between share one round trip.
    pipeline: true,
  });
  // An idle client losing its server (a restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = databaseOf(pool, url);
  try {
    await migrate(db, options.migrations ?? MIGRATIONS);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return db;
}
