/**
 * Assembling the backend's Fastify instance.
 */
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { AdminCredential, resolveAdminToken } from './admin/credential';
import { registerAdminRoutes } from './admin/routes';
import { registerCallQualityRoutes } from './calls/quality';
import { PresenceService } from './agents/presence';
import { registerAgentRoutes } from './agents/routes';
import { registerDeskRoutes } from './desk/routes';
import { AgentStreams } from './agents/streams';
import { registerApiRoutes } from './api/routes';
import { LoginRateLimiter } from './auth/rate-limit';
import { registerAuthRoutes } from './auth/routes';
import { seedAgents, type AgentSeed } from './auth/seed';
import { ConfigError, type ServerConfig } from './config';
import type { AppContext } from './context';
import { openDatabase, type Database } from './db/database';
import { installJsonBodyParser } from './http/body';
import { errorBody, installErrorHandlers } from './http/errors';
import { buildAppCsp, installCors, installSecurityHeaders } from './http/security';
import { registerStaticApp } from './http/static';
import { loggerOptions, type LogDestination } from './logging';
import { JobQueue } from './jobs/queue';
import { createPgStorage } from './storage/pg';
import type { Storage } from './storage/types';
import { CallEvents } from './webhooks/call-events';
import { registerWebhookRoutes } from './webhooks/routes';
import { registerCallFlows } from './flows/index';
import { registerConsoleRoutes } from './console/routes';
import { seedConsoleUsers, type ConsoleUserSeed } from './console/users';
import { buildConsoleCsp } from './console/csp';

/**
 * Optional replacements for what {@link buildServer} would otherwise create itself.
 *
 * Tests inject storage, clock and log destination; launchers may seed agents.
 */
export interface ServerDeps {
  /** Storage to use; when given, the caller owns it and closing the server leaves it open. */
  storage?: Storage;
  /** The database (presence, jobs, the call model); when given, the caller owns it. Otherwise `config.databaseUrl` is opened. */
  db?: Database;
  /** How often the job queue looks for due jobs (ms; default 1 s). Tests shorten it. */
  jobPollIntervalMs?: number;
  /** Clock (defaults to the system clock). */
  now?: () => Date;
  /** PEM of the application private key, instead of reading `config.privateKeyPath`. */
  privateKey?: string;
  /** Where log lines go (defaults to stdout). */
  logStream?: LogDestination;
  /** Failed-login limiter (defaults to 5 failures per name and address in 5 minutes, counted in the storage). */
  loginLimiter?: LoginRateLimiter;
  /** Agents to create when missing (see {@link seedAgents}); existing ones are left alone. */
  seedAgents?: readonly AgentSeed[];
  /** Console users (admins, supervisors) to create when missing; existing ones are left alone. */
  seedConsoleUsers?: readonly ConsoleUserSeed[];
  /** Called with the route context once presence is loaded (tests subscribe to `callEvents` and read `presence`). */
  onContext?: (ctx: AppContext) => void;
}

/**
 * The part of a reply that `frameworkErrors` uses.
 *
 * Fastify types that hook's reply generically over every route shape; this names only what
 * we call, so the handler needs no casts.
 */
interface FrameworkErrorReply {
  code(statusCode: number): FrameworkErrorReply;
  send(payload?: unknown): unknown;
}

/** Largest request body accepted; webhooks and API bodies are a few hundred bytes. */
const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Read and check the application private key.
 *
 * Fails at start-up, naming the variable, rather than at the first token request.
 */
export function loadPrivateKey(config: Pick<ServerConfig, 'privateKeyPath'>, pem?: string): string {
  let text: string;
  try {
    text = pem ?? fs.readFileSync(config.privateKeyPath, 'utf8');
  } catch {
    throw new ConfigError('VONAGE_PRIVATE_KEY_PATH', `cannot be read: ${config.privateKeyPath}`);
  }
  try {
    const key = createPrivateKey(text);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    // Never echo the file's content: it is the secret.
    throw new ConfigError('VONAGE_PRIVATE_KEY_PATH', 'does not hold an RSA private key in PEM form');
  }
  return text;
}

/**
 * Build the backend: routes, hooks and storage, ready but not listening.
 *
 * Tests drive it with `app.inject`; {@link startServer} makes it listen. Closing the
 * instance closes the storage it opened.
 */
