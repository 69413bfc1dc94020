/**
 * The agent's own API: status, the live event stream, call history and missed calls.
 *
 * Every route authenticates like the rest of the agent API (`authenticateAgent`: the desktop's
 * Bearer refresh credential, or the web shell's session cookie from a trusted origin).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { agentStatusRequest, voiceReportRequest, type AgentStatusInfo, type CallPage } from '../../common/backend-api';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { DeskStore } from '../desk/store';
import { HttpError, parseWith } from '../http/errors';
import { encodeCursor, pageQuery } from '../http/query';
import { checkAwayReason, registerAwayReasonRoutes } from './away-reasons';
import { PresenceTransitionError, type PresenceEntry } from './presence';
import { formatEvent } from './streams';

/** Interval of the stream's keep-alive comment; proxies drop idle connections after about a minute. */
export const HEARTBEAT_MS = 15_000;

/** How long a browser's EventSource waits before reconnecting, in milliseconds. */
const RECONNECT_MS = 3_000;

/** The agent-facing shape of a presence entry. */
export function statusInfo(entry: PresenceEntry): AgentStatusInfo {
  return { status: entry.status, since: entry.since, wrap_up_ends_at: entry.wrapUpEndsAt, away_reason: entry.awayReason, reachable: entry.reachable };
}

/** The agent's presence from this instance's cache; an agent it has not seen yet (just created elsewhere) gets a row. */
async function presenceOf(ctx: AppContext, agent: { id: string }): Promise<PresenceEntry> {
  return ctx.presence.get(agent.id) ?? (await ctx.presence.track(agent));
}

function sameStatus(a: AgentStatusInfo, b: AgentStatusInfo): boolean {
  return (
    a.status === b.status && a.since === b.since && a.wrap_up_ends_at === b.wrap_up_ends_at && a.away_reason === b.away_reason && a.reachable === b.reachable
  );
}

/** Register `/api/agent/status`, `/api/agent/voice`, the away reasons, `/api/agent/events`, `/api/agent/calls` and `/api/agent/calls/missed`. */
export function registerAgentRoutes(app: FastifyInstance, ctx: AppContext): void {
  // The history as the agent sees it: missed by them or not, and their own after-call work.
  const desk = new DeskStore(ctx.db);
  // Changes by any instance arrive here; the agent hears only of those to their status (not reservations).
  ctx.presence.onChange((entry, previous) => {
    const info = statusInfo(entry);
    if (!previous || !sameStatus(info, statusInfo(previous))) ctx.agentStreams.send(entry.agentId, 'status', info);
  });

  app.get('/api/agent/status', async (request): Promise<AgentStatusInfo> => {
    const { agent } = await authenticateAgent(ctx, request);
    return statusInfo(await presenceOf(ctx, agent));
  });

  app.put('/api/agent/status', async (request): Promise<AgentStatusInfo> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { status, reason } = parseWith(agentStatusRequest, request.body);
    if (status !== 'away' && reason !== undefined) throw new HttpError(400, 'invalid_request', 'reason is only for away', { field: 'reason' });
    const awayReason = await checkAwayReason(ctx.db, reason);
    try {
      return statusInfo(await ctx.presence.choose(agent.id, status, awayReason));
    } catch (error) {
      if (error instanceof PresenceTransitionError) throw new HttpError(409, 'status_conflict', error.message, { field: 'status' });
      throw error;
    }
  });

  // The app's voice session: up (renewed every few seconds) or down. Routing skips an agent whose session is down.
  app.put('/api/agent/voice', async (request): Promise<AgentStatusInfo> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { state } = parseWith(voiceReportRequest, request.body);
    const entry = (await ctx.presence.reportVoice(agent.id, state === 'up')) ?? (await presenceOf(ctx, agent));
    return statusInfo(entry);
  });

  registerAwayReasonRoutes(app, ctx);

  app.get('/api/agent/events', async (request, reply: FastifyReply) => {
    const { agent, credential } = await authenticateAgent(ctx, request);
    const entry = await presenceOf(ctx, agent);
    // Connect first, then listen: the first event is the status connecting gave (an offline agent becomes available).
    // Before the reply is hijacked, so a database failure is still an error answer.
    const release = await ctx.presence.connect(agent.id);
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
    const forget = ctx.agentStreams.add(agent.id, credential.id, {
      write: (chunk) => void res.write(chunk),
      end: () => res.end(),
    });
    res.write(formatEvent('status', statusInfo(ctx.presence.get(agent.id) ?? entry)));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    request.log.info({ agent: agent.name }, 'agent event stream opened');
    const closed = () => {
      clearInterval(heartbeat);
      forget();
      void release();
      request.log.info({ agent: agent.name }, 'agent event stream closed');
    };
    // The client may have gone while we connected: then 'close' has been and gone.
    if (res.destroyed) closed();
    else res.on('close', closed);
  });

  app.get('/api/agent/calls', async (request): Promise<CallPage> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { limit, offset, cursor } = parseWith(pageQuery, request.query, 'query');
    const page = await ctx.storage.calls.callsOfAgent(agent.name, { limit, offset, before: cursor });
    return { calls: await desk.enrich(agent.name, page.items), total: page.total, limit, offset, next_cursor: page.next ? encodeCursor(page.next) : null };
  });

  app.get('/api/agent/calls/missed', async (request): Promise<CallPage> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { limit, offset, cursor } = parseWith(pageQuery, request.query, 'query');
    const page = await ctx.storage.calls.missedCallsOfAgent(agent.name, { limit, offset, before: cursor });
    return { calls: await desk.enrich(agent.name, page.items), total: page.total, limit, offset, next_cursor: page.next ? encodeCursor(page.next) : null };
  });
}
