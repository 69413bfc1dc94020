import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginResponse } from '../../../common/backend-api';
import { buildServer } from '../../../server/app';
import { seedAgents } from '../../../server/auth/seed';
import {
  DuplicateAgentError,
  MIGRATIONS,
  appliedMigrations,
  createSqliteStorage,
  openDatabase,
  openSqliteStorage,
} from '../../../server/storage';
import { createTestFiles, json, testConfig, type TestFiles } from './helpers';

let files: TestFiles;
beforeAll(() => {
  files = createTestFiles();
});
afterAll(() => {
  files.remove();
});

describe('openDatabase', () => {
  it('applies numbered migrations once and is idempotent when opened again', () => {
    const file = path.join(files.dir, 'migrate.db');
    const first = openDatabase(file);
    expect(appliedMigrations(first)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(first.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(first.pragma('foreign_keys', { simple: true })).toBe(1);
    first.prepare("INSERT INTO agents (id, name, display_name, password_hash, created_at) VALUES ('a1', 'Jane', 'Jane', 'h', 'now')").run();
    first.close();

    const second = openDatabase(file);
    expect(appliedMigrations(second)).toEqual(MIGRATIONS.map((m) => m.version));
    const rows = second.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number };
    expect(rows.n).toBe(MIGRATIONS.length);
    // Data survives the second open.
    expect(second.prepare('SELECT name FROM agents').all()).toEqual([{ name: 'Jane' }]);
    second.close();
  });

  it('refuses a database from a newer schema', () => {
    const file = path.join(files.dir, 'newer.db');
    const db = openDatabase(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'now')").run();
    db.close();
    expect(() => openDatabase(file)).toThrow(/newer than this backend/);
  });

  it('enforces foreign keys between credentials and agents', () => {
    const db = openDatabase(path.join(files.dir, 'fk.db'));
    expect(() =>
      db
        .prepare("INSERT INTO refresh_credentials (id, agent_id, token_hash, created_at, expires_at) VALUES ('c', 'missing', ?, 'a', 'b')")
        .run('0'.repeat(64)),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });
});

describe('agent repository and seeding', () => {
  it('keeps names unique regardless of case, and seeding is idempotent', async () => {
    const storage = createSqliteStorage(openDatabase(path.join(files.dir, 'agents.db')));
    try {
      const seeds = [{ name: 'Jane', display_name: 'Jane', password: 'jane-secret-pw' }];
      expect(await seedAgents(storage.agents, seeds)).toEqual(['Jane']);
      const hash = (await storage.agents.findByName('jane'))?.password_hash;
      expect(hash).toMatch(/^\$argon2id\$/);
      // Second run creates nothing and leaves the stored password as it was.
      expect(await seedAgents(storage.agents, [{ ...seeds[0]!, password: 'a-different-pw' }])).toEqual([]);
      expect((await storage.agents.findByName('JANE'))?.password_hash).toBe(hash);
      await expect(storage.agents.create({ name: 'JANE', display_name: 'x', password_hash: 'h' }, 'now')).rejects.toBeInstanceOf(DuplicateAgentError);
      expect(await storage.agents.list()).toHaveLength(1);
    } finally {
      await storage.close();
    }
  });

  it('rejects an invalid seed', async () => {
    const storage = openSqliteStorage(path.join(files.dir, 'bad-seed.db'));
    try {
      await expect(seedAgents(storage.agents, [{ name: 'bad name', display_name: 'x', password: 'long-enough' }])).rejects.toThrow();
      expect(await storage.agents.list()).toHaveLength(0);
    } finally {
      await storage.close();
    }
  });
});

describe('secrets at rest', () => {
  it('keeps neither the refresh token nor the password in the database files', async () => {
    const config = testConfig(files, { DATA_DIR: path.join(files.dir, 'secrets') });
    const password = 'plaintext-password-marker-7f3a';
    const app = await buildServer(config, {
      seedAgents: [{ name: 'Jane', display_name: 'Jane', password }],
      logStream: { write: () => undefined },
    });
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Jane', password } });
    const token = json<LoginResponse>(res).refresh_token ?? '';
    expect(token).toHaveLength(43);
    await app.close();

    const dbFile = path.join(config.dataDir, 'switchboard.db');
    expect(fs.existsSync(dbFile)).toBe(true);
    const bytes = Buffer.concat(
      [dbFile, `${dbFile}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)),
    );
    expect(bytes.length).toBeGreaterThan(0);
    // The hash of the token is there (proving we looked in the right place) but never the token.
    const { hashToken } = await import('../../../server/auth/credentials');
    expect(bytes.includes(Buffer.from(hashToken(token)))).toBe(true);
    expect(bytes.includes(Buffer.from(token))).toBe(false);
    expect(bytes.includes(Buffer.from(password))).toBe(false);
  });
});
