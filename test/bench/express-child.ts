/**
 * The comparison subjects of ./signed-webhooks.ts, each in a process of its own: a minimal
 * Express app shaped like Vonage's seed backends — `GET /webhooks/answer` returns a fixed NCCO,
 * `POST /webhooks/event` parses the JSON body and answers 204. No signature check.
 *
 * - Without `BENCH_FLOOR_DB`: no storage (the "Express" subject).
 * - With `BENCH_FLOOR_DB` (a database URL): the "floor" subject, the least any webhook that is
 *   committed before it is answered must do. Before answering, each request takes a connection
 *   from a pool of 10 (the backend's pool size), runs BEGIN, one INSERT of the request (its
 *   query string or JSON body) into `webhook_floor`, and COMMIT, with the server's own durability
 *   settings (fsync and synchronous_commit on).
 *
 * Reports its URL over IPC; exits on 'stop'. Not a benchmark itself.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import pg from 'pg';

const floorUrl = process.env.BENCH_FLOOR_DB;
const db = floorUrl ? new pg.Pool({ connectionString: floorUrl, max: 10 }) : null;
if (db) await db.query('CREATE TABLE IF NOT EXISTS webhook_floor (id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), request text NOT NULL)');

/** Commit the request before it is answered (floor subject); nothing without a database. */
async function commit(request: string): Promise<void> {
  if (!db) return;
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO webhook_floor (request) VALUES ($1)', [request]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

const app = express();
app.use(express.json());
app.get('/webhooks/answer', async (req, res) => {
  await commit(req.url);
  res.json([
    { action: 'talk', text: 'Thank you for calling Jane' },
    { action: 'connect', from: '14155550100', endpoint: [{ type: 'app', user: 'Jane' }] },
  ]);
});
app.post('/webhooks/event', async (req, res) => {
  await commit(JSON.stringify(req.body));
  res.status(204).end();
});
const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('message', (message) => {
  if (message === 'stop') {
    server.closeAllConnections();
    server.close(() => void (db ? db.end() : Promise.resolve()).finally(() => process.exit(0)));
  }
});
process.on('disconnect', () => process.exit(0));
