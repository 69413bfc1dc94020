/**
 * The Voice webhooks: answer_url and event_url.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { agentName } from '../../common/backend-api';
import type { AppContext } from '../context';
import { inboundCallNcco } from '../flows/inbound';
import type { AnswerContext, Ncco } from '../flows/ncco';
import { parseWith } from '../http/errors';
import type { AgentRepository, NewCallEvent } from '../storage/types';
import { callEventPayload, callSummarizer } from './call-log';

const field = z.string().max(256, 'is at most 256 characters').optional();

/**
 * Schema of an answer_url request (query for GET, body for POST).
 *
 * Extra fields (custom_data, region_url, …) pass through untouched.
 */
export const answerRequest = z.looseObject({
  to: field,
  from: field,
  uuid: field,
  conversation_uuid: field,
  from_user: field,
});

/**
 * Choose the NCCO for an answered leg.
 *
 * Today every call gets the seed's Inbound Call flow; outbound, IVR, whisper and queue
 * flows will be chosen here from the context.
 */
export function answerNcco(context: AnswerContext): Ncco {
  return inboundCallNcco(context);
}

async function agentNamed(agents: AgentRepository, candidate: string | null): Promise<string | null> {
  if (candidate === null || !agentName.safeParse(candidate).success) return null;
  const agent = await agents.findByName(candidate);
  return agent ? agent.name : null;
}

/**
 * Register `GET|POST /webhooks/answer` and `POST /webhooks/event`.
 *
 * They live in their own Fastify scope because they also accept form bodies.
 */
export function registerWebhookRoutes(app: FastifyInstance, ctx: AppContext): void {
  void app.register(async (scope) => {
    // Webhooks can be configured to POST forms; the agent API stays JSON-only.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
    });

    const answer = async (request: FastifyRequest, source: unknown, where: 'query' | 'body'): Promise<Ncco> => {
      const params = parseWith(answerRequest, source ?? {}, where);
      const context: AnswerContext = {};
      if (params.to !== undefined) context.to = params.to;
      if (params.from !== undefined) context.from = params.from;
      if (params.uuid !== undefined) context.uuid = params.uuid;
      if (params.conversation_uuid !== undefined) context.conversation_uuid = params.conversation_uuid;
      if (params.from_user !== undefined) context.from_user = params.from_user;
      const ncco = answerNcco(context);
      request.log.info({ conversation_uuid: context.conversation_uuid, uuid: context.uuid }, 'answered call');
      return ncco;
    };

    scope.get('/webhooks/answer', async (request) => answer(request, request.query, 'query'));
    scope.post('/webhooks/answer', async (request) => answer(request, request.body, 'body'));

    scope.post('/webhooks/event', async (request, reply) => {
      const payload = parseWith(callEventPayload, request.body);
      const receivedAt = ctx.now().toISOString();
      // Attribute the leg to an agent when it rings or comes from one (an app user's name).
      const agent = (await agentNamed(ctx.storage.agents, payload.to)) ?? (await agentNamed(ctx.storage.agents, payload.from));
      const event: NewCallEvent = {
        conversation_uuid: payload.conversation_uuid ?? null,
        uuid: payload.uuid,
        status: payload.status,
        direction: payload.direction ?? null,
        from: payload.from,
        to: payload.to,
        timestamp: payload.timestamp ? new Date(payload.timestamp).toISOString() : receivedAt,
        raw: JSON.stringify(request.body),
        received_at: receivedAt,
      };
      // Stored (event and call row together) before we answer, so an acknowledged event is never lost.
      const { call } = await ctx.storage.calls.recordEvent(event, callSummarizer(agent));
      request.log.info(
        { conversation_uuid: event.conversation_uuid, uuid: event.uuid, status: event.status, call_status: call?.status },
        'call event',
      );
      return reply.code(204).send();
    });
  });
}
