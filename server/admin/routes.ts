/**
 * The admin API: agents, the call log and queue figures, behind the admin token.
 *
 * Agents are addressed by name (unique regardless of case), the name operators know them by.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CALL_OUTCOMES, agentName, type AgentStatus, type CallLogRecord, type CallPage } from '../../common/backend-api';
import { PresenceTransitionError } from '../agents/presence';
import { hashPassword } from '../auth/passwords';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { encodeCursor, intParam, pageQuery, timeParam } from '../http/query';
import { DuplicateAgentError, type AgentRecord, type AgentSegmentRecord, type CallEventRecord, type QueueStatsRecord } from '../storage/types';
import { requireAdmin } from './guard';

/** An agent as the admin API shows it: never the password hash. */
export interface AdminAgentView {
  id: string;
  name: string;
  display_name: string;
  disabled: boolean;
  created_at: string;
  status: AgentStatus;
  status_since: string;
  idle_since: string | null;
  wrap_up_ends_at: string | null;
}

/** A call with its events, payloads included, for `GET /api/admin/calls/:uuid`. */
export interface AdminCallView extends CallLogRecord {
  events: Array<Omit<CallEventRecord, 'raw' | 'conversation_uuid'> & { payload: unknown }>;
}

/** One segment of an agent's history in `GET /api/admin/agents/:name/history`. */
export interface AgentHistorySegment extends AgentSegmentRecord {
  /** Wrap-up after an answered segment: the configured wrap-up, cut short by the agent's next offer (an estimate). */
  wrap_up_s: number;
  /** talk + hold + wrap-up. */
  handle_s: number;
}

/** `GET /api/admin/agents/:name/history`: an agent's segments over a period, and their totals. */
export interface AgentHistoryView {
  agent: string;
  from: string;
  to: string;
  segments: AgentHistorySegment[];
  totals: { offered: number; answered: number; talk_s: number; hold_s: number; wrap_up_s: number; handle_s: number };
}

/** Query of `GET /api/admin/agents/:name/history`: the period defaults to the last 24 hours. */
export const agentHistoryQuery = z
  .object({
    from: timeParam.optional(),
    to: timeParam.optional(),
  })
  .superRefine(toAfterFrom);

/**
 * Handle time of each segment: talk + hold + wrap-up. Wrap-up follows an answered segment
 * for `wrapUpS`, unless the agent was offered the next call sooner (they ended it early).
 */
export function withHandleTime(segments: readonly AgentSegmentRecord[], wrapUpS: number): AgentHistorySegment[] {
  return segments.map((segment, i) => {
    let wrapUp = 0;
    if (segment.answered_at !== null && segment.ended_at !== null) {
      const next = segments[i + 1];
      const gap = next ? Math.max(0, Math.round((Date.parse(next.offered_at) - Date.parse(segment.ended_at)) / 1000)) : Infinity;
      wrapUp = Math.min(wrapUpS, gap);
    }
    const talk = segment.talk_s ?? 0;
    return { ...segment, wrap_up_s: wrapUp, handle_s: talk + segment.hold_s + wrapUp };
  });
}

/** One queue's figures in `GET /api/admin/queue-stats`. */
export interface QueueStatsView extends Omit<QueueStatsRecord, 'answered_within_threshold'> {
  /** Share of offered calls answered within the threshold (0–1). */
  service_level: number;
}

const password = z.string().min(8, 'is at least 8 characters').max(256, 'is at most 256 characters');

/** `POST /api/admin/agents`. */
export const createAgentRequest = z.object({
  name: agentName,
  display_name: z.string().trim().min(1, 'must not be empty').max(128, 'is at most 128 characters').optional(),
  password,
});

/** `PATCH /api/admin/agents/:name`: what an admin may edit in place. */
export const editAgentRequest = z.strictObject({
  display_name: z.string().trim().min(1, 'must not be empty').max(128, 'is at most 128 characters'),
});

/** `POST /api/admin/agents/:name/password`. */
export const resetPasswordRequest = z.object({ password });

/**
 * `PUT /api/admin/agents/:name/status`: force an agent's status, from whatever it is (a busy
 * agent whose call never ended, say). Busy and wrap-up are the calls' to decide.
 */
export const adminStatusRequest = z.object({ status: z.enum(['available', 'away', 'offline']) });

const agentParams = z.object({ name: agentName });

const outcome = z.enum(CALL_OUTCOMES);

