/**
 * A backend for the benchmarks, in a process of its own (started by `spawnBackend` in
 * ./harness.ts): `startServer` on 127.0.0.1 with pino silent, reporting its URL over IPC, and
 * closing on a 'stop' message. Not a benchmark itself.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reconcileTiming } from '../../server/calls/reconcile';
import { loadServerConfig } from '../../server/config';
import type { AppContext } from '../../server/context';
import { startServer } from '../../server/start';
import type { BackendOptions } from './harness';

const options = JSON.parse(process.env.BENCH_BACKEND ?? '{}') as BackendOptions;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-backend-'));
try {
  if (options.reconcile) Object.assign(reconcileTiming, options.reconcile);
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const keyPath = join(dir, 'private.key');
  writeFileSync(keyPath, privateKey, { mode: 0o600 });
  const config = loadServerConfig({
    SERVER_PORT: '0',
    SERVER_HOST: '127.0.0.1',
    DATA_DIR: join(dir, 'data'),
    DATABASE_URL: options.databaseUrl,
    VONAGE_APPLICATION_ID: 'bench-application',
    VONAGE_PRIVATE_KEY_PATH: keyPath,
    VONAGE_API_URL: options.apiUrl,
    VONAGE_SIGNATURE_SECRET: options.signatureSecret,
    ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef0123456789',
    CONTACT_NUMBER: options.contactNumber,
    LOG_LEVEL: 'silent',
    WRAP_UP_S: '0',
    ...(options.consoleDir ? { CONSOLE_DIR: options.consoleDir } : {}),
  });
  let context: AppContext | undefined;
  const server = await startServer(config, { onContext: (ctx) => (context = ctx) });
  if (options.makeAvailable && context) {
    const ctx = context;
    for (const agent of ctx.presence.list()) {
      // An agent still on a call (a restarted instance) stays busy until it ends.
      await ctx.presence.choose(agent.agentId, 'available').catch(() => undefined);
    }
  }
  process.on('message', (message) => {
    if (message === 'stop') {
      void server.close().finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  // The parent going away (killed) ends us too.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ url: server.url });
} catch (error) {
  rmSync(dir, { recursive: true, force: true });
  process.send?.({ error: error instanceof Error ? error.stack : String(error) });
  process.exit(1);
}
