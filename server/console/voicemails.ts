/**
 * Voicemail work in the console: every message by queue (or none), played through the admin
 * API's audio route, assigned to an agent and marked handled — by whom and when.
 *
 * Assigning and handling are the contact center's daily work, not configuration: supervisors
 * may do them as well as admins (with the session's CSRF token); the row records who.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { agentName } from '../../common/backend-api';
import type { ConsoleVoicemail, ConsoleVoicemailPage } from '../../common/console-api';
import { actorOf, requireAdmin } from '../admin/guard';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';

/** Query of `GET /api/console/voicemails`. */
export const voicemailListQuery = z.object({
  /** A queue's name; `-` for the messages left outside any queue; all when absent. */
  queue: z.string().min(1, 'must not be empty').max(64, 'is at most 64 characters').optional(),
  state: z.enum(['open', 'handled', 'all']).default('open'),
  limit: z.coerce.number().int('must be a whole number').min(1, 'must be between 1 and 200').max(200, 'must be between 1 and 200').default(50),
});

const idParams = z.object({ id: z.string().uuid('must be a voicemail id') });
const assignRequest = z.strictObject({ agent: agentName.nullable() });
const handledRequest = z.strictObject({ handled: z.boolean() });

/** A row as read: the console's voicemail less where the page plays it. */
type Row = Omit<ConsoleVoicemail, 'audio_url'>;

const COLUMNS = 'id, caller, number, queue, duration_s, created_at, assigned_to, assigned_at, handled_at, handled_by';

function view(row: Row): ConsoleVoicemail {
  return { ...row, audio_url: `/api/admin/voicemails/${row.id}/audio` };
}

/** Register `GET /api/console/voicemails`, `POST …/:id/assign` and `POST …/:id/handled`. */
export function registerConsoleVoicemails(app: FastifyInstance, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx, { supervisorChanges: true }));

    scope.get('/api/console/voicemails', async (request): Promise<ConsoleVoicemailPage> => {
      const q = parseWith(voicemailListQuery, request.query, 'query');
      const { rows } = await ctx.db.query<Row>(
        `SELECT ${COLUMNS} FROM voicemails
          WHERE ($1::text IS NULL OR ($1 = '-' AND queue IS NULL) OR lower(queue) = lower($1))
            AND ($2 = 'all' OR ($2 = 'open') = (handled_at IS NULL))
          ORDER BY created_at DESC, id DESC LIMIT $3`,
        [q.queue ?? null, q.state, q.limit],
      );
      return { voicemails: rows.map(view) };
    });

    const update = async (id: string, sql: string, params: unknown[]): Promise<ConsoleVoicemail> => {
      const { rows } = await ctx.db.query<Row>(`UPDATE voicemails SET ${sql} WHERE id = $1 RETURNING ${COLUMNS}`, [id, ...params]);
      const row = rows[0];
      if (!row) throw new HttpError(404, 'not_found', 'No such voicemail', { field: 'id' });
      return view(row);
    };

    scope.post('/api/console/voicemails/:id/assign', async (request): Promise<ConsoleVoicemail> => {
      const { id } = parseWith(idParams, request.params);
      const { agent } = parseWith(assignRequest, request.body);
      let name: string | null = null;
      if (agent !== null) {
        const found = await ctx.storage.agents.findByName(agent);
        if (!found) throw new HttpError(404, 'unknown_agent', 'agent does not name an agent', { field: 'agent' });
        name = found.name;
      }
      const result = await update(id, 'assigned_to = $2, assigned_at = $3', [name, name === null ? null : ctx.now().toISOString()]);
      request.log.info({ voicemail: id, agent: name, by: actorOf(request)?.name }, 'voicemail assigned');
      return result;
    });

    scope.post('/api/console/voicemails/:id/handled', async (request): Promise<ConsoleVoicemail> => {
      const { id } = parseWith(idParams, request.params);
      const { handled } = parseWith(handledRequest, request.body);
      const by = actorOf(request)?.name ?? null;
      const result = await update(id, 'handled_at = $2, handled_by = $3', handled ? [ctx.now().toISOString(), by] : [null, null]);
      request.log.info({ voicemail: id, handled, by }, 'voicemail handled');
      return result;
    });
  });
}
