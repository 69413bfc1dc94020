/**
 * Signed webhooks against a minimal Express handler and against the floor of a webhook that
 * commits: req/s and p99 at 10 and 100 connections.
 *
 * Method:
 * - Subjects, each in a process of its own (the load generator is this process):
 *   - the backend (`startServer` in ./backend-child.ts: embedded PostgreSQL with its default
 *     settings, fsync on, in a temporary folder; a signature secret; pino silent; no agent
 *     available, so answer_url gives the number's fallback NCCO after the flow's lookups and
 *     writes; the Voice API is a local fake that nothing calls here);
 *   - a minimal Express app (./express-child.ts), the shape of Vonage's seed backends: a fixed
 *     NCCO for `GET /webhooks/answer`, `express.json()` and a 204 for `POST /webhooks/event`;
 *   - the floor (the same app with `BENCH_FLOOR_DB`): before answering, each request is one
 *     transaction (BEGIN, one INSERT into `webhook_floor`, COMMIT) on a pool of 10 connections to
 *     a database of its own in the same PostgreSQL server (same settings: fsync on). No webhook
 *     committed before its answer can be faster on this machine than this.
 * - Requests: every request is signed as Vonage signs them (HS256 JWT, `iat`, a fresh `jti`,
 *   `payload_hash` over the body, for a GET over the JSON of its query), built per request by
 *   autocannon's `setupRequest`; Express and the floor get the same signed requests (and ignore
 *   the header), so the generator's cost is the same for every subject.
 *   - answer: `GET /webhooks/answer?to=<contact>&from=<caller>&uuid=…&conversation_uuid=…`, a new
 *     call each time. The backend keeps each call open until it ends, so after each run (outside
 *     the measured time) the bench sends their signed `completed` events.
 *   - event: `POST /webhooks/event`, status events of distinct fake legs (each leg `started` then
 *     `completed`, its own conversation), committed to PostgreSQL before the 204.
 * - Load: autocannon, closed loop (each connection sends its next request when the answer
 *   arrives), 10 and 100 connections, 5 s per run after a 2 s warm-up per subject and endpoint.
 *   Rounds: 3; in each round every (connections, endpoint, subject) runs once, the subjects in
 *   turn, the order rotated each round (backend, Express, floor; then Express, floor, backend; …).
 * - Reported per (endpoint, connections, subject): median req/s and p99 ms over the rounds, and
 *   the spread (min–max) of each; errors summed (non-2xx, timeouts of 5 s, socket errors); the
 *   ratios of the median req/s: backend / Express and floor / Express (× Express), backend /
 *   floor (× floor). autocannon's latencies are whole milliseconds.
 *   All processes share the machine's cores with each other and with whatever else runs.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadAverage, pool, spawnBackend, startBenchCluster, startFakeVoiceApi, webhookSigner, migrateDatabase } from './harness';
import { percentile } from './table';

const CONTACT = '14155550199';
const CALLER = '14155550100';
const SECRET = 'bench-signature-secret-0123456789';
const SECONDS = Number(process.env.BENCH_SIGNED_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_SIGNED_ROUNDS ?? 3);
const CONNECTIONS = [10, 100] as const;

type Endpoint = 'answer' | 'event';
type Subject = 'backend' | 'express' | 'floor';
const SUBJECTS: readonly Subject[] = ['backend', 'express', 'floor'];

interface Run {
  rate: number;
  p99: number;
  errors: number;
}

/** One row of the printed table. */
export interface SignedWebhookRow {
  endpoint: Endpoint;
  connections: number;
  subject: Subject;
  runs: Run[];
}

const sign = webhookSigner(SECRET);

/** The n-th request of an endpoint (the path and body; the signature is added per request). */
function requestOf(endpoint: Endpoint, n: number): { method: 'GET' | 'POST'; path: string; body?: string } {
  if (endpoint === 'answer') {
    return { method: 'GET', path: `/webhooks/answer?to=${CONTACT}&from=${CALLER}&uuid=ans-leg-${n}&conversation_uuid=CON-ans-${n}` };
  }
  const leg = Math.floor(n / 2);
  const status = n % 2 === 0 ? 'started' : 'completed';
  const body = JSON.stringify({
    uuid: `ev-leg-${leg}`,
    conversation_uuid: `CON-ev-${leg}`,
    status,
    direction: 'inbound',
    from: CALLER,
    to: CONTACT,
    timestamp: new Date().toISOString(),
    ...(status === 'completed' ? { duration: '12' } : {}),
  });
  return { method: 'POST', path: '/webhooks/event', body };
}

async function load(url: string, endpoint: Endpoint, counter: { n: number }, connections: number, seconds: number): Promise<Run> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 5,
    requests: [
      {
        setupRequest: (request) => {
          const spec = requestOf(endpoint, counter.n++);
          const headers: Record<string, string> = { authorization: sign(spec.method, spec.path, spec.body) };
          if (spec.body !== undefined) headers['content-type'] = 'application/json';
          return { ...request, ...spec, headers };
        },
      },
    ],
  });
  return { rate: result.requests.average, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}

