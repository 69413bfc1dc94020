/**
 * The flows' HTTP side: the answer, fallback, DTMF, agent-answer and recording webhooks,
 * the hold music, and the agent's call-context API.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CallContext } from '../../common/call-context';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import type { VoicemailService } from '../voicemail/service';
import { captureRawBodies, requireVonageSignature } from '../webhooks/signature';
import type { CallContexts } from './contexts';
import { HOLD_MUSIC_PATH } from './hold-music';
import type { AnswerContext, Ncco } from './ncco';
import type { CallFlows } from './runtime';
import { queueName } from './targets';
import { FLOW_PATHS } from './urls';

const field = z.string().max(256, 'is at most 256 characters').optional();

/** `custom_data` arrives as an object in a JSON body, as JSON text in a query string. */
const customData = z
  .union([z.record(z.string(), z.unknown()), z.string().max(4096, 'is at most 4096 characters')])
  .optional()
  .transform((value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // fall through
    }
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  });

/**
 * Schema of an answer_url request (query for GET, body for POST).
 *
 * Extra fields (region_url, …) pass through untouched.
 */
export const answerRequest = z.looseObject({
  to: field,
  from: field,
  uuid: field,
  conversation_uuid: field,
  from_user: field,
  custom_data: customData,
});

/** Schema of the IVR input eventUrl: our own query (number, attempt) plus Vonage's input payload. */
export const dtmfRequest = z.looseObject({
  number: z.string().regex(/^\+?[0-9]{6,15}$/, 'must be the number called, in E.164 digits'),
  attempt: z.coerce.number().int('must be a whole number').min(1, 'must be 1 or 2').max(2, 'must be 1 or 2'),
  uuid: field,
  conversation_uuid: field,
  from: field,
  dtmf: z
    .union([
      z.looseObject({ digits: z.string().max(20, 'is at most 20 characters').regex(/^[0-9*#]*$/, 'may hold 0-9, * and # only').nullish(), timed_out: z.unknown().optional() }),
      z.string().max(512),
    ])
    .nullish(),
});

/** Schema of the agent-leg answer_url (our own query plus Vonage's answer parameters). */
export const agentAnswerRequest = z.looseObject({
  conversation: z.string().regex(/^(whisper|queue|hold|consult)-[A-Za-z0-9-]{1,140}$/, 'must name a call conversation'),
  call: z.string().min(1, 'is required').max(128, 'is at most 128 characters'),
  topic: z.string().max(200, 'is at most 200 characters').optional(),
  queue: queueName.optional(),
  consult: z.string().uuid('must be a consult id').optional(),
  uuid: field,
});

/** Path of `GET /api/calls/:legUuid/context`. */
const contextParams = z.object({ legUuid: z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'must be a leg uuid') });

/** How long the context API waits for a leg the backend has not heard of yet. */
export const CONTEXT_WAIT_MS = 3_000;

/** The keys pressed, from a JSON body's object or a form's JSON text. */
function digitsOf(dtmf: z.output<typeof dtmfRequest>['dtmf']): string | undefined {
  if (dtmf === null || dtmf === undefined) return undefined;
  if (typeof dtmf !== 'string') return dtmf.digits ?? undefined;
  try {
    const parsed: unknown = JSON.parse(dtmf);
    if (parsed && typeof parsed === 'object' && 'digits' in parsed && typeof parsed.digits === 'string' && /^[0-9*#]{0,20}$/.test(parsed.digits)) return parsed.digits;
  } catch {
    // not JSON: no keys
  }
  return undefined;
}

/** What {@link registerFlowRoutes} wires together. */
export interface FlowRouteDeps {
  flows: CallFlows;
  contexts: CallContexts;
  voicemail: VoicemailService;
  holdMusic: Buffer;
}

/**
 * Register the flow webhooks, `GET /assets/hold-music.wav` and `GET /api/calls/:legUuid/context`.
 *
 * The webhooks share one scope that accepts JSON and form bodies and checks Vonage's
 * signature when a signature secret is configured.
 */
export function registerFlowRoutes(app: FastifyInstance, ctx: AppContext, deps: FlowRouteDeps): void {
  const { flows, contexts, voicemail } = deps;

  void app.register(async (scope) => {
    captureRawBodies(scope);
    const signed = { preHandler: requireVonageSignature(ctx.config, ctx.storage.webhookTokens, ctx.now) };

    const answer = async (request: FastifyRequest, source: unknown, where: 'query' | 'body'): Promise<Ncco> => {
      const params = parseWith(answerRequest, source ?? {}, where);
      const context: AnswerContext = {};
      if (params.to !== undefined) context.to = params.to;
      if (params.from !== undefined) context.from = params.from;
      if (params.uuid !== undefined) context.uuid = params.uuid;
      if (params.conversation_uuid !== undefined) context.conversation_uuid = params.conversation_uuid;
      if (params.from_user !== undefined) context.from_user = params.from_user;
      if (params.custom_data !== undefined) context.custom_data = params.custom_data;
      const ncco = await flows.answer(context);
      request.log.info({ conversation_uuid: context.conversation_uuid, uuid: context.uuid }, 'answered call');
      return ncco;
    };
    scope.get(FLOW_PATHS.answer, signed, async (request) => answer(request, request.query, 'query'));
    scope.post(FLOW_PATHS.answer, signed, async (request) => answer(request, request.body, 'body'));

    // Asked when the answer_url failed: it must not depend on anything that may have failed.
    scope.get(FLOW_PATHS.fallback, signed, async () => flows.fallbackAnswer());
    scope.post(FLOW_PATHS.fallback, signed, async () => flows.fallbackAnswer());

    const dtmf = async (source: unknown, query: unknown, where: 'query' | 'body'): Promise<Ncco> => {
      // Our own parameters ride in the eventUrl's query; Vonage's payload in the body (POST) or query (GET).
      const merged = { ...(where === 'body' && source && typeof source === 'object' ? source : {}), ...(query as object) };
      const params = parseWith(dtmfRequest, merged, where);
      return flows.dtmf({
        number: params.number.replace(/^\+/, ''),
        attempt: params.attempt,
        uuid: params.uuid,
        conversation_uuid: params.conversation_uuid,
        from: params.from,
        digits: digitsOf(params.dtmf),
      });
    };
    scope.get(FLOW_PATHS.dtmf, signed, async (request) => dtmf(request.query, request.query, 'query'));
    scope.post(FLOW_PATHS.dtmf, signed, async (request) => dtmf(request.body, request.query, 'body'));

    const agentAnswer = async (source: unknown, where: 'query' | 'body'): Promise<Ncco> => {
      const params = parseWith(agentAnswerRequest, source, where);
      return flows.agentAnswer({ conversation: params.conversation, call: params.call, topic: params.topic, queue: params.queue, consult: params.consult, uuid: params.uuid });
    };
    scope.get(FLOW_PATHS.agentAnswer, signed, async (request) => agentAnswer(request.query, 'query'));
    scope.post(FLOW_PATHS.agentAnswer, signed, async (request) => agentAnswer({ ...(request.body as object), ...(request.query as object) }, 'body'));

    scope.post(FLOW_PATHS.recording, signed, async (request, reply) => {
      await voicemail.recorded(request.query, request.body);
      return reply.code(204).send();
    });
  });

  app.get(HOLD_MUSIC_PATH, async (_request, reply) =>
    reply.header('content-type', 'audio/wav').header('cache-control', 'public, max-age=86400').send(deps.holdMusic),
  );

  app.get('/api/calls/:legUuid/context', async (request): Promise<CallContext> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { legUuid } = parseWith(contextParams, request.params, 'query');
    const context = await contexts.waitFor(legUuid, agent.name, CONTEXT_WAIT_MS);
    if (!context) throw new HttpError(404, 'not_found', 'No call context for this leg');
    return context;
  });
}
