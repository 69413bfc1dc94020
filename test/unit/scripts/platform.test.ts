/**
 * The launchers' database lines: the URL `npm run platform` prints, the command it prints for
 * another backend instance, and `npm run backend`'s refusals.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backendEnvProblem } from '../../../scripts/backend';
import { maskDatabaseUrl, secondBackendCommand, type RunningPlatform } from '../../../scripts/platform';

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-launcher-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The parts of a running platform the command is made of. */
function platform(database: RunningPlatform['database'], adminFile: string | null = join(dataDir, 'admin-token')): RunningPlatform {
  return {
    serverUrl: 'http://127.0.0.1:3030',
    sandboxUrl: 'http://127.0.0.1:3040',
    contactNumber: '14155550199',
    applicationId: 'app-1',
    privateKeyPath: join(dataDir, 'private.key'),
    dataDir,
    database,
    admin: { file: adminFile, newToken: null },
  } as RunningPlatform;
}

describe('maskDatabaseUrl', () => {
  it('hides the password, wherever the URL carries it, and keeps the rest', () => {
    expect(maskDatabaseUrl('postgres://postgres:s3cret%2F@127.0.0.1:41051/switchboard')).toBe('postgres://postgres:***@127.0.0.1:41051/switchboard');
    expect(maskDatabaseUrl('postgresql://app@db.example.com/sb?sslmode=require')).toBe('postgresql://app@db.example.com/sb?sslmode=require');
    expect(maskDatabaseUrl('postgres://db.example.com/sb?user=app&password=hunter2')).toBe('postgres://db.example.com/sb?user=app&password=***');
    expect(maskDatabaseUrl('not a url')).toBe('(not a URL)');
  });
});

describe('the command for another backend', () => {
  it('reads the embedded database password and the signature secret from their files, and names the key', () => {
    const password = 'pw-from-file_0123';
    writeFileSync(join(dataDir, 'postgres-password'), password, { mode: 0o600 });
    mkdirSync(join(dataDir, 'sandbox'), { recursive: true });
    writeFileSync(join(dataDir, 'sandbox', 'state.json'), JSON.stringify({ account: { signature_secret: 'sig-secret-0123456789' } }));
    const lines = secondBackendCommand(
      platform({ url: `postgres://postgres:${password}@127.0.0.1:41051/switchboard`, embedded: true, dir: join(dataDir, 'postgres') }),
    );
    const command = lines.join(' ');
    expect(command).not.toContain(password);
    expect(command).not.toContain('sig-secret');
    expect(command).toContain(`VONAGE_PRIVATE_KEY_PATH=${join(dataDir, 'private.key')}`);
    expect(command).toMatch(/SERVER_PORT=3031 npm run backend$/);
    // What the pasted line hands the backend, as a shell evaluates it.
    const script = `${lines.slice(0, -1).join(' ')} sh -c 'printf "%s\\n" "$DATABASE_URL" "$VONAGE_SIGNATURE_SECRET" "$PUBLIC_URL" "$DATA_DIR"'`;
    expect(execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      `postgres://postgres:${password}@127.0.0.1:41051/switchboard`,
      'sig-secret-0123456789',
      'http://127.0.0.1:3030',
      dataDir,
    ]);
  });

  it('refers to a DATABASE_URL with a password, and an ADMIN_TOKEN, by their variables', () => {
    const lines = secondBackendCommand(platform({ url: 'postgres://app:secret@db:5432/sb', embedded: false, dir: null }, null));
    expect(lines[0]).toBe('DATABASE_URL="$DATABASE_URL"');
    expect(lines.join(' ')).toContain('ADMIN_TOKEN="$ADMIN_TOKEN"');
    expect(secondBackendCommand(platform({ url: 'postgres://app@db:5432/sb', embedded: false, dir: null }))[0]).toBe('DATABASE_URL=postgres://app@db:5432/sb');
  });
});

describe('npm run backend', () => {
  const ready = { DATABASE_URL: 'postgres://app:pw@127.0.0.1:5432/sb', VONAGE_APPLICATION_ID: 'app-1', VONAGE_PRIVATE_KEY_PATH: '/keys/private.key' };

  it('names the first missing variable', () => {
    expect(backendEnvProblem({})).toMatch(/^npm run backend needs DATABASE_URL: /);
    expect(backendEnvProblem({ ...ready, VONAGE_APPLICATION_ID: ' ' })).toMatch(/needs VONAGE_APPLICATION_ID: /);
    expect(backendEnvProblem({ ...ready, VONAGE_PRIVATE_KEY_PATH: undefined })).toMatch(/needs VONAGE_PRIVATE_KEY_PATH: /);
    expect(backendEnvProblem(ready)).toBeNull();
  });

  it('refuses the masked URL as printed', () => {
    expect(backendEnvProblem({ ...ready, DATABASE_URL: 'postgres://postgres:***@127.0.0.1:41051/switchboard' })).toMatch(/DATABASE_URL holds the masked password/);
  });
});

describe('the demo console users', () => {
  it('generates their passwords once, owner-only, reuses them, and prints them beside the agents', async () => {
    const { consolePasswords, describePlatform } = await import('../../../scripts/platform');
    const { statSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-console-users-'));
    try {
      const first = consolePasswords(dir);
      expect(first.admin).toMatch(/^[A-Za-z0-9_-]{12}$/);
      expect(first.supervisor).not.toBe(first.admin);
      expect(statSync(join(dir, 'demo-console-users.json')).mode & 0o777).toBe(0o600);
      expect(consolePasswords(dir)).toEqual(first);
      const text = describePlatform({
        ...platform({ url: 'postgres://postgres@127.0.0.1:5432/switchboard', embedded: false, dir: null }),
        numbers: [],
        agents: { Jane: 'jane-pw', Joe: 'joe-pw' },
        consoleUsers: first,
      } as RunningPlatform);
      expect(text).toContain(`Operator console: http://127.0.0.1:3030/console/`);
      expect(text).toContain(`Console users:    admin / ${first.admin}    supervisor / ${first.supervisor}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
