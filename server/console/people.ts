/**
 * The console's people: admins and supervisors, managed through the admin API
 * (`/api/admin/console-users`), so an admin (or automation with the admin token) adds
 * accounts beyond the demo ones. Every change is audited like any admin change; disabling an
 * account or resetting its password ends its sessions.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ConsoleRole } from '../../common/console-api';
import { requireAdmin } from '../admin/guard';
import { hashPassword } from '../auth/passwords';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { CONSOLE_ROLES, consoleUserSeed, findConsoleUser, type ConsoleUserRecord } from './users';

/** A console user as the admin API shows them: never the hash. */
export interface ConsoleUserView {
  name: string;
  display_name: string;
  role: ConsoleRole;
  disabled: boolean;
  created_at: string;
}

const createRequest = consoleUserSeed.extend({ display_name: consoleUserSeed.shape.display_name.optional() }).strict();
const editRequest = z.strictObject({ display_name: consoleUserSeed.shape.display_name.optional(), role: z.enum(CONSOLE_ROLES).optional() });
const passwordRequest = z.strictObject({ password: consoleUserSeed.shape.password });
const nameParams = z.object({ name: consoleUserSeed.shape.name });

function view(user: ConsoleUserRecord): ConsoleUserView {
  return { name: user.name, display_name: user.display_name, role: user.role, disabled: user.disabled, created_at: user.created_at };
}

/** Register `GET|POST /api/admin/console-users`, `GET|PATCH …/:name`, `POST …/:name/disable|enable|password`. */
export function registerConsolePeople(app: FastifyInstance, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.addHook('preHandler', requireAdmin(ctx));

    const named = async (params: unknown): Promise<ConsoleUserRecord> => {
      const { name } = parseWith(nameParams, params);
      const user = await findConsoleUser(ctx.db, name);
      if (!user) throw new HttpError(404, 'unknown_user', 'name does not name a console user', { field: 'name' });
      return user;
    };
    const endSessions = (user: ConsoleUserRecord) =>
      ctx.db.query('UPDATE console_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL', [user.id, ctx.now().toISOString()]);
    const reread = async (user: ConsoleUserRecord): Promise<ConsoleUserView> => view((await findConsoleUser(ctx.db, user.name)) ?? user);

    scope.get('/api/admin/console-users', async (): Promise<ConsoleUserView[]> => {
      const { rows } = await ctx.db.query<ConsoleUserRecord>('SELECT id, name, display_name, role, password_hash, disabled, created_at FROM console_users ORDER BY lower(name)');
      return rows.map(view);
    });

    scope.get('/api/admin/console-users/:name', async (request): Promise<ConsoleUserView> => view(await named(request.params)));

    scope.post('/api/admin/console-users', async (request, reply) => {
      const body = parseWith(createRequest, request.body);
      const { rows } = await ctx.db.query<ConsoleUserRecord>(
        `INSERT INTO console_users (id, name, display_name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING RETURNING id, name, display_name, role, password_hash, disabled, created_at`,
        [randomUUID(), body.name, body.display_name ?? body.name, body.role, await hashPassword(body.password), ctx.now().toISOString()],
      );
      const user = rows[0];
      if (!user) throw new HttpError(409, 'user_exists', 'name is taken by another console user', { field: 'name' });
      request.log.info({ user: user.name, role: user.role }, 'console user created');
      return reply.code(201).send(view(user));
    });

    scope.patch('/api/admin/console-users/:name', async (request): Promise<ConsoleUserView> => {
      const user = await named(request.params);
      const body = parseWith(editRequest, request.body);
      await ctx.db.query('UPDATE console_users SET display_name = coalesce($2, display_name), role = coalesce($3, role) WHERE id = $1', [
        user.id,
        body.display_name ?? null,
        body.role ?? null,
      ]);
      // A role taken away takes effect at once: the sessions carry the role of the row.
      return reread(user);
    });

    scope.post('/api/admin/console-users/:name/disable', async (request): Promise<ConsoleUserView> => {
      const user = await named(request.params);
      await ctx.db.query('UPDATE console_users SET disabled = true WHERE id = $1', [user.id]);
      await endSessions(user);
      request.log.info({ user: user.name }, 'console user disabled');
      return reread(user);
    });

    scope.post('/api/admin/console-users/:name/enable', async (request): Promise<ConsoleUserView> => {
      const user = await named(request.params);
      await ctx.db.query('UPDATE console_users SET disabled = false WHERE id = $1', [user.id]);
      return reread(user);
    });

    scope.post('/api/admin/console-users/:name/password', async (request): Promise<ConsoleUserView> => {
      const user = await named(request.params);
      const { password } = parseWith(passwordRequest, request.body);
      await ctx.db.query('UPDATE console_users SET password_hash = $2 WHERE id = $1', [user.id, await hashPassword(password)]);
      await endSessions(user);
      request.log.info({ user: user.name }, 'console user password reset');
      return reread(user);
    });
  });
}
