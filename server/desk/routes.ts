/**
 * The agent desk's API: the missed-call badge (`/api/agent/calls/unseen`, `/seen`), the
 * dispositions an agent picks from (`/api/agent/dispositions`; the operator's
 * `/api/admin/dispositions`), and after-call work on a call (`/api/agent/wrap-ups/:conversation`;
 * the operator reads every agent's at `/api/admin/calls/:uuid/wrap-ups`; `PATCH` edits the notes later). The history itself is
 * `/api/agent/calls` (`server/agents/routes.ts`), enriched here ({@link DeskStore.enrich}).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { dispositionsRequest, seenRequest, wrapUpNotesRequest, wrapUpRequest, type Dispositions, type MissedBadge, type WrapUp } from '../../common/agent-desk';
import { requireAdmin } from '../admin/guard';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { DeskStore } from './store';

const conversationParams = z.object({ conversationUuid: z.string().trim().min(1, 'must not be empty').max(256, 'is at most 256 characters') });
const callParams = z.object({ uuid: z.string().trim().min(1, 'must not be empty').max(256, 'is at most 256 characters') });

/** Register the desk's agent and admin routes. */
export function registerDeskRoutes(app: FastifyInstance, ctx: AppContext): void {
  const store = new DeskStore(ctx.db);
  app.get('/api/agent/calls/unseen', async (request): Promise<MissedBadge> => {
    const { agent } = await authenticateAgent(ctx, request);
    return store.unseen(agent.name);
  });

  app.put('/api/agent/calls/seen', async (request): Promise<MissedBadge> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { up_to } = parseWith(seenRequest, request.body);
    return store.markSeen(agent.name, up_to, ctx.now());
  });

  app.get('/api/agent/dispositions', async (request): Promise<Dispositions> => {
    await authenticateAgent(ctx, request);
    return { dispositions: await store.dispositions() };
  });

  app.put('/api/agent/wrap-ups/:conversationUuid', async (request): Promise<WrapUp> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { conversationUuid } = parseWith(conversationParams, request.params, 'query');
    const { disposition, notes } = parseWith(wrapUpRequest, request.body);
    const saved = await store.saveWrapUp(agent.name, conversationUuid, disposition, notes, ctx.now());
    if (saved === 'not_found') throw new HttpError(404, 'not_found', 'No such call in your history', { field: 'conversationUuid' });
    if (saved === 'unknown_disposition') throw new HttpError(400, 'invalid_request', `disposition ${disposition ?? ''} is not on the list`, { field: 'disposition' });
    return saved;
  });

  // Notes edited later, from Recent calls: only the call's own agent, and the disposition stays.
  app.patch('/api/agent/wrap-ups/:conversationUuid', async (request): Promise<WrapUp> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { conversationUuid } = parseWith(conversationParams, request.params, 'query');
    const { notes } = parseWith(wrapUpNotesRequest, request.body);
    const saved = await store.editNotes(agent.name, conversationUuid, notes, ctx.now());
    if (saved === 'not_found') throw new HttpError(404, 'not_found', 'No such call in your history', { field: 'conversationUuid' });
    return saved;
  });

  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));
    scope.get('/api/admin/dispositions', async (): Promise<Dispositions> => ({ dispositions: await store.dispositions() }));
    scope.put('/api/admin/dispositions', async (request): Promise<Dispositions> => {
      const { dispositions } = parseWith(dispositionsRequest, request.body);
      return { dispositions: await store.replaceDispositions(dispositions) };
    });
    scope.get('/api/admin/calls/:uuid/wrap-ups', async (request) => {
      const { uuid } = parseWith(callParams, request.params, 'query');
      return { wrap_ups: await store.wrapUpsOf(uuid) };
    });
  });
}
