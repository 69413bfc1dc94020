/**
 * Backend CPU per inbound call with 10 and 1,000 agents online, and after 50,000 finished calls.
 *
 * Method:
 * - One embedded PostgreSQL cluster (default settings, fsync on) in a temporary folder, three
 *   databases, each with its own backend in a child process (./backend-child.ts: `startServer`,
 *   signature secret, pino silent, wrap-up 0 s, every agent made available at start; agents
 *   inserted with SQL, no passwords hashed), all sharing one local fake Voice API:
 *   - baseline: 10 agents;
 *   - 1,000 agents online;
 *   - aged: 10 agents and 50,000 finished calls inserted with SQL first (generate_series: 90
 *     days, the 10 agents, 3 events each: caller completed, agent answered/completed).
 * - One call, as the platform sends it (every request signed, fresh jti): answer_url; the caller
 *   leg's started/ringing/answered; the backend places the agent's leg through the fake Voice
 *   API; that leg's started/ringing, its answer_url, answered; then completed for the agent leg
 *   and the caller leg. 4 calls at a time.
 * - Measured: the backend process's CPU time (user + system, /proc/<pid>/stat, 10 ms ticks)
 *   across a run of `CALLS` calls, divided by the calls; also the PostgreSQL cluster's processes
 *   (postmaster and its children; the three databases share it, but runs are sequential).
 *   The load generator runs in this process and is not counted.
 * - Rounds: 3 (after a warm-up run each), the three setups interleaved; median and min–max of
 *   ms CPU per call, and the ratio of the medians to the baseline's (target ≤ 1.1).
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  CallDriver,
  clusterCpuMs,
  insertAgents,
  loadAverage,
  migrateDatabase,
  pool,
  processCpuMs,
  spawnBackend,
  startBenchCluster,
  startFakeVoiceApi,
  type BackendProcess,
} from './harness';
import { percentile } from './table';

const CONTACT = '14155550199';
const CALLER = '14155550100';
const SECRET = 'bench-signature-secret-0123456789';
const CALLS = Number(process.env.BENCH_CPU_CALLS ?? 60);
const ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? 3);
const AGED_CALLS = 50_000;

interface Setup {
  name: string;
  agents: number;
  aged: boolean;
  backend?: BackendProcess;
  backendMs: number[];
  postgresMs: number[];
}

/** 50,000 finished calls of the 10 agents over 90 days, with their events. */
async function age(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO calls (conversation_uuid, direction, from_addr, to_addr, agent, status, started_at, answered_at, ended_at, duration_s,
                          flow, queue, queued_at, wait_s, talk_s, outcome, updated_at)
       SELECT 'CON-old-' || i, 'inbound', '14155550100', $2, 'agent-' || lpad((1 + i % 10)::text, 4, '0'), 'completed',
              now() - make_interval(secs => i * 155.0), now() - make_interval(secs => i * 155.0 - 5), now() - make_interval(secs => i * 155.0 - 65),
              65, 'inbound', 'support', now() - make_interval(secs => i * 155.0), 5, 60, 'answered', now()
       FROM generate_series(1, $1) AS i`,
      [AGED_CALLS, CONTACT],
    );
    await client.query(
      `INSERT INTO call_events (conversation_uuid, uuid, kind, status, agent, direction, from_addr, to_addr, timestamp, raw, received_at)
       SELECT c.conversation_uuid, s.leg || c.conversation_uuid, 'status', s.status, CASE WHEN s.leg = 'a-' THEN c.agent END,
              CASE WHEN s.leg = 'a-' THEN 'outbound' ELSE 'inbound' END, c.from_addr, c.to_addr, c.ended_at, '{}', c.ended_at
       FROM calls c, (VALUES ('c-', 'completed'), ('a-', 'answered'), ('a-', 'completed')) AS s(leg, status)`,
    );
    await client.query('VACUUM ANALYZE calls');
    await client.query('VACUUM ANALYZE call_events');
  } finally {
    await client.end();
  }
}

const range = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;

/** Runs the benchmark; prints and returns the setups' samples (ms CPU per call). */
export async function runCallCpuBench(): Promise<Setup[]> {
  const loadBefore = loadAverage();
  const cluster = await startBenchCluster('call-cpu');
  const api = await startFakeVoiceApi();
  const driver = new CallDriver(api, SECRET, CONTACT, CALLER);
  const setups: Setup[] = [
    { name: 'baseline: 10 agents online', agents: 10, aged: false, backendMs: [], postgresMs: [] },
    { name: '1,000 agents online', agents: 1_000, aged: false, backendMs: [], postgresMs: [] },
    { name: `10 agents, after ${AGED_CALLS.toLocaleString('en')} finished calls`, agents: 10, aged: true, backendMs: [], postgresMs: [] },
  ];
  let next = 0;
  try {
    for (const [i, setup] of setups.entries()) {
      const url = await cluster.createDatabase(`bench_cpu_${i}`);
      await migrateDatabase(url);
      await insertAgents(url, setup.agents);
      if (setup.aged) await age(url);
      setup.backend = await spawnBackend({ databaseUrl: url, signatureSecret: SECRET, apiUrl: api.url, contactNumber: CONTACT, makeAvailable: true });
    }
    const run = async (setup: Setup, calls: number) => {
      const backend = setup.backend as BackendProcess;
      const cpu0 = processCpuMs(backend.pid);
      const pg0 = clusterCpuMs(cluster.pid);
      await pool(calls, 4, async () => {
        const call = await driver.connect(backend.url, `cpu-${next++}`);
        await driver.hangUp(backend.url, call);
      });
      return { backend: (processCpuMs(backend.pid) - cpu0) / calls, postgres: (clusterCpuMs(cluster.pid) - pg0) / calls };
    };
    for (const setup of setups) await run(setup, 10); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? setups : [...setups].reverse();
      for (const setup of order) {
        const sample = await run(setup, CALLS);
        setup.backendMs.push(sample.backend);
        setup.postgresMs.push(sample.postgres);
      }
    }
    const base = percentile(setups[0]?.backendMs ?? [], 50);
    console.log(`\nBackend CPU per inbound call (${ROUNDS} rounds × ${CALLS} calls per setup, interleaved; method: test/bench/call-cpu.ts)`);
    console.log(`| ${'setup'.padEnd(40)} | backend ms/call med | min–max     | × baseline | PostgreSQL ms/call med | min–max     |`);
    console.log(`|${'-'.repeat(42)}|--------------------|-------------|------------|------------------------|-------------|`);
    for (const s of setups) {
      const med = percentile(s.backendMs, 50);
      console.log(
        `| ${s.name.padEnd(40)} | ${med.toFixed(2).padStart(18)} | ${range(s.backendMs).padStart(11)} | ${(med / base).toFixed(2).padStart(10)} | ${percentile(s.postgresMs, 50).toFixed(2).padStart(22)} | ${range(s.postgresMs).padStart(11)} |`,
      );
    }
    console.log('Target: ≤ 1.1× the baseline. CPU times come in 10 ms ticks over a whole run. The PostgreSQL column is rough: a session that ends during a run takes its CPU time with it (it can go negative).');
    console.log(`Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAverage()}.`);
    return setups;
  } finally {
    for (const setup of setups) await setup.backend?.stop().catch(() => undefined);
    await api.close();
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runCallCpuBench();
}
