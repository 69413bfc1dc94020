/**
 * The admin guard: a Fastify preHandler for every `/api/admin/...` route.
 *
 * Other route modules (numbers, queues, flows) import {@link requireAdmin} and put it on their
 * routes or their scope: `scope.addHook('preHandler', requireAdmin(ctx))`.
 *
 * Two kinds of caller pass: automation with the admin token (`Authorization: Bearer`), and
 * people signed in to the operator console (its session cookie, `server/console/session.ts`).
 * A console supervisor may read; changes need the admin role (403 otherwise) and the
 * session's CSRF token. {@link actorOf} tells handlers and the audit log who acted.
 */
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AppContext } from '../context';
import { HttpError } from '../http/errors';
import { checkCsrf, consoleSessionActor, isChange, type ConsoleActor } from '../console/session';

const actors = new WeakMap<FastifyRequest, ConsoleActor>();

/** Who the guard admitted for this request (undefined before the guard ran, or when it refused). */
export function actorOf(request: FastifyRequest): ConsoleActor | undefined {
  return actors.get(request);
}

/** The one answer to any failed admin check: it never says what was wrong. */
function adminUnauthorized(): HttpError {
  return new HttpError(401, 'unauthorized', 'A valid admin token is required', { headers: { 'WWW-Authenticate': 'Bearer' } });
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header === undefined) return null;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Build the preHandler that admits `Authorization: Bearer <admin token>` or a console session.
 *
 * Anything else (no credential, another scheme, an agent's token or cookie, a wrong token)
 * gets the same 401; the token comparison takes constant time. An agent's session cookie is
 * never accepted, so a page cannot ride on an agent's login. A console supervisor changing
 * something gets 403 `forbidden_role`; a change without the session's CSRF token 403
 * `csrf_failed`. With `supervisorChanges` (daily work such as voicemail, not configuration)
 * a supervisor may change too, with the CSRF token all the same.
 */
export function requireAdmin(
  ctx: Pick<AppContext, 'adminCredential' | 'db' | 'now' | 'config'>,
  options: { supervisorChanges?: boolean } = {},
): preHandlerAsyncHookHandler {
  return async (request) => {
    const token = bearerToken(request);
    if (token !== null && ctx.adminCredential.matches(token)) {
      actors.set(request, { name: 'admin token', role: 'admin', via: 'token' });
      return;
    }
    const actor = request.headers.authorization === undefined ? await consoleSessionActor(ctx.db, request, ctx.config.corsOrigins, ctx.now()) : null;
    if (actor === null) {
      request.log.warn({ url: request.url.split('?')[0] }, 'admin request refused');
      throw adminUnauthorized();
    }
    if (isChange(request.method)) {
      if (actor.role !== 'admin' && options.supervisorChanges !== true) {
        request.log.warn({ url: request.url.split('?')[0], user: actor.name }, 'console change refused: not an admin');
        throw new HttpError(403, 'forbidden_role', 'Only an admin may change the configuration; supervisors see and monitor');
      }
      checkCsrf(request, actor);
    }
    actors.set(request, actor);
  };
}
