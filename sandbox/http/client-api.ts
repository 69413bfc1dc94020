/**
 * The Client SDK's REST side (Conversation API paths the SDK calls), authenticated with the
 * user's JWT. Shapes follow ../shared/reference/vonage-client-sdk-protocol.md.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearer, verifyToken } from '../rtc/tokens';
import type { SandboxStore } from '../state/store';
import type { SessionRegistry, RtcSession } from '../rtc/sessions';
import { PlatformError, type CallEngine } from '../voice/engine';
import { sendError, sendValidationError } from './errors';

interface Caller {
  applicationId: string;
  userName: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    rtcCaller?: Caller;
  }
}

const answerBody = z.object({
  originating_session: z.string().optional(),
  from: z.string().optional(),
  body: z.object({ answer: z.string().min(1) }),
});
const joinBody = z.object({ originating_session: z.string().optional(), from: z.string().optional(), state: z.string().optional() });
const eventBody = z.object({ type: z.string().min(1), from: z.string().optional(), body: z.record(z.string(), z.unknown()).optional() });

/** Registers the Client SDK's REST paths. */
export function registerClientApiRoutes(
  app: FastifyInstance,
  deps: { store: SandboxStore; sessions: SessionRegistry; engine: CallEngine },
): void {
  const { store, sessions, engine } = deps;

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const check = verifyToken(store, bearer(request.headers.authorization));
    if (!check.ok || !check.claims.sub) {
      return sendError(reply, 401, check.ok ? 'system:error:invalid-token' : `system:error:${check.reason}-token`, 'A valid user token is required');
    }
    request.rtcCaller = { applicationId: check.applicationId, userName: check.claims.sub };
  };

  const sessionOf = (request: FastifyRequest, id: string | undefined): RtcSession => {
    const caller = request.rtcCaller!;
    const session = id ? sessions.get(id) : undefined;
    if (!session || session.user.name !== caller.userName || session.applicationId !== caller.applicationId) {
      throw new PlatformError(400, 'conversation:error:invalid-session', 'originating_session does not name a session of this user');
    }
    return session;
  };

  const guarded = <T>(reply: FastifyReply, work: () => T | Promise<T>) =>
    Promise.resolve()
      .then(work)
      .catch((error: unknown) => {
        if (error instanceof PlatformError) return sendError(reply, error.status, error.code, error.message);
        throw error;
      });

  app.register(async (scope) => {
    scope.addHook('preHandler', authenticate);

    scope.get('/v0.3/users/me', async (request) => {
      const caller = request.rtcCaller!;
      const user = sessions.user(caller.applicationId, caller.userName);
      return { id: user.id, name: user.name, display_name: user.name };
    });

    scope.put<{ Params: { sid: string } }>('/v0.2/sessions/:sid', async (request, reply) => {
      const session = sessions.get(request.params.sid);
      if (!session || session.user.name !== request.rtcCaller!.userName) return sendError(reply, 404, 'session:error:not-found', 'No such session');
      return { session_id: session.id };
    });

    scope.get<{ Params: { cid: string } }>('/v0.3/conversations/:cid', async (request, reply) =>
      guarded(reply, () => {
        const caller = request.rtcCaller!;
        return engine.describeConversation(request.params.cid, caller.userName);
      }),
    );

    scope.put<{ Params: { cid: string; mid: string } }>('/v0.3/conversations/:cid/members/:mid', async (request, reply) => {
      const parsed = joinBody.safeParse(request.body ?? {});
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      return guarded(reply, () => engine.joinMember(request.params.cid, request.params.mid, sessionOf(request, parsed.data.originating_session)));
    });

    scope.post<{ Params: { cid: string; leg: string } }>('/v0.3/conversations/:cid/rtc/:leg/answer', async (request, reply) => {
      const parsed = answerBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      return guarded(reply, () =>
        engine.answerRtc(request.params.cid, request.params.leg, sessionOf(request, parsed.data.originating_session), parsed.data.body.answer),
      );
    });

    const leave = async (request: FastifyRequest<{ Params: { cid: string; mid: string } }>, reply: FastifyReply) =>
      guarded(reply, () => {
        engine.leaveMember(request.params.cid, request.params.mid, request.rtcCaller!.userName);
        return reply.code(200).send({});
      });
    scope.delete('/v0.2/conversations/:cid/members/:mid', leave);
    scope.delete('/v0.3/conversations/:cid/members/:mid', leave);

    scope.post<{ Params: { cid: string } }>('/v0.3/conversations/:cid/events', async (request, reply) => {
      const parsed = eventBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const conversation = engine.conversation(request.params.cid);
      if (!conversation) return sendError(reply, 404, 'conversation:error:not-found', 'No such conversation');
      return { id: conversation.nextEventId(), timestamp: new Date().toISOString() };
    });
  });

  // The SDK posts client metrics next to its websocket path; accept and drop them.
  app.post('/v2/rtc/metrics', async () => ({}));
}
