/**
 * Vitest global set-up of the unit run: ONE embedded PostgreSQL server for every test file.
 *
 * It holds a template database with every migration applied; tests clone it with
 * `createTestDatabase()` (`./test-database.ts`), which takes milliseconds, so each test
 * server gets a database of its own. The template's URL reaches the test workers through
 * `provide('databaseTemplateUrl', …)` / `inject('databaseTemplateUrl')`. The server runs
 * without fsync (a crash loses nothing worth keeping) and is stopped, its folder removed,
 * when the run ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../server/db/database';
import { installJobSchema } from '../../server/jobs/queue';
import { startEmbeddedPostgres, temporaryClusterDir } from '../../server/db/embedded';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the migrated template database (connections to it are refused: clone it). */
    databaseTemplateUrl: string;
  }
}

/** Name of the template database. */
const TEMPLATE = 'switchboard_template';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = temporaryClusterDir('unit');
  const server = await startEmbeddedPostgres({
    dir,
    database: TEMPLATE,
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
  });
  const stop = async () => {
    await server.stop();
    // The temporary folder holds the cluster and its password file.
    for (const folder of new Set([path.dirname(dir), server.dir])) fs.rmSync(folder, { recursive: true, force: true });
  };
  try {
    const db = await openDatabase(server.url, { max: 1 });
    // graphile-worker's own schema too, so each test's backend skips installing it (~0.7 s each).
    await installJobSchema(db);
    await db.close();
    // A template nobody may connect to: CREATE DATABASE … TEMPLATE fails while anyone is connected.
    const admin = new URL(server.url);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.href });
    await client.connect();
    try {
      await client.query(`ALTER DATABASE ${TEMPLATE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    } finally {
      await client.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  project.provide('databaseTemplateUrl', server.url);
  return stop;
}
