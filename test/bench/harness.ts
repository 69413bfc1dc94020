/**
 * Shared parts of the PostgreSQL-era benchmarks (signed-webhooks, call-cpu, reports, recovery):
 * an embedded PostgreSQL cluster in a temporary folder, backends in child processes, a fake
 * Voice API, Vonage-style webhook signatures, and CPU time read from /proc.
 *
 * Everything listens on 127.0.0.1 only, on ports the system picks.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../server/db/embedded';

/** A throwaway cluster and its folder; `stop()` stops the server and removes the folder. */
export interface BenchCluster {
  /** URL of its `switchboard` database. */
  url: string;
  /** The postmaster's pid (its children are the sessions). */
  pid: number;
  /** URL of a new database `name` (created empty). */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Start a PostgreSQL server in a temporary folder; `settings` as {@link startEmbeddedPostgres}. */
export async function startBenchCluster(label: string, settings: Record<string, string> = {}): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), `switchboard-bench-${label}-`));
  let db: EmbeddedDatabase;
  try {
    db = await startEmbeddedPostgres({ dir: join(dir, 'postgres'), settings });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = Number(readFileSync(join(db.dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url: db.url,
    pid,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(db.url);
      url.pathname = `/${name}`;
      return url.href;
    },
    async stop() {
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU time (user + system) of a process in ms, from /proc (Linux); 0 when it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 after the name; clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU time of a PostgreSQL server's processes: the postmaster and its live children (sessions, background workers). */
export function clusterCpuMs(postmasterPid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${postmasterPid}/task/${postmasterPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // not Linux, or gone
  }
  return [postmasterPid, ...children].reduce((sum, pid) => sum + processCpuMs(pid), 0);
}

/** The system's load averages, for the printed notes. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}

/** Signs webhooks as Vonage does: HS256 JWT with iat, a fresh jti and the payload hash. */
export function webhookSigner(secret: string): (method: string, path: string, body?: string) => string {
  const key = Buffer.from(secret, 'utf8');
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  return (method, path, body) => {
    let payload: string;
    if (method === 'GET') {
      const query = path.includes('?') ? path.slice(path.indexOf('?') + 1) : '';
      payload = JSON.stringify(Object.fromEntries(new URLSearchParams(query)));
    } else payload = body ?? '';
    const claims = {
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      application_id: 'bench-application',
      payload_hash: createHash('sha256').update(payload, 'utf8').digest('hex'),
    };
    const unsigned = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `Bearer ${unsigned}.${createHmac('sha256', key).update(unsigned).digest('base64url')}`;
  };
}

/** Options of {@link spawnBackend}. */
export interface BackendOptions {
  databaseUrl: string;
  signatureSecret: string;
  /** The Voice API the backend calls (the fake one). */
  apiUrl: string;
  contactNumber: string;
  /** Agents to make available at start: all those in the database, or none. */
  makeAvailable: boolean;
  /** Shorter reconciliation timing (ms), for the recovery bench. */
  reconcile?: { settleMs: number; everyMs: number };
  /** Built console to serve at /console/ (the console bench). */
  consoleDir?: string;
}

/** A backend in a child process. */
export interface BackendProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Ask it to close, then wait for it to exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Kill it at once (SIGKILL) and wait for the exit. */
  kill(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./backend-child.ts', import.meta.url));

/** Start the backend (`startServer`, pino silent) in a child process running `backend-child.ts`. */
export async function spawnBackend(options: BackendOptions): Promise<BackendProcess> {
  const child = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_BACKEND: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url?: string; error?: string }) => (message.url ? resolve(message.url) : reject(new Error(message.error))));
    child.once('exit', (code) => reject(new Error(`backend exited with ${code} before listening`)));
  });
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A leg the backend created with POST /v1/calls: its uuid, answer_url and the app user it rings. */
export interface CreatedLeg {
  uuid: string;
  answerUrl: string;
  user: string;
}

/** A fake Voice API: POST /v1/calls creates a leg, PUT acknowledges, GET /v1/calls/{uuid} says `completed`. */
export interface FakeVoiceApi {
  url: string;
  /** Legs created with POST /v1/calls, with the answer_url each was given. */
  created: CreatedLeg[];
  /** Called for each created leg. */
  onCreate?: (leg: CreatedLeg) => void;
  /** GET /v1/calls/{uuid} requests answered. */
  lookups: number;
  close(): Promise<void>;
}

export async function startFakeVoiceApi(): Promise<FakeVoiceApi> {
  const api: FakeVoiceApi = { url: '', created: [], lookups: 0, close: async () => undefined };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && path === '/v1/calls') {
        const request = JSON.parse(body || '{}') as { answer_url?: string[]; to?: Array<{ user?: string }> };
        const leg = { uuid: `leg-${randomUUID()}`, answerUrl: request.answer_url?.[0] ?? '', user: request.to?.[0]?.user ?? '' };
        api.created.push(leg);
        api.onCreate?.(leg);
        res.statusCode = 201;
        res.end(JSON.stringify({ uuid: leg.uuid, status: 'started', direction: 'outbound', conversation_uuid: `CON-${randomUUID()}` }));
        return;
      }
      const match = /^\/v1\/calls\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && match) {
        api.lookups += 1;
        const uuid = decodeURIComponent(match[1] ?? '');
        res.end(JSON.stringify({ uuid, status: 'completed', conversation_uuid: null, end_time: new Date().toISOString(), duration: '30' }));
        return;
      }
      res.statusCode = req.method === 'PUT' ? 200 : 404;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}

