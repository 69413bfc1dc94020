/**
 * A TCP port free on 127.0.0.1 right now (the launchers, the embedded PostgreSQL and tests
 * pick their ports with it). Another process could take it before it is used: callers that
 * can, listen on port 0 instead.
 */
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
