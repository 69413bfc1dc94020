/**
 * PostgreSQL for the platforms the Playwright run starts: ONE server per run, a fresh
 * database per platform.
 *
 * The run's global set-up (`test/desktop/global-setup.ts`) starts an embedded server in a
 * temporary folder (without fsync: nothing in it is worth keeping) and hands its URL to the
 * test workers in {@link TEST_POSTGRES_ENV}; set that variable yourself to use another
 * PostgreSQL server (≥ 14, a user that may create databases). `startTestPlatform` then
 * creates a database per platform (tens of milliseconds, where an embedded cluster of its own
 * takes over a second to initialise) and drops it when the platform stops. Without the
 * variable (the benchmarks), each platform starts the embedded server in its own data folder.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, temporaryClusterDir } from '../../server/db/embedded';

/** The environment variable holding the run's PostgreSQL server (any database on it). */
export const TEST_POSTGRES_ENV = 'SWITCHBOARD_TEST_POSTGRES';

/** A database of one platform's own. */
export interface PlatformDatabase {
  url: string;
  /** Drop it, ending any connection left to it. */
  drop(): Promise<void>;
}

/** The same server's `postgres` database, where databases are created and dropped. */
function maintenanceUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  url.pathname = '/postgres';
  return url.href;
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(serverUrl) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the run's server; null when the run has none. */
export async function createPlatformDatabase(env: NodeJS.ProcessEnv = process.env): Promise<PlatformDatabase | null> {
  const serverUrl = env[TEST_POSTGRES_ENV]?.trim();
  if (!serverUrl) return null;
  // Generated (hex), so safe to put in the statements.
  const name = `platform_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropping: Promise<void> | undefined;
  return {
    url: url.href,
    drop: () => (dropping ??= onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/**
 * Start the run's server unless {@link TEST_POSTGRES_ENV} names one already; returns what
 * stops it (and removes its folder).
 */
export async function startRunDatabaseServer(env: NodeJS.ProcessEnv = process.env): Promise<() => Promise<void>> {
  if (env[TEST_POSTGRES_ENV]?.trim()) return async () => undefined;
  const dir = temporaryClusterDir('playwright');
  const server = await startEmbeddedPostgres({
    dir,
    database: 'postgres',
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  env[TEST_POSTGRES_ENV] = server.url;
  return async () => {
    await server.stop();
    delete env[TEST_POSTGRES_ENV];
    // The temporary folder holds the cluster and its password file.
    for (const folder of new Set([path.dirname(dir), server.dir])) fs.rmSync(folder, { recursive: true, force: true });
  };
}
