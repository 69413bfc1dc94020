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
  {
    version: 3,
    name: 'every event kind, leg agents, call record fields, agent presence',
    sql: `
      -- record, input, transfer and notify events may come without a status or a leg uuid: rebuild to drop NOT NULL.
      CREATE TABLE call_events_v3 (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_uuid TEXT,
        uuid              TEXT,
        kind              TEXT NOT NULL DEFAULT 'status',
        status            TEXT,
        agent             TEXT,
        direction         TEXT,
        from_addr         TEXT,
        to_addr           TEXT,
        timestamp         TEXT NOT NULL,
        raw               TEXT NOT NULL,
        received_at       TEXT NOT NULL
      );
      INSERT INTO call_events_v3 (id, conversation_uuid, uuid, kind, status, agent, direction, from_addr, to_addr, timestamp, raw, received_at)
        SELECT e.id, e.conversation_uuid, e.uuid, 'status', e.status,
               COALESCE((SELECT a.name FROM agents a WHERE a.name = e.to_addr COLLATE NOCASE),
                        (SELECT a.name FROM agents a WHERE a.name = e.from_addr COLLATE NOCASE)),
               e.direction, e.from_addr, e.to_addr, e.timestamp, e.raw, e.received_at
        FROM call_events e;
      DROP TABLE call_events;
      ALTER TABLE call_events_v3 RENAME TO call_events;
      CREATE INDEX call_events_conversation ON call_events(conversation_uuid, timestamp, id);
      CREATE INDEX call_events_agent ON call_events(agent, timestamp);
      CREATE INDEX call_events_leg ON call_events(uuid, status);

      ALTER TABLE calls ADD COLUMN flow TEXT;
      ALTER TABLE calls ADD COLUMN queue TEXT;
      ALTER TABLE calls ADD COLUMN topic TEXT;
      ALTER TABLE calls ADD COLUMN queued_at TEXT;
      ALTER TABLE calls ADD COLUMN wait_s INTEGER;
      ALTER TABLE calls ADD COLUMN talk_s INTEGER;
      ALTER TABLE calls ADD COLUMN outcome TEXT;
      ALTER TABLE calls ADD COLUMN flow_outcome TEXT;
      ALTER TABLE calls ADD COLUMN recording_url TEXT;
      ALTER TABLE calls ADD COLUMN voicemail_url TEXT;
      CREATE INDEX calls_queue ON calls(queue, started_at);
      CREATE INDEX calls_outcome ON calls(outcome, started_at);

      CREATE TABLE agent_presence (
        agent_id           TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
        status             TEXT NOT NULL CHECK (status IN ('available', 'busy', 'away', 'wrap-up', 'offline')),
        since              TEXT NOT NULL,
        idle_since         TEXT,
        wrap_up_ends_at    TEXT,
        resume_status      TEXT CHECK (resume_status IN ('available', 'away', 'offline')),
        last_call_ended_at TEXT,
        updated_at         TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'numbers flows, queues, voicemail',
    sql: `
      CREATE TABLE number_configs (
        number     TEXT PRIMARY KEY,
        flow       TEXT NOT NULL,
        settings   TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE queue_configs (
        name       TEXT PRIMARY KEY COLLATE NOCASE,
        settings   TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE voicemails (
        id                TEXT PRIMARY KEY,
        conversation_uuid TEXT,
        caller            TEXT,
        number            TEXT,
        queue             TEXT,
        recording_url     TEXT NOT NULL,
        recording_uuid    TEXT UNIQUE,
        duration_s        INTEGER,
        size_bytes        INTEGER,
        created_at        TEXT NOT NULL
      );
      CREATE INDEX voicemails_created ON voicemails(created_at DESC);
    `,
  },
];
