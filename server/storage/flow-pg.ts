/**
 * The PostgreSQL implementation of the call flows' repositories (`./flow-types`).
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/database';
import type {
  NewVoicemail,
  NumberConfigRecord,
  NumberConfigRepository,
  QueueConfigRecord,
  QueueConfigRepository,
  VoicemailRecord,
  VoicemailRepository,
} from './flow-types';

/** Numbers' flows over the `number_configs` table. */
export function createNumberConfigRepository(db: Sql): NumberConfigRepository {
  return {
    async list() {
      const { rows } = await db.query<NumberConfigRecord>('SELECT number, flow, settings, updated_at FROM number_configs ORDER BY number COLLATE "C"');
      return rows;
    },
    async put(record) {
      await db.query(
        `INSERT INTO number_configs (number, flow, settings, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (number) DO UPDATE SET flow = excluded.flow, settings = excluded.settings, updated_at = excluded.updated_at`,
        [record.number, record.flow, record.settings, record.updated_at],
      );
    },
    async delete(number) {
      const result = await db.query('DELETE FROM number_configs WHERE number = $1', [number]);
      return (result.rowCount ?? 0) > 0;
    },
  };
}

/** Queues over the `queue_configs` table; names compare case-insensitively (its unique index is on `lower(name)`). */
export function createQueueConfigRepository(db: Sql): QueueConfigRepository {
  return {
    async list() {
      const { rows } = await db.query<QueueConfigRecord>('SELECT name, settings, updated_at FROM queue_configs ORDER BY lower(name) COLLATE "C"');
      return rows;
    },
    async put(record) {
      await db.query(
        `INSERT INTO queue_configs (name, settings, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT ((lower(name))) DO UPDATE SET name = excluded.name, settings = excluded.settings, updated_at = excluded.updated_at`,
        [record.name, record.settings, record.updated_at],
      );
    },
    async delete(name) {
      const result = await db.query('DELETE FROM queue_configs WHERE lower(name) = lower($1)', [name]);
      return (result.rowCount ?? 0) > 0;
    },
  };
}

const VOICEMAIL_COLUMNS = 'id, conversation_uuid, caller, number, queue, recording_url, recording_uuid, duration_s, size_bytes, created_at';
/** What is read back: the stored fields and who handled the message (migration 6). */
const VOICEMAIL_READ = `${VOICEMAIL_COLUMNS}, handled_by, handled_at`;

/** Voicemail over the `voicemails` table. */
export function createVoicemailRepository(db: Sql): VoicemailRepository {
  return {
    async create(voicemail: NewVoicemail) {
      const { rows } = await db.query<VoicemailRecord>(
        `INSERT INTO voicemails (${VOICEMAIL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (recording_uuid) DO NOTHING
         RETURNING ${VOICEMAIL_READ}`,
        [
          randomUUID(),
          voicemail.conversation_uuid,
          voicemail.caller,
          voicemail.number,
          voicemail.queue,
          voicemail.recording_url,
          voicemail.recording_uuid,
          voicemail.duration_s,
          voicemail.size_bytes,
          voicemail.created_at,
        ],
      );
      const created = rows[0];
      if (created) return created;
      // The platform retried the webhook (here or at another instance): keep the first copy.
      const existing = await db.query<VoicemailRecord>(`SELECT ${VOICEMAIL_READ} FROM voicemails WHERE recording_uuid = $1`, [voicemail.recording_uuid]);
      const first = existing.rows[0];
      if (!first) throw new Error('A voicemail with this recording_uuid conflicted but cannot be found');
      return first;
    },
    async list(limit) {
      const { rows } = await db.query<VoicemailRecord>(`SELECT ${VOICEMAIL_READ} FROM voicemails ORDER BY created_at DESC, id DESC LIMIT $1`, [limit]);
      return rows;
    },
    async get(id) {
      const { rows } = await db.query<VoicemailRecord>(`SELECT ${VOICEMAIL_READ} FROM voicemails WHERE id = $1`, [id]);
      return rows[0] ?? null;
    },
    async setHandled(id, handledBy, at) {
      const { rows } = await db.query<VoicemailRecord>(
        `UPDATE voicemails SET handled_by = $2, handled_at = $3 WHERE id = $1 RETURNING ${VOICEMAIL_READ}`,
        [id, handledBy, handledBy === null ? null : at],
      );
      return rows[0] ?? null;
    },
  };
}
