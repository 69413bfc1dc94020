/**
 * Report queries over 1,000,000 calls: the call-log storage methods the API uses, p50/p99.
 *
 * Method:
 * - A throwaway embedded PostgreSQL cluster (fsync and synchronous_commit off: it only holds
 *   generated data), the backend's migrations, then INSERT … SELECT over generate_series:
 *   1,000,000 finished inbound calls spread evenly over the 90 days before 2026-03-01, across
 *   200 agents (`agent-001`…) and 5 queues (every call queued), outcomes 78 % answered, 10 %
 *   missed, 7 % abandoned, 5 % voicemail; wait 0–59 s, talk 10–609 s.
 *   call_events: per call the caller leg's `completed` (no agent); for an answered call the
 *   agent leg's `ringing`, `answered`, `completed`; for a missed call an agent leg's `ringing`
 *   and `timeout`; for 10 % of answered calls also a first agent's `ringing` + `timeout`
 *   (declined before another answered). About 3.5 million events. The tables are filled as
 *   the first four migrations define them, their secondary indexes dropped for the fill and
 *   rebuilt from their definitions; then the later migrations run, which build the report
 *   tables (agent_calls, queue_stats_daily) from the calls as an upgrade would; then VACUUM
 *   ANALYZE (as autovacuum would).
 * - Timed (wall clock around the repository call, pool of 10 connections, warm cache): each
 *   measure `RUNS` times, interleaved round-robin, each run with another agent / day / queue:
 *   - agent history: `callsOfAgent` first page (limit 20) and a deep page (offset 4,000 of ~5,000);
 *   - missed calls: `missedCallsOfAgent`, first page;
 *   - queue stats: `queueStats` for one day and for 30 days (whole UTC days), and for 24 hours
 *     and 30 days from 13:00 (partial days at both ends);
 *   - admin search: `findCalls` over 7 days with an agent, with an outcome, with a queue
 *     (limit 50), and with no filter at all (the whole history).
 * - Reported: p50, p99 and max in ms. Target p99 ≤ 50 ms.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../server/db/database';
import { migrate } from '../../server/db/migrate';
import { MIGRATIONS } from '../../server/db/migrations';
import { createCallLogRepository } from '../../server/storage/call-log-pg';
import { loadAverage, startBenchCluster } from './harness';
import { percentile } from './table';

const CALLS = Number(process.env.BENCH_REPORT_CALLS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_REPORT_RUNS ?? 50);
const TARGET_P99_MS = 50;
const END = Date.parse('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const QUEUES = ['sales', 'support', 'billing', 'tech', 'vip'];
/** The schema the fill writes (calls, call_events): migrations up to this one; the later ones run after it. */
export const FILLED_SCHEMA = 4;

export const FILL_CALLS = `
INSERT INTO calls (conversation_uuid, direction, from_addr, to_addr, agent, status, started_at, answered_at, ended_at, duration_s,
                   flow, queue, topic, queued_at, wait_s, talk_s, outcome, flow_outcome, recording_url, voicemail_url, updated_at)
SELECT 'CON-' || i, 'inbound', '1415' || lpad((i % 1000000)::text, 7, '0'), '14155550199',
       CASE WHEN o = 'answered' THEN 'agent-' || lpad((1 + (i * 7919) % 200)::text, 3, '0') END,
       'completed', s, CASE WHEN o = 'answered' THEN s + make_interval(secs => w) END, s + make_interval(secs => w + t), w + t,
       'queue', q, NULL, s, w, CASE WHEN o = 'answered' THEN t END, o, NULL, NULL, NULL, s + make_interval(secs => w + t)
FROM (
  SELECT i,
         to_timestamp(${END / 1000} - 90 * 86400 + (i::float8 * 90 * 86400 / $1)) AS s,
         (i * 31) % 60 AS w,
         10 + (i * 17) % 600 AS t,
         (ARRAY['sales','support','billing','tech','vip'])[(1 + (i * 13) % 5)::int] AS q,
         CASE WHEN (i * 37) % 100 < 78 THEN 'answered' WHEN (i * 37) % 100 < 88 THEN 'missed'
              WHEN (i * 37) % 100 < 95 THEN 'abandoned' ELSE 'voicemail' END AS o
  FROM generate_series(1::bigint, $1::bigint) AS i
) g`;

