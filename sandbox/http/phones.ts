/**
 * The simulated phones' control API (`/sandbox/v1/phone/...`): place a call from a phone,
 * list the phones the platform is ringing and answer or reject them (by hand or by rule),
 * make a phone speak, hear what it received, press keys, hang up.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CallEngine } from '../voice/engine';
import { PhoneLeg } from '../voice/legs';
import { LEG_STATUSES } from '../../common/vonage-vocabulary';
import { PhoneEndpoint } from '../media/phone-endpoint';
import { WebRtcEndpoint } from '../media/webrtc-endpoint';
import { decodeAudio, loadAudio } from '../media/decode';
import { SPEECH_LANGUAGES, synthesize } from '../media/speech';
import { encodeWav } from '../media/wav';
import { sendError, sendValidationError } from './errors';
import { ANY_NUMBER, PhoneRules, phoneRuleBody } from './phone-rules';
import { phoneNumber } from './schemas';

const callBody = z.object({ from: phoneNumber, to: phoneNumber });
const dtmfBody = z.object({ digits: z.string().regex(/^[0-9*#]{1,20}$/, 'must be 1 to 20 of 0-9, * and #') });

/** The statuses a phone's call can be listed by. */
const listQuery = z.object({ number: phoneNumber.optional(), status: z.enum(LEG_STATUSES).optional() });

/** Largest play body: a base64 WAV of about three minutes at 8 kHz, 16-bit. */
const PLAY_BODY_LIMIT = 4 * 1_048_576;
const SOURCES = ['wav', 'url', 'text', 'silence', 'tone'] as const;
const playBody = z
  .object({
    wav: z.string().min(1).regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be a base64-encoded WAV or MP3 file').optional(),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL of a WAV or MP3 file' }).optional(),
    text: z.string().min(1).max(3000).optional(),
    language: z.enum(SPEECH_LANGUAGES as [string, ...string[]], { error: 'must be a language the sandbox speaks, like en-US' }).optional(),
    silence: z.literal(true).optional(),
    tone: z.literal(true).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const given = SOURCES.filter((key) => body[key] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of wav, url, text, silence or tone' });
    if (body.language !== undefined && body.text === undefined) ctx.addIssue({ code: 'custom', path: ['language'], message: 'goes with text' });
  });

/** The phone's own number: the one it called from, or the one the platform rang. */
function ownNumber(leg: PhoneLeg): string {
  return leg.direction === 'inbound' ? leg.from : leg.to;
}

/** A phone's call as the API shows it: status, what it heard, its media counters. */
function describe(leg: PhoneLeg) {
  const counters = leg.endpoint?.counters() ?? { packets_sent: 0, packets_received: 0 };
  return {
    uuid: leg.uuid,
    conversation_uuid: leg.conversation.id,
    direction: leg.direction,
    from: leg.from,
    to: leg.to,
    status: leg.status === 'new' ? 'started' : leg.status,
    heard: leg.heard,
    dtmf_received: leg.dtmfReceived,
    media: {
      ...counters,
      audible_frames_received: leg.endpoint instanceof PhoneEndpoint ? leg.endpoint.audibleFramesReceived : 0,
    },
  };
}

