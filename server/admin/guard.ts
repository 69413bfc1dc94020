/**
 * The admin guard: a Fastify preHandler for every `/api/admin/...` route.
 *
 * Other route modules (numbers, queues, flows) import {@link requireAdmin} and put it on their
 * routes or their scope: `scope.addHook('preHandler', requireAdmin(ctx))`.
 */
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { AppContext } from '../context';
import { HttpError } from '../http/errors';

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
 * Build the preHandler that admits only requests carrying `Authorization: Bearer <admin token>`.
 *
 * Anything else (no header, another scheme, an agent's token, a wrong token) gets the same
 * 401; the comparison takes constant time. Cookies are never accepted, so a browser page
 * cannot ride on an agent's session.
 */
export function requireAdmin(ctx: Pick<AppContext, 'adminCredential'>): preHandlerAsyncHookHandler {
  return async (request) => {
    const token = bearerToken(request);
    if (token === null || !ctx.adminCredential.matches(token)) {
      request.log.warn({ url: request.url.split('?')[0] }, 'admin request refused');
      throw adminUnauthorized();
    }
  };
}
