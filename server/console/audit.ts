/**
 * The audit log: every configuration change made through the admin API, by whom, when, and
 * the state before and after it (`audit_log`).
 *
 * One hook covers every `/api/admin/...` route that changes something, whichever module
 * registered it (agents, numbers, queues, and routes added later), so no change can forget
 * to write its entry. The state of the thing changed is read through the API itself: a GET
 * of the resource's own URL (`/api/admin/queues/support` for a PUT there,
 * `/api/admin/agents/Jane` for `POST /api/admin/agents/Jane/disable`) before the handler
 * runs and after it succeeded; a creation (a POST to a collection) has no before and its
 * answer as after. Where no GET exists, the request body, passwords masked, stands for after.
 * The entry is written before the answer leaves, so a client that got its 2xx finds it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuditPage } from '../../common/console-api';
import type { AppContext } from '../context';
import { parseWith } from '../http/errors';
import { actorOf } from '../admin/guard';
import { isChange } from './session';

/** Query of `GET /api/console/audit`. */
export const auditQuery = z.object({
  limit: z.coerce.number().int('must be a whole number').min(1, 'must be between 1 and 200').max(200, 'must be between 1 and 200').default(50),
  before: z.coerce.number().int('must be a whole number').min(1, 'must be positive').optional(),
});

/** Names of readable actions, by method and route pattern; others read as "METHOD pattern". */
const ACTIONS: Record<string, string> = {
  'POST /api/admin/agents': 'create agent',
  'PATCH /api/admin/agents/:name': 'edit agent',
  'POST /api/admin/agents/:name/disable': 'disable agent',
  'POST /api/admin/agents/:name/enable': 'enable agent',
  'POST /api/admin/agents/:name/password': 'reset agent password',
  'PUT /api/admin/agents/:name/status': 'set agent status',
  'PUT /api/admin/numbers/:number': 'save number',
  'DELETE /api/admin/numbers/:number': 'remove number',
  'PUT /api/admin/queues/:name': 'save queue',
  'DELETE /api/admin/queues/:name': 'remove queue',
  'POST /api/admin/numbers/:number/test-call': 'place test call',
  'DELETE /api/admin/test-calls/:uuid': 'hang up test call',
  'PUT /api/admin/away-reasons': 'save away reasons',
  'PUT /api/admin/dispositions': 'save dispositions',
  'POST /api/admin/console-users': 'create console user',
  'PATCH /api/admin/console-users/:name': 'edit console user',
  'POST /api/admin/console-users/:name/disable': 'disable console user',
  'POST /api/admin/console-users/:name/enable': 'enable console user',
  'POST /api/admin/console-users/:name/password': 'reset console user password',
  'POST /api/admin/calls/:call/monitor': 'start monitoring a call',
  'PUT /api/admin/calls/:call/monitor': 'change monitoring mode',
  'DELETE /api/admin/calls/:call/monitor': 'stop monitoring a call',
};

const SECRET_FIELD = /password|secret|token/i;

/** A copy of a JSON value with every secret-looking field masked. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) ? '***' : maskSecrets(v)]));
}

/** What a change request is about: its pattern, the URL of the resource's GET (null for a creation) and the target's words. */
function subjectOf(request: FastifyRequest): { pattern: string; resourceUrl: string | null; target: string | null } {
  const pattern = request.routeOptions.url ?? request.url;
  const path = request.url.split('?')[0] ?? request.url;
  const segments = pattern.split('/');
  const last = segments[segments.length - 1] ?? '';
  const params = Object.values((request.params ?? {}) as Record<string, unknown>).map(String);
  const kind = segments[3] ?? 'item';
  const target = params.length > 0 ? `${kind.replace(/s$/, '')} ${params.join(' ')}` : kind;
  if (!last.startsWith(':') && segments.length > 1 && (segments[segments.length - 2] ?? '').startsWith(':')) {
    // A verb on a resource: POST /api/admin/agents/Jane/disable → /api/admin/agents/Jane.
    return { pattern, resourceUrl: path.split('/').slice(0, -1).join('/'), target };
  }
  if (request.method === 'POST' && !last.startsWith(':')) return { pattern, resourceUrl: null, target };
  return { pattern, resourceUrl: path, target };
}

/** Register the audit hooks (before any route) and `GET /api/console/audit`. */
export function installAudit(app: FastifyInstance, ctx: Pick<AppContext, 'db' | 'now'>): void {
  const before = new WeakMap<FastifyRequest, unknown>();

  const readState = async (request: FastifyRequest, url: string): Promise<unknown> => {
    const headers: Record<string, string> = {};
    if (request.headers.cookie) headers.cookie = request.headers.cookie;
    if (request.headers.authorization) headers.authorization = request.headers.authorization;
    const res = await app.inject({ method: 'GET', url, headers });
    if (res.statusCode !== 200) return null;
    try {
      return maskSecrets(JSON.parse(res.body));
    } catch {
      return null;
    }
  };

  // Without any credential the guard refuses it anyway: no state is read for it.
  const audited = (request: FastifyRequest): boolean =>
    isChange(request.method) && request.url.startsWith('/api/admin/') && (request.headers.authorization !== undefined || request.headers.cookie !== undefined);

  app.addHook('preHandler', async (request) => {
    if (!audited(request)) return;
    const { resourceUrl } = subjectOf(request);
    before.set(request, resourceUrl === null ? null : await readState(request, resourceUrl));
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!audited(request) || reply.statusCode >= 400) return payload;
    const actor = actorOf(request);
    if (!actor) return payload;
    const { pattern, resourceUrl, target } = subjectOf(request);
    let after: unknown = null;
    if (resourceUrl !== null && request.method !== 'DELETE') after = await readState(request, resourceUrl);
    if (after === null && request.method !== 'DELETE') {
      try {
        after = maskSecrets(typeof payload === 'string' && payload !== '' ? JSON.parse(payload) : (request.body ?? null));
      } catch {
        after = maskSecrets(request.body ?? null);
      }
    }
    const key = `${request.method} ${pattern}`;
    await ctx.db.query('INSERT INTO audit_log (at, actor, actor_role, action, target, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      ctx.now().toISOString(),
      actor.via === 'token' ? 'admin token' : actor.name,
      actor.role,
      ACTIONS[key] ?? key,
      target,
      JSON.stringify(before.get(request) ?? null),
      JSON.stringify(after),
    ]);
    return payload;
  });
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  actor_role: string;
  action: string;
  target: string | null;
  before: string | null;
  after: string | null;
}

/** The audit log, newest first, by keyset on the entry's id. */
export async function listAudit(ctx: Pick<AppContext, 'db'>, query: unknown): Promise<AuditPage> {
  const q = parseWith(auditQuery, query, 'query');
  const { rows } = await ctx.db.query<AuditRow>(
    `SELECT id, at, actor, actor_role, action, target, before, after FROM audit_log
      WHERE $1::bigint IS NULL OR id < $1 ORDER BY id DESC LIMIT $2`,
    [q.before ?? null, q.limit + 1],
  );
  const page = rows.slice(0, q.limit);
  const parse = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));
  return {
    entries: page.map((r) => ({ ...r, before: parse(r.before), after: parse(r.after) })),
    next_before: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