/** Registers the phone control routes and makes the engine ring phones by their rules. */
export function registerPhoneRoutes(app: FastifyInstance, engine: CallEngine): void {
  const rules = new PhoneRules();
  engine.onPhoneRinging = (leg) => rules.apply(leg);

  const phoneLeg = (uuid: string) => {
    const leg = engine.leg(uuid);
    return leg instanceof PhoneLeg ? leg : undefined;
  };
  const noCall = (reply: FastifyReply, uuid: string) => sendError(reply, 404, 'not_found', `No phone call ${uuid}`);

  app.post('/sandbox/v1/phone/calls', async (request, reply) => {
    const parsed = callBody.safeParse(request.body);
    if (!parsed.success) return sendValidationError(reply, parsed.error);
    const leg = engine.placeInboundCall(parsed.data.from, parsed.data.to);
    return reply.code(201).send({ uuid: leg.uuid, conversation_uuid: leg.conversation.id, status: 'started' });
  });

  app.get('/sandbox/v1/phone/calls', async (request, reply) => {
    const parsed = listQuery.safeParse(request.query);
    if (!parsed.success) return sendValidationError(reply, parsed.error);
    const { number, status } = parsed.data;
    const calls = engine
      .allLegs()
      .filter((leg): leg is PhoneLeg => leg instanceof PhoneLeg)
      .map((leg) => ({ leg, view: describe(leg) }))
      .filter(({ leg, view }) => (!number || ownNumber(leg) === PhoneRules.key(number)) && (!status || view.status === status))
      .sort((a, b) => a.leg.createdAt.getTime() - b.leg.createdAt.getTime())
      .map(({ view }) => view);
    return { calls };
  });

  app.get<{ Params: { uuid: string } }>('/sandbox/v1/phone/calls/:uuid', async (request, reply) => {
    const leg = phoneLeg(request.params.uuid);
    if (!leg) return noCall(reply, request.params.uuid);
    return describe(leg);
  });

  // The platform's audio analysis of any leg (a phone's or a Client SDK user's): audible frames its party heard.
  app.get<{ Params: { uuid: string } }>('/sandbox/v1/legs/:uuid/heard', async (request, reply) => {
    const leg = engine.leg(request.params.uuid);
    if (!leg) return sendError(reply, 404, 'not_found', `No leg ${request.params.uuid}`);
    const endpoint = leg.endpoint;
    const audible = endpoint instanceof PhoneEndpoint ? endpoint.audibleFramesReceived : endpoint instanceof WebRtcEndpoint ? endpoint.audibleFramesDelivered : 0;
    return { uuid: leg.uuid, status: leg.status, audible_frames_heard: audible };
  });

  for (const [action, outcome] of [['answer', 'answered'], ['reject', 'rejected']] as const) {
    app.post<{ Params: { uuid: string } }>(`/sandbox/v1/phone/calls/:uuid/${action}`, async (request, reply) => {
      const leg = phoneLeg(request.params.uuid);
      if (!leg) return noCall(reply, request.params.uuid);
      if (!leg.awaitingPickUp) return sendError(reply, 409, 'not_ringing', `The phone is not ringing (status ${describe(leg).status})`);
      leg.respond(outcome);
      // The engine settles the leg in promise callbacks; answer once it has, so the body shows it.
      await new Promise((resolve) => setImmediate(resolve));
      return describe(leg);
    });
  }

  app.post<{ Params: { uuid: string } }>('/sandbox/v1/phone/calls/:uuid/dtmf', async (request, reply) => {
    const leg = phoneLeg(request.params.uuid);
    if (!leg) return noCall(reply, request.params.uuid);
    const parsed = dtmfBody.safeParse(request.body);
    if (!parsed.success) return sendValidationError(reply, parsed.error);
    if (leg.isOver) return sendError(reply, 409, 'call_ended', 'The call has ended');
    if (leg.awaitingPickUp) return sendError(reply, 409, 'not_answered', 'The phone is still ringing; answer it first');
    engine.pressDigits(leg, parsed.data.digits);
    return reply.code(200).send({ uuid: leg.uuid, digits: parsed.data.digits });
  });

  app.post<{ Params: { uuid: string } }>('/sandbox/v1/phone/calls/:uuid/play', { bodyLimit: PLAY_BODY_LIMIT }, async (request, reply) => {
    const leg = phoneLeg(request.params.uuid);
    if (!leg) return noCall(reply, request.params.uuid);
    const parsed = playBody.safeParse(request.body ?? {});
    if (!parsed.success) return sendValidationError(reply, parsed.error);
    const unavailable = microphoneProblem(leg);
    if (unavailable) return sendError(reply, 409, unavailable.code, unavailable.detail);
    const body = parsed.data;
    let audio: Int16Array | null;
    let source: (typeof SOURCES)[number];
    try {
      if (body.wav !== undefined) {
        source = 'wav';
        audio = await decodeAudio(Buffer.from(body.wav, 'base64'));
      } else if (body.url !== undefined) {
        source = 'url';
        audio = await loadAudio(body.url);
      } else if (body.text !== undefined) {
        source = 'text';
        audio = await synthesize(body.text, { language: body.language });
      } else {
        source = body.silence ? 'silence' : 'tone';
        audio = null;
      }
    } catch (error) {
      const field = body.wav !== undefined ? 'wav' : body.url !== undefined ? 'url' : 'text';
      const reason = (error as Error).message;
      return sendError(reply, 400, 'invalid_audio', `Invalid ${field}: ${reason}`, [{ name: field, reason }]);
    }
    const still = microphoneProblem(leg);
    if (still) return sendError(reply, 409, still.code, still.detail);
    const phone = leg.endpoint as PhoneEndpoint;
    void phone.speak(audio);
    if (source === 'silence') phone.silent();
    return { uuid: leg.uuid, playing: source, duration_ms: audio ? Math.round(audio.length / 8) : 0 };
  });

  app.get<{ Params: { uuid: string } }>('/sandbox/v1/phone/calls/:uuid/audio', async (request, reply) => {
    const leg = phoneLeg(request.params.uuid);
    if (!leg) return noCall(reply, request.params.uuid);
    if (!(leg.endpoint instanceof PhoneEndpoint)) {
      return leg.endpoint
        ? sendError(reply, 409, 'browser_phone', 'This call comes from the caller page: its audio is in the browser')
        : sendError(reply, 409, 'not_answered', 'The phone never answered, so it received no audio');
    }
    return reply.header('content-type', 'audio/wav').header('cache-control', 'no-store').send(encodeWav(leg.endpoint.received()));
  });

  app.delete<{ Params: { uuid: string } }>('/sandbox/v1/phone/calls/:uuid', async (request, reply) => {
    const leg = phoneLeg(request.params.uuid);
    if (!leg) return noCall(reply, request.params.uuid);
    if (!leg.isOver) engine.hangupPhone(leg);
    return reply.code(204).send();
  });

  registerRuleRoutes(app, rules);
}