/** The events of the calls (see the method above); `agent-NNN` of a missed/declined leg is another agent. */
const FILL_EVENTS = `
INSERT INTO call_events (conversation_uuid, uuid, kind, status, agent, direction, from_addr, to_addr, timestamp, raw, received_at)
SELECT c.conversation_uuid, leg.uuid, 'status', leg.status, leg.agent, leg.direction, c.from_addr, leg.to_addr, leg.at, '{}', leg.at
FROM calls c
CROSS JOIN LATERAL (
  SELECT 'caller-' || c.conversation_uuid AS uuid, 'completed' AS status, NULL AS agent, 'inbound' AS direction, c.to_addr AS to_addr, c.ended_at AS at
  UNION ALL
  SELECT 'agent-' || c.conversation_uuid, s.status, c.agent, 'outbound', c.agent, c.started_at + s.offs
  FROM (VALUES ('ringing', interval '0'), ('answered', interval '5 seconds'), ('completed', interval '60 seconds')) AS s(status, offs)
  WHERE c.outcome = 'answered'
  UNION ALL
  SELECT 'missed-' || c.conversation_uuid, s.status, m.agent, 'outbound', m.agent, c.started_at + s.offs
  FROM (SELECT 'agent-' || lpad((1 + (hashtext(c.conversation_uuid) & 1023) % 200)::text, 3, '0') AS agent) m,
       (VALUES ('ringing', interval '0'), ('timeout', interval '20 seconds')) AS s(status, offs)
  WHERE c.outcome = 'missed' OR (c.outcome = 'answered' AND (hashtext(c.conversation_uuid) & 1023) < 102)
) leg`;

interface Measure {
  name: string;
  run(i: number): Promise<unknown>;
  samples: number[];
}

