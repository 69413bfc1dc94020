/**
 * The Client SDK's REST side (the Conversation API paths the SDK calls for voice),
 * authenticated with the user's JWT. Paths and shapes follow
 * ../shared/reference/vonage-client-sdk-protocol.md and the SDK's payload classes
 * (client-sdk-2.3.1-payload-shapes.txt); errors use Vonage's shape, which the SDK parses
 * into its own `VonageError`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearer, verifyToken } from './tokens';
import type { SandboxStore } from '../state/store';
import type { SessionRegistry, RtcSession } from './sessions';
import type { CallEngine } from '../voice/engine';
import { PlatformError } from '../voice/call-control';
import { AppLeg, type Conversation, type Leg } from '../voice/legs';
import { synthesize } from '../media/speech';
import { DTMF_KEYS } from '../media/tones';
import type { Playback } from '../media/mixer';
import { sendError, sendValidationError } from '../http/errors';

/** Who is calling: from the verified bearer token. */
interface Caller {
  applicationId: string;
  userName: string;
  /** The token's expiry in seconds since the epoch, if it has one. */
  exp: number | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    rtcCaller?: Caller;
  }
}

/** Longest text `say` speaks (Vonage's limit for a talk). */
const MAX_SAY_CHARS = 1500;
const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

const session = z.string().min(1, 'must name the SDK session');
const sdp = z
  .string()
  .max(65_536, 'is too long for an SDP')
  .regex(/^v=0\r?\n[\s\S]*^m=audio /m, 'must be an SDP with an audio section');
const answerBody = z.object({ originating_session: session.optional(), from: z.string().optional(), body: z.object({ answer: sdp }) });
const joinBody = z.object({ originating_session: session.optional(), from: z.string().optional(), state: z.string().optional() });
const legBody = z.object({
  originating_session: session,
  body: z.object({ offer: z.object({ type: z.literal('offer').optional(), sdp }) }),
});
const reconnectBody = z.object({ originating_session: session.optional(), from: z.string().min(1), body: z.object({ offer: z.object({ sdp }) }) });
const knockBody = z.object({
  originating_session: session,
  channel: z.object({
    type: z.literal('app'),
    id: z.string().min(1, 'must name the leg from POST /v0.3/legs'),
    from: z.object({ type: z.literal('app'), user: z.string().optional() }).optional(),
    to: z.object({ type: z.string().min(1), number: z.string().optional(), user: z.string().optional() }),
  }),
  properties: z.object({ custom_data: z.record(z.string(), z.unknown()).optional() }).optional(),
});
const member = z.string().min(1, 'must be your member id');
const toggleEvent = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), from: member, to: z.string().optional(), originating_session: session.optional(), body: z.object({ rtc_id: z.string().min(1) }) });
const dtmfDigits = new RegExp(`^[${DTMF_KEYS.replace(/[*#]/g, '\\$&')}]{1,20}$`);
const eventBody = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('audio:dtmf'),
    from: member,
    originating_session: session.optional(),
    body: z.object({
      digit: z.string().regex(dtmfDigits, `must be 1 to 20 of ${DTMF_KEYS}`),
      channel: z.object({ id: z.string().min(1), type: z.string().optional() }),
    }),
  }),
  toggleEvent('audio:mute:on'),
  toggleEvent('audio:mute:off'),
  toggleEvent('audio:earmuff:on'),
  toggleEvent('audio:earmuff:off'),
  z.object({
    type: z.literal('audio:say'),
    from: member,
    originating_session: session.optional(),
    body: z.object({
      text: z.string().min(1, 'must not be empty').max(MAX_SAY_CHARS, `must be at most ${MAX_SAY_CHARS} characters`),
      level: z.number().min(-1).max(1).default(0),
      loop: z.number().int().min(0).default(1),
      queue: z.boolean().default(true),
      voice_name: z.string().optional(),
      ssml: z.boolean().default(false),
    }),
  }),
]);
const legsQuery = z.object({
  order: z.enum(['asc', 'desc', 'ASC', 'DESC']).optional(),
  page_size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  cursor: z.string().regex(/^[0-9]+$/, 'is not a cursor this API gave out').optional(),
});

/** A phone number or an app user, as a leg's `from`/`to` (ChannelFromTo). */
function endpointOf(value: string, user: string | null): Record<string, string> {
  if (user !== null) return { type: 'app', user };
  return /^[0-9]*$/.test(value) ? { type: 'phone', number: value } : { type: 'app', user: value };
}

