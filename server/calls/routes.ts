/**
 * The agent's call control (the app's in-call buttons): hold / resume, blind transfer, warm
 * transfer (consult, complete, cancel), three-way conference and leaving it, the call's control
 * state, and where a call may be transferred. The rules live in `server/flows/control.ts`;
 * these routes authenticate, validate and map refusals to HTTP (404 not your call, 409 not now
 * — e.g. the target agent is not available).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { agentName } from '../../common/backend-api';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { CallControlError, type CallControl } from '../flows/control';
import { phoneDigits, queueName } from '../flows/targets';

const legParams = z.object({ legUuid: z.string().trim().min(1, 'must not be empty').max(128, 'is at most 128 characters') });

const holdRequest = z.strictObject({ held: z.boolean({ message: 'must be true or false' }) });

const agentTarget = z.strictObject({ type: z.literal('agent'), agent: agentName });
const phoneTarget = z.strictObject({ type: z.literal('phone'), number: phoneDigits });

const transferRequest = z.strictObject({
  target: z.discriminatedUnion('type', [agentTarget, z.strictObject({ type: z.literal('queue'), queue: queueName }), phoneTarget]),
});

const consultRequest = z.strictObject({ target: z.discriminatedUnion('type', [agentTarget, phoneTarget]) });

/** A body that must be empty (or absent): these actions take nothing. */
const noBody = z.strictObject({}).optional().nullable();

async function refusals<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CallControlError) throw new HttpError(error.status, error.code, error.message, error.field ? { field: error.field } : {});
    throw error;
  }
}

/** Register `/api/agent/calls/:legUuid/…` (hold, transfer, consult, conference, leave, control) and `/api/agent/transfer-targets`. */
export function registerCallControlRoutes(app: FastifyInstance, ctx: AppContext, control: CallControl): void {
  const leg = async (request: { params: unknown }) => parseWith(legParams, request.params, 'query').legUuid;

  app.get('/api/agent/calls/:legUuid/control', async (request) => {
    const { agent } = await authenticateAgent(ctx, request);
    const legUuid = await leg(request);
    return refusals(() => control.state(agent.name, legUuid));
  });

  app.put('/api/agent/calls/:legUuid/hold', async (request) => {
    const { agent } = await authenticateAgent(ctx, request);
    const legUuid = await leg(request);
    const { held } = parseWith(holdRequest, request.body);
    return refusals(() => control.hold(agent.name, legUuid, held));
  });

  app.post('/api/agent/calls/:legUuid/transfer', async (request, reply) => {
    const { agent } = await authenticateAgent(ctx, request);
    const legUuid = await leg(request);
    const { target } = parseWith(transferRequest, request.body);
    return reply.code(202).send(await refusals(() => control.transfer(agent.name, legUuid, target)));
  });

  app.post('/api/agent/calls/:legUuid/consult', async (request, reply) => {
    const { agent } = await authenticateAgent(ctx, request);
    const legUuid = await leg(request);
    const { target } = parseWith(consultRequest, request.body);
    return reply.code(202).send(await refusals(() => control.consult(agent.name, legUuid, target)));
  });

  const action = (path: string, status: 200 | 202, run: (agent: string, legUuid: string) => Promise<unknown>) => {
    app.post(`/api/agent/calls/:legUuid/${path}`, async (request, reply) => {
      const { agent } = await authenticateAgent(ctx, request);
      const legUuid = await leg(request);
      parseWith(noBody, request.body);
      return reply.code(status).send(await refusals(() => run(agent.name, legUuid)));
    });
  };
  action('consult/complete', 202, (agent, legUuid) => control.complete(agent, legUuid));
  action('consult/cancel', 200, (agent, legUuid) => control.cancel(agent, legUuid));
  action('conference', 200, (agent, legUuid) => control.conference(agent, legUuid));
  action('leave', 202, (agent, legUuid) => control.leave(agent, legUuid));

  app.get('/api/agent/transfer-targets', async (request) => {
    const { agent } = await authenticateAgent(ctx, request);
    return control.targets(agent.name);
  });
}
