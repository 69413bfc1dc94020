/**
 * The backend's entry point: `npx tsx server/index.ts`.
 *
 * Reads the configuration from the environment, listens, and closes cleanly on SIGINT or
 * SIGTERM. Importing this module (rather than running it) only re-exports the API.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadServerConfig } from './config';
import { startServer } from './start';

export { buildServer, loadPrivateKey, type ServerDeps } from './app';
export { ConfigError, DEFAULT_SDK_TOKEN_TTL_S, defaultDataDir, loadServerConfig, type Env, type LogLevel, type SdkConnection, type ServerConfig } from './config';
export { seedAgents, type AgentSeed } from './auth/seed';
export { startServer, type RunningServer } from './start';

/**
 * Run the backend until a termination signal arrives.
 *
 * A bad configuration prints one line naming the variable and sets exit code 1.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(loadServerConfig(env));
  } catch (error) {
    // Configuration mistakes get one clear line, not a stack trace.
    const message = error instanceof ConfigError ? `Configuration error: ${error.message}` : `Failed to start: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = 1;
    return;
  }
  server.app.log.info({ url: server.url }, `Switchboard backend listening on ${server.url}`);
  const stop = (signal: NodeJS.Signals) => {
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) void main();
