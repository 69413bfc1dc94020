/**
 * The Voice API subset a contact-center backend uses (`/v1/calls`), with Vonage's paths,
 * bodies and answers, so the official `@vonage/server-sdk` drives the sandbox unchanged.
 *
 * Authenticated with application JWTs (RS256, the application's private key, no `sub`
 * needed); an application sees and controls only its own calls. Errors are RFC 7807 bodies
 * naming the field. A call that has ended can still be read, but not changed (404, as
 * Vonage answers for a call that is no longer active).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { bearer, verifyApplicationToken } from '../sdk/tokens';
import type { ApplicationRecord, SandboxStore, Webhook } from '../state/store';
import type { CallEngine, OutboundCallSpec } from '../voice/engine';
import { PlatformError } from '../voice/call-control';
import type { Leg } from '../voice/legs';
import { LEG_STATUSES } from '../../common/vonage-vocabulary';
import { parseNcco, type NccoAction } from '../../common/ncco-schema';
import { loadAudio } from '../media/decode';
import { synthesize, UnsupportedLanguageError } from '../media/speech';
import { sendError, sendValidationError } from './errors';
import { phoneNumber } from './schemas';

declare module 'fastify' {
  interface FastifyRequest {
    /** The application whose JWT authenticated a Voice API request. */
    voiceApplication?: ApplicationRecord;
  }
}

/** Call statuses the list can filter on, as Vonage names them. */
const CALL_STATUSES = [...LEG_STATUSES, 'machine'] as const;
const UNSUPPORTED_ENDPOINTS = ['sip', 'websocket', 'vbc'];

const url = z.string().regex(/^https?:\/\/\S+$/i, 'must be an http(s) URL');
const urls = z.array(url).min(1, 'must hold one URL');
const method = z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(['GET', 'POST']));
/** Numbers that may arrive as strings (the server SDK sends a stream's level as one). */
const numeric = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema);
const level = numeric(z.number().min(-1).max(1));
const loop = numeric(z.number().int().min(0).max(100));
const dateTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time, like 2024-01-31T12:00:00Z');

