/**
 * Console users: the admins and supervisors who sign in to the operator console.
 *
 * A table of their own (`console_users`): an agent's credential never opens the console,
 * and a console user never takes calls. Names compare case-insensitively, like agents'.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ConsoleRole } from '../../common/console-api';
import type { Sql } from '../db/database';
import { hashPassword } from '../auth/passwords';

/** What a console user may do: supervisors see and monitor; admins also change configuration. */
export const CONSOLE_ROLES = ['admin', 'supervisor'] as const satisfies readonly ConsoleRole[];
export type { ConsoleRole };

/** A console user as stored (the hash never leaves the backend). */
export interface ConsoleUserRecord {
  id: string;
  name: string;
  display_name: string;
  role: ConsoleRole;
  password_hash: string;
  disabled: boolean;
  created_at: string;
}

/** A console user to create if missing (`npm run platform`'s demo admin and supervisor). */
export interface ConsoleUserSeed {
  name: string;
  display_name: string;
  role: ConsoleRole;
  password: string;
}

/** Schema of a seed. */
export const consoleUserSeed = z.object({
  name: z.string().trim().min(1, 'is required').max(64, 'is at most 64 characters'),
  display_name: z.string().trim().min(1, 'is required').max(128, 'is at most 128 characters'),
  role: z.enum(CONSOLE_ROLES),
  password: z.string().min(8, 'is at least 8 characters').max(256, 'is at most 256 characters'),
});

const COLUMNS = 'id, name, display_name, role, password_hash, disabled, created_at';

/** The console user with this name (any case), or null. */
export async function findConsoleUser(sql: Sql, name: string): Promise<ConsoleUserRecord | null> {
  const { rows } = await sql.query<ConsoleUserRecord>(`SELECT ${COLUMNS} FROM console_users WHERE lower(name) = lower($1)`, [name]);
  return rows[0] ?? null;
}

/**
 * Create each seed whose name is free; existing users are left exactly as they are (their
 * passwords are not reset), so it runs at every start. Returns the names created.
 */
export async function seedConsoleUsers(sql: Sql, seeds: readonly ConsoleUserSeed[], now: () => Date): Promise<string[]> {
  const created: string[] = [];
  for (const raw of seeds) {
    const seed = consoleUserSeed.parse(raw);
    if (await findConsoleUser(sql, seed.name)) continue;
    const { rowCount } = await sql.query(
      `INSERT INTO console_users (id, name, display_name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [randomUUID(), seed.name, seed.display_name, seed.role, await hashPassword(seed.password), now().toISOString()],
    );
    if (rowCount === 1) created.push(seed.name);
  }
  return created;
}
