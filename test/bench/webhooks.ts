/**
 * Webhook throughput and latency: `POST /webhooks/event` and `GET /webhooks/answer` on loopback.
 *
 * Method:
 * - The backend runs as deployed (`startServer` on an embedded PostgreSQL cluster in a
 *   temporary folder, DATA_DIR temporary too, pino at `silent`, agents Jane and Joe seeded and available, wrap-up 0 s, the
 *   contact number's default flow) in a worker thread, so the load generator on the main
 *   thread and the server each have an event loop. They share the machine's cores (and the
 *   machine is shared with other work, which shows in the numbers).
 * - event_url: each request is a realistic status event; every 8 requests form one inbound
 *   call (caller started/ringing/answered, Jane's leg started/ringing/answered/completed,
 *   caller completed), so each write re-summarises a call of up to 8 events, moves Jane's
 *   presence and reaches the call-event subscribers (the flows' routing).
 * - answer_url: the platform's GET for an inbound call to the contact number, a new
 *   conversation each time (the active flow's lookups and its call-record write). The flows
 *   keep a live call in memory until it ends, so after each run (outside the measured time)
 *   the bench sends those calls' `completed` events, as their callers hanging up would.
 * - Maximum rate: autocannon, unthrottled, 10 connections, 10 s (closed loop: each connection
 *   sends its next request when the previous answer arrives), after a 5 s warm-up.
 * - Fixed rates: an open-loop generator here, not autocannon's rate option — that one lets each
 *   connection fire its whole per-second quota back to back at the top of every second and
 *   back-fills latencies, which measures bursts rather than a steady rate. Ours schedules
 *   request i at start + i / rate (sent on the next 1 ms timer tick) over a keep-alive pool of 64
 *   sockets and times each request from its scheduled moment to its answer (so a server that
 *   falls behind shows the queueing, and the tick's delay counts against us, not for us).
 * - Maximum sustainable rate: the highest of 90 %, 80 %, … of the autocannon maximum that the
 *   open-loop generator keeps (≥ 98 % of the target achieved, no errors, p99 ≤ 50 ms) in a 5 s
 *   probe and then for 10 s; that 10 s run is reported.
 * - Everything is measured twice: on the fresh server, then after it has taken a history of
 *   BENCH_WEBHOOK_HISTORY (default 10,000) calls through the same endpoints, unmeasured (8
 *   events and one answer each), so the second set is a server in service, not a new one.
 * - Reported: achieved req/s, mean, p50 and p99 latency in ms, errors (failed connections,
 *   timeouts of 5 s, non-2xx answers). autocannon's latencies are whole milliseconds.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import type { AppContext } from '../../server/context';
import { startBenchCluster } from './harness';
import { percentile } from './table';

const CONTACT = '14155550199';
const CALLER = '14155550100';
const SECONDS = 10;
/** Calls the server takes before the second set of measures (BENCH_WEBHOOK_HISTORY overrides). */
const DEFAULT_HISTORY_CALLS = 10_000;
/** The p99 a rate must keep to count as sustainable. */
const SUSTAINABLE_P99_MS = 50;

/** One request of a benchmark. */
interface BenchRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

/** An endpoint under test: its label, its n-th request, and what ends the calls requests [from, to) began. */
interface Endpoint {
  label: string;
  request(n: number): BenchRequest;
  cleanUp?(url: string, from: number, to: number): Promise<void>;
}

