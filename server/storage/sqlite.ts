/**
 * The SQLite implementation of the storage interfaces, over better-sqlite3.
 *
 * All SQLite-specific SQL lives in this folder; the rest of the backend sees only the
 * interfaces of `./types`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';
import { createCallLogRepository, createPresenceRepository } from './call-log-sqlite';
import { createNumberConfigRepository, createQueueConfigRepository, createVoicemailRepository } from './flow-sqlite';
import {
  DuplicateAgentError,
  type AgentRecord,
  type AgentRepository,
  type CredentialRepository,
  type NewAgent,
  type NewRefreshCredential,
  type RefreshCredentialRecord,
  type Storage,
} from './types';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** File name of the database inside the data folder. */
export const DATABASE_FILE = 'switchboard.db';

/**
 * Open (creating if needed) a SQLite database and bring its schema up to date.
 *
 * Enables WAL (readers never block the webhook writer), foreign keys and a busy timeout,
 * then applies pending migrations, each in its own transaction. Opening twice is harmless.
 * Throws when the file was written by a newer version of the backend.
 */
export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): SqliteDatabase {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('synchronous = NORMAL');
    migrate(db, migrations);
  } catch (error) {
    db.close();
    throw error;
  }
  if (file !== ':memory:') restrictPermissions(file);
  return db;
}

/**
 * Versions recorded in `schema_migrations`, ascending.
 *
 * Lets tests and tools check which migrations a file has.
 */
export function appliedMigrations(db: SqliteDatabase): number[] {
  const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
  return rows.map((r) => r.version);
}

function migrate(db: SqliteDatabase, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = new Set(appliedMigrations(db));
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new Error(`Database schema version ${Math.max(...unknown)} is newer than this backend understands; upgrade the backend`);
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    })();
  }
}

function restrictPermissions(file: string): void {
  // The database holds password hashes; keep it private to the service account.
  try {
    fs.chmodSync(file, 0o600);
  } catch {
    // Best effort: some filesystems (and Windows) do not support POSIX modes.
  }
}

/** An agent as its row: SQLite keeps `disabled` as 0 or 1. */
interface AgentRow extends Omit<AgentRecord, 'disabled'> {
  disabled: number;
}

function toAgent(row: AgentRow): AgentRecord {
  return { ...row, disabled: row.disabled === 1 };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function createAgentRepository(db: SqliteDatabase): AgentRepository {
  const byName = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE name = ? COLLATE NOCASE');
  const byId = db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE id = ?');
  const all = db.prepare<[], AgentRow>('SELECT * FROM agents ORDER BY name COLLATE NOCASE');
  const insert = db.prepare(
    'INSERT INTO agents (id, name, display_name, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const disable = db.prepare('UPDATE agents SET disabled = ? WHERE id = ?');
  const setHash = db.prepare('UPDATE agents SET password_hash = ? WHERE id = ?');
  return {
    async findByName(name) {
      const row = byName.get(name);
      return row ? toAgent(row) : null;
    },
    async findById(id) {
      const row = byId.get(id);
      return row ? toAgent(row) : null;
    },
    async list() {
      return all.all().map(toAgent);
    },
    async create(agent: NewAgent, now: string) {
      const id = randomUUID();
      try {
        insert.run(id, agent.name, agent.display_name, agent.password_hash, agent.disabled ? 1 : 0, now);
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateAgentError(agent.name);
        throw error;
      }
      return { id, name: agent.name, display_name: agent.display_name, password_hash: agent.password_hash, disabled: Boolean(agent.disabled), created_at: now };
    },
    async setDisabled(id, disabled) {
      disable.run(disabled ? 1 : 0, id);
    },
    async setPasswordHash(id, passwordHash) {
      setHash.run(passwordHash, id);
    },
  };
}

function createCredentialRepository(db: SqliteDatabase): CredentialRepository {
  const insert = db.prepare(
    'INSERT INTO refresh_credentials (id, agent_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  );
  const byHash = db.prepare<[string], RefreshCredentialRecord>('SELECT * FROM refresh_credentials WHERE token_hash = ?');
  const used = db.prepare('UPDATE refresh_credentials SET last_used_at = ? WHERE id = ?');
  const revoke = db.prepare('UPDATE refresh_credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const purge = db.prepare('DELETE FROM refresh_credentials WHERE expires_at < ?');
  const revokeAll = db.prepare('UPDATE refresh_credentials SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL');
  return {
    async create(credential: NewRefreshCredential) {
      const id = randomUUID();
      insert.run(id, credential.agent_id, credential.token_hash, credential.created_at, credential.expires_at);
      return { id, ...credential, revoked_at: null, last_used_at: null };
    },
    async findByTokenHash(tokenHash) {
      return byHash.get(tokenHash) ?? null;
    },
    async markUsed(id, at) {
      used.run(at, id);
    },
    async revoke(id, at) {
      revoke.run(at, id);
    },
    async deleteExpired(before) {
      return purge.run(before).changes;
    },
    async revokeAllOfAgent(agentId, at) {
      return revokeAll.run(at, agentId).changes;
    },
  };
}

/**
 * Storage over an open SQLite database.
 *
 * Statements are prepared once here; `close()` closes the database.
 */
export function createSqliteStorage(db: SqliteDatabase): Storage {
  return {
    agents: createAgentRepository(db),
    credentials: createCredentialRepository(db),
    calls: createCallLogRepository(db),
    presence: createPresenceRepository(db),
    numbers: createNumberConfigRepository(db),
    queues: createQueueConfigRepository(db),
    voicemails: createVoicemailRepository(db),
    async close() {
      if (db.open) db.close();
    },
  };
}

/**
 * Open a database file and wrap it as {@link Storage}.
 *
 * See {@link openDatabase} for the pragmas and migrations applied.
 */
export function openSqliteStorage(file: string): Storage {
  return createSqliteStorage(openDatabase(file));
}
