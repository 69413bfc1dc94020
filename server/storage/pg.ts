/**
 * The PostgreSQL implementation of the storage interfaces.
 *
 * All storage SQL lives in this folder; the rest of the backend sees only the interfaces of
 * `./types`. The schema is `server/db/migrations.ts`; the pool, transactions and type
 * parsing (times as ISO strings, counts as numbers) are `server/db/database.ts`.
 */
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database, type Sql } from '../db/database';
import { createCallLogRepository, createPresenceRepository } from './call-log-pg';
import { createNumberConfigRepository, createQueueConfigRepository, createVoicemailRepository } from './flow-pg';
import {
  DuplicateAgentError,
  type AgentRecord,
  type AgentRepository,
  type CredentialRepository,
  type LoginFailureRepository,
  type NewAgent,
  type NewRefreshCredential,
  type RefreshCredentialRecord,
  type Storage,
  type WebhookTokenRepository,
} from './types';

/** SQLSTATE of a unique violation. */
const UNIQUE_VIOLATION = '23505';

/** Whether `error` is PostgreSQL refusing a duplicate key. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION;
}

/** Rows affected by a statement (pg reports null for statements that affect none by nature). */
export function affected(result: { rowCount: number | null }): number {
  return result.rowCount ?? 0;
}

const AGENT_COLUMNS = 'id, name, display_name, password_hash, disabled, created_at';

