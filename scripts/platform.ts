/**
 * The local platform: the sandbox (standing in for the Vonage cloud) and the backend,
 * wired together on the embedded default. `npm run platform` runs it; tests and
 * `npm start` call `startPlatform` in-process.
 *
 * The backend's PostgreSQL database is `DATABASE_URL` when set; otherwise an embedded server
 * (`server/db/embedded.ts`) under `DATA_DIR/postgres`, started before the backend and
 * stopped after it.
 *
 * On first start it creates the Vonage-style application in the sandbox (key pair, voice
 * and rtc capabilities, webhooks at the backend), links the demo numbers with their call
 * flows (`scripts/setup.ts`) and seeds the demo agents. Later starts reuse them and point
 * the webhooks at the current ports.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { defaultDataDir, loadSandboxConfig } from '../sandbox/config';
import { resolveAdminToken } from '../server/admin/credential';
import { checkDatabaseUrl, loadServerConfig } from '../server/config';
import { embeddedDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../server/db/embedded';
import { startServer, type RunningServer } from '../server/start';
import { checkPlan, demoPlan, describeNumbers, runSetup, sandboxTarget } from './setup';
import { freePort } from '../server/free-port';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The demo agents `npm run platform` seeds. */
export const DEMO_AGENTS = ['Jane', 'Joe'] as const;
export type DemoAgent = (typeof DEMO_AGENTS)[number];

/** The demo console users `npm run platform` seeds: one admin, one supervisor (named after their role). */
export const DEMO_CONSOLE_USERS = ['admin', 'supervisor'] as const;
export type DemoConsoleUser = (typeof DEMO_CONSOLE_USERS)[number];

/** Options of the launcher (all optional; the environment fills the rest). */
export interface PlatformOptions {
  dataDir?: string;
  serverPort?: number;
  sandboxPort?: number;
  contactNumber?: string;
  mobileApiKey?: string | null;
  /** Passwords for the demo agents; generated once and kept under DATA_DIR otherwise. */
  agentPasswords?: Record<DemoAgent, string>;
  /** Passwords for the demo console users; generated once and kept under DATA_DIR otherwise. */
  consolePasswords?: Record<DemoConsoleUser, string>;
  logLevel?: 'silent' | 'error' | 'warn' | 'info';
  verboseSandbox?: boolean;
  /**
   * Collects the backend's log lines (pino JSON, at `logLevel`) and the sandbox's (verbose or
   * not, as `verboseSandbox` says) instead of stdout and stderr: the tests keep them to show
   * with a failure.
   */
  logSink?: (line: string) => void;
  /** After-call work in seconds (`WRAP_UP_S`; the backend's default otherwise). */
  wrapUpS?: number;
  /** The web app's built folder the backend serves at `/app/` (`RENDERER_DIR`; dist/renderer otherwise). */
  rendererDir?: string;
  /**
   * The backend's PostgreSQL database (`DATABASE_URL`). Unset: an embedded server under
   * `DATA_DIR/postgres`; null: the embedded server even when `DATABASE_URL` is set.
   */
  databaseUrl?: string | null;
}

/** A running platform. */
export interface RunningPlatform {
  serverUrl: string;
  sandboxUrl: string;
  contactNumber: string;
  applicationId: string;
  /** The demo numbers and their flows, one line each. */
  numbers: string[];
  agents: Record<DemoAgent, string>;
  /** The demo console users' passwords. */
  consoleUsers: Record<DemoConsoleUser, string>;
  /** Where the admin API's token is, and the token itself only on the start that generated it. */
  admin: { file: string | null; newToken: string | null };
  dataDir: string;
  /** The backend's database; `embedded` when the platform started it (and stops it), with the cluster's folder. */
  database: { url: string; embedded: boolean; dir: string | null };
  /** The application's private key file (mode 600), for another backend instance. */
  privateKeyPath: string;
  sandbox: RunningSandbox;
  server: RunningServer;
  stop(): Promise<void>;
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

function writeSecret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
}

