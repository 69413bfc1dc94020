/**
 * The operator's numbers API: which flow answers each number (`/api/admin/numbers`).
 *
 * Behind the admin token. A body is validated whole (400 naming the exact field, e.g.
 * `ncco[2].endpoint[0].user` or `options[1].digit`), queues it names must exist, and the
 * write reaches the database before the answer cache sees it.
 */
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../admin/guard';
import type { AppContext } from '../context';
import { parseLocated } from '../flows/issues';
import type { RouteTarget } from '../flows/targets';
import { HttpError } from '../http/errors';
import type { QueueDirectory } from '../queues/directory';
import type { NumberDirectory } from './directory';
import { numberParam, numberSettings, type NumberConfig, type NumberSettings } from './schema';
import { nccoSamples } from './samples';
import { registerTestCallRoutes } from './test-call';

/** A number as the admin API shows it. */
export interface NumberView {
  number: string;
  flow: NumberSettings['flow'];
  settings: NumberSettings;
  updated_at: string;
}

function view(config: NumberConfig): NumberView {
  return { number: config.number, flow: config.settings.flow, settings: config.settings, updated_at: config.updated_at };
}

/** Every queue a number's settings send calls to, with the field that names it. */
export function queueReferences(settings: NumberSettings): Array<{ field: string; queue: string }> {
  const refs: Array<{ field: string; queue: string }> = [];
  const add = (field: string, target: RouteTarget) => {
    if (target.type === 'queue') refs.push({ field: `${field}.queue`, queue: target.queue });
  };
  switch (settings.flow) {
    case 'queue':
      refs.push({ field: 'queue', queue: settings.queue });
      break;
    case 'ivr':
      settings.options.forEach((option, index) => add(`options[${index}].target`, option.target));
      add('fallback', settings.fallback);
      break;
    case 'inbound':
    case 'whisper':
      add('fallback', settings.fallback);
      break;
    case 'custom':
      break;
  }
  return refs;
}

/** Register `GET /api/admin/numbers`, `GET|PUT|DELETE /api/admin/numbers/:number`, and the console's test calls (`./test-call.ts`). */
export function registerNumberRoutes(app: FastifyInstance, ctx: AppContext, numbers: NumberDirectory, queues: QueueDirectory): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));

    scope.get('/api/admin/numbers', async (): Promise<NumberView[]> => numbers.list().map(view));

    scope.get('/api/admin/numbers/:number', async (request): Promise<NumberView> => {
      const { number } = parseLocated(numberParam, request.params);
      const config = numbers.get(number);
      if (!config) throw new HttpError(404, 'not_found', `Number ${number} has no flow configured`, { field: 'number' });
      return view(config);
    });

    scope.put('/api/admin/numbers/:number', async (request): Promise<NumberView> => {
      const { number } = parseLocated(numberParam, request.params);
      const settings = parseLocated(numberSettings, request.body);
      for (const ref of queueReferences(settings)) {
        if (!queues.get(ref.queue)) {
          throw new HttpError(400, 'invalid_request', `${ref.field} names no queue "${ref.queue}"; create it first (PUT /api/admin/queues/${ref.queue})`, { field: ref.field });
        }
      }
      const config = await numbers.put(number, settings);
      request.log.info({ number, flow: settings.flow }, 'number flow set');
      return view(config);
    });

    scope.delete('/api/admin/numbers/:number', async (request, reply) => {
      const { number } = parseLocated(numberParam, request.params);
      if (!(await numbers.delete(number))) throw new HttpError(404, 'not_found', `Number ${number} has no flow configured`, { field: 'number' });
      request.log.info({ number }, 'number flow removed');
      return reply.code(204).send();
    });

    scope.get('/api/admin/numbers/:number/ncco-samples', async (request) => {
      const { number } = parseLocated(numberParam, request.params);
      return { samples: nccoSamples(number, ctx.config.publicUrl) };
    });

    registerTestCallRoutes(scope, ctx.config, numbers);
  });
}
