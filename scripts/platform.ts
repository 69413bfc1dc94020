/**
 * The local platform: the sandbox (standing in for the Vonage cloud) and the backend,
 * wired together on the embedded default. `npm run platform` runs it; tests and
 * `npm start` call `startPlatform` in-process.
 *
 * On first start it creates the Vonage-style application in the sandbox (key pair, voice
 * and rtc capabilities, webhooks at the backend), links the demo numbers with their call
 * flows (`scripts/setup.ts`) and seeds the demo agents. Later starts reuse them and point
 * the webhooks at the current ports.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startSandbox, type RunningSandbox } from '../sandbox/server';
import { defaultDataDir, loadSandboxConfig } from '../sandbox/config';
import { resolveAdminToken } from '../server/admin/credential';
import { loadServerConfig } from '../server/config';
import { startServer, type RunningServer } from '../server/start';
import { checkPlan, demoPlan, describeNumbers, runSetup, sandboxTarget } from './setup';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The demo agents `npm run platform` seeds. */
export const DEMO_AGENTS = ['Jane', 'Joe'] as const;
export type DemoAgent = (typeof DEMO_AGENTS)[number];

/** Options of the launcher (all optional; the environment fills the rest). */
export interface PlatformOptions {
  dataDir?: string;
  serverPort?: number;
  sandboxPort?: number;
  contactNumber?: string;
  mobileApiKey?: string | null;
  /** Passwords for the demo agents; generated once and kept under DATA_DIR otherwise. */
  agentPasswords?: Record<DemoAgent, string>;
  logLevel?: 'silent' | 'error' | 'warn' | 'info';
  verboseSandbox?: boolean;
  /** After-call work in seconds (`WRAP_UP_S`; the backend's default otherwise). */
  wrapUpS?: number;
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
  /** Where the admin API's token is, and the token itself only on the start that generated it. */
  admin: { file: string | null; newToken: string | null };
  dataDir: string;
  sandbox: RunningSandbox;
  server: RunningServer;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
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

/** Starts sandbox and backend, sets the account up, seeds the agents. */
export async function startPlatform(options: PlatformOptions = {}): Promise<RunningPlatform> {
  const env = process.env;
  const dataDir = resolve(options.dataDir || env.DATA_DIR || defaultDataDir(env));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const contactNumber = options.contactNumber ?? env.CONTACT_NUMBER ?? '14155550199';
  const sandboxConfig = loadSandboxConfig({ ...env, DATA_DIR: dataDir });
  const sandbox = await startSandbox({
    ...sandboxConfig,
    ...(options.sandboxPort !== undefined ? { port: options.sandboxPort } : {}),
    ...(options.verboseSandbox !== undefined ? { verbose: options.verboseSandbox } : {}),
  });
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
      overwriteFlows: false,
    });
    const app = { id: setup.application.id, keyPath: setup.application.keyPath };
    const passwords = agentPasswords(dataDir, options.agentPasswords);
    const rendererDir = join(root, 'dist', 'renderer');
    const mobileApiKey = options.mobileApiKey === undefined ? env.MOBILE_API_KEY : options.mobileApiKey ?? undefined;
    const config = loadServerConfig({
      ...env,
      SERVER_PORT: String(serverPort),
      SERVER_HOST: '127.0.0.1',
      DATA_DIR: dataDir,
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
      LOG_LEVEL: options.logLevel ?? env.LOG_LEVEL ?? 'warn',
      ...(options.wrapUpS !== undefined ? { WRAP_UP_S: String(options.wrapUpS) } : {}),
    });
    // Resolved (and generated on first start) here, so the launcher can show a new token once.
    const admin = resolveAdminToken(config);
    const server = await startServer(config, {
      seedAgents: DEMO_AGENTS.map((name) => ({ name, display_name: name, password: passwords[name] })),
    });
    return {
      serverUrl: server.url,
      sandboxUrl: sandbox.url,
      contactNumber,
      applicationId: app.id,
      numbers: describeNumbers(plan),
      agents: passwords,
      admin: { file: admin.file, newToken: admin.source === 'generated' ? admin.token : null },
      dataDir,
      sandbox,
      server,
      async stop() {
        await sandbox.close();
        await server.close();
      },
    };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
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
    `  Admin token:      ${p.admin.newToken ? `${p.admin.newToken}   (new; kept in ${p.admin.file}, shown only now)` : p.admin.file ? `in ${p.admin.file}` : 'from ADMIN_TOKEN'}`,
    `  Data folder:      ${p.dataDir}`,
    `  Call the number:  curl -X POST ${p.sandboxUrl}/sandbox/v1/phone/calls -H 'content-type: application/json' -d '{"from":"+14155550100","to":"+${p.contactNumber}"}'`,
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