function agentPasswords(dataDir: string, given?: Record<DemoAgent, string>): Record<DemoAgent, string> {
  if (given) return given;
  const file = join(dataDir, 'demo-agents.json');
  const known = readJson<Record<DemoAgent, string>>(file);
  if (known && DEMO_AGENTS.every((a) => typeof known[a] === 'string')) return known;
  const fresh = Object.fromEntries(DEMO_AGENTS.map((a) => [a, randomBytes(9).toString('base64url')])) as Record<DemoAgent, string>;
  writeSecret(file, JSON.stringify(fresh, null, 2));
  return fresh;
}

/** The demo console users' passwords: `given`, else those kept in `DATA_DIR/demo-console-users.json` (mode 600), else new ones written there. */
export function consolePasswords(dataDir: string, given?: Record<DemoConsoleUser, string>): Record<DemoConsoleUser, string> {
  if (given) return given;
  const file = join(dataDir, 'demo-console-users.json');
  const known = readJson<Record<DemoConsoleUser, string>>(file);
  if (known && DEMO_CONSOLE_USERS.every((u) => typeof known[u] === 'string')) return known;
  const fresh = Object.fromEntries(DEMO_CONSOLE_USERS.map((u) => [u, randomBytes(9).toString('base64url')])) as Record<DemoConsoleUser, string>;
  writeSecret(file, JSON.stringify(fresh, null, 2));
  return fresh;
}

