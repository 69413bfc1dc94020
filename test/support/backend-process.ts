/**
 * A test platform whose backend runs as a child process (`server/index.ts` under tsx's
 * loader, what `npm run backend` runs), so a test can SIGKILL it and start it again on the same port.
 *
 * `startTestPlatform` starts the sandbox, sets the account up (application, numbers, flows,
 * agents) and starts the backend in-process; this closes that backend and runs the same
 * configuration in a child instead, from the environment as an operator would: the
 * sandbox's application webhooks keep pointing at the same URL, the child uses the same
 * database, application key, data folder (admin token) and built web app.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPlatform, type TestPlatform } from './platform';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = join(root, 'server', 'index.ts');
/** Output kept from the children (every start), for a failing test to print. */
const OUTPUT_LIMIT = 200_000;

/** A platform whose backend is a process of its own. */
export interface ProcessPlatform extends TestPlatform {
  /** Start the backend process (again) and wait until it answers `/api/health`. */
  startBackend(): Promise<void>;
  /** SIGKILL the backend process and wait until it is gone. */
  killBackend(): Promise<void>;
  /** The pid of the running backend process; null while none runs. */
  backendPid(): number | null;
  /** Everything the backend processes wrote (stdout and stderr), each start marked. */
  backendOutput(): string;
}

function alive(child: ChildProcess | null): child is ChildProcess {
  return child !== null && child.exitCode === null && child.signalCode === null;
}

/**
 * Starts a test platform, then swaps its in-process backend for a child process on the same
 * port. `stop()` kills the child if still alive, then stops the rest.
 */
export async function startProcessPlatform(options: { wrapUpS?: number; logLevel?: string } = {}): Promise<ProcessPlatform> {
  const base = await startTestPlatform(options);
  const p = base.platform;
  let child: ChildProcess | null = null;
  let output = '';
  let starts = 0;
  const note = (text: string) => {
    output += text;
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  const port = new URL(p.serverUrl).port;
  const rendererDir = join(root, 'dist', 'renderer');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SERVER_PORT: port,
    SERVER_HOST: '127.0.0.1',
    PUBLIC_URL: p.serverUrl,
    DATA_DIR: p.dataDir,
    DATABASE_URL: p.database.url,
    VONAGE_APPLICATION_ID: p.applicationId,
    VONAGE_PRIVATE_KEY_PATH: p.privateKeyPath,
    VONAGE_API_URL: p.sandboxUrl,
    VONAGE_WS_URL: p.sandboxUrl,
    VONAGE_SIGNATURE_SECRET: p.sandbox.store.account.signature_secret,
    CONTACT_NUMBER: p.contactNumber,
    MOBILE_API_KEY: '',
    RENDERER_DIR: existsSync(join(rendererDir, 'index.html')) ? rendererDir : '',
    LOG_LEVEL: options.logLevel ?? 'warn',
    WRAP_UP_S: String(options.wrapUpS ?? 0),
  };
  // Not the test runner's: the child takes everything from the variables above.
  delete env.ADMIN_TOKEN;
  delete env.SEED_AGENTS_FILE;

  const healthy = async (): Promise<boolean> => {
    try {
      const response = await fetch(`${p.serverUrl}/api/health`, { signal: AbortSignal.timeout(1_000) });
      return response.ok;
    } catch {
      return false;
    }
  };

  const killBackend = async (): Promise<void> => {
    const running = child;
    if (!alive(running)) return;
    const exited = new Promise<void>((done) => running.once('exit', () => done()));
    running.kill('SIGKILL');
    await exited;
  };

  const startBackend = async (): Promise<void> => {
    if (alive(child)) throw new Error('the backend process is already running');
    starts += 1;
    note(`\n----- backend start #${starts} at ${new Date().toISOString()} -----\n`);
    // Node with tsx's loader, not the tsx command: that runs the backend in a grandchild, which
    // a SIGKILL of the command would leave running (and listening).
    const started = spawn(process.execPath, ['--import', 'tsx', ENTRY], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => note(chunk.toString('utf8')));
    started.stderr?.on('data', (chunk: Buffer) => note(chunk.toString('utf8')));
    started.once('exit', (code, signal) => note(`----- backend #${starts} exited (code ${code}, signal ${signal}) -----\n`));
    const deadline = Date.now() + 30_000;
    while (!(await healthy())) {
      if (!alive(started)) throw new Error(`the backend process exited before listening:\n${output}`);
      if (Date.now() > deadline) {
        await killBackend();
        throw new Error(`the backend process did not answer /api/health within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  try {
    // The in-process backend goes; its port is the one the sandbox's webhooks point at.
    await p.server.close();
    await startBackend();
  } catch (error) {
    await killBackend();
    await base.stop();
    throw error;
  }

  return {
    ...base,
    startBackend,
    killBackend,
    backendPid: () => (alive(child) ? (child.pid ?? null) : null),
    backendOutput: () => output,
    async stop() {
      await killBackend();
      await base.stop();
    },
  };
}
