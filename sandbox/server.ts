/**
 * Composes the sandbox: HTTP (Fastify) and the Client SDK socket (socket.io) on one port.
 */
import Fastify from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Server as SocketServer } from 'socket.io';
import { DEFAULT_NUMBER_POOL, type SandboxConfig } from './config';
import { createLogger, type LogSink } from './log';
import { MediaClock } from './media/clock';
import { UdpMux } from './media/udp-mux';
import { SessionRegistry } from './sdk/sessions';
import { SandboxStore } from './state/store';
import { NumberPool } from './state/number-pool';
import { CallEngine } from './voice/engine';
import { registerApplicationRoutes } from './http/applications';
import { registerNumberRoutes } from './http/numbers';
import { registerPhoneRoutes } from './http/phones';
import { registerCallerRoutes } from './http/caller';
import { registerClientApiRoutes } from './sdk/client-api';
import { registerVoiceApiRoutes } from './http/voice-api';
import { registerFileRoutes } from './http/files';
import { sendError } from './http/errors';

/** A running sandbox. */
export interface RunningSandbox {
  /** Base URL: REST, socket.io (path /v2/rtc) and the phone API all live under it. */
  url: string;
  store: SandboxStore;
  engine: CallEngine;
  sessions: SessionRegistry;
  clock: MediaClock;
  close(): Promise<void>;
}

const SOCKET_PATH = '/v2/rtc';

/** Paths the Client SDK calls from a browser page. */
function isClientSdkPath(url: string): boolean {
  return /^\/v0\.[0-9]+\//.test(url) || url.startsWith(`${SOCKET_PATH}/`);
}

/** Starts the sandbox and resolves once it listens; its log lines go to `logSink` (stderr by default). */
export async function startSandbox(config: SandboxConfig, logSink?: LogSink): Promise<RunningSandbox> {
  const log = createLogger(config.verbose, 'sandbox', logSink);
  const store = new SandboxStore(join(config.dataDir, 'state.json'));
  const clock = new MediaClock();
  const sessions = new SessionRegistry(store, log);
  // Every call's WebRTC media on one UDP port (udp-mux.ts); first, so a taken port fails the start.
  const mux = await UdpMux.open(config.mediaAddress, config.mediaPort ?? 0, (error) => log.warn(`media socket: ${error.message}`));
  const engine = new CallEngine({ store, sessions, clock, log, webrtc: { mediaAddress: config.mediaAddress, mux },
    recordingsDir: join(config.dataDir, 'recordings'),
  });

  const app = Fastify({ logger: false, bodyLimit: 1_048_576 });
  // The Client SDK calls from the agent app's origin (file:// in Electron, the backend's
  // /app/ page): its paths answer CORS. They are bearer-authenticated and use no cookies.
  // The account and phone-control APIs answer no CORS at all, so a web page cannot drive
  // them; and only JSON bodies are parsed, so no "simple" cross-site form reaches them (the
  // Numbers API alone also parses forms, as Vonage's does, behind the account's secret).
  app.addHook('onRequest', async (request, reply) => {
    if (!isClientSdkPath(request.url)) return;
    reply.header('access-control-allow-origin', request.headers.origin ?? '*');
    reply.header('vary', 'origin');
    reply.header('access-control-allow-headers', 'authorization, content-type, x-requested-with');
    reply.header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
    reply.header('access-control-max-age', '600');
    if (request.method === 'OPTIONS') return reply.code(204).send();
  });
  // The SDK sends `content-type: application/json` with an empty body on DELETE: parse
  // that leniently, reject only malformed JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) log.error(error.stack ?? String(error));
    return sendError(reply, status, status < 500 ? 'invalid_body' : 'internal_error', status < 500 ? error.message : 'Internal error');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  app.get('/sandbox/v1/health', async () => ({
    ok: true,
    sessions: sessions.count(),
    active_legs: engine.activeLegCount(),
    // Media frames the clock had to catch up on: a sign the event loop is overloaded.
    media_late_ticks: clock.lateTicks,
    // The one UDP port of every call's WebRTC media (SANDBOX_MEDIA_PORT, or the free one it got).
    media_address: config.mediaAddress,
    media_port: mux.port,
  }));
  registerApplicationRoutes(app, store);
  registerNumberRoutes(app, { store, pool: new NumberPool(config.numberPool ?? DEFAULT_NUMBER_POOL) });
  registerPhoneRoutes(app, engine);
  registerCallerRoutes(app, engine);
  registerClientApiRoutes(app, { store, sessions, engine });
  registerVoiceApiRoutes(app, { store, engine });
  registerFileRoutes(app, { store, engine });
  await app.ready();

  const io = new SocketServer(app.server, {
    path: SOCKET_PATH,
    transports: ['websocket'],
    // WebSockets are not subject to CORS; the JWT in the query authenticates.
    cors: { origin: true, credentials: false },
    pingInterval: 25_000,
    pingTimeout: 20_000,
  });
  sessions.attach(io);
  // engine.io claims every path under /v2/rtc/; the SDK's metrics POST lives there too, so
  // hand that one path back to Fastify.
  const engineListener = app.server.listeners('request').at(-1) as (req: IncomingMessage, res: ServerResponse) => void;
  app.server.removeListener('request', engineListener);
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith(`${SOCKET_PATH}/metrics`)) app.routing(req, res);
    else engineListener(req, res);
  });

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    io.close();
    await mux.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  engine.baseUrl = url;
  log.info(`listening on ${url}; WebRTC media on udp ${config.mediaAddress}:${mux.port}`);

  return {
    url,
    store,
    engine,
    sessions,
    clock,
    async close() {
      await engine.shutdown();
      io.close();
      sessions.close();
      clock.stop();
      await app.close();
      await mux.close();
    },
  };
}