/** End the backend's calls that answer requests [from, to) began, as their callers hanging up would. */
async function endAnswered(url: string, from: number, to: number): Promise<void> {
  await pool(to - from, 16, async (i) => {
    const n = from + i;
    const body = JSON.stringify({ status: 'completed', uuid: `ans-leg-${n}`, conversation_uuid: `CON-ans-${n}`, direction: 'inbound', from: CALLER, to: CONTACT });
    await fetch(`${url}/webhooks/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: sign('POST', '/webhooks/event', body) },
      body,
    }).then((res) => res.arrayBuffer());
  });
}

/** The Express subject, or the floor given the database it commits to. */
async function startExpress(floorDatabaseUrl?: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(new URL('./express-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: floorDatabaseUrl ? { ...process.env, BENCH_FLOOR_DB: floorDatabaseUrl } : process.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`${floorDatabaseUrl ? 'floor' : 'express'} exited with ${code}`)));
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const range = (values: number[], digits: number) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

function printRows(rows: SignedWebhookRow[]): void {
  console.log(`\nSigned webhooks vs a minimal Express handler and a committing floor: autocannon, ${ROUNDS} rounds × ${SECONDS} s per row, interleaved (method: test/bench/signed-webhooks.ts)`);
  const head = ['req/s med', 'req/s min–max', 'p99 ms med', 'p99 min–max', 'errors', '× Express', '× floor'];
  console.log(`| ${'endpoint'.padEnd(22)} | conns | ${'subject'.padEnd(8)} | ${head.map((h) => h.padStart(13)).join(' | ')} |`);
  console.log(`|${'-'.repeat(24)}|-------|${'-'.repeat(10)}|${head.map(() => '-'.repeat(15)).join('|')}|`);
  for (const r of rows) {
    const rates = r.runs.map((x) => x.rate);
    const p99s = r.runs.map((x) => x.p99);
    const median = (subject: Subject) => {
      const row = rows.find((x) => x.endpoint === r.endpoint && x.connections === r.connections && x.subject === subject);
      return row ? percentile(row.runs.map((x) => x.rate), 50) : NaN;
    };
    const ratio = (subject: Subject) => (percentile(rates, 50) / median(subject)).toFixed(2);
    const cells = [
      percentile(rates, 50).toFixed(0),
      range(rates, 0),
      percentile(p99s, 50).toFixed(0),
      range(p99s, 0),
      String(r.runs.reduce((a, x) => a + x.errors, 0)),
      r.subject === 'express' ? '' : ratio('express'),
      r.subject === 'backend' ? ratio('floor') : '',
    ].map((c) => c.padStart(13));
    const label = r.endpoint === 'answer' ? 'GET /webhooks/answer' : 'POST /webhooks/event';
    console.log(`| ${label.padEnd(22)} | ${String(r.connections).padStart(5)} | ${r.subject.padEnd(8)} | ${cells.join(' | ')} |`);
  }
  console.log('Targets: signed answer ≥ 1.0× Express; event ≥ 0.5× Express (the × Express column, median req/s).');
  console.log('The floor commits one INSERT per request and nothing else: its × Express bounds what any committed webhook can reach here.');
}

/** Runs the comparison; prints and returns the rows. */
export async function runSignedWebhooksBench(): Promise<SignedWebhookRow[]> {
  const loadBefore = loadAverage();
  const cluster = await startBenchCluster('signed');
  const api = await startFakeVoiceApi();
  const stops: Array<() => Promise<void>> = [];
  try {
    const databaseUrl = await cluster.createDatabase('bench_signed');
    await migrateDatabase(databaseUrl);
    const backend = await spawnBackend({ databaseUrl, signatureSecret: SECRET, apiUrl: api.url, contactNumber: CONTACT, makeAvailable: false });
    stops.push(() => backend.stop());
    const express = await startExpress();
    stops.push(() => express.stop());
    const floor = await startExpress(await cluster.createDatabase('bench_floor'));
    stops.push(() => floor.stop());
    const urls: Record<Subject, string> = { backend: backend.url, express: express.url, floor: floor.url };
    const counters = Object.fromEntries(SUBJECTS.map((s) => [s, { answer: { n: 0 }, event: { n: 0 } }])) as Record<Subject, Record<Endpoint, { n: number }>>;
    const measure = async (subject: Subject, endpoint: Endpoint, connections: number, seconds: number): Promise<Run> => {
      const counter = counters[subject][endpoint];
      const from = counter.n;
      const run = await load(urls[subject], endpoint, counter, connections, seconds);
      if (subject === 'backend' && endpoint === 'answer') await endAnswered(urls.backend, from, counter.n);
      return run;
    };
    const rows: SignedWebhookRow[] = [];
    for (const endpoint of ['answer', 'event'] as const) {
      for (const connections of CONNECTIONS) {
        for (const subject of SUBJECTS) rows.push({ endpoint, connections, subject, runs: [] });
      }
    }
    for (const endpoint of ['answer', 'event'] as const) {
      for (const subject of SUBJECTS) await measure(subject, endpoint, 10, 2); // warm-up
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = SUBJECTS.map((_, i) => SUBJECTS[(i + round) % SUBJECTS.length] as Subject);
      for (const connections of CONNECTIONS) {
        for (const endpoint of ['answer', 'event'] as const) {
          for (const subject of order) {
            const row = rows.find((r) => r.endpoint === endpoint && r.connections === connections && r.subject === subject);
            row?.runs.push(await measure(subject, endpoint, connections, SECONDS));
          }
        }
      }
    }
    printRows(rows);
    console.log(`Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAverage()}.`);
    return rows;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await api.close();
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runSignedWebhooksBench();
}
