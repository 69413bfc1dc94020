import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, loadPrivateKey } from '../../../server/app';
import { ConfigError, loadServerConfig } from '../../../server/config';
import { startServer } from '../../../server/index';
import { createTestDatabase } from '../../support/test-database';
import { createTestFiles, testConfig, type TestFiles } from './helpers';

let files: TestFiles;
beforeAll(() => {
  files = createTestFiles();
});
afterAll(() => {
  files.remove();
});

const required = () => ({ VONAGE_APPLICATION_ID: 'app-1', VONAGE_PRIVATE_KEY_PATH: files.keyPath });

describe('loadServerConfig', () => {
  it('fills the documented defaults', () => {
    const config = loadServerConfig({ ...required(), HOME: '/home/x' });
    expect(config).toMatchObject({
      port: 3030,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3030',
      sdk: { apiUrl: 'https://api-us.vonage.com', websocketUrl: 'https://ws-us.vonage.com' },
      databaseUrl: null,
      contactNumber: null,
      mobileApiKey: null,
      sdkTokenTtlS: 10_800,
      rendererDir: null,
      corsOrigins: [],
      logLevel: 'info',
    });
    expect(config.dataDir).toBe(path.join(os.homedir(), '.local', 'share', 'switchboard'));
  });

  it('puts the default data folder under XDG_DATA_HOME, outside the repository', () => {
    const config = loadServerConfig({ ...required(), XDG_DATA_HOME: '/var/tmp/xdg' });
    expect(config.dataDir).toBe('/var/tmp/xdg/switchboard');
    expect(config.dataDir.startsWith(process.cwd())).toBe(false);
  });

  it('reads every variable', () => {
    const config = loadServerConfig({
      ...required(),
      SERVER_PORT: '0',
      SERVER_HOST: '0.0.0.0',
      DATA_DIR: files.dir,
      DATABASE_URL: 'postgresql://switchboard:pw@db.internal:5432/switchboard?sslmode=require',
      PUBLIC_URL: 'https://hooks.example.com/',
      VONAGE_API_URL: 'http://127.0.0.1:4000',
      VONAGE_WS_URL: 'ws://127.0.0.1:4001/',
      CONTACT_NUMBER: '+14155550199',
      MOBILE_API_KEY: 'k'.repeat(20),
      SDK_TOKEN_TTL_S: '600',
      RENDERER_DIR: files.dir,
      CORS_ORIGINS: 'http://localhost:5173,https://a.example.com',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      dataDir: files.dir,
      databaseUrl: 'postgresql://switchboard:pw@db.internal:5432/switchboard?sslmode=require',
      publicUrl: 'https://hooks.example.com',
      sdk: { apiUrl: 'http://127.0.0.1:4000', websocketUrl: 'ws://127.0.0.1:4001' },
      contactNumber: '14155550199',
      mobileApiKey: 'k'.repeat(20),
      sdkTokenTtlS: 600,
      rendererDir: files.dir,
      corsOrigins: ['http://localhost:5173', 'https://a.example.com'],
    });
  });

  it.each([
    [{ VONAGE_APPLICATION_ID: '' }, 'VONAGE_APPLICATION_ID'],
    [{ VONAGE_PRIVATE_KEY_PATH: '' }, 'VONAGE_PRIVATE_KEY_PATH'],
    [{ VONAGE_PRIVATE_KEY_PATH: '/no/such/key.pem' }, 'VONAGE_PRIVATE_KEY_PATH'],
    [{ SERVER_PORT: 'http' }, 'SERVER_PORT'],
    [{ SERVER_PORT: '70000' }, 'SERVER_PORT'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ VONAGE_API_URL: 'ftp://x' }, 'VONAGE_API_URL'],
    [{ VONAGE_WS_URL: 'nope' }, 'VONAGE_WS_URL'],
    [{ CONTACT_NUMBER: '555-0199' }, 'CONTACT_NUMBER'],
    [{ MOBILE_API_KEY: 'short' }, 'MOBILE_API_KEY'],
    [{ SDK_TOKEN_TTL_S: '10' }, 'SDK_TOKEN_TTL_S'],
    [{ SDK_TOKEN_TTL_S: '90000' }, 'SDK_TOKEN_TTL_S'],
    [{ RENDERER_DIR: '/no/such/dir' }, 'RENDERER_DIR'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://a.example.com/path' }, 'CORS_ORIGINS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://u:p@127.0.0.1/switchboard' }, 'DATABASE_URL'],
    [{ DATABASE_URL: '/var/lib/switchboard.db' }, 'DATABASE_URL'],
  ])('names the variable in the error for %j', (override, variable) => {
    let error: unknown;
    try {
      loadServerConfig({ ...required(), ...override });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message.startsWith(variable)).toBe(true);
  });
});

describe('private key', () => {
  it('refuses a file that is not an RSA private key, without echoing it', () => {
    expect(() => loadPrivateKey({ privateKeyPath: 'x' }, 'not-a-key-SECRETISH')).toThrow(/VONAGE_PRIVATE_KEY_PATH does not hold an RSA private key/);
    try {
      loadPrivateKey({ privateKeyPath: 'x' }, 'not-a-key-SECRETISH');
    } catch (e) {
      expect(String(e)).not.toContain('SECRETISH');
    }
    expect(loadPrivateKey({ privateKeyPath: files.keyPath })).toBe(files.privateKeyPem);
  });

  it('stops buildServer early with the variable named', async () => {
    await expect(buildServer(testConfig(files), { privateKey: 'garbage' })).rejects.toThrow(ConfigError);
  });
});

describe('database', () => {
  it('never repeats a DATABASE_URL (it holds a password) in its error', () => {
    expect(() => loadServerConfig({ ...required(), DATABASE_URL: 'mysql://u:secret-pw@127.0.0.1/x' })).toThrow(/^DATABASE_URL must use postgres or postgresql/);
    try {
      loadServerConfig({ ...required(), DATABASE_URL: 'mysql://u:secret-pw@127.0.0.1/x' });
    } catch (e) {
      expect(String(e)).not.toContain('secret-pw');
    }
  });

  it('requires DATABASE_URL when no storage is given to buildServer', async () => {
    const error = await buildServer(testConfig(files), { logStream: { write: () => undefined } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('DATABASE_URL');
    expect((error as ConfigError).message).toMatch(/^DATABASE_URL is required/);
  });
});

describe('startServer', () => {
  it('listens on a real port, answers, and closes (its database too)', async () => {
    const database = await createTestDatabase();
    try {
      const config = testConfig(files, { SERVER_PORT: '0', DATA_DIR: path.join(files.dir, 'start'), DATABASE_URL: database.url });
      const server = await startServer(config, { logStream: { write: () => undefined } });
      try {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const res = await fetch(`${server.url}/api/health`);
        expect(await res.json()).toEqual({ ok: true });
      } finally {
        await server.close();
      }
      await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
      // Closing the server closed the pool it opened.
      expect(await database.connections()).toBe(0);
    } finally {
      await database.drop();
    }
  });
});
