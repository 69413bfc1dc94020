/**
 * The SQLite implementation of the call flows' repositories (`./flow-types`).
 */
import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from './sqlite';
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
export function createNumberConfigRepository(db: SqliteDatabase): NumberConfigRepository {
  const all = db.prepare<[], NumberConfigRecord>('SELECT number, flow, settings, updated_at FROM number_configs ORDER BY number');
  const upsert = db.prepare(
    `INSERT INTO number_configs (number, flow, settings, updated_at) VALUES (@number, @flow, @settings, @updated_at)
     ON CONFLICT (number) DO UPDATE SET flow = excluded.flow, settings = excluded.settings, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare('DELETE FROM number_configs WHERE number = ?');
  return {
    async list() {
      return all.all();
    },
    async put(record) {
      upsert.run(record);
    },
    async delete(number) {
      return remove.run(number).changes > 0;
    },
  };
}

/** Queues over the `queue_configs` table. */
export function createQueueConfigRepository(db: SqliteDatabase): QueueConfigRepository {
  const all = db.prepare<[], QueueConfigRecord>('SELECT name, settings, updated_at FROM queue_configs ORDER BY name COLLATE NOCASE');
  const upsert = db.prepare(
    `INSERT INTO queue_configs (name, settings, updated_at) VALUES (@name, @settings, @updated_at)
     ON CONFLICT (name) DO UPDATE SET name = excluded.name, settings = excluded.settings, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare('DELETE FROM queue_configs WHERE name = ? COLLATE NOCASE');
  return {
    async list() {
      return all.all();
    },
    async put(record) {
      upsert.run(record);
    },
    async delete(name) {
      return remove.run(name).changes > 0;
    },
  };
}

/** Voicemail over the `voicemails` table. */
export function createVoicemailRepository(db: SqliteDatabase): VoicemailRepository {
  const insert = db.prepare(
    `INSERT INTO voicemails (id, conversation_uuid, caller, number, queue, recording_url, recording_uuid, duration_s, size_bytes, created_at)
     VALUES (@id, @conversation_uuid, @caller, @number, @queue, @recording_url, @recording_uuid, @duration_s, @size_bytes, @created_at)
     ON CONFLICT (recording_uuid) DO NOTHING`,
  );
  const byRecording = db.prepare<[string], VoicemailRecord>('SELECT * FROM voicemails WHERE recording_uuid = ?');
  const byId = db.prepare<[string], VoicemailRecord>('SELECT * FROM voicemails WHERE id = ?');
  const recent = db.prepare<[number], VoicemailRecord>('SELECT * FROM voicemails ORDER BY created_at DESC, id DESC LIMIT ?');
  return {
    async create(voicemail: NewVoicemail) {
      const record: VoicemailRecord = { id: randomUUID(), ...voicemail };
      const info = insert.run(record);
      if (info.changes === 0 && voicemail.recording_uuid !== null) {
        // The platform retried the webhook: keep the first copy.
        const existing = byRecording.get(voicemail.recording_uuid);
        if (existing) return existing;
      }
      return record;
    },
    async list(limit) {
      return recent.all(limit);
    },
    async get(id) {
      return byId.get(id) ?? null;
    },
  };
}