export async function buildServer(config: ServerConfig, deps: ServerDeps = {}): Promise<FastifyInstance> {
  const privateKey = loadPrivateKey(config, deps.privateKey);
  const ownsDb = deps.db === undefined;
  let db: Database;
  if (deps.db) {
    db = deps.db;
  } else {
    if (config.databaseUrl === null) {
      throw new ConfigError('DATABASE_URL', 'is required (the PostgreSQL database, e.g. postgres://user:password@127.0.0.1:5432/switchboard)');
    }
    db = await openDatabase(config.databaseUrl);
  }
  const ownsStorage = deps.storage === undefined;
  // Our own storage shares the pool; closing the server closes that once, below.
  const storage: Storage = deps.storage ?? createPgStorage(db, { closeDatabase: false });
  const now = deps.now ?? (() => new Date());

  const app = Fastify({
    logger: loggerOptions(config.logLevel, deps.logStream),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    return503OnClosing: true,
    forceCloseConnections: true,
    // Errors Fastify raises before routing (a malformed URL) bypass the error handler.
    frameworkErrors: (error: FastifyError, _request: unknown, reply: FrameworkErrorReply) => {
      void reply.code(400).send(errorBody('invalid_request', error.code === 'FST_ERR_BAD_URL' ? 'The request URL is malformed' : 'The request is invalid'));
    },
  });

  // onClose hooks run last-added first: the database closes after everything that uses it.
  if (ownsDb) app.addHook('onClose', async () => db.close());
  if (ownsStorage) app.addHook('onClose', async () => storage.close());

  if (process.env.DEBUG && /vonage/i.test(process.env.DEBUG)) {
    // @vonage/jwt's debug output prints the private key.
    app.log.warn('DEBUG includes vonage: @vonage/jwt will write the private key to stderr; unset DEBUG');
  }

  const adminToken = resolveAdminToken(config);
  // The path only, never the token: the operator reads it from the owner-only file.
  if (adminToken.source === 'generated') app.log.warn({ file: adminToken.file }, 'generated the admin API token');

  const jobs = new JobQueue(db, { log: app.log, ...(deps.jobPollIntervalMs !== undefined ? { pollIntervalMs: deps.jobPollIntervalMs } : {}) });
  const ctx: AppContext = {
    config,
    storage,
    db,
    jobs,
    now,
    privateKey,
    loginLimiter: deps.loginLimiter ?? new LoginRateLimiter(storage.loginFailures),
    adminCredential: new AdminCredential(adminToken.token),
    presence: new PresenceService({
      db,
      jobs,
      now,
      wrapUpS: config.wrapUpS,
      graceS: config.presenceGraceS,
      reservationTtlS: config.reservationTtlS,
      voiceLeaseS: config.voiceLeaseS,
      log: app.log,
    }),
    callEvents: new CallEvents(app.log),
    agentStreams: new AgentStreams(),
  };
  app.addHook('onClose', async () => {
    ctx.agentStreams.closeAll();
    // Releases this instance's connections (their agents get the grace period) before the jobs stop.
    await ctx.presence.close();
    await ctx.jobs.stop();
  });

  try {
    // Expired credentials can never be used again; drop them so the table stays small.
    await storage.credentials.deleteExpired(now().toISOString());
    await storage.webhookTokens.deleteExpired(now().toISOString());
    if (deps.seedAgents && deps.seedAgents.length > 0) {
      const created = await seedAgents(storage.agents, deps.seedAgents, now);
      if (created.length > 0) app.log.info({ agents: created }, 'created agents');
    }
    if (deps.seedConsoleUsers && deps.seedConsoleUsers.length > 0) {
      const created = await seedConsoleUsers(db, deps.seedConsoleUsers, now);
      if (created.length > 0) app.log.info({ users: created }, 'created console users');
    }
    // Presence, its timers and its legs are in the database: a restart only loads them.
    await ctx.presence.start();
    deps.onContext?.(ctx);

    // JSON only: Fastify's default text/plain parser would let a cross-site <form> post to
    // the API without a CORS preflight.
    app.removeContentTypeParser('text/plain');
    // JSON nested absurdly deep is a 400 before anything recurses over it.
    installJsonBodyParser(app);
    installErrorHandlers(app);
    installSecurityHeaders(app);
    installCors(app, config.corsOrigins);

    // First: its audit hooks must cover every admin route registered after it.
    await registerConsoleRoutes(app, ctx);
    registerAuthRoutes(app, ctx);
    registerApiRoutes(app, ctx);
    registerWebhookRoutes(app, ctx);
    await registerCallFlows(app, ctx);
    registerAgentRoutes(app, ctx);
    registerDeskRoutes(app, ctx);
    registerAdminRoutes(app, ctx);
    registerCallQualityRoutes(app, ctx);
    if (config.rendererDir) {
      registerStaticApp(app, { root: config.rendererDir, prefix: '/app/', htmlCsp: buildAppCsp(config.sdk) });
    }
    if (config.consoleDir) {
      registerStaticApp(app, { root: config.consoleDir, prefix: '/console/', htmlCsp: buildConsoleCsp(config.sdk), redirectRoot: false });
    }
    // Every module has registered its job tasks by now.
    await ctx.jobs.start();

    await app.ready();
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}
