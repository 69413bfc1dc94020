/**
 * Recovery: from a backend instance killed (SIGKILL) while calls are open to every one of those
 * calls reconciled by a second instance.
 *
 * Method:
 * - Embedded PostgreSQL (default settings) in a temporary folder, 10 agents (SQL), a local fake
 *   Voice API whose `GET /v1/calls/{uuid}` answers `completed` for every leg.
 * - Instance 1 (child process, ./backend-child.ts) takes `CALLS` inbound calls up to both legs
 *   answered (signed webhooks, as in ./call-cpu.ts), then is killed with SIGKILL.
 * - Instance 2 starts at once on the same database. Reconciliation timing is shortened for the
 *   bench through `reconcileTiming` (server/calls/reconcile.ts): legs older than 2 s are
 *   considered, every 1 s (the backend's own: 30 s and 60 s, so there a call opened just before
 *   the crash is closed within about 30–90 s of it).
 * - Measured: kill → instance 2 listening, and kill → every one of those calls ended in `calls`
 *   (ended_at set) and in the flows (flow_calls ended), polled every 100 ms, bounded at 120 s.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { CallDriver, insertAgents, loadAverage, migrateDatabase, spawnBackend, startBenchCluster, startFakeVoiceApi, type BackendProcess } from './harness';

const CONTACT = '14155550199';
const CALLER = '14155550100';
const SECRET = 'bench-signature-secret-0123456789';
const CALLS = Number(process.env.BENCH_RECOVERY_CALLS ?? 10);
const RECONCILE = { settleMs: 2_000, everyMs: 1_000 };
const LIMIT_MS = 120_000;

/** Runs the recovery bench once; prints and returns the seconds. */
export async function runRecoveryBench(): Promise<{ listeningS: number; reconciledS: number | null }> {
  const loadBefore = loadAverage();
  const cluster = await startBenchCluster('recovery');
  const api = await startFakeVoiceApi();
  const driver = new CallDriver(api, SECRET, CONTACT, CALLER);
  const backends: BackendProcess[] = [];
  try {
    const url = await cluster.createDatabase('bench_recovery');
    await migrateDatabase(url);
    await insertAgents(url, 10);
    const options = { databaseUrl: url, signatureSecret: SECRET, apiUrl: api.url, contactNumber: CONTACT, makeAvailable: true, reconcile: RECONCILE };
    const first = await spawnBackend(options);
    backends.push(first);
    const conversations: string[] = [];
    for (let i = 0; i < CALLS; i++) conversations.push((await driver.connect(first.url, `rec-${i}`)).conversation);
    const killedAt = performance.now();
    await first.kill();
    const second = await spawnBackend(options);
    backends.push(second);
    const listeningS = (performance.now() - killedAt) / 1000;
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    let reconciledS: number | null = null;
    try {
      while (performance.now() - killedAt < LIMIT_MS) {
        const { rows } = await db.query<{ open: number }>(
          `SELECT ((SELECT count(*) FROM calls WHERE conversation_uuid = ANY($1) AND ended_at IS NULL)
                 + (SELECT count(*) FROM flow_calls WHERE conversation_uuid = ANY($1) AND NOT ended))::int AS open`,
          [conversations],
        );
        if ((rows[0]?.open ?? 1) === 0) {
          reconciledS = (performance.now() - killedAt) / 1000;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await db.end();
    }
    console.log(`\nRecovery after SIGKILL with ${CALLS} calls open (reconcile: legs older than ${RECONCILE.settleMs / 1000} s, every ${RECONCILE.everyMs / 1000} s; method: test/bench/recovery.ts)`);
    console.log('| measure                                      | seconds |');
    console.log('|----------------------------------------------|---------|');
    console.log(`| kill → second instance listening             | ${listeningS.toFixed(1).padStart(7)} |`);
    console.log(`| kill → every open call reconciled            | ${(reconciledS === null ? `> ${LIMIT_MS / 1000}` : reconciledS.toFixed(1)).padStart(7)} |`);
    console.log(`Voice API lookups (GET /v1/calls/{uuid}): ${api.lookups}. Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAverage()}.`);
    return { listeningS, reconciledS };
  } finally {
    for (const backend of backends) await backend.stop().catch(() => undefined);
    await api.close();
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runRecoveryBench();
}