/** A leg as `GET /v0.3/legs/{id}` shows it (the SDK's GetLeg). */
function describeLeg(leg: Leg): Record<string, unknown> {
  const app = leg instanceof AppLeg ? leg : null;
  // An app leg's own side is its user: `to` when the platform rang it, `from` when it called out.
  const userSide = app ? app.user.name : null;
  return {
    id: leg.uuid,
    conversation_id: leg.conversation.id,
    status: leg.status === 'new' ? 'started' : leg.status,
    start_time: leg.createdAt.toISOString(),
    // The SDK requires a string; a leg still up has no end yet.
    end_time: leg.endedAt?.toISOString() ?? '',
    direction: leg.direction,
    type: leg.type,
    from: endpointOf(leg.from, app && leg.direction === 'inbound' ? userSide : null),
    to: endpointOf(leg.to, app && leg.direction === 'outbound' ? userSide : null),
    media_state: mediaState(leg),
  };
}

/** A leg's media state (MediaState): its mute and earmuff, and whether its conversation records. */
function mediaState(leg: Leg): Record<string, boolean> {
  return {
    mute: leg.muted,
    earmuff: leg.earmuffed,
    play_stream: false,
    tts: false,
    recording: leg.conversation.stopRecording !== null,
    transcribing: false,
  };
}

/** A member's state as the SDK reads it. */
function memberState(leg: AppLeg): 'INVITED' | 'JOINED' | 'LEFT' {
  return leg.isOver ? 'LEFT' : leg.answeredBy ? 'JOINED' : 'INVITED';
}

/** A conversation as the SDK reads it: its member for this user, with that member's state and media. */
function describeConversation(conversation: Conversation, userName: string): Record<string, unknown> {
  const own = [...conversation.members.values()].find((leg) => leg.user.name === userName);
  return {
    id: conversation.id,
    name: conversation.name,
    timestamp: { created: conversation.createdAt.toISOString() },
    ...(own ? { _embedded: { member: { id: own.memberId, state: memberState(own) } }, media_state: mediaState(own) } : {}),
  };
}

