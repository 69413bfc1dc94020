/**
 * The Voice event_url. The answer_url and the other flow webhooks live in `server/flows/routes.ts`.
 */
import type { FastifyInstance } from 'fastify';
import { agentName } from '../../common/backend-api';
import type { AppContext } from '../context';
import { parseWith } from '../http/errors';
import type { NewCallEvent } from '../storage/types';
import { callEventPayload, eventKind } from './call-log';
import { captureRawBodies, requireVonageSignature } from './signature';

/** The agent with this (app user) name, from presence, which tracks every agent in memory. */
function agentLeg(ctx: AppContext, candidate: string | null): { id: string; name: string } | null {
  if (candidate === null || !agentName.safeParse(candidate).success) return null;
  const entry = ctx.presence.byName(candidate);
  return entry ? { id: entry.agentId, name: entry.name } : null;
}

/**
 * The agent with this name from storage, for one presence does not know yet (created behind
 * the API's back); phone numbers are never agent names here, so they cost no lookup.
 */
async function agentFromStore(ctx: AppContext, candidate: string | null): Promise<{ id: string; name: string } | null> {
  if (candidate === null || /^\+?[0-9]+$/.test(candidate) || !agentName.safeParse(candidate).success) return null;
  const agent = await ctx.storage.agents.findByName(candidate);
  if (!agent) return null;
  ctx.presence.track(agent);
  return { id: agent.id, name: agent.name };
}

/**
 * Register `POST /webhooks/event`.
 *
 * It lives in its own Fastify scope because it also accepts form bodies.
 */
export function registerWebhookRoutes(app: FastifyInstance, ctx: AppContext): void {
  void app.register(async (scope) => {
    // Webhooks can be configured to POST forms; the agent API stays JSON-only. Raw bodies are kept for signatures.
    captureRawBodies(scope);

    scope.post('/webhooks/event', { preHandler: requireVonageSignature(ctx.config) }, async (request, reply) => {
      const payload = parseWith(callEventPayload, request.body);
      const receivedAt = ctx.now().toISOString();
      const kind = eventKind(payload);
      // Attribute a leg to an agent when it rings one or comes from one (an app user's name).
      const agent = kind === 'status' ? (agentLeg(ctx, payload.to) ?? (await agentFromStore(ctx, payload.to)) ?? agentLeg(ctx, payload.from) ?? (await agentFromStore(ctx, payload.from))) : null;
      const event: NewCallEvent = {
        conversation_uuid: payload.conversation_uuid ?? null,
        uuid: payload.uuid ?? null,
        kind,
        status: payload.status ?? null,
        agent: agent?.name ?? null,
        direction: payload.direction ?? null,
        from: payload.from,
        to: payload.to,
        timestamp: payload.timestamp ? new Date(payload.timestamp).toISOString() : receivedAt,
        raw: JSON.stringify(request.body),
        received_at: receivedAt,
      };
      // Stored (event and call row together) before we answer, so an acknowledged event is never lost.
      const stored = await ctx.storage.calls.recordEvent(event);
      if (agent && event.uuid !== null && event.status !== null) {
        ctx.presence.noteCallEvent({ agentId: agent.id, uuid: event.uuid, status: event.status, at: event.timestamp });
      }
      ctx.callEvents.emit({ event: stored.event, payload, call: stored.call, agent });
      request.log.info(
        { conversation_uuid: event.conversation_uuid, uuid: event.uuid, kind, status: event.status, call_status: stored.call?.status },
        'call event',
      );
      return reply.code(204).send();
    });
  });
}
