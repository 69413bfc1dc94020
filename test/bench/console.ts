/**
 * The operator console at scale: the call log's pages and its CSV export over 1,000,000
 * calls, and the console's cold load in Chromium.
 *
 * Method (call log):
 * - A throwaway embedded PostgreSQL cluster (fsync and synchronous_commit off: generated
 *   data only). The calls are the report bench's (./reports.ts FILL_CALLS): one INSERT …
 *   SELECT over generate_series, 1,000,000 finished inbound calls over the 90 days before
 *   2026-03-01, 200 agents, 5 queues, callers 1415 + 7 digits. Filled into the schema of the
 *   first four migrations with the secondary indexes dropped, then the indexes rebuilt and
 *   the later migrations run (agent_calls, queue_stats_daily and the call log's own indexes,
 *   as an upgrade would); 2 % of answered calls get a wrap-up with a disposition and notes
 *   (one more INSERT … SELECT); then VACUUM ANALYZE. The fill has a statement timeout of
 *   10 minutes, so it ends or fails in bounded time.
 * - The real backend in a child process (./backend-child.ts), over HTTP with the admin token:
 *   - first page (50 calls, no filter), the next page by its cursor;
 *   - filtered first pages: agent + 7 days, queue + outcome, one caller's number, a disposition;
 *   - the CSV export of a 7-day period (~78,000 calls) and of all 1,000,000 calls, timed to
 *     the last byte, with the backend's peak resident memory (VmHWM) before and after.
 * - Rounds interleave the measures (pages: BENCH_CALLLOG_RUNS, default 20; CSV of the whole
 *   set: 3); median, p95, min and max in ms.
 *
 * Method (cold load): the backend serves dist/console (the build `npm run bench` makes first)
 * on an empty database with one admin. Each sample is a new Chromium context (empty cache),
 * signed in through the API (the cookie set), then `page.goto('/console/wallboard')` and
 * waiting for the wallboard's table: the time is `performance.now()` at that moment, from
 * the navigation's start. Baseline: a static page (one heading, no script) from a plain
 * node:http server on 127.0.0.1, timed the same way to its heading. 15 samples each,
 * alternating. The compressed size of the console's first load is in ./wallboard.ts.
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { ROOT } from '../../scripts/build-desktop';
import { hashPassword } from '../../server/auth/passwords';
import { openDatabase } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { MIGRATIONS } from '../../server/db/migrations';
import { launchChromium } from '../support/chromium';
import { loadAverage, migrateDatabase, spawnBackend, startBenchCluster, startFakeVoiceApi, type BackendProcess } from './harness';
import { FILL_CALLS, FILLED_SCHEMA } from './reports';
import { printTable, summarize, type Row } from './table';

const CALLS = Number(process.env.BENCH_CALLLOG_CALLS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_CALLLOG_RUNS ?? 20);
const CSV_RUNS = Number(process.env.BENCH_CALLLOG_CSV_RUNS ?? 3);
const LOADS = Number(process.env.BENCH_CONSOLE_LOADS ?? 15);
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef0123456789';
const END = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;

const FILL_WRAPUPS = `
INSERT INTO call_wrapups (conversation_uuid, agent_key, agent, disposition, disposition_label, notes, updated_at)
SELECT conversation_uuid, lower(agent), agent, d.code, d.label,
       CASE WHEN hashtext(conversation_uuid) & 1 = 0 THEN 'Asked about "plan B", refund due' ELSE '' END, ended_at
FROM calls c
CROSS JOIN LATERAL (SELECT code, label FROM dispositions ORDER BY position OFFSET (hashtext(c.conversation_uuid) & 1023) % 4 LIMIT 1) d
WHERE outcome = 'answered' AND (hashtext(conversation_uuid) & 1023) < 20`;

/** Peak resident memory of a process, kB (Linux). */
function peakRssKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

async function timedGet(url: string): Promise<{ ms: number; bytes: number }> {
  const start = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (res.status !== 200 || !res.body) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  let bytes = 0;
  const reader = res.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
  return { ms: performance.now() - start, bytes };
}