/** Runs the report-query benchmark; prints and returns the rows (name, p50, p99, max). */
export async function runReportsBench(): Promise<Array<{ name: string; p50: number; p99: number; max: number }>> {
  const loadBefore = loadAverage();
  const cluster = await startBenchCluster('reports', { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', maintenance_work_mem: '256MB' });
  try {
    const url = await cluster.createDatabase('bench_reports');
    // The call log's tables as the first migrations made them: the later ones fill from them.
    const db = await openDatabase(url, { migrations: MIGRATIONS.filter((m) => m.version <= FILLED_SCHEMA) });
    try {
      // Filled without their secondary indexes (then rebuilt as the migrations define them): several times faster.
      const { rows: indexes } = await db.query<{ name: string; def: string }>(
        `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
          WHERE i.schemaname = 'public' AND i.tablename IN ('calls', 'call_events')
            AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
      );
      for (const index of indexes) await db.query(`DROP INDEX "${index.name}"`);
      let t = performance.now();
      await db.query(FILL_CALLS, [CALLS]);
      const callsS = (performance.now() - t) / 1000;
      t = performance.now();
      await db.query(FILL_EVENTS);
      for (const index of indexes) await db.query(index.def);
      const eventsS = (performance.now() - t) / 1000;
      t = performance.now();
      await migrate(db, MIGRATIONS);
      const migrateS = (performance.now() - t) / 1000;
      // What autovacuum does to a table in use (the visibility map lets index-only scans skip the rows).
      for (const table of ['calls', 'call_events', 'agent_calls', 'queue_stats_daily']) await db.query(`VACUUM ANALYZE ${table}`);
      const { rows } = await db.query<{ calls: number; events: number }>('SELECT (SELECT count(*) FROM calls)::int AS calls, (SELECT count(*) FROM call_events)::int AS events');
      console.log(
        `\nReport queries: filled ${rows[0]?.calls} calls in ${callsS.toFixed(0)} s, ${rows[0]?.events} events and the indexes in ${eventsS.toFixed(0)} s, later migrations in ${migrateS.toFixed(0)} s`,
      );

      const repo = createCallLogRepository(db);
      const agent = (i: number) => `agent-${String(1 + ((i * 37) % 200)).padStart(3, '0')}`;
      const day = (i: number) => END - (1 + (i % 80)) * DAY;
      const iso = (ms: number) => new Date(ms).toISOString();
      const measures: Measure[] = [
        { name: 'callsOfAgent, first page (20)', run: (i) => repo.callsOfAgent(agent(i), { limit: 20, offset: 0 }), samples: [] },
        { name: 'callsOfAgent, deep page (offset 4,000)', run: (i) => repo.callsOfAgent(agent(i), { limit: 20, offset: 4_000 }), samples: [] },
        { name: 'missedCallsOfAgent, first page (20)', run: (i) => repo.missedCallsOfAgent(agent(i), { limit: 20, offset: 0 }), samples: [] },
        { name: 'queueStats, one day', run: (i) => repo.queueStats({ from: iso(day(i)), to: iso(day(i) + DAY) }, 20), samples: [] },
        { name: 'queueStats, 30 days', run: (i) => repo.queueStats({ from: iso(day(i) - 30 * DAY), to: iso(day(i)) }, 20), samples: [] },
        // The API's default period, the last 24 hours: two partial days, read call by call.
        { name: 'queueStats, 24 h from 13:00', run: (i) => repo.queueStats({ from: iso(day(i) + 13 * HOUR), to: iso(day(i) + DAY + 13 * HOUR) }, 20), samples: [] },
        { name: 'queueStats, 30 days from 13:00', run: (i) => repo.queueStats({ from: iso(day(i) - 30 * DAY + 13 * HOUR), to: iso(day(i) + 13 * HOUR) }, 20), samples: [] },
        {
          name: 'findCalls, 7 days + agent (50)',
          run: (i) => repo.findCalls({ from: iso(day(i) - 7 * DAY), to: iso(day(i)), agent: agent(i) }, { limit: 50, offset: 0 }),
          samples: [],
        },
        {
          name: 'findCalls, 7 days + outcome (50)',
          run: (i) => repo.findCalls({ from: iso(day(i) - 7 * DAY), to: iso(day(i)), outcome: 'abandoned' }, { limit: 50, offset: 0 }),
          samples: [],
        },
        {
          name: 'findCalls, 7 days + queue (50)',
          run: (i) => repo.findCalls({ from: iso(day(i) - 7 * DAY), to: iso(day(i)), queue: QUEUES[i % 5] ?? 'sales' }, { limit: 50, offset: 0 }),
          samples: [],
        },
        { name: 'findCalls, no filter (50)', run: () => repo.findCalls({}, { limit: 50, offset: 0 }), samples: [] },
      ];
      // One untimed pass warms the cache, then RUNS timed rounds, round-robin over the measures.
      for (const m of measures) await m.run(RUNS);
      for (let i = 0; i < RUNS; i++) {
        for (const m of measures) {
          const start = performance.now();
          await m.run(i);
          m.samples.push(performance.now() - start);
        }
      }
      const result = measures.map((m) => ({ name: m.name, p50: percentile(m.samples, 50), p99: percentile(m.samples, 99), max: Math.max(...m.samples) }));
      console.log(`Report queries over ${CALLS.toLocaleString('en')} calls, ${RUNS} runs each, interleaved (method: test/bench/reports.ts)`);
      console.log(`| ${'query'.padEnd(40)} |   p50 ms |   p99 ms |   max ms | p99 ≤ ${TARGET_P99_MS} ms |`);
      console.log(`|${'-'.repeat(42)}|----------|----------|----------|-------------|`);
      for (const r of result) {
        console.log(`| ${r.name.padEnd(40)} | ${r.p50.toFixed(1).padStart(8)} | ${r.p99.toFixed(1).padStart(8)} | ${r.max.toFixed(1).padStart(8)} | ${(r.p99 <= TARGET_P99_MS ? 'yes' : 'NO').padStart(11)} |`);
      }
      console.log(`Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAverage()}.`);
      return result;
    } finally {
      await db.close();
    }
  } finally {
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runReportsBench();
}