const endpoint = z.discriminatedUnion('type', [
  z.object({ type: z.literal('phone'), number: phoneNumber, dtmfAnswer: z.string().regex(/^[0-9*#p]{1,50}$/).optional() }),
  z.object({ type: z.literal('app'), user: z.string().min(1).max(200) }),
]);

const createBody = z
  .object({
    to: z.array(endpoint).length(1, 'must hold exactly one endpoint'),
    from: z.object({ type: z.literal('phone'), number: phoneNumber }).optional(),
    random_from_number: z.boolean().optional(),
    ncco: z.array(z.unknown()).optional(),
    answer_url: urls.optional(),
    answer_method: method.default('GET'),
    event_url: urls.optional(),
    event_method: method.default('POST'),
    ringing_timer: numeric(z.number().int().min(1).max(120)).optional(),
    length_timer: numeric(z.number().int().min(1).max(7200)).optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.ncco === undefined) === (body.answer_url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ncco'], message: 'give either ncco or answer_url' });
    }
    if (body.random_from_number && body.from) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be left out when random_from_number is true' });
    if (!body.random_from_number && !body.from) ctx.addIssue({ code: 'custom', path: ['from'], message: 'is required unless random_from_number is true' });
  });

const listQuery = z.object({
  status: z.enum(CALL_STATUSES).optional(),
  date_start: dateTime.optional(),
  date_end: dateTime.optional(),
  page_size: numeric(z.number().int().min(1).max(100)).default(10),
  record_index: numeric(z.number().int().min(0)).default(0),
  order: z.enum(['asc', 'desc']).default('asc'),
  conversation_uuid: z.string().min(1).optional(),
});

const actionBody = z
  .object({
    action: z.enum(['hangup', 'mute', 'unmute', 'earmuff', 'unearmuff', 'transfer']),
    destination: z
      .object({ type: z.literal('ncco'), ncco: z.array(z.unknown()).optional(), url: urls.optional() })
      .refine((d) => (d.ncco === undefined) !== (d.url === undefined), { message: 'give either ncco or url', path: ['ncco'] })
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.action === 'transfer' && !body.destination) ctx.addIssue({ code: 'custom', path: ['destination'], message: 'is required to transfer' });
  });

const talkBody = z.object({
  text: z.string().min(1).max(1500),
  language: z.string().min(2).max(20).optional(),
  style: numeric(z.number().int().min(0)).optional(),
  premium: z.boolean().optional(),
  loop: loop.optional(),
  level: level.optional(),
});

const streamBody = z.object({ stream_url: urls, loop: loop.optional(), level: level.optional() });
const dtmfSubscriptionBody = z.object({ event_url: urls });
const dtmfBody = z.object({ digits: z.string().regex(/^[0-9*#p]{1,50}$/, 'must be 1 to 50 of 0-9, *, # and p (a pause)') });

/** Sends 400 naming one field. */
function invalid(reply: FastifyReply, name: string, reason: string): FastifyReply {
  return sendError(reply, 400, 'validation_error', `Invalid ${name}: ${reason}`, [{ name, reason }]);
}

/**
 * A preHandler that admits only requests with a valid application JWT (whose ACL, if any,
 * covers the path) and notes the application on the request.
 */
export function requireApplicationToken(store: SandboxStore) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const check = verifyApplicationToken(store, bearer(request.headers.authorization), request.url.split('?')[0]!);
    const app = check.ok ? store.application(check.applicationId) : undefined;
    if (!app) {
      reply.header('www-authenticate', 'Bearer');
      const why = check.ok ? 'its application does not exist' : check.detail;
      return sendError(reply, 401, 'unauthorized', `A valid application JWT is required (Authorization: Bearer); this one: ${why}`);
    }
    request.voiceApplication = app;
  };
}

/** A leg as a Voice API endpoint: phone numbers are digits, app users names. */
function endpointOf(leg: Leg, side: 'from' | 'to'): Record<string, string> {
  const value = leg[side];
  if (leg.type === 'websocket' && side === 'to') return { type: 'websocket', uri: value };
  const appSide = leg.type === 'app' && (side === 'to') === (leg.direction === 'outbound');
  return appSide || (value !== '' && !/^[0-9]+$/.test(value)) ? { type: 'app', user: value } : { type: 'phone', number: value };
}

/** Vonage's call object for a leg. */
function describeCall(leg: Leg, baseUrl: string): Record<string, unknown> {
  const end = leg.endedAt ?? new Date();
  const seconds = leg.answeredAt ? Math.max(0, Math.round((end.getTime() - leg.answeredAt.getTime()) / 1000)) : 0;
  return {
    _links: { self: { href: `${baseUrl}/v1/calls/${leg.uuid}` } },
    uuid: leg.uuid,
    conversation_uuid: leg.conversation.id,
    to: endpointOf(leg, 'to'),
    from: endpointOf(leg, 'from'),
    status: leg.status === 'new' ? 'started' : leg.status,
    direction: leg.direction,
    rate: '0.00000000',
    price: '0',
    duration: String(seconds),
    start_time: (leg.answeredAt ?? leg.createdAt).toISOString(),
    ...(leg.endedAt ? { end_time: leg.endedAt.toISOString() } : {}),
    network: 'sandbox',
  };
}

/** Registers `/v1/calls` and its sub-resources. */
export function registerVoiceApiRoutes(root: FastifyInstance, deps: { store: SandboxStore; engine: CallEngine }): void {
  const { store, engine } = deps;

  root.register(async (app) => {
    app.addHook('preHandler', requireApplicationToken(store));

    /** The application's call by uuid, or a 404 sent. */
    const callOf = (request: FastifyRequest<{ Params: { uuid: string } }>, reply: FastifyReply): Leg | undefined => {
      const leg = engine.leg(request.params.uuid);
      if (leg && leg.app.id === request.voiceApplication!.id) return leg;
      void sendError(reply, 404, 'not_found', `Call ${request.params.uuid} was not found`);
      return undefined;
    };

    /** The application's call if it is still going on, or a 404 sent. */
    const activeCallOf = (request: FastifyRequest<{ Params: { uuid: string } }>, reply: FastifyReply): Leg | undefined => {
      const leg = callOf(request, reply);
      if (leg?.isOver) {
        void sendError(reply, 404, 'not_found', `Call ${leg.uuid} is no longer active (${leg.status})`);
        return undefined;
      }
      return leg;
    };

    /** The application's call if its media is up (talk, stream, DTMF need it), or an error sent. */
    const answeredCallOf = (request: FastifyRequest<{ Params: { uuid: string } }>, reply: FastifyReply): Leg | undefined => {
      const leg = activeCallOf(request, reply);
      if (leg && (leg.status !== 'answered' || !leg.endpoint)) {
        void sendError(reply, 400, 'invalid_state', `Call ${leg.uuid} has not been answered (${leg.status === 'new' ? 'started' : leg.status})`);
        return undefined;
      }
      return leg;
    };

    app.post('/v1/calls', async (request, reply) => {
      const raw = request.body as { to?: Array<{ type?: unknown }> } | undefined;
      const type = Array.isArray(raw?.to) ? raw.to[0]?.type : undefined;
      if (typeof type === 'string' && UNSUPPORTED_ENDPOINTS.includes(type)) return invalid(reply, 'to.0.type', `${type} endpoints are not supported by the sandbox`);
      const parsed = createBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const body = parsed.data;
      const application = request.voiceApplication!;
      let ncco: NccoAction[] | undefined;
      if (body.ncco !== undefined) {
        const parsed = parseNcco(body.ncco);
        if (!parsed.ok) return invalid(reply, 'ncco', parsed.problem);
        ncco = parsed.ncco;
      }
      let from = body.from?.number;
      if (!from) {
        const own = store.numbers().filter((n) => n.application_id === application.id);
        if (own.length === 0) return invalid(reply, 'random_from_number', 'the application has no linked numbers to choose from');
        from = own[randomInt(own.length)]!.msisdn;
      }
      const to = body.to[0]!;
      const spec: OutboundCallSpec = {
        to: to.type === 'phone' ? { type: 'phone', number: to.number } : { type: 'app', user: to.user },
        from,
        ...(ncco !== undefined ? { ncco } : {}),
        ...(body.answer_url ? { answerHook: { address: body.answer_url[0]!, http_method: body.answer_method } satisfies Webhook } : {}),
        ...(body.event_url ? { eventHook: { address: body.event_url[0]!, http_method: body.event_method } satisfies Webhook } : {}),
        ...(body.ringing_timer !== undefined ? { ringingTimerS: body.ringing_timer } : {}),
        ...(body.length_timer !== undefined ? { lengthTimerS: body.length_timer } : {}),
      };
      const leg = engine.createCall(application, spec);
      return reply.code(201).send({ uuid: leg.uuid, status: 'started', direction: 'outbound', conversation_uuid: leg.conversation.id });
    });

    app.get('/v1/calls', async (request, reply) => {
      const parsed = listQuery.safeParse(request.query);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const query = parsed.data;
      const from = query.date_start ? Date.parse(query.date_start) : -Infinity;
      const until = query.date_end ? Date.parse(query.date_end) : Infinity;
      const calls = engine
        .allLegs()
        .filter((leg) => leg.app.id === request.voiceApplication!.id)
        .filter((leg) => !query.status || (leg.status === 'new' ? 'started' : leg.status) === query.status)
        .filter((leg) => !query.conversation_uuid || leg.conversation.id === query.conversation_uuid)
        .filter((leg) => leg.createdAt.getTime() >= from && leg.createdAt.getTime() <= until)
        .sort((a, b) => (a.createdAt.getTime() - b.createdAt.getTime()) * (query.order === 'asc' ? 1 : -1));
      const page = calls.slice(query.record_index, query.record_index + query.page_size);
      const link = (recordIndex: number) => {
        const params = new URLSearchParams();
        for (const [key, value] of Object.entries({ ...query, record_index: recordIndex })) if (value !== undefined) params.set(key, String(value));
        return { href: `${engine.baseUrl}/v1/calls?${params}` };
      };
      const links: Record<string, { href: string }> = { self: link(query.record_index) };
      if (query.record_index + query.page_size < calls.length) links.next = link(query.record_index + query.page_size);
      if (query.record_index > 0) links.prev = link(Math.max(0, query.record_index - query.page_size));
      return {
        count: calls.length,
        page_size: query.page_size,
        record_index: query.record_index,
        _links: links,
        _embedded: { calls: page.map((leg) => describeCall(leg, engine.baseUrl)) },
      };
    });

    app.get<{ Params: { uuid: string } }>('/v1/calls/:uuid', async (request, reply) => {
      const leg = callOf(request, reply);
      return leg ? describeCall(leg, engine.baseUrl) : reply;
    });

    app.put<{ Params: { uuid: string } }>('/v1/calls/:uuid', async (request, reply) => {
      const parsed = actionBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const leg = activeCallOf(request, reply);
      if (!leg) return reply;
      const body = parsed.data;
      switch (body.action) {
        case 'hangup':
          engine.hangup(leg);
          break;
        case 'mute':
        case 'unmute':
          engine.setMuted(leg, body.action === 'mute');
          break;
        case 'earmuff':
        case 'unearmuff':
          engine.setEarmuffed(leg, body.action === 'earmuff');
          break;
        case 'transfer': {
          if (leg.status !== 'answered') return sendError(reply, 400, 'invalid_state', `Call ${leg.uuid} has not been answered yet`);
          const destination = body.destination!;
          let ncco: NccoAction[] | undefined;
          if (destination.ncco) {
            const parsed = parseNcco(destination.ncco);
            if (!parsed.ok) return invalid(reply, 'destination.ncco', parsed.problem);
            ncco = parsed.ncco;
          }
          try {
            await engine.transfer(leg, destination.url ? { url: { address: destination.url[0]!, http_method: 'GET' } } : { ncco });
          } catch (error) {
            if (!(error instanceof PlatformError)) throw error;
            if (leg.isOver) return sendError(reply, 404, 'not_found', `Call ${leg.uuid} is no longer active (${leg.status})`);
            return destination.url ? invalid(reply, 'destination.url', error.message) : sendError(reply, error.status, error.code, error.message);
          }
          break;
        }
      }
      return reply.code(204).send();
    });

    app.put<{ Params: { uuid: string } }>('/v1/calls/:uuid/talk', async (request, reply) => {
      const parsed = talkBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      if (!answeredCallOf(request, reply)) return reply;
      let audio: Int16Array;
      try {
        audio = await synthesize(parsed.data.text, { language: parsed.data.language, style: parsed.data.style });
      } catch (error) {
        if (error instanceof UnsupportedLanguageError) return invalid(reply, 'language', error.message);
        throw error;
      }
      const leg = answeredCallOf(request, reply);
      if (!leg) return reply;
      const playback = engine.play(leg, audio, { loop: parsed.data.loop ?? 1, level: parsed.data.level ?? 0 }, { type: 'talk', text: parsed.data.text });
      leg.apiPlaybacks.talk.add(playback);
      void playback.done.then(() => leg.apiPlaybacks.talk.delete(playback));
      return { message: 'Talk started', uuid: leg.uuid };
    });

    app.delete<{ Params: { uuid: string } }>('/v1/calls/:uuid/talk', async (request, reply) => {
      const leg = activeCallOf(request, reply);
      if (!leg) return reply;
      for (const playback of leg.apiPlaybacks.talk) playback.stop();
      leg.apiPlaybacks.talk.clear();
      return { message: 'Talk stopped', uuid: leg.uuid };
    });

    app.put<{ Params: { uuid: string } }>('/v1/calls/:uuid/stream', async (request, reply) => {
      const parsed = streamBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      if (!answeredCallOf(request, reply)) return reply;
      const address = parsed.data.stream_url[0]!;
      let audio: Int16Array;
      try {
        audio = await loadAudio(address);
      } catch (error) {
        return invalid(reply, 'stream_url', (error as Error).message);
      }
      const leg = answeredCallOf(request, reply);
      if (!leg) return reply;
      const playback = engine.play(leg, audio, { loop: parsed.data.loop ?? 1, level: parsed.data.level ?? 0 }, { type: 'stream', url: address });
      leg.apiPlaybacks.stream.add(playback);
      void playback.done.then(() => leg.apiPlaybacks.stream.delete(playback));
      return { message: 'Stream started', uuid: leg.uuid };
    });

    app.delete<{ Params: { uuid: string } }>('/v1/calls/:uuid/stream', async (request, reply) => {
      const leg = activeCallOf(request, reply);
      if (!leg) return reply;
      for (const playback of leg.apiPlaybacks.stream) playback.stop();
      leg.apiPlaybacks.stream.clear();
      return { message: 'Stream stopped', uuid: leg.uuid };
    });

    app.put<{ Params: { uuid: string } }>('/v1/calls/:uuid/dtmf', async (request, reply) => {
      const parsed = dtmfBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const leg = answeredCallOf(request, reply);
      if (!leg) return reply;
      engine.sendDtmf(leg, parsed.data.digits);
      return { message: 'DTMF sent', uuid: leg.uuid };
    });

    // The server SDK's subscribeDTMF / unsubscribeDTMF: every key pressed on the leg goes to
    // the event_url as it arrives, while the NCCO runs undisturbed.
    app.put<{ Params: { uuid: string } }>('/v1/calls/:uuid/input/dtmf', async (request, reply) => {
      const parsed = dtmfSubscriptionBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const leg = answeredCallOf(request, reply);
      if (!leg) return reply;
      leg.dtmfSubscription = { address: parsed.data.event_url[0]!, http_method: 'POST' };
      return { message: 'DTMF subscribed', uuid: leg.uuid };
    });

    app.delete<{ Params: { uuid: string } }>('/v1/calls/:uuid/input/dtmf', async (request, reply) => {
      const leg = answeredCallOf(request, reply);
      if (!leg) return reply;
      leg.dtmfSubscription = undefined;
      return { message: 'DTMF unsubscribed', uuid: leg.uuid };
    });
  });
}
