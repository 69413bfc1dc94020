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
import {
  DuplicateAgentError,
  type AgentRecord,
  type AgentRepository,
  type CallEventRecord,
  type CallLogRepository,
  type CallRecord,
  type CallWithEvents,
  type CredentialRepository,
  type NewAgent,
  type NewCallEvent,
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

interface AgentRow {
  id: string;
  name: string;
  display_name: string;
  password_hash: string;
  disabled: number;
  created_at: string;
}

interface EventRow {
  id: number;
  conversation_uuid: string | null;
  uuid: string;
  status: string;
  direction: string | null;
  from_addr: string | null;
  to_addr: string | null;
  timestamp: string;
  raw: string;
  received_at: string;
}

interface CallRow {
  conversation_uuid: string;
  direction: string | null;
  from_addr: string | null;
  to_addr: string | null;
  agent: string | null;
  status: string;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
}

function toAgent(row: AgentRow): AgentRecord {
  return { ...row, disabled: row.disabled === 1 };
}

function toEvent(row: EventRow): CallEventRecord {
  const { from_addr, to_addr, ...rest } = row;
  return { ...rest, from: from_addr, to: to_addr };
}

function toCall(row: CallRow): CallRecord {
  const { from_addr, to_addr, ...rest } = row;
  return { ...rest, from: from_addr, to: to_addr };
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
  };
}

function createCallLogRepository(db: SqliteDatabase): CallLogRepository {
  const insertEvent = db.prepare(
    `INSERT INTO call_events (conversation_uuid, uuid, status, direction, from_addr, to_addr, timestamp, raw, received_at)
     VALUES (@conversation_uuid, @uuid, @status, @direction, @from_addr, @to_addr, @timestamp, @raw, @received_at)`,
  );
  const eventsOf = db.prepare<[string], EventRow>(
    'SELECT * FROM call_events WHERE conversation_uuid = ? ORDER BY timestamp, id',
  );
  const callById = db.prepare<[string], CallRow>('SELECT * FROM calls WHERE conversation_uuid = ?');
  const upsertCall = db.prepare(
    `INSERT INTO calls (conversation_uuid, direction, from_addr, to_addr, agent, status, started_at, answered_at, ended_at, duration_s, updated_at)
     VALUES (@conversation_uuid, @direction, @from_addr, @to_addr, @agent, @status, @started_at, @answered_at, @ended_at, @duration_s, @updated_at)
     ON CONFLICT (conversation_uuid) DO UPDATE SET
       direction = excluded.direction, from_addr = excluded.from_addr, to_addr = excluded.to_addr,
       agent = excluded.agent, status = excluded.status, started_at = excluded.started_at,
       answered_at = excluded.answered_at, ended_at = excluded.ended_at,
       duration_s = excluded.duration_s, updated_at = excluded.updated_at`,
  );
  const recent = db.prepare<[number], CallRow>(
    'SELECT * FROM calls ORDER BY started_at DESC, conversation_uuid DESC LIMIT ?',
  );
  const countEvents = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM call_events');
  const countCalls = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM calls');

  const withEvents = (row: CallRow): CallWithEvents => ({ ...toCall(row), events: eventsOf.all(row.conversation_uuid).map(toEvent) });

  const record = db.transaction((event: NewCallEvent, summarize: Parameters<CallLogRepository['recordEvent']>[1]) => {
    const info = insertEvent.run({
      conversation_uuid: event.conversation_uuid,
      uuid: event.uuid,
      status: event.status,
      direction: event.direction,
      from_addr: event.from,
      to_addr: event.to,
      timestamp: event.timestamp,
      raw: event.raw,
      received_at: event.received_at,
    });
    const stored: CallEventRecord = { id: Number(info.lastInsertRowid), ...event };
    if (event.conversation_uuid === null) return { event: stored, call: null };
    const previousRow = callById.get(event.conversation_uuid);
    const events = eventsOf.all(event.conversation_uuid).map(toEvent);
    // A throw here (or in the upsert) rolls back the event insert too.
    const call = summarize(previousRow ? toCall(previousRow) : null, events);
    upsertCall.run({
      conversation_uuid: call.conversation_uuid,
      direction: call.direction,
      from_addr: call.from,
      to_addr: call.to,
      agent: call.agent,
      status: call.status,
      started_at: call.started_at,
      answered_at: call.answered_at,
      ended_at: call.ended_at,
      duration_s: call.duration_s,
      updated_at: event.received_at,
    });
    return { event: stored, call };
  });

  return {
    async recordEvent(event, summarize) {
      return record(event, summarize);
    },
    async listCalls(limit) {
      return recent.all(limit).map(withEvents);
    },
    async getCall(conversationUuid) {
      const row = callById.get(conversationUuid);
      return row ? withEvents(row) : null;
    },
    async counts() {
      return { events: countEvents.get()?.n ?? 0, calls: countCalls.get()?.n ?? 0 };
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
