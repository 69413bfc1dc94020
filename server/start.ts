/**
 * Starting the backend in-process.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { buildServer, type ServerDeps } from './app';
import { agentSeedList } from './auth/seed';
import { ConfigError, type ServerConfig } from './config';
import { validationError } from './http/errors';

/**
 * A listening backend.
 *
 * Returned by {@link startServer}; `close()` may be called more than once.
 */
export interface RunningServer {
  /** Base URL it listens on, e.g. `http://127.0.0.1:3030` (the real port when 0 was asked for). */
  url: string;
  /** The Fastify instance. */
  app: FastifyInstance;
  /** Stop listening, finish in-flight requests and close the database. */
  close(): Promise<void>;
}

/** Read and validate `SEED_AGENTS_FILE`. */
function readSeedFile(file: string): z.output<typeof agentSeedList> {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new ConfigError('SEED_AGENTS_FILE', `is not a readable JSON file: ${file}`);
  }
  const parsed = agentSeedList.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError('SEED_AGENTS_FILE', `is invalid: ${validationError(parsed.error, data).message}`);
  }
  return parsed.data;
}

/**
 * Build the backend, seed agents from `config.seedAgentsFile` if set, and listen.
 *
 * For launchers that run the backend in their own process; `server/index.ts` uses it too.
 */
export async function startServer(config: ServerConfig, deps: ServerDeps = {}): Promise<RunningServer> {
  const fromFile = config.seedAgentsFile ? readSeedFile(config.seedAgentsFile) : [];
  const app = await buildServer(config, { ...deps, seedAgents: [...(deps.seedAgents ?? []), ...fromFile] });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  // Bound to every interface: loopback is the address that surely reaches us.
  const bound = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  const host = bound.includes(':') ? `[${bound}]` : bound;
  const url = `http://${host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    close: () => (closing ??= app.close().then(() => undefined)),
  };
}
