/**
 * The operator console's own API (`/api/console/...`): signing in and out, the wallboard and
 * its live stream, the audit log and an agent's day. Configuration itself goes through the
 * admin API (`/api/admin/...`), which accepts the console's session (`server/admin/guard.ts`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { agentName } from '../../common/backend-api';
import type { ConsoleSessionView } from '../../common/console-api';
import { actorOf, requireAdmin } from '../admin/guard';
import { verifyAgainstDummy, verifyPassword } from '../auth/passwords';
import { LoginRateLimiter } from '../auth/rate-limit';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { agentDay } from './agent-day';
import { installAudit, listAudit } from './audit';
import {
  CONSOLE_SESSION_TTL_MS,
  checkCsrf,
  consoleCookie,
  consoleSessionActor,
  deleteExpiredConsoleSessions,
  openConsoleSession,
  revokeConsoleSession,
  sessionStillValid,
  type ConsoleActor,
} from './session';
import { findConsoleUser } from './users';
import { registerConsolePeople } from './people';
import { registerConsoleVoicemails } from './voicemails';
import { registerConsoleCallLog } from './call-log';
import { registerConsoleReports } from './reports';
import { Wallboard, computeWallboard } from './wallboard';

/** `POST /api/console/login`. */
export const consoleLoginRequest = z.object({
  name: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
  password: z.string().min(1, 'is required').max(256, 'is at most 256 characters'),
});

/** Keep-alive comment interval of the wallboard stream, and how often it re-checks its session (ms; tests shorten it). */
export const wallboardStreamTiming = { heartbeatMs: 15_000 };

function secure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

function sessionView(actor: ConsoleActor): ConsoleSessionView {
  return { user: { name: actor.name, display_name: actor.displayName ?? actor.name, role: actor.role }, csrf_token: actor.csrfToken ?? '' };
}

/**
 * Register the console API and the audit hooks. Call before the admin routes are registered,
 * so the audit hooks cover them.
 */
export async function registerConsoleRoutes(app: FastifyInstance, ctx: AppContext): Promise<Wallboard> {
  installAudit(app, ctx);
  await deleteExpiredConsoleSessions(ctx.db, ctx.now());
  const wallboard = new Wallboard({ ...ctx, log: app.log });
  await wallboard.start();
  app.addHook('onClose', async () => wallboard.close());

  app.post('/api/console/login', async (request, reply): Promise<ConsoleSessionView> => {
    const body = parseWith(consoleLoginRequest, request.body);
    const now = ctx.now();
    const key = LoginRateLimiter.key(`console:${body.name}`, request.ip);
    const retryAfter = await ctx.loginLimiter.retryAfterS(key, now.getTime());
    if (retryAfter > 0) {
      request.log.warn({ user: body.name }, 'console sign-in refused: too many failed attempts');
      throw new HttpError(429, 'too_many_attempts', `Too many failed attempts; try again in ${retryAfter} seconds`, { headers: { 'Retry-After': String(retryAfter) } });
    }
    const user = await findConsoleUser(ctx.db, body.name);
    const ok = user ? await verifyPassword(user.password_hash, body.password) : await verifyAgainstDummy(body.password);
    if (!user || !ok || user.disabled) {
      await ctx.loginLimiter.recordFailure(key, now.getTime());
      request.log.info({ user: body.name, reason: !user ? 'unknown' : !ok ? 'password' : 'disabled' }, 'console sign-in failed');
      throw new HttpError(401, 'invalid_credentials', 'Name or password is incorrect');
    }
    await ctx.loginLimiter.reset(key);
    const session = await openConsoleSession(ctx.db, user.id, now);
    void reply.header('Set-Cookie', consoleCookie(session.token, CONSOLE_SESSION_TTL_MS / 1000, secure(request)));
    request.log.info({ user: user.name, role: user.role }, 'console sign-in');
    return { user: { name: user.name, display_name: user.display_name, role: user.role }, csrf_token: session.csrfToken };
  });

  app.get('/api/console/session', async (request): Promise<ConsoleSessionView> => {
    const actor = await consoleSessionActor(ctx.db, request, ctx.config.corsOrigins, ctx.now());
    if (!actor) throw new HttpError(401, 'unauthorized', 'Sign in to the console');
    return sessionView(actor);
  });

  app.post('/api/console/logout', async (request, reply: FastifyReply) => {
    const actor = await consoleSessionActor(ctx.db, request, ctx.config.corsOrigins, ctx.now());
    if (actor) {
      checkCsrf(request, actor);
      await revokeConsoleSession(ctx.db, actor.sessionId ?? '', ctx.now());
      request.log.info({ user: actor.name }, 'console sign-out');
    }
    void reply.header('Set-Cookie', consoleCookie('', 0, secure(request)));
    return reply.code(204).send();
  });

  registerConsoleVoicemails(app, ctx);
  registerConsolePeople(app, ctx);
  registerConsoleCallLog(app, ctx);
  registerConsoleReports(app, ctx);

  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));

    scope.get('/api/console/audit', async (request) => listAudit(ctx, request.query));

    scope.get('/api/console/agents/:name/day', async (request) => {
      const { name } = parseWith(z.object({ name: agentName }), request.params);
      return agentDay(ctx, name, request.query);
    });

    scope.get('/api/console/wallboard', async () => computeWallboard(ctx));

    scope.get('/api/console/wallboard/events', async (request, reply: FastifyReply) => {
      reply.hijack();
      const res = reply.raw;
      // Hijacked replies skip the onSend hooks: the security headers go by hand.
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      });
      res.write('retry: 3000\n\n');
      let forget: (() => void) | undefined;
      // A session signed out, expired or disabled (on any instance) ends its stream at the next heartbeat.
      const sessionId = actorOf(request)?.sessionId;
      const heartbeat = setInterval(() => {
        res.write(': keep-alive\n\n');
        if (sessionId === undefined) return;
        sessionStillValid(ctx.db, sessionId, ctx.now()).then(
          (valid) => {
            if (!valid) res.end();
          },
          () => undefined,
        );
      }, wallboardStreamTiming.heartbeatMs);
      heartbeat.unref();
      const closed = () => {
        clearInterval(heartbeat);
        forget?.();
      };
      res.on('close', closed);
      try {
        forget = await wallboard.add({ write: (chunk) => void res.write(chunk), end: () => res.end() });
      } catch (error) {
        request.log.warn({ err: error }, 'wallboard stream could not start');
        res.end();
        return;
      }
      if (res.destroyed) closed();
    });
  });
  return wallboard;
}