/** Registers the Client SDK's REST paths. */
export function registerClientApiRoutes(
  app: FastifyInstance,
  deps: { store: SandboxStore; sessions: SessionRegistry; engine: CallEngine },
): void {
  const { store, sessions, engine } = deps;
  /** The `say` queue of each conversation: the last say that plays there. */
  const sayQueues = new WeakMap<Conversation, Promise<unknown>>();

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const check = verifyToken(store, bearer(request.headers.authorization));
    if (!check.ok || !check.claims.sub) {
      const reason = check.ok ? 'invalid' : check.reason === 'expired' ? 'expired' : 'invalid';
      const detail = check.ok ? 'the token names no user (sub)' : check.detail;
      return sendError(reply, 401, `system:error:${reason}-token`, reason === 'expired' ? 'The token has expired' : `A valid user token is required; this one: ${detail}`);
    }
    request.rtcCaller = { applicationId: check.applicationId, userName: check.claims.sub, exp: check.claims.exp };
  };

  /** The caller's own session, named by `originating_session`. */
  const sessionOf = (request: FastifyRequest, id: string | undefined): RtcSession => {
    const caller = request.rtcCaller!;
    const found = id ? sessions.get(id) : undefined;
    if (!found || found.user.name !== caller.userName || found.applicationId !== caller.applicationId) {
      throw new PlatformError(400, 'conversation:error:invalid-session', 'originating_session does not name a session of this user');
    }
    return found;
  };

  /** The caller's answered, live app leg behind a member id. */
  const liveMemberLeg = (request: FastifyRequest, conversationId: string, memberId: string): AppLeg => {
    const leg = engine.sdk.memberLeg(conversationId, memberId, request.rtcCaller!.userName);
    if (leg.app.id !== request.rtcCaller!.applicationId) throw new PlatformError(403, 'conversation:error:forbidden', 'Not your member');
    if (leg.isOver || !leg.answeredBy) throw new PlatformError(409, 'conversation:error:invalid-member-state', 'The call is not in progress');
    return leg;
  };

  /** A conversation the caller has a member in (404 unknown, 403 not theirs). */
  const visibleConversation = (request: FastifyRequest, conversationId: string): Conversation => {
    const conversation = engine.conversation(conversationId);
    const caller = request.rtcCaller!;
    if (!conversation || conversation.app.id !== caller.applicationId) {
      throw new PlatformError(404, 'conversation:error:not-found', 'No such conversation');
    }
    if (![...conversation.members.values()].some((leg) => leg.user.name === caller.userName)) {
      throw new PlatformError(403, 'conversation:error:forbidden', 'You are not a member of this conversation');
    }
    return conversation;
  };

  const guarded = <T>(reply: FastifyReply, work: () => T | Promise<T>) =>
    Promise.resolve()
      .then(work)
      .catch((error: unknown) => {
        if (error instanceof PlatformError) return sendError(reply, error.status, error.code, error.message);
        throw error;
      });

  /** Sends a conversation event to the session of every answered app member there (the SDK's echo). */
  const broadcast = (conversation: Conversation, type: string, id: number, from: string, body: Record<string, unknown>) => {
    for (const other of conversation.members.values()) {
      if (other.isOver || !other.answeredBy || other.conversation !== conversation) continue;
      sessions.push(other.answeredBy.session, type, {
        id,
        cid: conversation.id,
        conversation_id: conversation.id,
        from,
        timestamp: new Date().toISOString(),
        application_id: conversation.app.id,
        body,
      });
    }
  };

  /**
   * Speaks text into a member's conversation: every live leg there hears it. Synthesis is
   * awaited (a failure is the request's); `done` settles when everyone has heard it. With
   * `queue` it starts once the conversation's previous say has ended.
   */
  const say = async (leg: AppLeg, text: string, options: { level: number; loop: number; queue: boolean }): Promise<{ done: Promise<void> }> => {
    const audio = await synthesize(text);
    const conversation = leg.conversation;
    const before = options.queue ? (sayQueues.get(conversation) ?? Promise.resolve()) : Promise.resolve();
    const done = before
      .catch(() => undefined)
      .then(async () => {
        if (leg.isOver) return;
        const playbacks: Playback[] = conversation
          .liveLegs()
          .filter((other) => other.endpoint)
          .map((other) => engine.play(other, audio, { loop: options.loop, level: options.level }, { type: 'talk', text }));
        await Promise.all(playbacks.map((playback) => playback.done));
      });
    sayQueues.set(conversation, done);
    return { done };
  };

  app.register(async (scope) => {
    scope.addHook('preHandler', authenticate);

    // ---------------------------------------------------------------- users and sessions

    scope.get<{ Params: { user: string } }>('/v0.3/users/:user', async (request, reply) => {
      const caller = request.rtcCaller!;
      const wanted = request.params.user;
      const user = wanted === 'me' ? sessions.user(caller.applicationId, caller.userName) : sessions.findUser(caller.applicationId, wanted);
      if (!user) return sendError(reply, 404, 'user:error:not-found', `No user ${wanted}`);
      return { id: user.id, name: user.name, display_name: user.name };
    });

    // refreshSession: the new token is the bearer (verified above); the session lives on it.
    scope.put<{ Params: { sid: string } }>('/v0.2/sessions/:sid', async (request, reply) => {
      const caller = request.rtcCaller!;
      const found = sessions.get(request.params.sid);
      if (!found) return sendError(reply, 404, 'session:error:not-found', 'No such session');
      if (found.user.name !== caller.userName || found.applicationId !== caller.applicationId) {
        return sendError(reply, 403, 'session:error:invalid-session', "The token's user does not own this session");
      }
      sessions.refresh(found, caller.exp);
      return { session_id: found.id };
    });

    // ---------------------------------------------------------------- calls to the app (inbound)

    // The SDK reads the member's state from here, and `getCallLegs` needs `media_state`.
    scope.get<{ Params: { cid: string } }>('/v0.3/conversations/:cid', async (request, reply) =>
      guarded(reply, () => {
        const caller = request.rtcCaller!;
        const conversation = engine.conversation(request.params.cid);
        if (conversation?.app.id !== caller.applicationId) throw new PlatformError(404, 'conversation:error:not-found', 'No such conversation');
        return describeConversation(conversation, caller.userName);
      }),
    );

    // A member (`me`: the caller's own); `reconnectCall` from a new session starts here.
    scope.get<{ Params: { cid: string; mid: string } }>('/v0.3/conversations/:cid/members/:mid', async (request, reply) =>
      guarded(reply, () => {
        const caller = request.rtcCaller!;
        const conversation = visibleConversation(request, request.params.cid);
        const wanted = request.params.mid;
        const leg = [...conversation.members.values()].find((member) =>
          wanted === 'me' ? member.user.name === caller.userName && !member.isOver : member.memberId === wanted,
        );
        if (!leg) throw new PlatformError(404, 'conversation:error:member-not-found', `No member ${wanted}`);
        return {
          id: leg.memberId,
          state: memberState(leg),
          _embedded: { user: { id: leg.user.id, name: leg.user.name } },
          channel: { type: 'app', from: { id: leg.uuid }, to: { id: leg.uuid } },
          timestamp: { invited: leg.createdAt.toISOString(), ...(leg.answeredAt ? { joined: leg.answeredAt.toISOString() } : {}), ...(leg.endedAt ? { left: leg.endedAt.toISOString() } : {}) },
        };
      }),
    );

    scope.put<{ Params: { cid: string; mid: string } }>('/v0.3/conversations/:cid/members/:mid', async (request, reply) => {
      const parsed = joinBody.safeParse(request.body ?? {});
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      return guarded(reply, () => engine.sdk.joinMember(request.params.cid, request.params.mid, sessionOf(request, parsed.data.originating_session)));
    });

    scope.post<{ Params: { cid: string; leg: string } }>('/v0.3/conversations/:cid/rtc/:leg/answer', async (request, reply) => {
      const parsed = answerBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      return guarded(reply, () =>
        engine.sdk.answerRtc(request.params.cid, request.params.leg, sessionOf(request, parsed.data.originating_session), parsed.data.body.answer),
      );
    });

    const leave = async (request: FastifyRequest<{ Params: { cid: string; mid: string } }>, reply: FastifyReply) =>
      guarded(reply, () => {
        engine.sdk.leaveMember(request.params.cid, request.params.mid, request.rtcCaller!.userName);
        return reply.code(200).send({});
      });
    scope.delete('/v0.2/conversations/:cid/members/:mid', leave);
    scope.delete('/v0.3/conversations/:cid/members/:mid', leave);

    // ---------------------------------------------------------------- calls from the app (serverCall)

    scope.post('/v0.3/legs', async (request, reply) => {
      const parsed = legBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      return guarded(reply, async () => {
        const { leg, answerSdp } = await engine.openAppLeg(sessionOf(request, parsed.data.originating_session), parsed.data.body.offer.sdp);
        return { rtc_id: leg.uuid, sdp: answerSdp };
      });
    });

    scope.post('/v0.3/knocking', async (request, reply) => {
      const parsed = knockBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      return guarded(reply, () => {
        const { channel, properties } = parsed.data;
        const own = sessionOf(request, parsed.data.originating_session);
        const leg = engine.leg(channel.id);
        if (!(leg instanceof AppLeg) || leg.app.id !== own.applicationId) throw new PlatformError(404, 'voice:error:no_leg_found', `No leg ${channel.id}`);
        if (leg.user.name !== own.user.name) throw new PlatformError(403, 'conversation:error:forbidden', 'Not your leg');
        engine.knock(leg, channel.to.number ?? channel.to.user ?? '', properties?.custom_data ?? {});
        return { id: `KNK-${leg.uuid}` };
      });
    });

    // ---------------------------------------------------------------- in-call controls

    scope.post<{ Params: { cid: string } }>('/v0.3/conversations/:cid/events', async (request, reply) => {
      const parsed = eventBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const event = parsed.data;
      return guarded(reply, async () => {
        if (event.originating_session !== undefined) sessionOf(request, event.originating_session);
        const leg = liveMemberLeg(request, request.params.cid, event.from);
        const conversation = leg.conversation;
        const timestamp = new Date().toISOString();
        switch (event.type) {
          case 'audio:dtmf': {
            if (event.body.channel.id !== leg.uuid) throw new PlatformError(400, 'validation_error', 'body.channel.id is not the leg of this member');
            engine.pressDigits(leg, event.body.digit);
            return { id: conversation.nextEventId(), timestamp };
          }
          case 'audio:mute:on':
          case 'audio:mute:off':
          case 'audio:earmuff:on':
          case 'audio:earmuff:off': {
            if (event.body.rtc_id !== leg.uuid) throw new PlatformError(400, 'validation_error', 'body.rtc_id is not the leg of this member');
            const on = event.type.endsWith(':on');
            if (event.type.startsWith('audio:mute')) engine.setMuted(leg, on);
            else engine.setEarmuffed(leg, on);
            const id = conversation.nextEventId();
            broadcast(conversation, event.type, id, leg.memberId, { rtc_id: leg.uuid });
            return { id, timestamp };
          }
          case 'audio:say': {
            const { text, level, loop, queue, voice_name, ssml } = event.body;
            const owner = leg.answeredBy!.session;
            const played = await say(leg, text, { level, loop, queue });
            const id = conversation.nextEventId();
            const sayId = `SAY-${id}-${conversation.id}`;
            void played.done
              .catch((error: unknown) => engine.log.warn(`call ${leg.uuid}: say failed: ${(error as Error).message}`))
              .then(() =>
                sessions.push(owner, 'audio:say:done', { id: conversation.nextEventId(), cid: conversation.id, from: leg.memberId, body: { say_id: sayId } }),
              );
            return {
              id,
              type: 'audio:say',
              from: leg.memberId,
              timestamp,
              body: { say_id: sayId, text, level, loop, queue, ssml, ...(voice_name ? { voice_name } : {}) },
            };
          }
        }
      });
    });

    // reconnectCall: new media for an answered call; the answer goes back as `rtc:answer`.
    scope.post<{ Params: { cid: string; leg: string } }>('/v0.3/conversations/:cid/rtc/:leg/offer', async (request, reply) => {
      const parsed = reconnectBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      return guarded(reply, async () => {
        const leg = liveMemberLeg(request, request.params.cid, parsed.data.from);
        if (leg.uuid !== request.params.leg) throw new PlatformError(404, 'voice:error:no_leg_found', `Member ${parsed.data.from} has no leg ${request.params.leg}`);
        const own = parsed.data.originating_session ? sessionOf(request, parsed.data.originating_session) : leg.answeredBy!.session;
        const answer = await engine.reconnectAppMedia(leg, own, parsed.data.body.offer.sdp);
        const id = leg.conversation.nextEventId();
        sessions.push(own, 'rtc:answer', { id, cid: leg.conversation.id, from: leg.memberId, body: { rtc_id: leg.uuid, answer } });
        return { id: leg.uuid };
      });
    });

    // ---------------------------------------------------------------- legs

    scope.get<{ Params: { leg: string } }>('/v0.3/legs/:leg', async (request, reply) =>
      guarded(reply, () => {
        const leg = engine.leg(request.params.leg);
        if (!leg || leg.app.id !== request.rtcCaller!.applicationId) throw new PlatformError(404, 'voice:error:no_leg_found', `No leg ${request.params.leg}`);
        visibleConversation(request, leg.conversation.id);
        return describeLeg(leg);
      }),
    );

    scope.get<{ Params: { cid: string }; Querystring: Record<string, string> }>('/v0.3/conversations/:cid/legs', async (request, reply) => {
      const parsed = legsQuery.safeParse(request.query);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      return guarded(reply, () => {
        const conversation = visibleConversation(request, request.params.cid);
        const descending = parsed.data.order?.toLowerCase() === 'desc';
        const size = parsed.data.page_size ?? DEFAULT_PAGE_SIZE;
        const start = Number(parsed.data.cursor ?? 0);
        const legs = engine
          .allLegs()
          .filter((leg) => leg.conversation === conversation)
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
        if (descending) legs.reverse();
        const page = legs.slice(start, start + size);
        const link = (cursor: number) => {
          const query = new URLSearchParams({ page_size: String(size), order: descending ? 'desc' : 'asc', cursor: String(cursor) });
          return { href: `/v0.3/conversations/${conversation.id}/legs?${query.toString()}` };
        };
        return {
          _embedded: { legs: page.map(describeLeg) },
          _links: {
            ...(start + size < legs.length ? { next: link(start + size) } : {}),
            ...(start > 0 ? { prev: link(Math.max(0, start - size)) } : {}),
          },
        };
      });
    });
  });

  // The SDK posts client metrics next to its websocket path; accept and drop them.
  app.post('/v2/rtc/metrics', async () => ({}));
}
