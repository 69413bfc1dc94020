/**
 * The operator's queues API: define queues and watch them (`/api/admin/queues`).
 *
 * `GET /api/admin/queues` is the supervisor's view: each queue's waiting callers with their
 * wait so far and the agent being rung for them, and its agents' status.
 */
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../admin/guard';
import type { AppContext } from '../context';
import { parseLocated } from '../flows/issues';
import { HttpError } from '../http/errors';
import type { NumberDirectory } from '../numbers/directory';
import type { QueueDirectory } from './directory';
import type { QueueManager, QueueState } from './manager';
import { queueParam, queueSettings, type QueueConfig, type QueueSettings } from './schema';

/** Answer of `GET /api/admin/queues`. */
export interface QueuesView {
  queues: QueueState[];
  /** Every agent's status, for the supervisor. */
  agents: Array<{ name: string; status: string; idle_since: string | null }>;
}

/** A queue's definition as `PUT` and `GET /api/admin/queues/:name` return it. */
export interface QueueView {
  name: string;
  settings: QueueSettings;
  updated_at: string;
}

function view(config: QueueConfig): QueueView {
  return { name: config.name, settings: config.settings, updated_at: config.updated_at };
}

/** The redirects of a queue that name another queue, with their field. */
function queueReferences(settings: QueueSettings): Array<{ field: string; queue: string }> {
  const refs: Array<{ field: string; queue: string }> = [];
  for (const field of ['on_timeout', 'on_overflow', 'on_no_agents'] as const) {
    const target = settings[field];
    if (target.type === 'queue') refs.push({ field: `${field}.queue`, queue: target.queue });
  }
  return refs;
}

/** Register `GET /api/admin/queues` and `GET|PUT|DELETE /api/admin/queues/:name`. */
export function registerQueueRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  deps: { queues: QueueDirectory; numbers: NumberDirectory; manager: QueueManager; agents: () => QueuesView['agents'] },
): void {
  const { queues, numbers, manager } = deps;
  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));

    scope.get('/api/admin/queues', async (): Promise<QueuesView> => ({ queues: await manager.snapshot(), agents: deps.agents() }));

    scope.get('/api/admin/queues/:name', async (request): Promise<QueueView> => {
      const { name } = parseLocated(queueParam, request.params);
      const config = queues.get(name);
      if (!config) throw new HttpError(404, 'not_found', `No queue named ${name}`, { field: 'name' });
      return view(config);
    });

    scope.put('/api/admin/queues/:name', async (request): Promise<QueueView> => {
      const { name } = parseLocated(queueParam, request.params);
      const settings = parseLocated(queueSettings, request.body);
      for (const ref of queueReferences(settings)) {
        if (ref.queue.toLowerCase() !== name.toLowerCase() && !queues.get(ref.queue)) {
          throw new HttpError(400, 'invalid_request', `${ref.field} names no queue "${ref.queue}"; create it first`, { field: ref.field });
        }
      }
      const config = await queues.put(queues.get(name)?.name ?? name, settings);
      request.log.info({ queue: config.name }, 'queue saved');
      return view(config);
    });

    scope.delete('/api/admin/queues/:name', async (request, reply) => {
      const { name } = parseLocated(queueParam, request.params);
      if (!queues.get(name)) throw new HttpError(404, 'not_found', `No queue named ${name}`, { field: 'name' });
      const users = [
        ...numbers.usingQueue(name).map((n) => `number ${n}`),
        ...queues
          .list()
          .filter((q) => q.name.toLowerCase() !== name.toLowerCase() && queueReferences(q.settings).some((r) => r.queue.toLowerCase() === name.toLowerCase()))
          .map((q) => `queue ${q.name}`),
      ];
      if (users.length > 0) throw new HttpError(409, 'in_use', `Queue ${name} is still used by ${users.join(', ')}`, { field: 'name' });
      await queues.delete(name);
      request.log.info({ queue: name }, 'queue removed');
      return reply.code(204).send();
    });
  });
}