/** Starts sandbox and backend, sets the account up, seeds the agents. */
export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const env = process.env;
  const dataDir = resolve(options.dataDir || env.DATA_DIR || defaultDataDir(env));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const contactNumber = options.contactNumber ?? env.CONTACT_NUMBER ?? '14155550199';
  const givenDatabase = options.databaseUrl === null ? undefined : (options.databaseUrl ?? env.DATABASE_URL)?.trim() || undefined;
  if (givenDatabase) checkDatabaseUrl(givenDatabase);
  const sandboxConfig = loadSandboxConfig({ ...env, DATA_DIR: dataDir });
  // Side by side: the embedded server's first start (initdb) takes about a second.
  const [sandboxStart, databaseStart] = await Promise.allSettled([
    startSandbox({
      ...sandboxConfig,
      ...(options.sandboxPort !== undefined ? { port: options.sandboxPort } : {}),
      ...(options.verboseSandbox !== undefined ? { verbose: options.verboseSandbox } : {}),
    }, options.logSink),
    givenDatabase
      ? Promise.resolve({ url: givenDatabase, embedded: null })
      : startEmbeddedPostgres({ dir: embeddedDir(dataDir) }).then((server): { url: string; embedded: EmbeddedDatabase | null } => ({ url: server.url, embedded: server })),
  ]);
  if (sandboxStart.status === 'rejected' || databaseStart.status === 'rejected') {
    if (sandboxStart.status === 'fulfilled') await sandboxStart.value.close();
    if (databaseStart.status === 'fulfilled') await databaseStart.value.embedded?.stop();
    throw sandboxStart.status === 'rejected' ? sandboxStart.reason : (databaseStart as PromiseRejectedResult).reason;
  }
  const sandbox = sandboxStart.value;
  const { url: databaseUrl, embedded } = databaseStart.value;
  try {
    const requestedPort = options.serverPort ?? Number(env.SERVER_PORT || 3030);
    if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
      throw new Error(`SERVER_PORT must be a port number (0-65535), got "${env.SERVER_PORT}"`);
    }
    const serverPort = requestedPort === 0 ? await freePort() : requestedPort;
    const serverUrl = `http://127.0.0.1:${serverPort}`;
    // The application, the demo numbers and their flows (scripts/setup.ts); flows an operator changed are kept.
    const { api_key, api_secret } = sandbox.store.account;
    const plan = checkPlan(demoPlan(contactNumber));
    const setup = await runSetup({
      target: sandboxTarget(sandbox.url, { apiKey: api_key, apiSecret: api_secret }),
      publicUrl: serverUrl,
      dataDir,
      plan,
      databaseUrl,
      overwriteFlows: false,
    });
    const app = { id: setup.application.id, keyPath: setup.application.keyPath };
    const passwords = agentPasswords(dataDir, options.agentPasswords);
    const consoleUsers = consolePasswords(dataDir, options.consolePasswords);
    const rendererDir = options.rendererDir ?? join(root, 'dist', 'renderer');
    const consoleDir = join(root, 'dist', 'console');
    const mobileApiKey = options.mobileApiKey === undefined ? env.MOBILE_API_KEY : options.mobileApiKey ?? undefined;
    const config = loadServerConfig({
      ...env,
      SERVER_PORT: String(serverPort),
      SERVER_HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      PUBLIC_URL: serverUrl,
      VONAGE_APPLICATION_ID: app.id,
      VONAGE_PRIVATE_KEY_PATH: app.keyPath,
      VONAGE_API_URL: sandbox.url,
      VONAGE_WS_URL: sandbox.url,
      CONTACT_NUMBER: contactNumber,
      MOBILE_API_KEY: mobileApiKey ?? '',
      // The sandbox signs every webhook like Vonage does: verify them, as a deployment should.
      VONAGE_SIGNATURE_SECRET: sandbox.store.account.signature_secret,
      RENDERER_DIR: existsSync(join(rendererDir, 'index.html')) ? rendererDir : '',
      CONSOLE_DIR: existsSync(join(consoleDir, 'index.html')) ? consoleDir : '',
      LOG_LEVEL: options.logLevel ?? env.LOG_LEVEL ?? 'warn',
      ...(options.wrapUpS !== undefined ? { WRAP_UP_S: String(options.wrapUpS) } : {}),
    });
    // Resolved (and generated on first start) here, so the launcher can show a new token once.
    const admin = resolveAdminToken(config);
    const server = await startServer(config, {
      ...(options.logSink ? { logStream: { write: options.logSink } } : {}),
      seedAgents: DEMO_AGENTS.map((name) => ({ name, display_name: name, password: passwords[name] })),
      seedConsoleUsers: DEMO_CONSOLE_USERS.map((name) => ({ name, display_name: name === 'admin' ? 'Demo admin' : 'Demo supervisor', role: name, password: consoleUsers[name] })),
    });
    let stopping: Promise<void> | undefined;
    const running: RunningPlatform = {
      serverUrl: server.url,
      sandboxUrl: sandbox.url,
      contactNumber,
      applicationId: app.id,
      numbers: describeNumbers(plan),
      agents: passwords,
      consoleUsers,
      admin: { file: admin.file, newToken: admin.source === 'generated' ? admin.token : null },
      dataDir,
      database: { url: databaseUrl, embedded: embedded !== null, dir: embedded?.dir ?? null },
      privateKeyPath: app.keyPath,
      sandbox,
      server,
      // Once, however many callers (npm start stops on Ctrl-C and when the app exits).
      stop: () =>
        (stopping ??= (async () => {
          // The sandbox running now (a test may have restarted it).
          await running.sandbox.close();
          await server.close();
          // Last: the backend may write until it has closed.
          await embedded?.stop();
        })()),
    };
    return running;
  } catch (error) {
    await sandbox.close();
    await embedded?.stop();
    throw error;
  }
}

/** A PostgreSQL URL fit to print: its password (in the user part or a `password` parameter) as `***`. */
export function maskDatabaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '(not a URL)';
  }
  const user = url.username ? `${url.username}${url.password ? ':***' : ''}@` : url.password ? ':***@' : '';
  const query = new URLSearchParams(url.search);
  if (query.has('password')) query.set('password', '***');
  const search = [...query].length > 0 ? `?${query.toString().replace(/%2A/g, '*')}` : '';
  return `${url.protocol}//${user}${url.host}${url.pathname}${search}`;
}

/** Single-quoted for a POSIX shell. */
const shellQuote = (value: string): string => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

/**
 * The command that starts one more backend instance on this platform's database, application
 * and data folder (`npm run backend`, on the next port), one shell line per element. Secrets
 * are read from their files when pasted (the embedded database's password, the sandbox's
 * signature secret) and the private key is only named; a `DATABASE_URL` or `ADMIN_TOKEN` the
 * platform was given is referred to by its variable.
 */
