/**
 * Shared set-up for the backend tests: a temporary data folder, an RSA application key,
 * a database of its own (cloned from the run's migrated template), a configuration,
 * captured logs and a controllable clock.
 */
import { generateKeyPairSync, verify as verifySignature } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildServer, type ServerDeps } from '../../../server/app';
import { loadServerConfig, type ServerConfig } from '../../../server/config';
import type { AppContext } from '../../../server/context';
import { openPgStorage } from '../../../server/storage/pg';
import type { Storage } from '../../../server/storage/types';
import { createTestDatabase, type TestDatabase } from '../../support/test-database';

/** The agents every test server starts with. */
export const AGENTS = [
  { name: 'Jane', display_name: 'Jane Doe', password: 'jane-secret-pw' },
  { name: 'Joe', display_name: 'Joe Bloggs', password: 'joe-secret-pw' },
  { name: 'Dora', display_name: 'Dora Disabled', password: 'dora-secret-pw' },
  { name: 'Lou', display_name: 'Lou Lockout', password: 'lou-secret-pw' },
] as const;

export const APPLICATION_ID = '4c1e36f4-3b52-4f1b-9d1a-0d5e0c7f2a10';
export const MOBILE_API_KEY = 'compat-mobile-api-key-0123456789';

/** A temporary data folder and an RSA key pair written into it. */
export interface TestFiles {
  dir: string;
  keyPath: string;
  privateKeyPem: string;
  publicKeyPem: string;
  remove(): void;
}

/** Create a temp folder holding a fresh application key. */
export function createTestFiles(): TestFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-server-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const keyPath = path.join(dir, 'private.key');
  fs.writeFileSync(keyPath, privateKey, { mode: 0o600 });
  return {
    dir,
    keyPath,
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A configuration for the files, with environment overrides. */
export function testConfig(files: TestFiles, env: Record<string, string> = {}): ServerConfig {
  return loadServerConfig({
    DATA_DIR: path.join(files.dir, 'data'),
    VONAGE_APPLICATION_ID: APPLICATION_ID,
    VONAGE_PRIVATE_KEY_PATH: files.keyPath,
    CONTACT_NUMBER: '14155550199',
    MOBILE_API_KEY,
    LOG_LEVEL: 'info',
    ...env,
  });
}

/** A running test backend. */
export interface TestServer {
  files: TestFiles;
  /** The server's own database (`config.databaseUrl`); open a second storage on `database.url` to act as a restart or another instance. */
  database: TestDatabase;
  config: ServerConfig;
  app: FastifyInstance;
  storage: Storage;
  /** Every log line written so far. */
  logs: string[];
  /** Current fake time in ms; assign to move the clock. */
  clock: { nowMs: number };
  /** The route context (presence, callEvents…). */
  context: AppContext;
  close(): Promise<void>;
}

/** Options of {@link createTestServer}. */
export interface TestServerOptions {
  /**
   * Use this database (another test server's, to act as a second instance sharing it)
   * instead of a fresh one; `close()` then leaves it to its owner.
   */
  database?: TestDatabase;
}

/** Build a backend over a fresh data folder and a fresh database with {@link AGENTS} seeded and Dora disabled. */
export async function createTestServer(env: Record<string, string> = {}, deps: ServerDeps = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const files = createTestFiles();
  const shared = options.database;
  const database: TestDatabase = shared ? { ...shared, drop: async () => undefined } : await createTestDatabase();
  const config = testConfig(files, { ...env, DATABASE_URL: database.url });
  const storage = await openPgStorage(database.url);
  const logs: string[] = [];
  const clock = { nowMs: Date.parse('2026-03-02T09:00:00.000Z') };
  let context: AppContext | undefined;
  let app: FastifyInstance;
  try {
    app = await buildServer(config, {
      storage,
      now: () => new Date(clock.nowMs),
      logStream: { write: (line) => void logs.push(line) },
      seedAgents: AGENTS,
      ...deps,
      onContext: (ctx) => {
        context = ctx;
        deps.onContext?.(ctx);
      },
    });
  } catch (error) {
    await storage.close();
    await database.drop();
    files.remove();
    throw error;
  }
  if (!context) throw new Error('buildServer did not report its context');
  const dora = await storage.agents.findByName('Dora');
  if (dora) await storage.agents.setDisabled(dora.id, true);
  return {
    files,
    database,
    config,
    app,
    storage,
    logs,
    clock,
    context,
    close: async () => {
      await app.close();
      await storage.close();
      await database.drop();
      files.remove();
    },
  };
}

/** The parsed JSON body of an injected response. */
export function json<T = unknown>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

/** Post an (unsigned) event_url payload and expect the 204 the platform needs. */
export async function postEvent(app: FastifyInstance, payload: Record<string, unknown>): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/webhooks/event', payload });
  if (res.statusCode !== 204) throw new Error(`${JSON.stringify(payload)}: HTTP ${res.statusCode} ${res.body}`);
}

/** Log in as a desktop client and return the refresh token. */
export async function loginDesktop(app: FastifyInstance, name: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { name, password, client: 'desktop' } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const token = json<{ refresh_token?: string }>(res).refresh_token;
  if (!token) throw new Error('no refresh token');
  return token;
}

/** Decode a JWT's header and claims after checking its RS256 signature against the public key. */
export function verifyJwt(jwt: string, publicKeyPem: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) throw new Error('not a JWT');
  const ok = verifySignature('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKeyPem, Buffer.from(signature, 'base64url'));
  if (!ok) throw new Error('bad signature');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}
