/**
 * The agent-facing API besides auth: client configuration, call log, health.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CallLogEntry, ClientConfig } from '../../common/backend-api';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { parseWith } from '../http/errors';
import type { CallWithEvents } from '../storage/types';

/** Answer of `GET /api/health`. */
export interface HealthResponse {
  ok: true;
}

/** Query of `GET /api/calls`. */
export const callListQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(200, 'must be at most 200'))
    .default(50),
});

/**
 * Shape a stored call for the API.
 *
 * Events keep only leg, status and time; the raw payloads stay on the server. With `agent`,
 * only the events an agent may see: the caller's side and their own legs, not another
 * agent's who was offered the same call.
 */
export function toCallLogEntry(call: CallWithEvents, agent?: string): CallLogEntry {
  // Segments name every agent offered the call: the admin API shows them, an agent's list does not.
  const { events, segments: _segments, ...record } = call;
  const own = agent?.toLowerCase();
  const visible = own === undefined ? events : events.filter((e) => e.agent === null || e.agent.toLowerCase() === own);
  return { ...record, events: visible.map((e) => ({ uuid: e.uuid, kind: e.kind, status: e.status, agent: e.agent, timestamp: e.timestamp })) };
}

/**
 * Register `/api/config`, `/api/calls` and `/api/health`.
 *
 * Only the call log needs a login (and shows the agent's own calls); configuration and health are public.
 */
export function registerApiRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/health', async (): Promise<HealthResponse> => ({ ok: true }));

  app.get('/api/config', async (): Promise<ClientConfig> => ({
    sdk: { apiUrl: ctx.config.sdk.apiUrl, websocketUrl: ctx.config.sdk.websocketUrl },
    contact_number: ctx.config.contactNumber,
  }));

  // An agent's own calls only (answered or offered); the operator reads them all through `/api/admin/calls`.
  app.get('/api/calls', async (request): Promise<CallLogEntry[]> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { limit } = parseWith(callListQuery, request.query, 'query');
    const page = await ctx.storage.calls.callsOfAgent(agent.name, { limit, offset: 0 });
    const calls = await Promise.all(page.items.map((call) => ctx.storage.calls.getCall(call.conversation_uuid)));
    return calls.filter((call): call is CallWithEvents => call !== null).map((call) => toCallLogEntry(call, agent.name));
  });
}
