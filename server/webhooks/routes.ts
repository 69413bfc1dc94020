/**
 * The Voice event_url. The answer_url and the other flow webhooks live in `server/flows/routes.ts`.
 */
import type { FastifyInstance } from 'fastify';
import { agentName } from '../../common/backend-api';
import type { AppContext } from '../context';
import { parseWith } from '../http/errors';
import type { NewCallEvent } from '../storage/types';
import { callEventPayload, eventKind, type CallEventPayload } from './call-log';
import type { StoredCallEvent } from './call-events';
import { firstDelivery, lockCallOfEvent, type LockedCall } from '../calls/store';
import { eventKey } from '../flows/runtime';
import { captureRawBodies, requireVonageSignature } from './signature';

/** The agent with this (app user) name, from presence, whose cache holds every agent. */
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
  await ctx.presence.track(agent);
  return { id: agent.id, name: agent.name };
}

/**
 * Apply one event_url payload: store it with the call's record, move the agent's presence,
 * and let routing follow it — all before the webhook is answered, so an acknowledged event is
 * never lost (a failure answers 500 and the platform retries; each step applies a retried
 * delivery once). Reconciliation (`server/calls/reconcile.ts`) feeds the events it finds
 * missing through here too. Null for a retried delivery that was applied already.
 */
export async function applyCallEvent(ctx: AppContext, payload: CallEventPayload, raw: string): Promise<StoredCallEvent | null> {
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
    raw,
    received_at: receivedAt,
  };
  // One transaction for the whole webhook, committed before it is answered. Locks in the
  // order every transaction takes them: the customer call's row, then presence, then the log.
  const published = await ctx.db.tx(async (sql): Promise<StoredCallEvent | null> => {
    let flowCall: LockedCall | null | undefined;
    if (event.uuid !== null && event.status !== null) {
      flowCall = await lockCallOfEvent(sql, { uuid: event.uuid, to: event.to, conversation_uuid: event.conversation_uuid });
      // Vonage retries a delivery it got no answer to: the retry changes nothing.
      if (!(await firstDelivery(sql, eventKey(event)))) return null;
    }
    const stored = await ctx.storage.calls.recordEvent(event, undefined, sql);
    if (agent && event.uuid !== null && event.status !== null) {
      await ctx.presence.noteCallEvent(sql, { agentName: agent.name, agentId: agent.id, uuid: event.uuid, status: event.status, at: event.timestamp });
    }
    const result: StoredCallEvent = { event: stored.event, payload, call: stored.call, agent, ...(flowCall !== undefined ? { flowCall } : {}) };
    await ctx.callEvents.emit(result, sql);
    return result;
  });
  // Into this instance's cache at once (others hear of it through the notification).
  if (agent) await ctx.presence.refresh([agent.id]);
  return published;
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

    // Token ids are claimed in the store the flows' webhooks share: a token is good for one request.
    const signed = requireVonageSignature(ctx.config, ctx.storage.webhookTokens, ctx.now);
    scope.post('/webhooks/event', { preHandler: signed }, async (request, reply) => {
      const payload = parseWith(callEventPayload, request.body);
      const applied = await applyCallEvent(ctx, payload, JSON.stringify(request.body));
      request.log.info(
        applied
          ? { conversation_uuid: applied.event.conversation_uuid, uuid: applied.event.uuid, kind: applied.event.kind, status: applied.event.status, call_status: applied.call?.status }
          : { uuid: payload.uuid, status: payload.status, retried: true },
        'call event',
      );
      return reply.code(204).send();
    });
  });
}
