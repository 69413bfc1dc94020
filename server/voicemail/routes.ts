/**
 * Listing and playing voicemail: for agents (`/api/voicemails`) and the operator
 * (`/api/admin/voicemails`). The audio is fetched from the platform with the application
 * JWT and streamed through; the platform's URL is never shown.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { requireAdmin } from '../admin/guard';
import { authenticateAgent } from '../auth/routes';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { intParam } from '../http/query';
import type { VoiceApi } from '../vonage/voice-api';
import type { VoicemailService, VoicemailView } from './service';

const listQuery = z.object({ limit: intParam(1, 200, 50) });
const idParams = z.object({ id: z.string().uuid('must be a voicemail id') });

/** Register the agents' and the admin's voicemail routes. */
export function registerVoicemailRoutes(app: FastifyInstance, ctx: AppContext, voicemail: VoicemailService, voice: Pick<VoiceApi, 'fetchFile'>): void {
  const audio = async (request: FastifyRequest, reply: FastifyReply) => {
    const { id } = parseWith(idParams, request.params, 'query');
    const record = await voicemail.get(id);
    if (!record) throw new HttpError(404, 'not_found', 'No such voicemail', { field: 'id' });
    if (!voicemail.isPlatformUrl(record.recording_url)) throw new HttpError(404, 'not_found', 'The recording is not available', { field: 'id' });
    let upstream: Response;
    try {
      upstream = await voice.fetchFile(record.recording_url);
    } catch (error) {
      request.log.warn({ err: error, voicemail: id }, 'recording could not be fetched');
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

  app.get('/api/voicemails', async (request): Promise<VoicemailView[]> => {
    await authenticateAgent(ctx, request);
    const { limit } = parseWith(listQuery, request.query, 'query');
    return voicemail.list(limit, '/api/voicemails');
  });
  app.get('/api/voicemails/:id/audio', async (request, reply) => {
    await authenticateAgent(ctx, request);
    return audio(request, reply);
  });

  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));
    scope.get('/api/admin/voicemails', async (request): Promise<VoicemailView[]> => {
      const { limit } = parseWith(listQuery, request.query, 'query');
      return voicemail.list(limit, '/api/admin/voicemails');
    });
    scope.get('/api/admin/voicemails/:id/audio', audio);
  });
}
