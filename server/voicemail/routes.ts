/**
 * Listing and playing voicemail: for agents (`/api/voicemails`) and the operator
 * (`/api/admin/voicemails`). The audio is fetched from the platform with the application
 * JWT and streamed through; the platform's URL is never shown.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { handledRequest } from '../../common/agent-desk';
import { requireAdmin } from '../admin/guard';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { intParam } from '../http/query';
import { readStoredSettings } from '../numbers/directory';
import { queueSettings } from '../queues/schema';
import type { QueueConfigRepository } from '../storage/flow-types';
import type { VoiceApi } from '../vonage/voice-api';
import { view, type VoicemailService, type VoicemailView } from './service';

const listQuery = z.object({ limit: intParam(1, 200, 50) });
const idParams = z.object({ id: z.string().uuid('must be a voicemail id') });

/** How many of the newest voicemails an agent's list is picked from: the repository lists them unfiltered. */
export const AGENT_VOICEMAIL_WINDOW = 1000;

/**
 * Which voicemails `agent` may list and play, by the queue they were left in: a queue they
 * serve (its `agents` name them, or name nobody, which means every agent), or no queue at
 * all (the inbound and IVR flows' voicemail, the contact center's shared mailbox). A queue
 * no longer configured is served by nobody: its voicemails are left to the operator.
 *
 * Read from storage (written before the directory's cache), so a change applies at once.
 */
export async function voicemailAccess(queues: Pick<QueueConfigRepository, 'list'>, agent: string): Promise<(queue: string | null) => boolean> {
  const name = agent.toLowerCase();
  const served = new Set<string>();
  for (const row of await queues.list()) {
    const settings = readStoredSettings(queueSettings, row.settings);
    if (settings && (settings.agents.length === 0 || settings.agents.some((a) => a.toLowerCase() === name))) served.add(row.name.toLowerCase());
  }
  return (queue) => queue === null || served.has(queue.toLowerCase());
}

/** Register the agents' and the admin's voicemail routes. */
export function registerVoicemailRoutes(app: FastifyInstance, ctx: AppContext, voicemail: VoicemailService, voice: Pick<VoiceApi, 'fetchFile'>): void {
  /** Stream a voicemail's audio; `allowed` (agents) hides one of another's queue as if it did not exist. */
  const audio = async (request: FastifyRequest, reply: FastifyReply, allowed: (queue: string | null) => boolean = () => true) => {
    const { id } = parseWith(idParams, request.params, 'query');
    const record = await voicemail.get(id);
    if (!record || !allowed(record.queue)) throw new HttpError(404, 'not_found', 'No such voicemail', { field: 'id' });
    if (!voicemail.isPlatformUrl(record.recording_url)) throw new HttpError(404, 'not_found', 'The recording is not available', { field: 'id' });
    return platformFile(request, reply, record.recording_url, { voicemail: id });
  };

  /** Stream a recording the platform keeps (fetched with the application JWT). */
  const platformFile = async (request: FastifyRequest, reply: FastifyReply, url: string, about: Record<string, string>) => {
    let upstream: Response;
    try {
      upstream = await voice.fetchFile(url);
    } catch (error) {
      request.log.warn({ err: error, ...about }, 'recording could not be fetched');
      throw new HttpError(502, 'upstream_error', 'The voice platform did not deliver the recording');
    }
    const type = upstream.headers.get('content-type') ?? 'application/octet-stream';
    void reply.header('content-type', /^audio\/[a-z0-9.+-]+$/i.test(type) ? type : 'application/octet-stream');
    void reply.header('cache-control', 'private, no-store');
    const length = upstream.headers.get('content-length');
    if (length && /^[0-9]+$/.test(length)) void reply.header('content-length', length);
    if (!upstream.body) return reply.send(Buffer.alloc(0));
    return reply.send(Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>));
  };

  // Agents: the voicemails of their queues and the shared mailbox (see voicemailAccess); the operator's routes list all.
  app.get('/api/voicemails', async (request): Promise<VoicemailView[]> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { limit } = parseWith(listQuery, request.query, 'query');
    const allowed = await voicemailAccess(ctx.storage.queues, agent.name);
    return (await voicemail.list(AGENT_VOICEMAIL_WINDOW, '/api/voicemails')).filter((v) => allowed(v.queue)).slice(0, limit);
  });
  app.get('/api/voicemails/:id/audio', async (request, reply) => {
    const { agent } = await authenticateAgent(ctx, request);
    return audio(request, reply, await voicemailAccess(ctx.storage.queues, agent.name));
  });

  // Handled (by whom, when) or back to not handled; only a voicemail the agent may list (404 otherwise, as for the audio).
  app.put('/api/voicemails/:id/handled', async (request): Promise<VoicemailView> => {
    const { agent } = await authenticateAgent(ctx, request);
    const { id } = parseWith(idParams, request.params, 'query');
    const { handled } = parseWith(handledRequest, request.body);
    const record = await voicemail.get(id);
    const allowed = await voicemailAccess(ctx.storage.queues, agent.name);
    if (!record || !allowed(record.queue)) throw new HttpError(404, 'not_found', 'No such voicemail', { field: 'id' });
    const updated = await voicemail.setHandled(id, handled ? agent.name : null);
    if (!updated) throw new HttpError(404, 'not_found', 'No such voicemail', { field: 'id' });
    return view(updated, '/api/voicemails');
  });

  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));
    scope.get('/api/admin/voicemails', async (request): Promise<VoicemailView[]> => {
      const { limit } = parseWith(listQuery, request.query, 'query');
      return voicemail.list(limit, '/api/admin/voicemails');
    });
    scope.get('/api/admin/voicemails/:id/audio', async (request, reply) => audio(request, reply));
    // A call's recording, for the console's call log (supervisors too: they read).
    scope.get('/api/console/calls/:uuid/recording', async (request, reply) => {
      const { uuid } = parseWith(z.object({ uuid: z.string().min(1).max(128, 'is at most 128 characters') }), request.params, 'query');
      const call = await ctx.storage.calls.getCall(uuid);
      if (!call?.recording_url || !voicemail.isPlatformUrl(call.recording_url)) throw new HttpError(404, 'not_found', 'The call has no recording', { field: 'uuid' });
      return platformFile(request, reply, call.recording_url, { call: uuid });
    });
  });
}
