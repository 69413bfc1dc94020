/**
 * The backend's one store: a PostgreSQL connection pool, transactions and migrations.
 *
 * Every module that keeps state (storage repositories, the call model, the job queue) goes
 * through a {@link Database}. Timestamps come back as ISO 8601 strings in UTC (not `Date`),
 * the form the rest of the backend and its API use; `bigint` counts come back as numbers.
 */
import pg from 'pg';
import { migrate, type Migration } from './migrate';
import { MIGRATIONS } from "./migrations";

/** Something that runs SQL: the pool or a transaction's client. */
export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A pool with transactions. */
export interface Database extends Sql {
  readonly pool: pg.Pool;
  /** The connection string (for the job queue and listeners, which need their own connections). */
  readonly url: string;
  /**
   * Run `work` in one transaction: COMMIT when it resolves, ROLLBACK when it throws.
   * Serialization failures and deadlocks are retried (up to 5 times) with the whole of `work`.
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

/** Wrap an existing pool. */
export function databaseOf(pool: pg.Pool, url: string): Database {
  let closing: Promise<void> | undefined;
  return {
    pool,
    url,
    query: (text, params) => pool.query(text, params as unknown[]) as never,
    async tx(work) {
      for (let attempt = 1; ; attempt += 1) {
        const client = await pool.connect();
        // A connection that cannot even roll back is broken: destroy it rather than pool it.
        let broken = false;
        try {
          await client.query('BEGIN');
          const result = await work({ query: (text, params) => client.query(text, params as unknown[]) as never });
          await client.query('COMMIT');
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