/** Insert `count` agents named `agent-0001`… straight into `agents` (no password hashing: they never log in). */
export async function insertAgents(databaseUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO agents (id, name, display_name, password_hash, disabled, created_at)
       SELECT 'bench-agent-' || i, 'agent-' || lpad(i::text, 4, '0'), 'Agent ' || i, 'not-a-hash', false, now()
       FROM generate_series(1, $1) AS i`,
      [count],
    );
  } finally {
    await client.end();
  }
}

/** Run `task(0..count-1)` with at most `width` at a time. */
export async function pool(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Apply the backend's migrations to a database (as the backend would at start). */
export async function migrateDatabase(databaseUrl: string): Promise<void> {
  const { openDatabase } = await import('../../server/db/database');
  const db = await openDatabase(databaseUrl, { max: 1 });
  await db.close();
}

/** Drives inbound calls' webhooks against a backend, as the platform would send them (signed). */
export class CallDriver {
  private readonly waiting = new Map<string, (leg: CreatedLeg) => void>();
  private readonly early = new Map<string, CreatedLeg>();
  private readonly sign: ReturnType<typeof webhookSigner>;

  constructor(
    api: FakeVoiceApi,
    secret: string,
    private readonly contact: string,
    private readonly caller: string,
  ) {
    this.sign = webhookSigner(secret);
    api.onCreate = (leg) => {
      const call = new URL(leg.answerUrl, 'http://x').searchParams.get('call') ?? '';
      const resolve = this.waiting.get(call);
      if (resolve) {
        this.waiting.delete(call);
        resolve(leg);
      } else this.early.set(call, leg);
    };
  }

  private async send(base: string, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<string> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { authorization: this.sign(method, path, text) };
    if (text !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, ...(text !== undefined ? { body: text } : {}) });
    const answer = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path.split('?')[0]}: HTTP ${res.status} ${answer.slice(0, 200)}`);
    return answer;
  }

  private agentLeg(call: string, timeoutMs: number): Promise<CreatedLeg> {
    const known = this.early.get(call);
    if (known) {
      this.early.delete(call);
      return Promise.resolve(known);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(call);
        reject(new Error(`no agent leg placed for ${call} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(call, (leg) => {
        clearTimeout(timer);
        resolve(leg);
      });
    });
  }

  /**
   * Call `id` up to both legs answered: answer_url, the caller leg's started/ringing/answered,
   * then the agent leg's started/ringing/answered — the leg the answer NCCO's `connect` makes,
   * or else the one the backend places through the (fake) Voice API, whose answer_url comes first.
   */
  async connect(base: string, id: string): Promise<{ caller: string; conversation: string; agentLeg: CreatedLeg }> {
    const caller = `in-${id}`;
    const conversation = `CON-${id}`;
    const leg = (uuid: string, status: string, extra: Record<string, unknown> = {}) => ({
      uuid,
      conversation_uuid: conversation,
      status,
      timestamp: new Date().toISOString(),
      ...extra,
    });
    const inbound = { direction: 'inbound', from: this.caller, to: this.contact };
    const ncco = JSON.parse(
      await this.send(base, 'GET', `/webhooks/answer?to=${this.contact}&from=${this.caller}&uuid=${caller}&conversation_uuid=${conversation}`),
    ) as Array<{ action?: string; endpoint?: Array<{ type?: string; user?: string }> }>;
    // The first agent is rung by the NCCO's connect (the platform makes the leg); later ones through the Voice API.
    const user = ncco.find((a) => a.action === 'connect')?.endpoint?.find((e) => e.type === 'app')?.user;
    for (const status of ['started', 'ringing', 'answered']) await this.send(base, 'POST', '/webhooks/event', leg(caller, status, inbound));
    const agentLeg: CreatedLeg = user ? { uuid: `agent-${id}`, answerUrl: '', user } : await this.agentLeg(caller, 15_000);
    const outbound = { direction: 'outbound', from: this.caller, to: agentLeg.user };
    for (const status of ['started', 'ringing']) await this.send(base, 'POST', '/webhooks/event', leg(agentLeg.uuid, status, outbound));
    if (!agentLeg.answerUrl) {
      await this.send(base, 'POST', '/webhooks/event', leg(agentLeg.uuid, 'answered', outbound));
      return { caller, conversation, agentLeg };
    }
    const answer = new URL(agentLeg.answerUrl);
    const params = new URLSearchParams(answer.search);
    params.set('uuid', agentLeg.uuid);
    params.set('conversation_uuid', conversation);
    params.set('from', this.caller);
    params.set('to', agentLeg.user);
    await this.send(base, 'GET', `${answer.pathname}?${params.toString()}`);
    await this.send(base, 'POST', '/webhooks/event', leg(agentLeg.uuid, 'answered', outbound));
    return { caller, conversation, agentLeg };
  }

  /** Both legs complete (the agent's first), as when the caller hangs up. */
  async hangUp(base: string, call: { caller: string; conversation: string; agentLeg: CreatedLeg }): Promise<void> {
    const at = new Date().toISOString();
    await this.send(base, 'POST', '/webhooks/event', {
      uuid: call.agentLeg.uuid, conversation_uuid: call.conversation, status: 'completed', duration: '30', timestamp: at,
      direction: 'outbound', from: this.caller, to: call.agentLeg.user,
    });
    await this.send(base, 'POST', '/webhooks/event', {
      uuid: call.caller, conversation_uuid: call.conversation, status: 'completed', duration: '32', timestamp: at,
      direction: 'inbound', from: this.caller, to: this.contact,
    });
  }
}
