/**
 * The agent's own API: status, the live event stream, call history and missed calls.
 *
 * Every route authenticates like the rest of the agent API (`authenticateAgent`: the desktop's
 * Bearer refresh credential, or the web shell's session cookie from a trusted origin).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { agentStatusRequest, type AgentStatusInfo, type CallPage } from '../../common/backend-api';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { pageQuery } from '../http/query';
import { PresenceTransitionError, type PresenceEntry } from './presence';
import { formatEvent } from './streams';

/** Interval of the stream's keep-alive comment; proxies drop idle connections after about a minute. */
export const HEARTBEAT_MS = 15_000;

/** How long a browser's EventSource waits before reconnecting, in milliseconds. */
const RECONNECT_MS = 3_000;

/** The agent-facing shape of a presence entry. */
export function statusInfo(entry: PresenceEntry): AgentStatusInfo {
  return { status: entry.status, since: entry.since, wrap_up_ends_at: entry.wrapUpEndsAt };
}

function presenceOf(ctx: AppContext, agentId: string): PresenceEntry {
  const entry = ctx.presence.get(agentId);
  // Every agent that can authenticate is tracked; a miss is a bug, not a client error.
  if (!entry) throw new Error('agent has no presence entry');
  return entry;
}

/** Register `/api/agent/status`, `/api/agent/events`, `/api/agent/calls` and `/api/agent/calls/missed`. */
export function registerAgentRoutes(app: FastifyInstance, ctx: AppContext): void {
  ctx.presence.onChange((entry) => ctx.agentStreams.send(entry.agentId, 'status', statusInfo(entry)));

  app.get('/api/agent/status', async (request): Promise<AgentStatusInfo> => {
    const { agent } = await authenticateAgent(ctx, request);
    return statusInfo(presenceOf(ctx, agent.id));
  });

  app.put('/api/agent/status', async (request): Promise<AgentStatusInfo> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { status } = parseWith(agentStatusRequest, request.body);
    try {
      return statusInfo(ctx.presence.choose(agent.id, status));
    } catch (error) {
      if (error instanceof PresenceTransitionError) throw new HttpError(409, 'status_conflict', error.message, { field: 'status' });
      throw error;
    }
  });

  app.get('/api/agent/events', async (request, reply: FastifyReply) => {
    const { agent, credential } = await authenticateAgent(ctx, request);
    const entry = presenceOf(ctx, agent.id);
    reply.hijack();
    const res = reply.raw;
    // Hijacked replies skip the onSend hooks: carry the CORS headers set so far and the security ones by hand.
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    });
    res.write(`retry: ${RECONNECT_MS}\n\n`);
    // Connect first, then listen: the first event is the status connecting gave (an offline agent becomes available).
    const release = ctx.presence.connect(agent.id);
    const forget = ctx.agentStreams.add(agent.id, credential.id, {
      write: (chunk) => void res.write(chunk),
      end: () => res.end(),
    });
    res.write(formatEvent('status', statusInfo(ctx.presence.get(agent.id) ?? entry)));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    request.log.info({ agent: agent.name }, 'agent event stream opened');
    res.on('close', () => {
      clearInterval(heartbeat);
      forget();
      release();
      request.log.info({ agent: agent.name }, 'agent event stream closed');
    });
  });

  app.get('/api/agent/calls', async (request): Promise<CallPage> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { limit, offset } = parseWith(pageQuery, request.query, 'query');
    const page = await ctx.storage.calls.callsOfAgent(agent.name, { limit, offset });
    return { calls: page.items, total: page.total, limit, offset };
  });

  app.get('/api/agent/calls/missed', async (request): Promise<CallPage> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { limit, offset } = parseWith(pageQuery, request.query, 'query');
    const page = await ctx.storage.calls.missedCallsOfAgent(agent.name, { limit, offset });
    return { calls: page.items, total: page.total, limit, offset };
  });
}