/** One row of the printed table. */
export interface WebhookBenchRow {
  endpoint: string;
  load: string;
  rate: number;
  mean: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Worker side: start the backend on 127.0.0.1:0, make the agents available, report the URL. */
async function serveInWorker(dataDir: string, databaseUrl: string): Promise<void> {
  const { loadServerConfig } = await import('../../server/config');
  const { startServer } = await import('../../server/start');
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const keyPath = join(dataDir, 'private.key');
  writeFileSync(keyPath, privateKey, { mode: 0o600 });
  const config = loadServerConfig({
    SERVER_PORT: '0',
    SERVER_HOST: '127.0.0.1',
    DATA_DIR: join(dataDir, 'data'),
    DATABASE_URL: databaseUrl,
    VONAGE_APPLICATION_ID: 'bench-application',
    VONAGE_PRIVATE_KEY_PATH: keyPath,
    CONTACT_NUMBER: CONTACT,
    LOG_LEVEL: 'silent',
    WRAP_UP_S: '0',
  });
  let context: AppContext | undefined;
  const server = await startServer(config, {
    onContext: (ctx) => (context = ctx),
    seedAgents: [
      { name: 'Jane', display_name: 'Jane', password: 'bench-password-jane' },
      { name: 'Joe', display_name: 'Joe', password: 'bench-password-joe' },
    ],
  });
  for (const agent of context?.presence.list() ?? []) await context?.presence.choose(agent.agentId, 'available');
  parentPort?.on('message', (message) => {
    if (message === 'stop') void server.close().then(() => parentPort?.postMessage('stopped'));
  });
  parentPort?.postMessage({ url: server.url });
}

/** The n-th event: calls of 8 events each, in the order a real inbound call sends them. */
function eventBody(n: number): string {
  const call = Math.floor(n / 8);
  const conversation = `CON-bench-${call}`;
  const phone = { uuid: `leg-phone-${call}`, conversation_uuid: conversation, direction: 'inbound', from: CALLER, to: CONTACT };
  const jane = { uuid: `leg-jane-${call}`, conversation_uuid: conversation, direction: 'outbound', from: CALLER, to: 'Jane' };
  const steps = [
    { ...phone, status: 'started' },
    { ...phone, status: 'ringing' },
    { ...phone, status: 'answered' },
    { ...jane, status: 'started' },
    { ...jane, status: 'ringing' },
    { ...jane, status: 'answered' },
    { ...jane, status: 'completed', duration: '42' },
    { ...phone, status: 'completed', duration: '45' },
  ];
  return JSON.stringify({ ...steps[n % 8], timestamp: new Date(Date.UTC(2026, 2, 2, 9, 0, 0) + n).toISOString() });
}

const ENDPOINTS: Endpoint[] = [
  { label: 'POST /webhooks/event', request: (n) => ({ method: 'POST', path: '/webhooks/event', body: eventBody(n) }) },
  {
    label: 'GET /webhooks/answer',
    request: (n) => ({ method: 'GET', path: `/webhooks/answer?to=${CONTACT}&from=${CALLER}&uuid=ans-leg-${n}&conversation_uuid=CON-ans-${n}` }),
    // The flows keep each answered call in memory until it ends: end them between runs, as callers would.
    cleanUp: (url, from, to) =>
      pool(to - from, 32, async (i) => {
        const n = from + i;
        const body = { status: 'completed', uuid: `ans-leg-${n}`, conversation_uuid: `CON-ans-${n}`, direction: 'inbound', from: CALLER, to: CONTACT };
        await fetch(`${url}/webhooks/event`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      }),
  },
];

/** Run `task(0..count-1)` with at most `width` at a time. */
async function pool(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Run one measurement, then let the endpoint end the calls it began (outside the measured time). */
async function measured<T>(url: string, endpoint: Endpoint, counter: { n: number }, measure: () => Promise<T>): Promise<T> {
  const from = counter.n;
  const result = await measure();
  await endpoint.cleanUp?.(url, from, counter.n);
  return result;
}

/** Sends `count` of an endpoint's requests, 16 at a time, unmeasured (history for the server to carry). */
async function preload(url: string, endpoint: Endpoint, counter: { n: number }, count: number): Promise<void> {
  await pool(count, 16, async () => {
    const spec = endpoint.request(counter.n++);
    const response = await fetch(`${url}${spec.path}`, { method: spec.method, headers: { 'content-type': 'application/json' }, body: spec.body });
    await response.arrayBuffer();
  });
}

/** Closed loop, as fast as the server answers: autocannon with 10 connections. */
async function saturate(url: string, endpoint: Endpoint, counter: { n: number }, seconds: number): Promise<WebhookBenchRow> {
  const result = await autocannon({
    url,
    connections: 10,
    duration: seconds,
    timeout: 5,
    requests: [
      {
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, ...endpoint.request(counter.n++) }),
      },
    ],
  });
  return {
    endpoint: endpoint.label,
    load: 'maximum (autocannon, 10 connections)',
    rate: result.requests.average,
    mean: result.latency.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** Open loop at a fixed rate: request i is due at start + i / rate; latency counts from then. */
async function paced(url: string, endpoint: Endpoint, counter: { n: number }, rate: number, seconds: number): Promise<WebhookBenchRow> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const { hostname, port } = new URL(url);
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  let lastDone = 0;
  const inFlight: Array<Promise<void>> = [];
  const send = (due: number, spec: BenchRequest) =>
    new Promise<void>((resolve) => {
      const done = (ok: boolean) => {
        const now = performance.now();
        if (ok) latencies.push(now - due);
        else errors += 1;
        lastDone = Math.max(lastDone, now);
        resolve();
      };
      const req = httpRequest(
        { agent, hostname, port, method: spec.method, path: spec.path, headers: spec.body ? { 'content-type': 'application/json' } : {}, timeout: 5_000 },
        (res) => {
          res.resume();
          res.on('end', () => done((res.statusCode ?? 500) < 300));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(false));
      req.end(spec.body);
    });
  const start = performance.now();
  let i = 0;
  while (i < total) {
    // Send everything due by now, then sleep about a millisecond (no busy-waiting on a shared machine).
    const now = performance.now();
    for (let due = start + (i * 1000) / rate; i < total && due <= now; due = start + (++i * 1000) / rate) {
      inFlight.push(send(due, endpoint.request(counter.n++)));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  agent.destroy();
  const elapsedS = (lastDone - start) / 1000;
  return {
    endpoint: endpoint.label,
    load: `fixed ${rate} req/s (open loop)`,
    rate: latencies.length / elapsedS,
    mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

/** Whether an open-loop run kept its target: ≥ 98 % achieved, no errors, p99 ≤ {@link SUSTAINABLE_P99_MS}. */
function kept(run: WebhookBenchRow, rate: number): boolean {
  return run.rate >= rate * 0.98 && run.p99 <= SUSTAINABLE_P99_MS && run.errors === 0;
}

/**
 * The highest of 90 %, 80 %, … of `maximum` that the open loop keeps in a 5 s probe and then
 * for {@link SECONDS}; returns that run.
 */
async function sustainable(url: string, endpoint: Endpoint, counter: { n: number }, maximum: number): Promise<WebhookBenchRow> {
  let last: WebhookBenchRow | null = null;
  for (let tenth = 9; tenth >= 1; tenth--) {
    const rate = Math.max(1, Math.floor((maximum * tenth) / 10));
    last = { ...(await measured(url, endpoint, counter, () => paced(url, endpoint, counter, rate, 5))), load: `max sustainable: fixed ${rate} req/s` };
    if (!kept(last, rate)) continue;
    last = { ...(await measured(url, endpoint, counter, () => paced(url, endpoint, counter, rate, SECONDS))), load: `max sustainable: fixed ${rate} req/s` };
    if (kept(last, rate)) return last;
  }
  return { ...(last as WebhookBenchRow), load: `${(last as WebhookBenchRow).load} (p99 still > ${SUSTAINABLE_P99_MS} ms)` };
}

function printRows(rows: WebhookBenchRow[]): void {
  console.log('\nWebhooks on loopback, 10 s per row (method: test/bench/webhooks.ts)');
  const head = ['req/s', 'mean ms', 'p50 ms', 'p99 ms', 'errors'];
  console.log(`| ${'endpoint'.padEnd(22)} | ${'load'.padEnd(72)} | ${head.map((h) => h.padStart(8)).join(' | ')} |`);
  console.log(`|${'-'.repeat(24)}|${'-'.repeat(74)}|${head.map(() => '-'.repeat(10)).join('|')}|`);
  for (const r of rows) {
    const cells = [r.rate.toFixed(0), r.mean.toFixed(1), r.p50.toFixed(1), r.p99.toFixed(1), String(r.errors)].map((c) => c.padStart(8));
    console.log(`| ${r.endpoint.padEnd(22)} | ${r.load.padEnd(72)} | ${cells.join(' | ')} |`);
  }
}

/** Runs the webhook benchmark against a backend in a worker thread; prints and returns the rows. */
export async function runWebhooksBench(): Promise<WebhookBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-webhooks-'));
  // The worker registers tsx, then loads this file (the worker branch at the bottom).
  const loader = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const cluster = await startBenchCluster('webhooks');
  const worker = new Worker(loader, { eval: true, workerData: { dataDir: dir, databaseUrl: cluster.url } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      worker.once('message', (message: { url: string }) => resolve(message.url));
      worker.once('error', reject);
    });
    const rows: WebhookBenchRow[] = [];
    const counters = ENDPOINTS.map(() => ({ n: 0 }));
    const measureAll = async (when: string) => {
      const first = rows.length;
      for (const [i, endpoint] of ENDPOINTS.entries()) {
        const counter = counters[i]!;
        const tagged = (row: WebhookBenchRow) => ({ ...row, load: `${row.load}, ${when}` });
        await measured(url, endpoint, counter, () => saturate(url, endpoint, counter, 5)); // warm-up
        rows.push(tagged(await measured(url, endpoint, counter, () => paced(url, endpoint, counter, 1_000, SECONDS))));
        const maximum = await measured(url, endpoint, counter, () => saturate(url, endpoint, counter, SECONDS));
        rows.push(tagged(maximum));
        rows.push(tagged(await sustainable(url, endpoint, counter, maximum.rate)));
      }
      printRows(rows.slice(first));
    };
    await measureAll('fresh server');
    // A server in service has history: its tables and indexes hold past calls, its caches and
    // heap have churned. The same endpoints take that history first, unmeasured, then again.
    const history = Number(process.env.BENCH_WEBHOOK_HISTORY ?? DEFAULT_HISTORY_CALLS);
    for (const [i, endpoint] of ENDPOINTS.entries()) {
      const requests = endpoint.label.startsWith('POST') ? history * 8 : history;
      await measured(url, endpoint, counters[i]!, () => preload(url, endpoint, counters[i]!, requests));
    }
    await measureAll(`after ${history.toLocaleString('en-US')} calls of history`);
    return rows;
  } finally {
    worker.postMessage('stop');
    await new Promise((resolve) => {
      worker.once('message', resolve);
      worker.once('exit', resolve);
    });
    await worker.terminate();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!isMainThread) {
  const { dataDir, databaseUrl } = workerData as { dataDir: string; databaseUrl: string };
  void serveInWorker(dataDir, databaseUrl);
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runWebhooksBench();
}
