/**
 * SQLite schema migrations, applied in order and recorded in `schema_migrations`.
 *
 * Append new migrations with the next number; never edit one that has shipped, because
 * databases that already applied it will not run it again.
 */

/** One numbered schema change. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'agents and refresh credentials',
    sql: `
      CREATE TABLE agents (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL COLLATE NOCASE UNIQUE,
        display_name  TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        created_at    TEXT NOT NULL
      );
      CREATE TABLE refresh_credentials (
        id           TEXT PRIMARY KEY,
        agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        token_hash   TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        created_at   TEXT NOT NULL,
        expires_at   TEXT NOT NULL,
        revoked_at   TEXT,
        last_used_at TEXT
      );
      CREATE INDEX refresh_credentials_agent ON refresh_credentials(agent_id);
      CREATE INDEX refresh_credentials_expiry ON refresh_credentials(expires_at);
    `,
  },
  {
    version: 2,
    name: 'call log',
    sql: `
      CREATE TABLE call_events (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_uuid TEXT,
        uuid              TEXT NOT NULL,
        status            TEXT NOT NULL,
        direction         TEXT,
        from_addr         TEXT,
        to_addr           TEXT,
        timestamp         TEXT NOT NULL,
        raw               TEXT NOT NULL,
        received_at       TEXT NOT NULL
      );
      CREATE INDEX call_events_conversation ON call_events(conversation_uuid, timestamp, id);
      CREATE TABLE calls (
        conversation_uuid TEXT PRIMARY KEY,
        direction         TEXT,
        from_addr         TEXT,
        to_addr           TEXT,
        agent             TEXT,
        status            TEXT NOT NULL,
        started_at        TEXT NOT NULL,
        answered_at       TEXT,
        ended_at          TEXT,
        duration_s        INTEGER,
        updated_at        TEXT NOT NULL
      );
      CREATE INDEX calls_started ON calls(started_at DESC);
      CREATE INDEX calls_agent ON calls(agent, started_at DESC);
    `,
  },
];
