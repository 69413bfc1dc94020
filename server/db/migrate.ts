/**
 * Schema migrations, applied at start-up under a PostgreSQL advisory lock so several
 * backend instances can start at once: the first applies what is missing, the others wait
 * for it and find nothing left to do.
 */
import type pg from 'pg';

/** One schema change. Shipped migrations never change; add a new one instead. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run in one transaction with the version's record. */
  sql: string;
}

/** Key of the advisory lock migrations hold (any constant 64-bit number the backend owns). */
const MIGRATION_LOCK = 7_365_100_901;

/** Versions recorded in `schema_migrations`, ascending. */
export async function appliedMigrations(db: { query(text: string): Promise<{ rows: Array<Record<string, unknown>> }> }): Promise<number[]> {
  const { rows } = await db.query('SELECT version FROM schema_migrations ORDER BY version');
  return rows.map((r) => Number(r.version));
}

/**
 * Apply pending migrations, each in its own transaction. Throws when the database was
 * written by a newer backend (it has versions this one does not know).
 */
export async function migrate(db: { pool: pg.Pool }, migrations: readonly Migration[]): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => Number(r.version)));
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...applied].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        throw new Error(`Database schema version ${Math.max(...unknown)} is newer than this backend understands; upgrade the backend`);
      }
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`Migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`);
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
