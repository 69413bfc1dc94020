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

/** One backend child process: started (again) and SIGKILLed on demand. */
export interface BackendChild {
  /** Where this child listens (`http://127.0.0.1:<port>`). */
  url: string;
  /** Start the process (again) and wait until it answers `/api/health`. */
  start(): Promise<void>;
  /** SIGKILL the process and wait until it is gone. */
  kill(): Promise<void>;
  /** The pid of the running process; null while none runs. */
  pid(): number | null;
  /** Everything this child wrote (stdout and stderr), each start marked. */
  output(): string;
}

/**
 * A backend child for a test platform's configuration (database, application, key, data
 * folder, web app), listening on `port` and building its callback URLs from `publicUrl`
 * (the platform's own URL unless something else, a proxy, stands there).
 */
export function backendChild(
  p: TestPlatform['platform'],
  options: { port: number | string; publicUrl?: string; wrapUpS?: number; logLevel?: string; label?: string },
): BackendChild {
  let child: ChildProcess | null = null;
  let output = '';
  let starts = 0;
  const label = options.label ?? 'backend';
  const url = `http://127.0.0.1:${options.port}`;
  const note = (text: string) => {
    output += text;
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  const rendererDir = join(root, 'dist', 'renderer');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SERVER_PORT: String(options.port),
    SERVER_HOST: '127.0.0.1',
    PUBLIC_URL: options.publicUrl ?? p.serverUrl,
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
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1_000) });
      return response.ok;
    } catch {
      return false;
    }
  };

  const kill = async (): Promise<void> => {
    const running = child;
    if (!alive(running)) return;
    const exited = new Promise<void>((done) => running.once('exit', () => done()));
    running.kill('SIGKILL');
    await exited;
  };

  const start = async (): Promise<void> => {
    if (alive(child)) throw new Error(`the ${label} process is already running`);
    starts += 1;
    const n = starts;
    note(`\n----- ${label} start #${n} at ${new Date().toISOString()} -----\n`);
    // Node with tsx's loader, not the tsx command: that runs the backend in a grandchild, which
    // a SIGKILL of the command would leave running (and listening).
    const started = spawn(process.execPath, ['--import', 'tsx', ENTRY], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => note(chunk.toString('utf8')));
    started.stderr?.on('data', (chunk: Buffer) => note(chunk.toString('utf8')));
    started.once('exit', (code, signal) => note(`----- ${label} #${n} exited (code ${code}, signal ${signal}) -----\n`));
    const deadline = Date.now() + 30_000;
    while (!(await healthy())) {
      if (!alive(started)) throw new Error(`the ${label} process exited before listening:\n${output}`);
      if (Date.now() > deadline) {
        await kill();
        throw new Error(`the ${label} process did not answer /api/health within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return { url, start, kill, pid: () => (alive(child) ? (child.pid ?? null) : null), output: () => output };
}

/**
 * Starts a test platform, then swaps its in-process backend for a child process on the same
 * port. `stop()` kills the child if still alive, then stops the rest.
 */
export async function startProcessPlatform(options: { wrapUpS?: number; logLevel?: string } = {}): Promise<ProcessPlatform> {
  const base = await startTestPlatform(options);
  const p = base.platform;
  const backend = backendChild(p, { port: new URL(p.serverUrl).port, wrapUpS: options.wrapUpS, logLevel: options.logLevel });

  try {
    // The in-process backend goes; its port is the one the sandbox's webhooks point at.
    await p.server.close();
    await backend.start();
  } catch (error) {
    await backend.kill();
    await base.stop();
    throw error;
  }

  return {
    ...base,
    startBackend: backend.start,
    killBackend: backend.kill,
    backendPid: backend.pid,
    backendOutput: backend.output,
    async stop() {
      await backend.kill();
      await base.stop();
    },
  };
}
