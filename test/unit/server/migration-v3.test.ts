import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, createSqliteStorage, openDatabase } from '../../../server/storage';
import { createTestFiles, type TestFiles } from './helpers';

let files: TestFiles;
beforeAll(() => {
  files = createTestFiles();
});
afterAll(() => {
  files.remove();
});

describe('migration 3 (event kinds, leg agents, call fields, presence)', () => {
  it('keeps a version-2 call log and attributes its legs to agents', async () => {
    const file = path.join(files.dir, 'v2.db');
    const v2 = openDatabase(file, MIGRATIONS.filter((m) => m.version <= 2));
    v2.prepare("INSERT INTO agents (id, name, display_name, password_hash, created_at) VALUES ('a1', 'Jane', 'Jane', 'h', 'now')").run();
    const insert = v2.prepare(
      "INSERT INTO call_events (conversation_uuid, uuid, status, direction, from_addr, to_addr, timestamp, raw, received_at) VALUES ('c1', ?, ?, ?, ?, ?, ?, '{}', 'x')",
    );
    insert.run('p', 'answered', 'inbound', '14155550100', '14155550199', '2026-01-01T00:00:00.000Z');
    insert.run('a', 'ringing', 'outbound', '14155550100', 'jane', '2026-01-01T00:00:01.000Z');
    v2.prepare("INSERT INTO calls (conversation_uuid, status, started_at, updated_at) VALUES ('c1', 'answered', '2026-01-01T00:00:00.000Z', 'x')").run();
    v2.close();

    const storage = createSqliteStorage(openDatabase(file));
    try {
      const call = await storage.calls.getCall('c1');
      expect(call?.events.map((e) => [e.uuid, e.kind, e.status, e.agent])).toEqual([
        ['p', 'status', 'answered', null],
        ['a', 'status', 'ringing', 'Jane'],
      ]);
      expect(call).toMatchObject({ status: 'answered', flow: null, outcome: null });
      // The live leg is found for rebuilding presence.
      expect(await storage.calls.liveAgentLegs('2025-12-31T00:00:00.000Z')).toEqual([{ agent: 'Jane', uuid: 'a', answered: false }]);
      // New events may now lack a status or a leg uuid.
      await storage.calls.recordEvent({
        conversation_uuid: 'c1',
        uuid: null,
        kind: 'record',
        status: null,
        agent: null,
        direction: null,
        from: null,
        to: null,
        timestamp: '2026-01-01T00:00:05.000Z',
        raw: '{"recording_url":"https://x.example/r"}',
        received_at: 'x',
      });
      expect((await storage.calls.getCall('c1'))?.recording_url).toBe('https://x.example/r');
    } finally {
      await storage.close();
    }
  });
});