/** Fill a database with CALLS calls (see the method); returns its URL. */
async function fill(createDatabase: (name: string) => Promise<string>): Promise<string> {
  const url = await createDatabase('bench_calllog');
  const db = await openDatabase(url, { migrations: MIGRATIONS.filter((m) => m.version <= FILLED_SCHEMA) });
  try {
    await db.query("SET statement_timeout = '10min'");
    const { rows: indexes } = await db.query<{ name: string; def: string }>(
      `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = 'calls' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
    );
    for (const index of indexes) await db.query(`DROP INDEX "${index.name}"`);
    let t = performance.now();
    await db.query(FILL_CALLS, [CALLS]);
    for (const index of indexes) await db.query(index.def);
    const callsS = (performance.now() - t) / 1000;
    t = performance.now();
    await migrate(db, MIGRATIONS);
    await db.query(FILL_WRAPUPS);
    for (const table of ['calls', 'agent_calls', 'queue_stats_daily', 'call_wrapups']) await db.query(`VACUUM ANALYZE ${table}`);
    const restS = (performance.now() - t) / 1000;
    const { rows } = await db.query<{ calls: number; wrapups: number }>('SELECT (SELECT count(*) FROM calls)::int AS calls, (SELECT count(*) FROM call_wrapups)::int AS wrapups');
    console.log(`\nCall log: filled ${rows[0]?.calls} calls in ${callsS.toFixed(0)} s; migrations, ${rows[0]?.wrapups} wrap-ups and VACUUM ANALYZE in ${restS.toFixed(0)} s`);
  } finally {
    await db.close();
  }
  return url;
}

async function callLogBench(): Promise<void> {
  const cluster = await startBenchCluster('calllog', { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', maintenance_work_mem: '256MB' });
  const api = await startFakeVoiceApi();
  let backend: BackendProcess | undefined;
  try {
    const url = await fill((name) => cluster.createDatabase(name));
    backend = await spawnBackend({ databaseUrl: url, signatureSecret: 'bench-signature-secret-0123456789', apiUrl: api.url, contactNumber: '14155550199', makeAvailable: false });
    const base = `${backend.url}/api/console`;
    const iso = (ms: number) => new Date(ms).toISOString();
    const day = (i: number) => END - (1 + (i % 80)) * DAY;
    const agent = (i: number) => `agent-${String(1 + ((i * 37) % 200)).padStart(3, '0')}`;
    const caller = (i: number) => `1415${String((i * 7919) % CALLS).padStart(7, '0')}`;
    const firstPage = await (await fetch(`${base}/calls?limit=50`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as { next_cursor: string };
    const pages: Array<{ name: string; url: (i: number) => string; samples: number[] }> = [
      { name: 'first page (50), no filter', url: () => `${base}/calls?limit=50`, samples: [] },
      { name: 'second page by cursor (50)', url: () => `${base}/calls?limit=50&cursor=${firstPage.next_cursor}`, samples: [] },
      { name: 'agent + 7 days (50)', url: (i) => `${base}/calls?limit=50&agent=${agent(i)}&from=${iso(day(i) - 7 * DAY)}&to=${iso(day(i))}`, samples: [] },
      { name: 'queue + outcome (50)', url: (i) => `${base}/calls?limit=50&queue=${['sales', 'support', 'billing', 'tech', 'vip'][i % 5]}&outcome=abandoned`, samples: [] },
      { name: "one caller's number (50)", url: (i) => `${base}/calls?limit=50&number=${caller(i)}`, samples: [] },
      { name: 'disposition (50)', url: (i) => `${base}/calls?limit=50&disposition=${['resolved', 'follow-up', 'escalated', 'wrong-number'][i % 4]}`, samples: [] },
      { name: 'CSV, 7 days (~78k calls)', url: (i) => `${base}/calls.csv?from=${iso(day(i) - 7 * DAY)}&to=${iso(day(i))}`, samples: [] },
    ];
    for (const p of pages) await timedGet(p.url(RUNS));
    for (let i = 0; i < RUNS; i++) {
      for (const p of i % 2 === 0 ? pages : [...pages].reverse()) p.samples.push((await timedGet(p.url(i))).ms);
    }
    const rssBefore = peakRssKb(backend.pid);
    const whole: number[] = [];
    let bytes = 0;
    for (let i = 0; i < CSV_RUNS; i++) {
      const r = await timedGet(`${base}/calls.csv`);
      whole.push(r.ms);
      bytes = r.bytes;
    }
    const rows: Row[] = [...pages.map((p) => summarize(p.name, p.samples)), summarize(`CSV, all ${CALLS.toLocaleString('en')} calls`, whole)];
    printTable(`Console call log over ${CALLS.toLocaleString('en')} calls, over HTTP, interleaved (${RUNS} runs per page, ${CSV_RUNS} whole exports; method: test/bench/console.ts)`, rows);
    console.log(
      `Whole CSV: ${(bytes / 1e6).toFixed(1)} MB, ${((bytes / 1e6) / ((whole.sort((a, b) => a - b)[Math.floor(whole.length / 2)] ?? 1) / 1000)).toFixed(1)} MB/s at the median; backend peak RSS ${(rssBefore / 1024).toFixed(0)} MB before the whole exports, ${(peakRssKb(backend.pid) / 1024).toFixed(0)} MB after.`,
    );
  } finally {
    await backend?.stop().catch(() => undefined);
    await api.close();
    await cluster.stop();
  }
}

async function coldLoadBench(): Promise<void> {
  const consoleDir = path.join(ROOT, 'dist/console');
  const cluster = await startBenchCluster('console-load');
  const api = await startFakeVoiceApi();
  const staticPage = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head><body><h1 id="ready">Static page</h1></body></html>');
  });
  await new Promise<void>((resolve) => staticPage.listen(0, '127.0.0.1', resolve));
  const address = staticPage.address();
  const staticUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  let backend: BackendProcess | undefined;
  const browser = await launchChromium();
  try {
    const url = await cluster.createDatabase('bench_console_load');
    await migrateDatabase(url);
    const db = await openDatabase(url, { max: 1 });
    await db.query(`INSERT INTO console_users (id, name, display_name, role, password_hash, created_at) VALUES ($1, 'bench', 'Bench', 'admin', $2, now())`, [
      randomUUID(),
      await hashPassword('bench-console-pw'),
    ]);
    await db.close();
    backend = await spawnBackend({ databaseUrl: url, signatureSecret: 'bench-signature-secret-0123456789', apiUrl: api.url, contactNumber: '14155550199', makeAvailable: false, consoleDir });
    const consoleUrl = backend.url;
    const load = async (target: 'console' | 'static'): Promise<number> => {
      const context = await browser.newContext();
      try {
        if (target === 'console') {
          const res = await context.request.post(`${consoleUrl}/api/console/login`, { data: { name: 'bench', password: 'bench-console-pw' } });
          if (res.status() !== 200) throw new Error(`console sign-in: HTTP ${res.status()}`);
        }
        const page = await context.newPage();
        await page.goto(target === 'console' ? `${consoleUrl}/console/wallboard` : staticUrl, { waitUntil: 'commit' });
        const selector = target === 'console' ? '[data-testid="wallboard"]' : '#ready';
        const handle = await page.waitForFunction((s) => (document.querySelector(s) ? performance.now() : 0), selector, { polling: 'raf' });
        return (await handle.jsonValue()) as number;
      } finally {
        await context.close();
      }
    };
    await load('static');
    await load('console');
    const samples = { static: [] as number[], console: [] as number[] };
    for (let i = 0; i < LOADS; i++) {
      for (const target of i % 2 === 0 ? (['static', 'console'] as const) : (['console', 'static'] as const)) samples[target].push(await load(target));
    }
    printTable(`Console cold load in Chromium: navigation start → first wallboard render, new context each (empty cache), ${LOADS} each, alternating (method: test/bench/console.ts)`, [
      summarize('static page baseline (one heading, node:http)', samples.static),
      summarize('console /console/wallboard, signed in', samples.console),
    ]);
  } finally {
    await browser.close();
    await backend?.stop().catch(() => undefined);
    staticPage.close();
    await api.close();
    await cluster.stop();
  }
}

/** Runs both parts; prints the tables. */
export async function runConsoleBench(): Promise<void> {
  const loadBefore = loadAverage();
  await coldLoadBench();
  await callLogBench();
  console.log(`Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAverage()}.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runConsoleBench();