export function secondBackendCommand(p: RunningPlatform): string[] {
  const port = Number(new URL(p.serverUrl).port) + 1;
  let database: string;
  if (p.database.embedded) {
    const url = new URL(p.database.url);
    const passwordFile = join(p.dataDir, 'postgres-password');
    database = `"${url.protocol}//${url.username}:$(cat ${shellQuote(passwordFile)})@${url.host}${url.pathname}"`;
  } else {
    database = maskDatabaseUrl(p.database.url) === p.database.url ? shellQuote(p.database.url) : '"$DATABASE_URL"';
  }
  const stateFile = join(p.dataDir, 'sandbox', 'state.json');
  const rendererDir = join(root, 'dist', 'renderer');
  return [
    `DATABASE_URL=${database}`,
    `VONAGE_APPLICATION_ID=${p.applicationId} VONAGE_PRIVATE_KEY_PATH=${shellQuote(p.privateKeyPath)}`,
    `VONAGE_API_URL=${p.sandboxUrl} VONAGE_WS_URL=${p.sandboxUrl}`,
    `VONAGE_SIGNATURE_SECRET="$(node -p 'require(process.argv[1]).account.signature_secret' ${shellQuote(stateFile)})"`,
    `DATA_DIR=${shellQuote(p.dataDir)} CONTACT_NUMBER=${p.contactNumber} PUBLIC_URL=${p.serverUrl}` +
      // The admin token: from the data folder's file, or the variable this platform was given.
      (p.admin.file ? '' : ' ADMIN_TOKEN="$ADMIN_TOKEN"') +
      (existsSync(join(rendererDir, 'index.html')) ? ` RENDERER_DIR=${shellQuote(rendererDir)}` : '') +
      (existsSync(join(root, 'dist', 'console', 'index.html')) ? ` CONSOLE_DIR=${shellQuote(join(root, 'dist', 'console'))}` : ''),
    `SERVER_PORT=${port} npm run backend`,
  ];
}

/** The lines `npm run platform` prints. */
export function describePlatform(p: RunningPlatform): string {
  return [
    'Switchboard platform is running (embedded sandbox).',
    `  Backend:          ${p.serverUrl}`,
    `  Sandbox:          ${p.sandboxUrl}   (Vonage-compatible platform: Client SDK, phones, Applications API)`,
    `  Agent web app:    ${p.serverUrl}/app/`,
    `  Contact number:   +${p.contactNumber}`,
    '  Numbers:',
    ...p.numbers.map((line) => `    ${line}`),
    `  Demo agents:      ${DEMO_AGENTS.map((a) => `${a} / ${p.agents[a]}`).join('    ')}`,
    `  Operator console: ${p.serverUrl}/console/`,
    `  Console users:    ${DEMO_CONSOLE_USERS.map((u) => `${u} / ${p.consoleUsers[u]}`).join('    ')}   (admin changes configuration; supervisor sees and monitors)`,
    `  Admin token:      ${p.admin.newToken ? `${p.admin.newToken}   (new; kept in ${p.admin.file}, shown only now)` : p.admin.file ? `in ${p.admin.file}` : 'from ADMIN_TOKEN'}`,
    `  Data folder:      ${p.dataDir}`,
    `  Database:         ${maskDatabaseUrl(p.database.url)}   (${p.database.dir ? `embedded PostgreSQL in ${p.database.dir}` : 'DATABASE_URL'})`,
    `  Call the number:  curl -X POST ${p.sandboxUrl}/sandbox/v1/phone/calls -H 'content-type: application/json' -d '{"from":"+14155550100","to":"+${p.contactNumber}"}'`,
    '  Another backend:  (same database and application, from the repository folder)',
    ...secondBackendCommand(p).map((line, i, all) => `    ${line}${i < all.length - 1 ? ' \\' : ''}`),
    'Press Ctrl-C to stop.',
  ].join('\n');
}

/** Stops the platform on Ctrl-C / SIGTERM, once. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.once('SIGINT', () => handler('SIGINT'));
  process.once('SIGTERM', () => handler('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  startPlatform()
    .then((platform) => {
      console.log(describePlatform(platform));
      stopOnSignals(() => platform.stop());
    })
    .catch((error: unknown) => {
      console.error(`Could not start the platform: ${(error as Error).message}`);
      process.exit(1);
    });
}
