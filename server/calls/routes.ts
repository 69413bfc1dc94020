/**
 * The agent's call control (the app's in-call buttons): hold / resume and blind transfer of
 * the call the agent is on, and where a call may be transferred. The rules live with the call
 * model in `server/flows/runtime.ts`; these routes authenticate, validate and map refusals to
 * HTTP (404 not your call, 409 not now — e.g. the target agent is not available).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { agentName } from '../../common/backend-api';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { CallControlError, type CallFlows } from '../flows/runtime';
import { phoneDigits, queueName } from '../flows/targets';

const legParams = z.object({ legUuid: z.string().trim().min(1, 'must not be empty').max(128, 'is at most 128 characters') });

const holdRequest = z.strictObject({ held: z.boolean({ message: 'must be true or false' }) });

const transferRequest = z.strictObject({
  target: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('agent'), agent: agentName }),
    z.strictObject({ type: z.literal('queue'), queue: queueName }),
    z.strictObject({ type: z.literal('phone'), number: phoneDigits }),
  ]),
});

async function refusals<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CallControlError) throw new HttpError(error.status, error.code, error.message, error.field ? { field: error.field } : {});
    throw error;
  }
}

/** Register `/api/agent/calls/:legUuid/hold`, `/api/agent/calls/:legUuid/transfer` and `/api/agent/transfer-targets`. */
export function registerCallControlRoutes(app: FastifyInstance, ctx: AppContext, flows: CallFlows): void {
  app.put('/api/agent/calls/:legUuid/hold', async (request) => {
    const { agent } = await authenticateAgent(ctx, request);
    const { legUuid } = parseWith(legParams, request.params, 'query');
    const { held } = parseWith(holdRequest, request.body);
    return refusals(() => flows.holdCall(agent.name, legUuid, held));
  });

  app.post('/api/agent/calls/:legUuid/transfer', async (request, reply) => {
    const { agent } = await authenticateAgent(ctx, request);
    const { legUuid } = parseWith(legParams, request.params, 'query');
    const { target } = parseWith(transferRequest, request.body);
    const result = await refusals(() => flows.transferCall(agent.name, legUuid, target));
    return reply.code(202).send(result);
  });

  app.get('/api/agent/transfer-targets', async (request) => {
    const { agent } = await authenticateAgent(ctx, request);
    return flows.transferTargets(agent.name);
  });
}