/** Why a phone cannot speak now, or null when it can. */
function microphoneProblem(leg: PhoneLeg): { code: string; detail: string } | null {
  if (leg.isOver) return { code: 'call_ended', detail: 'The call has ended' };
  if (leg.endpoint instanceof PhoneEndpoint) return null;
  if (leg.endpoint) return { code: 'browser_phone', detail: 'This call comes from the caller page: it speaks through the browser microphone' };
  return { code: 'not_answered', detail: 'The phone is still ringing; answer it first' };
}

const ruleNumber = z.union([z.literal(ANY_NUMBER), phoneNumber], { error: 'must be a phone number in E.164 form, or * for every number' });

function registerRuleRoutes(app: FastifyInstance, rules: PhoneRules): void {
  type WithNumber = { Params: { number: string } };
  const parseNumber = (reply: FastifyReply, number: string) => {
    const parsed = z.object({ number: ruleNumber }).safeParse({ number });
    if (!parsed.success) {
      sendValidationError(reply, parsed.error);
      return null;
    }
    return parsed.data.number;
  };

  app.get('/sandbox/v1/phone/rules', async () => ({ rules: rules.all() }));

  app.put<WithNumber>('/sandbox/v1/phone/rules/:number', async (request, reply) => {
    const number = parseNumber(reply, request.params.number);
    if (number === null) return reply;
    const parsed = phoneRuleBody.safeParse(request.body ?? {});
    if (!parsed.success) return sendValidationError(reply, parsed.error);
    rules.set(number, parsed.data);
    return { number: PhoneRules.key(number), ...parsed.data };
  });

  app.get<WithNumber>('/sandbox/v1/phone/rules/:number', async (request, reply) => {
    const number = parseNumber(reply, request.params.number);
    if (number === null) return reply;
    const rule = rules.get(number);
    if (!rule) return sendError(reply, 404, 'not_found', `No rule for ${request.params.number}`);
    return { number: PhoneRules.key(number), ...rule };
  });

  app.delete<WithNumber>('/sandbox/v1/phone/rules/:number', async (request, reply) => {
    const number = parseNumber(reply, request.params.number);
    if (number === null) return reply;
    if (!rules.delete(number)) return sendError(reply, 404, 'not_found', `No rule for ${request.params.number}`);
    return reply.code(204).send();
  });
}