function createAgentRepository(db: Sql): AgentRepository {
  return {
    async findByName(name) {
      // lower(name) = lower($1) is what the unique index agents_name_lower serves.
      const { rows } = await db.query<AgentRecord>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE lower(name) = lower($1)`, [name]);
      return rows[0] ?? null;
    },
    async findById(id) {
      const { rows } = await db.query<AgentRecord>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = $1`, [id]);
      return rows[0] ?? null;
    },
    async list() {
      // Byte order of the lower-cased names: the same on every server whatever its locale.
      const { rows } = await db.query<AgentRecord>(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY lower(name) COLLATE "C", name COLLATE "C"`);
      return rows;
    },
    async create(agent: NewAgent, now: string) {
      try {
        const { rows } = await db.query<AgentRecord>(
          `INSERT INTO agents (id, name, display_name, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)
           RETURNING ${AGENT_COLUMNS}`,
          [randomUUID(), agent.name, agent.display_name, agent.password_hash, Boolean(agent.disabled), now],
        );
        const created = rows[0];
        if (!created) throw new Error('INSERT … RETURNING returned no row');
        return created;
      } catch (error) {
        if (isUniqueViolation(error)) throw new DuplicateAgentError(agent.name);
        throw error;
      }
    },
    async setDisabled(id, disabled) {
      await db.query('UPDATE agents SET disabled = $2 WHERE id = $1', [id, disabled]);
    },
    async setPasswordHash(id, passwordHash) {
      await db.query('UPDATE agents SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
    },
    async setDisplayName(id, displayName) {
      await db.query('UPDATE agents SET display_name = $2 WHERE id = $1', [id, displayName]);
    },
  };
}

const CREDENTIAL_COLUMNS = 'id, agent_id, token_hash, created_at, expires_at, revoked_at, last_used_at';

function createCredentialRepository(db: Sql): CredentialRepository {
  return {
    async create(credential: NewRefreshCredential) {
      const { rows } = await db.query<RefreshCredentialRecord>(
        `INSERT INTO refresh_credentials (id, agent_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${CREDENTIAL_COLUMNS}`,
        [randomUUID(), credential.agent_id, credential.token_hash, credential.created_at, credential.expires_at],
      );
      const created = rows[0];
      if (!created) throw new Error('INSERT … RETURNING returned no row');
      return created;
    },
    async findByTokenHash(tokenHash) {
      const { rows } = await db.query<RefreshCredentialRecord>(`SELECT ${CREDENTIAL_COLUMNS} FROM refresh_credentials WHERE token_hash = $1`, [tokenHash]);
      return rows[0] ?? null;
    },
    async markUsed(id, at) {
      await db.query('UPDATE refresh_credentials SET last_used_at = $2 WHERE id = $1', [id, at]);
    },
    async revoke(id, at) {
      await db.query('UPDATE refresh_credentials SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at]);
    },
    async deleteExpired(before) {
      return affected(await db.query('DELETE FROM refresh_credentials WHERE expires_at < $1', [before]));
    },
    async revokeAllOfAgent(agentId, at) {
      return affected(await db.query('UPDATE refresh_credentials SET revoked_at = $2 WHERE agent_id = $1 AND revoked_at IS NULL', [agentId, at]));
    },
  };
}

function createLoginFailureRepository(db: Sql): LoginFailureRepository {
  return {
    async count(key, since) {
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM login_failures WHERE key = $1 AND failed_at > $2', [key, since]);
      return rows[0]?.n ?? 0;
    },
    async record(key, at) {
      await db.query('INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)', [key, at]);
    },
    async reset(key) {
      await db.query('DELETE FROM login_failures WHERE key = $1', [key]);
    },
    async oldestSince(key, since) {
      const { rows } = await db.query<{ oldest: string | null }>(
        'SELECT min(failed_at) AS oldest FROM login_failures WHERE key = $1 AND failed_at > $2',
        [key, since],
      );
      return rows[0]?.oldest ?? null;
    },
    async deleteBefore(before) {
      return affected(await db.query('DELETE FROM login_failures WHERE failed_at <= $1', [before]));
    },
  };
}

function createWebhookTokenRepository(db: Database): WebhookTokenRepository {
  return {
    async claim(jti, expiresAt) {
      // The primary key decides: of two instances given the same token at once, one inserts and the other finds it.
      // Committed without waiting for the disk: a crash can forget a few token ids of the last
      // moment (a replay window of milliseconds), and every webhook saves a flush.
      // One round trip: a simple-protocol batch (which takes no parameters, hence the escaping;
      // the jti is a checked string of at most 256 characters, the time one we formatted).
      const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
      const batch = (await db.pool.query(
        `BEGIN; SET LOCAL synchronous_commit TO OFF;
         INSERT INTO webhook_tokens (jti, expires_at) VALUES (${literal(jti)}, ${literal(expiresAt)}::timestamptz) ON CONFLICT (jti) DO NOTHING;
         COMMIT;`,
      )) as unknown as Array<{ rowCount: number | null }>;
      return (batch[2]?.rowCount ?? 0) === 1;
    },
    async deleteExpired(before) {
      return affected(await db.query('DELETE FROM webhook_tokens WHERE expires_at < $1', [before]));
    },
  };
}

/** Options of {@link createPgStorage}. */
export interface PgStorageOptions {
  /** Whether `close()` closes `db` too (default true: the storage owns it). */
  closeDatabase?: boolean;
}

/**
 * Storage over an open {@link Database} (whose migrations have run).
 *
 * `close()` closes the database unless `options.closeDatabase` is false (when the pool is
 * shared with other modules that close it themselves).
 */
export function createPgStorage(db: Database, options: PgStorageOptions = {}): Storage {
  const closeDatabase = options.closeDatabase ?? true;
  return {
    agents: createAgentRepository(db),
    credentials: createCredentialRepository(db),
    calls: createCallLogRepository(db),
    presence: createPresenceRepository(db),
    numbers: createNumberConfigRepository(db),
    queues: createQueueConfigRepository(db),
    voicemails: createVoicemailRepository(db),
    loginFailures: createLoginFailureRepository(db),
    webhookTokens: createWebhookTokenRepository(db),
    async close() {
      if (closeDatabase) await db.close();
    },
  };
}

/**
 * Connect to the PostgreSQL database at `url`, bring its schema up to date and wrap it as
 * {@link Storage}; `close()` closes the pool.
 */
export async function openPgStorage(url: string): Promise<Storage> {
  return createPgStorage(await openDatabase(url));
}
