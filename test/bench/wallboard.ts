/**
 * The operator console: how soon the wallboard hears of a call, with 10 and 500 agents online,
 * and what the console costs a browser to download.
 *
 * Method (push latency):
 * - One embedded PostgreSQL cluster (default settings, fsync on), two databases: 10 and 500
 *   agents (inserted with SQL), each with its own backend in a child process
 *   (./backend-child.ts: signature secret, pino silent, every agent made available).
 * - A wallboard stream is opened on each backend as the console page opens it
 *   (`GET /api/console/wallboard/events`, here with the admin token), read in this process.
 * - A measure: this process posts the signed event webhook the platform sends when a call
 *   starts (`started`, a new conversation) and times until a `board` event listing that
 *   conversation arrives on the stream; then `completed` for the same leg, timed until a board
 *   without it. Each measure goes from the webhook's send to the board's arrival: the event's
 *   transaction, the `wallboard` NOTIFY, the board's recomputation and the push.
 * - Rounds: 3 × 20 calls per setup, the setups interleaved (after a warm-up of 5 calls each);
 *   median, p95, min and max in ms.
 *
 * Method (download): index.html, the script and the stylesheet of dist/console (the production
 * build `npm run bench` makes first), each compressed as the backend serves it (brotli q11,
 * gzip -9, scripts/web-delivery.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../../scripts/build-desktop';
import { brotli, gzip } from '../../scripts/web-delivery';
import { insertAgents, loadAverage, migrateDatabase, spawnBackend, startBenchCluster, startFakeVoiceApi, webhookSigner, type BackendProcess } from './harness';
import { printTable, summarize } from './table';

const SECRET = 'bench-signature-secret-0123456789';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef0123456789';
const CONTACT = '14155550199';
const ROUNDS = Number(process.env.BENCH_WALLBOARD_ROUNDS ?? 3);
const CALLS = Number(process.env.BENCH_WALLBOARD_CALLS ?? 20);

/** A wallboard stream read in this process: resolves waiters when a board matches. */
class BoardStream {
  private text = '';
  private waiters: Array<{ test: (board: string) => boolean; resolve: () => void }> = [];
  private readonly controller = new AbortController();

  static async open(url: string): Promise<BoardStream> {
    const stream = new BoardStream();
    const res = await fetch(`${url}/api/console/wallboard/events`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: stream.controller.signal });
    if (res.status !== 200 || !res.body) throw new Error(`wallboard stream: HTTP ${res.status}`);
    void stream.pump(res.body.getReader());
    await stream.next(() => true);
    return stream;
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        this.text += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = this.text.indexOf('\n\n')) >= 0) {
          const block = this.text.slice(0, end);
          this.text = this.text.slice(end + 2);
          if (!block.startsWith('event: board')) continue;
          for (const waiter of [...this.waiters]) {
            if (waiter.test(block)) {
              this.waiters.splice(this.waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
        }
      }
    } catch {
      // Aborted at the end.
    }
  }

  /** The next board for which `test` (on the raw event text) holds. */
  next(test: (board: string) => boolean): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  close(): void {
    this.controller.abort();
  }
}

interface Setup {
  name: string;
  agents: number;
  backend?: BackendProcess;
  stream?: BoardStream;
  arrived: number[];
  ended: number[];
}

let serial = 0;

/** One call: started, then completed, each timed from the webhook's send to the board showing it. */
async function measure(setup: Setup, sign: ReturnType<typeof webhookSigner>): Promise<{ arrived: number; ended: number }> {
  const backend = setup.backend as BackendProcess;
  const stream = setup.stream as BoardStream;
  const id = `bench-wb-${process.pid}-${serial++}`;
  const send = async (status: string) => {
    const body = JSON.stringify({ status, uuid: `${id}-leg`, conversation_uuid: `CON-${id}`, direction: 'inbound', from: '14155550100', to: CONTACT, timestamp: new Date().toISOString() });
    const res = await fetch(`${backend.url}/webhooks/event`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: sign('POST', '/webhooks/event', body) }, body });
    if (res.status !== 204) throw new Error(`event ${status}: HTTP ${res.status} ${await res.text()}`);
  };
  const conversation = `"CON-${id}"`;
  let start = performance.now();
  const shown = stream.next((board) => board.includes(conversation));
  await send('started');
  await shown;
  const arrived = performance.now() - start;
  start = performance.now();
  const gone = stream.next((board) => !board.includes(conversation));
  await send('completed');
  await gone;
  return { arrived, ended: performance.now() - start };
}

