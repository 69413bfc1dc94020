/**
 * Recordings: `GET /v1/files/{id}`, where a `record` action's `recording_url` points. Like
 * Vonage's media endpoint it needs an application JWT (a backend fetches the file and
 * proxies it, e.g. for voicemail playback), and only the application whose call made the
 * recording can read it (another application's token gets 404); the id is a UUID and nothing else, so no path
 * can reach outside the recordings folder.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { SandboxStore } from '../state/store';
import type { CallEngine } from '../voice/engine';
import type { RecordingFormat } from '../voice/call-control';
import { sendError } from './errors';
import { requireApplicationToken } from './voice-api';

const RECORDING_FORMATS: readonly RecordingFormat[] = ['mp3', 'wav'];
const CONTENT_TYPES: Record<RecordingFormat, string> = { mp3: 'audio/mpeg', wav: 'audio/wav' };
const RECORDING_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Registers `/v1/files/:id`. */
export function registerFileRoutes(root: FastifyInstance, deps: { store: SandboxStore; engine: CallEngine }): void {
  root.register(async (app) => {
    app.addHook('preHandler', requireApplicationToken(deps.store));

    app.get<{ Params: { id: string } }>('/v1/files/:id', async (request, reply) => {
      const { id } = request.params;
      if (!RECORDING_ID.test(id)) return sendError(reply, 404, 'not_found', 'No such file: a recording id is a UUID');
      // Only the application that made a recording finds it; to any other it does not exist.
      const app = request.voiceApplication!;
      for (const format of RECORDING_FORMATS) {
        const path = deps.engine.recordingPath(app.id, id.toLowerCase(), format);
        const info = await stat(path).catch(() => null);
        if (!info?.isFile()) continue;
        return reply
          .header('content-type', CONTENT_TYPES[format])
          .header('content-length', String(info.size))
          .header('content-disposition', `attachment; filename="${id}.${format}"`)
          .send(createReadStream(path));
      }
      return sendError(reply, 404, 'not_found', `Recording ${id} does not exist`);
    });
  });
}
