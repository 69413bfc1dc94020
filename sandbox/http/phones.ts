/**
 * The simulated phones' control API (`/sandbox/v1/phone/...`): place a call from a phone,
 * see what it heard, press keys, hang up.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CallEngine } from '../voice/engine';
import { PhoneLeg, AppLeg } from '../voice/legs';
import type { SessionRegistry } from '../rtc/sessions';
import { sendError, sendValidationError } from './errors';
import { phoneNumber } from './schemas';

const callBody = z.object({ from: phoneNumber, to: phoneNumber });
const dtmfBody = z.object({ digits: z.string().regex(/^[0-9*#]{1,20}$/, 'must be 1 to 20 of 0-9, * and #') });

function describe(leg: PhoneLeg) {
  return {
    uuid: leg.uuid,
    conversation_uuid: leg.conversation.id,
    from: leg.from,
    to: leg.to,
    status: leg.status === 'new' ? 'started' : leg.status,
    heard: leg.heard,
    dtmf_received: leg.dtmfReceived,
    media: leg.endpoint
      ? { ...leg.endpoint.counters(), audible_frames_received: leg.endpoint.audibleFramesReceived }
      : { packets_sent: 0, packets_received: 0, audible_frames_received: 0 },
  };
}

/** Registers the phone control routes. */
export function registerPhoneRoutes(app: FastifyInstance, engine: CallEngine, sessions: SessionRegistry): void {
  const phoneLeg = (uuid: string) => {
    const leg = engine.leg(uuid);
    return leg instanceof PhoneLeg ? leg : undefined;
  };

  app.post('/sandbox/v1/phone/calls', async (request, reply) => {
    const parsed = callBody.safeParse(request.body);
    if (!parsed.success) return sendValidationError(reply, parsed.error);
    const leg = engine.placeInboundCall(parsed.data.from, parsed.data.to);
    return reply.code(201).send({ uuid: leg.uuid, conversation_uuid: leg.conversation.id, status: 'started' });
  });

  app.get<{ Params: { uuid: string } }>('/sandbox/v1/phone/calls/:uuid', async (request, reply) => {
    const leg = phoneLeg(request.params.uuid);
    if (!leg) return sendError(reply, 404, 'not_found', `No phone call ${request.params.uuid}`);
    return describe(leg);
  });

  app.post<{ Params: { uuid: string } }>('/sandbox/v1/phone/calls/:uuid/dtmf', async (request, reply) => {
    const leg = phoneLeg(request.params.uuid);
    if (!leg) return sendError(reply, 404, 'not_found', `No phone call ${request.params.uuid}`);
    const parsed = dtmfBody.safeParse(request.body);
    if (!parsed.success) return sendValidationError(reply, parsed.error);
    if (leg.isOver) return sendError(reply, 409, 'call_ended', 'The call has ended');
    for (const member of leg.conversation.members.values()) {
      if (!(member instanceof AppLeg) || !member.answeredBy || member.isOver) continue;
      const session = member.answeredBy.session;
      for (const digit of parsed.data.digits) {
        sessions.push(session, 'audio:dtmf', {
          id: leg.conversation.nextEventId(),
          cid: leg.conversation.id,
          from: member.memberId,
          body: { digit, channel: { id: member.uuid, type: 'app' } },
        });
      }
    }
    return reply.code(200).send({ uuid: leg.uuid, digits: parsed.data.digits });
  });

  app.delete<{ Params: { uuid: string } }>('/sandbox/v1/phone/calls/:uuid', async (request, reply) => {
    const leg = phoneLeg(request.params.uuid);
    if (!leg) return sendError(reply, 404, 'not_found', `No phone call ${request.params.uuid}`);
    if (!leg.isOver) engine.hangupPhone(leg);
    return reply.code(204).send();
  });
}
