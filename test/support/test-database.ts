/**
 * A fresh PostgreSQL database per test, cloned from the unit run's migrated template
 * (started by `./database-setup.ts`, the Vitest global set-up).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A database of one's own; `drop()` removes it (closing any connection left to it). */
export interface TestDatabase {
  /** `postgres://…/t_<random>`. */
  url: string;
  /** The database's name. */
  name: string;
  /** Sessions connected to it now (from any pool). */
  connections(): Promise<number>;
  drop(): Promise<void>;
}

/** Options of {@link createTestDatabase}. */
export interface TestDatabaseOptions {
  /** Start without the schema (no migration applied), to test migrating. Default false. */
  empty?: boolean;
}

/** The server's maintenance database, where databases are created and dropped. */
function adminUrl(templateUrl: string): string {
  const url = new URL(templateUrl);
  url.pathname = '/postgres';
  return url.href;
}

async function onServer<T>(templateUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(templateUrl) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Create `t_<random>` as a copy of the migrated template (or, with `empty`, of the server's
 * empty `template1`).
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const templateUrl = inject('databaseTemplateUrl');
  if (!templateUrl) throw new Error('No test database server: run the unit tests through vitest.config.ts (its globalSetup starts one)');
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `t_${randomBytes(8).toString('hex')}`;
  // Names are generated here (hex) or fixed by the set-up: safe to put in the statement. FILE_COPY
  // copies the small template's files at once: several times faster than the default WAL_LOG.
  await onServer(templateUrl, (client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${options.empty ? 'template1' : template} STRATEGY FILE_COPY`));
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.href,
    name,
    connections: () =>
      onServer(templateUrl, async (client) => {
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        return Number(rows[0]?.n ?? 0);
      }),
    drop: () =>
      (dropping ??= onServer(templateUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      })),
  };
}
