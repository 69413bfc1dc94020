/**
 * A whole platform (sandbox + backend) per test file, on free loopback ports, with its own
 * data folder and database, plus helpers to drive simulated phones and read the call log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type RunningPlatform } from '../../scripts/platform';
import { loadSandboxConfig } from '../../sandbox/config';
import { startSandbox } from '../../sandbox/server';
import { createPlatformDatabase } from './platform-database';

/** What a simulated phone reports. */
export interface PhoneCallState {
  uuid: string;
  status: string;
  heard: Array<{ type: string; text?: string }>;
  dtmf_received: string[];
  media: { packets_sent: number; packets_received: number; audible_frames_received: number };
}

/** A call-log row as the backend returns it. */
export interface CallLogRow {
  conversation_uuid: string;
  status: string;
  agent: string | null;
  from: string | null;
  duration_s: number | null;
  events: Array<{ uuid: string; status: string }>;
}

/** A started test platform. */
export interface TestPlatform {
  serverUrl: string;
  sandboxUrl: string;
  contactNumber: string;
  agents: { Jane: string; Joe: string };
  /** The demo console users' passwords. */
  consoleUsers: { admin: string; supervisor: string };
  platform: RunningPlatform;
  phone: {
    call(from?: string, to?: string): Promise<{ uuid: string; conversation_uuid: string }>;
    get(uuid: string): Promise<PhoneCallState>;
    hangup(uuid: string): Promise<void>;
  };
  callLog(agent?: 'Jane' | 'Joe'): Promise<CallLogRow[]>;
  /**
   * The voice platform goes down as a restart takes it: every call is hung up, every SDK
   * socket drops and the port stops answering. Its account, applications and numbers are on
   * disk (`state.json`); its sessions and calls are gone for good.
   */
  stopSandbox(): Promise<void>;
  /** The platform comes back on the same port, from its state on disk (`platform.sandbox` is the new one). */
  startSandbox(): Promise<void>;
  /** The backend's (info and up) and the sandbox's log lines, the last `LOG_LINES` of them, oldest first, each with its time. */
  logTail(): string[];
  stop(): Promise<void>;
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Log lines a test platform keeps (the backend logs a line or two a request): the minutes before a failure. */
export const LOG_LINES = 5000;

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** One line to read: the time first (the sandbox's own lines have none), the backend's pino JSON without pid and hostname. */
function readable(line: string): string {
  const text = line.endsWith('\n') ? line.slice(0, -1) : line;
  const now = new Date().toISOString().slice(11, 23);
  if (!text.startsWith('{')) return `${now} ${text}`;
  try {
    const { level, time, pid: _pid, hostname: _hostname, msg, ...fields } = JSON.parse(text) as Record<string, unknown>;
    const at = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : now;
    const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
    return `${at} [backend] ${PINO_LEVELS[level as number] ?? String(level)}: ${String(msg)}${rest}`;
  } catch {
    return `${now} ${text}`;
  }
}

/** The last `capacity` lines written, oldest first, made readable. */
class LogRing {
  private readonly lines: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  readonly write = (line: string): void => {
    // Appends until full (`next` is then the length), overwrites the oldest after.
    this.lines[this.next] = readable(line);
    this.next = (this.next + 1) % this.capacity;
  };

  /** Oldest first: before the ring is full the first slice is empty. */
  tail(): string[] {
    return [...this.lines.slice(this.next), ...this.lines.slice(0, this.next)];
  }
}

/**
 * Starts a platform for a test; `stop()` ends it and deletes its data.
 *
 * Its database is a fresh one on the Playwright run's PostgreSQL server
 * (`./platform-database.ts`), or without one (the benchmarks) the embedded server in its
 * temporary data folder; never `DATABASE_URL`. After-call work defaults to 0 s here, so
 * scenarios can call the same agent back to back; a test about wrap-up asks for it. Its log
 * lines are kept (`logTail()`, unless `keepLogs: false`), not printed.
 */
export async function startTestPlatform(options: { wrapUpS?: number; rendererDir?: string; keepLogs?: boolean } = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const agents = { Jane: 'jane-test-password', Joe: 'joe-test-password' };
  const consoleUsers = { admin: 'admin-test-password', supervisor: 'supervisor-test-password' };
  const database = await createPlatformDatabase();
  // Kept, not printed: a failing test shows them (./failure-log.ts), a passing one stays quiet.
  const log = options.keepLogs === false ? null : new LogRing(LOG_LINES);
  let platform: RunningPlatform;
  try {
    platform = await startPlatform({
      dataDir,
      serverPort: 0,
      sandboxPort: 0,
      agentPasswords: agents,
      consolePasswords: consoleUsers,
      mobileApiKey: null,
      // The benchmarks log nothing, as before: their numbers compare with runs that did not.
      ...(log ? { logLevel: 'info' as const, verboseSandbox: true, logSink: log.write } : { logLevel: 'silent' as const }),
      wrapUpS: options.wrapUpS ?? 0,
      ...(options.rendererDir !== undefined ? { rendererDir: options.rendererDir } : {}),
      databaseUrl: database?.url ?? null,
    });
  } catch (error) {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { sandboxUrl, serverUrl, contactNumber } = platform;
  return {
    serverUrl,
    sandboxUrl,
    contactNumber,
    agents,
    consoleUsers,
    platform,
    phone: {
      call: async (from = '+14155550100', to = `+${contactNumber}`) =>
        json(
          await fetch(`${sandboxUrl}/sandbox/v1/phone/calls`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ from, to }),
          }),
        ),
      get: async (uuid) => json(await fetch(`${sandboxUrl}/sandbox/v1/phone/calls/${uuid}`)),
      hangup: async (uuid) => {
        const response = await fetch(`${sandboxUrl}/sandbox/v1/phone/calls/${uuid}`, { method: 'DELETE' });
        if (!response.ok) throw new Error(`hangup: HTTP ${response.status}`);
      },
    },
    async callLog(agent = 'Jane') {
      const login = await json<{ refresh_token: string }>(
        await fetch(`${serverUrl}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: agent, password: agents[agent], client: 'desktop' }),
        }),
      );
      return json(await fetch(`${serverUrl}/api/calls`, { headers: { authorization: `Bearer ${login.refresh_token}` } }));
    },
    async stopSandbox() {
      const running = platform.sandbox;
      await running.close();
      // Closed once: the platform's stop() closes only a sandbox started again.
      platform.sandbox = { ...running, close: async () => undefined };
    },
    async startSandbox() {
      const port = Number(new URL(sandboxUrl).port);
      platform.sandbox = await startSandbox({ ...loadSandboxConfig({ ...process.env, DATA_DIR: dataDir }), port, verbose: log !== null }, log?.write);
    },
    logTail: () => log?.tail() ?? [],
    async stop() {
      await platform.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
