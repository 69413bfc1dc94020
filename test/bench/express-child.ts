/**
 * The comparison subject of ./signed-webhooks.ts, in a process of its own: a minimal Express
 * app shaped like Vonage's seed backends — `GET /webhooks/answer` returns a fixed NCCO,
 * `POST /webhooks/event` parses the JSON body and answers 204. No signature check, no storage.
 * Reports its URL over IPC; exits on 'stop'. Not a benchmark itself.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.use(express.json());
app.get('/webhooks/answer', (_req, res) => {
  res.json([
    { action: 'talk', text: 'Thank you for calling Jane' },
    { action: 'connect', from: '14155550100', endpoint: [{ type: 'app', user: 'Jane' }] },
  ]);
});
app.post('/webhooks/event', (_req, res) => {
  res.status(204).end();
});
const server = app.listen(0, '127.0.0.1', () => {
  process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('message', (message) => {
  if (message === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