/** The console's download, raw and compressed. */
function consoleSize(): { raw: number; gzip: number; brotli: number; files: number } {
  const dist = path.join(ROOT, 'dist/console');
  const index = path.join(dist, 'index.html');
  if (!fs.existsSync(index)) throw new Error('dist/console/index.html is missing: run `npm run build:console` first');
  const html = fs.readFileSync(index, 'utf8');
  const files = [index, ...new Set([...html.matchAll(/\b(?:src|href)="\/console\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => path.join(dist, m[1] as string)))];
  return files.reduce(
    (sum, file) => {
      const data = fs.readFileSync(file);
      return { raw: sum.raw + data.length, gzip: sum.gzip + gzip(data).length, brotli: sum.brotli + brotli(data).length, files: sum.files + 1 };
    },
    { raw: 0, gzip: 0, brotli: 0, files: 0 },
  );
}

/** Runs the benchmark; prints the tables. */
export async function runWallboardBench(): Promise<Setup[]> {
  const size = consoleSize();
  console.log(`\nOperator console download (index.html + ${size.files - 1} JS/CSS files, as served; method: test/bench/wallboard.ts)`);
  console.log('| raw kB | gzip kB | brotli kB |');
  console.log('|--------|---------|-----------|');
  console.log(`| ${(size.raw / 1000).toFixed(1).padStart(6)} | ${(size.gzip / 1000).toFixed(1).padStart(7)} | ${(size.brotli / 1000).toFixed(1).padStart(9)} |`);

  const loadBefore = loadAverage();
  const cluster = await startBenchCluster('wallboard');
  const api = await startFakeVoiceApi();
  const sign = webhookSigner(SECRET);
  const setups: Setup[] = [
    { name: '10 agents online', agents: 10, arrived: [], ended: [] },
    { name: '500 agents online', agents: 500, arrived: [], ended: [] },
  ];
  try {
    for (const [i, setup] of setups.entries()) {
      const url = await cluster.createDatabase(`bench_wallboard_${i}`);
      await migrateDatabase(url);
      await insertAgents(url, setup.agents);
      setup.backend = await spawnBackend({ databaseUrl: url, signatureSecret: SECRET, apiUrl: api.url, contactNumber: CONTACT, makeAvailable: true });
      setup.stream = await BoardStream.open(setup.backend.url);
    }
    for (const setup of setups) for (let i = 0; i < 5; i++) await measure(setup, sign);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? setups : [...setups].reverse();
      for (const setup of order) {
        for (let i = 0; i < CALLS; i++) {
          const sample = await measure(setup, sign);
          setup.arrived.push(sample.arrived);
          setup.ended.push(sample.ended);
        }
      }
    }
    printTable(
      `Wallboard push latency: event webhook sent → board on the console's stream (${ROUNDS} rounds × ${CALLS} calls per setup, interleaved; method: test/bench/wallboard.ts)`,
      setups.flatMap((s) => [summarize(`${s.name}: call arrives`, s.arrived), summarize(`${s.name}: call ends`, s.ended)]),
    );
    console.log(`Load average (1/5/15 min) before: ${loadBefore}; after: ${loadAverage()}.`);
    return setups;
  } finally {
    for (const setup of setups) {
      setup.stream?.close();
      await setup.backend?.stop().catch(() => undefined);
    }
    await api.close();
    await cluster.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runWallboardBench();