/** Rejects a period whose `to` is not after its `from`. */
function toAfterFrom(q: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (q.from !== undefined && q.to !== undefined && q.from >= q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
}

/** Query of `GET /api/admin/calls`. */
export const adminCallsQuery = pageQuery
  .extend({
    from: timeParam.optional(),
    to: timeParam.optional(),
    agent: agentName.optional(),
    outcome: outcome.optional(),
    queue: z.string().min(1, 'must not be empty').max(64, 'is at most 64 characters').optional(),
  })
  .superRefine(toAfterFrom);

/** Query of `GET /api/admin/queue-stats`: the period defaults to the last 24 hours. */
export const queueStatsQuery = z
  .object({
    from: timeParam.optional(),
    to: timeParam.optional(),
    service_level_s: intParam(1, 3_600, 20),
  })
  .superRefine(toAfterFrom);

const callParams = z.object({ uuid: z.string().min(1, 'is required').max(128, 'is at most 128 characters') });

function parseRaw(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

/** Register the admin routes under `/api/admin`, each behind {@link requireAdmin}. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));

    const view = (agent: AgentRecord): AdminAgentView => {
      const entry = ctx.presence.get(agent.id);
      return {
        id: agent.id,
        name: agent.name,
        display_name: agent.display_name,
        disabled: agent.disabled,
        created_at: agent.created_at,
        status: entry?.status ?? 'offline',
        status_since: entry?.since ?? agent.created_at,
        idle_since: entry?.idleSince ?? null,
        wrap_up_ends_at: entry?.wrapUpEndsAt ?? null,
      };
    };

    const agentNamed = async (params: unknown): Promise<AgentRecord> => {
      const { name } = parseWith(agentParams, params);
      const agent = await ctx.storage.agents.findByName(name);
      if (!agent) throw new HttpError(404, 'unknown_agent', 'name does not name an agent', { field: 'name' });
      return agent;
    };

    /** End every session of an agent: revoke its credentials, close its streams, take it offline. */
    const endSessions = async (agent: AgentRecord, reason: string): Promise<number> => {
      const revoked = await ctx.storage.credentials.revokeAllOfAgent(agent.id, ctx.now().toISOString());
      ctx.agentStreams.closeAgent(agent.id, reason);
      await ctx.presence.set(agent.id, 'offline', reason);
      return revoked;
    };

    scope.get('/api/admin/agents', async (): Promise<AdminAgentView[]> => (await ctx.storage.agents.list()).map(view));

    // One agent (the console's agent page, and the audit log's before/after of every change to an agent).
    scope.get('/api/admin/agents/:name', async (request): Promise<AdminAgentView> => view(await agentNamed(request.params)));

    scope.patch('/api/admin/agents/:name', async (request): Promise<AdminAgentView> => {
      const agent = await agentNamed(request.params);
      const body = parseWith(editAgentRequest, request.body);
      await ctx.storage.agents.setDisplayName(agent.id, body.display_name);
      request.log.info({ agent: agent.name }, 'admin edited agent');
      return view({ ...agent, display_name: body.display_name });
    });

    scope.post('/api/admin/agents', async (request, reply) => {
      const body = parseWith(createAgentRequest, request.body);
      let agent: AgentRecord;
      try {
        agent = await ctx.storage.agents.create(
          { name: body.name, display_name: body.display_name ?? body.name, password_hash: await hashPassword(body.password) },
          ctx.now().toISOString(),
        );
      } catch (error) {
        if (error instanceof DuplicateAgentError) throw new HttpError(409, 'agent_exists', 'name is taken by another agent', { field: 'name' });
        throw error;
      }
      await ctx.presence.track(agent);
      request.log.info({ agent: agent.name }, 'admin created agent');
      return reply.code(201).send(view(agent));
    });

    scope.post('/api/admin/agents/:name/disable', async (request): Promise<AdminAgentView> => {
      const agent = await agentNamed(request.params);
      await ctx.storage.agents.setDisabled(agent.id, true);
      const revoked = await endSessions(agent, 'disabled');
      request.log.info({ agent: agent.name, revoked }, 'admin disabled agent');
      return view({ ...agent, disabled: true });
    });

    scope.post('/api/admin/agents/:name/enable', async (request): Promise<AdminAgentView> => {
      const agent = await agentNamed(request.params);
      await ctx.storage.agents.setDisabled(agent.id, false);
      request.log.info({ agent: agent.name }, 'admin enabled agent');
      return view({ ...agent, disabled: false });
    });

    scope.post('/api/admin/agents/:name/password', async (request): Promise<AdminAgentView> => {
      const agent = await agentNamed(request.params);
      const body = parseWith(resetPasswordRequest, request.body);
      await ctx.storage.agents.setPasswordHash(agent.id, await hashPassword(body.password));
      // A new password ends every session the old one opened.
      const revoked = await endSessions(agent, 'password-reset');
      request.log.info({ agent: agent.name, revoked }, 'admin reset agent password');
      return view(agent);
    });

    scope.put('/api/admin/agents/:name/status', async (request): Promise<AdminAgentView> => {
      // Addressed by name like every admin route; an agent's id is understood too.
      const param = (request.params as { name?: unknown }).name;
      const byId = typeof param === 'string' ? await ctx.storage.agents.findById(param) : null;
      const agent = byId ?? (await agentNamed(request.params));
      const { status } = parseWith(adminStatusRequest, request.body);
      try {
        await ctx.presence.set(agent.id, status, 'admin');
      } catch (error) {
        if (error instanceof PresenceTransitionError) throw new HttpError(409, 'status_conflict', error.message, { field: 'status' });
        throw error;
      }
      request.log.info({ agent: agent.name, status }, 'admin set agent status');
      return view(agent);
    });

    scope.get('/api/admin/agents/:name/history', async (request): Promise<AgentHistoryView> => {
      const agent = await agentNamed(request.params);
      const q = parseWith(agentHistoryQuery, request.query, 'query');
      const to = q.to ?? ctx.now().toISOString();
      const from = q.from ?? new Date(Date.parse(to) - 24 * 60 * 60 * 1000).toISOString();
      if (from >= to) throw new HttpError(400, 'invalid_request', 'from must be before to', { field: 'from' });
      const segments = withHandleTime(await ctx.storage.calls.segmentsOfAgent(agent.name, { from, to }), ctx.config.wrapUpS);
      const sum = (pick: (s: AgentHistorySegment) => number) => segments.reduce((total, s) => total + pick(s), 0);
      return {
        agent: agent.name,
        from,
        to,
        segments,
        totals: {
          offered: segments.length,
          answered: segments.filter((s) => s.answered_at !== null).length,
          talk_s: sum((s) => s.talk_s ?? 0),
          hold_s: sum((s) => s.hold_s),
          wrap_up_s: sum((s) => s.wrap_up_s),
          handle_s: sum((s) => s.handle_s),
        },
      };
    });

    scope.get('/api/admin/calls', async (request): Promise<CallPage> => {
      const q = parseWith(adminCallsQuery, request.query, 'query');
      const filter = {
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        ...(q.agent !== undefined ? { agent: q.agent } : {}),
        ...(q.outcome !== undefined ? { outcome: q.outcome } : {}),
        ...(q.queue !== undefined ? { queue: q.queue } : {}),
      };
      const page = await ctx.storage.calls.findCalls(filter, { limit: q.limit, offset: q.offset, before: q.cursor });
      return { calls: page.items, total: page.total, limit: q.limit, offset: q.offset, next_cursor: page.next ? encodeCursor(page.next) : null };
    });

    scope.get('/api/admin/calls/:uuid', async (request): Promise<AdminCallView> => {
      const { uuid } = parseWith(callParams, request.params);
      const call = await ctx.storage.calls.getCall(uuid);
      if (!call) throw new HttpError(404, 'unknown_call', 'uuid does not name a call', { field: 'uuid' });
      return {
        ...call,
        events: call.events.map(({ raw, conversation_uuid: _conversation, ...event }) => ({ ...event, payload: parseRaw(raw) })),
      };
    });

    scope.get('/api/admin/queue-stats', async (request) => {
      const q = parseWith(queueStatsQuery, request.query, 'query');
      const to = q.to ?? ctx.now().toISOString();
      const from = q.from ?? new Date(Date.parse(to) - 24 * 60 * 60 * 1000).toISOString();
      if (from >= to) throw new HttpError(400, 'invalid_request', 'from must be before to', { field: 'from' });
      const rows = await ctx.storage.calls.queueStats({ from, to }, q.service_level_s);
      const queues: QueueStatsView[] = rows.map(({ answered_within_threshold: withinThreshold, ...r }) => ({
        ...r,
        average_wait_s: r.average_wait_s === null ? null : Math.round(r.average_wait_s * 10) / 10,
        service_level: r.offered > 0 ? Math.round((withinThreshold / r.offered) * 1000) / 1000 : 0,
      }));
      return { from, to, service_level_s: q.service_level_s, queues };
    });
  });
}
