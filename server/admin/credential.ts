/**
 * The admin credential: one bearer token that unlocks `/api/admin/...`.
 *
 * It comes from `ADMIN_TOKEN` when set; otherwise it is generated on first start and kept in
 * `DATA_DIR/admin-token` (mode 600, like the application key), so the operator reads it from
 * there (the platform launcher prints it once, when it is created). Only its SHA-256 stays in
 * memory.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ServerConfig } from '../config';

/** File name of the generated admin token inside the data folder. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** Where the admin token came from. */
export type AdminTokenSource = 'env' | 'file' | 'generated';

/** A resolved admin token: the secret itself goes only to the launcher that prints it. */
export interface ResolvedAdminToken {
  token: string;
  source: AdminTokenSource;
  /** The file holding it, or null when it came from the environment. */
  file: string | null;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Find the admin token: `ADMIN_TOKEN`, else the token file, else a new one written there.
 *
 * Creation uses an exclusive open, so two processes starting at once cannot write two tokens.
 */
export function resolveAdminToken(config: Pick<ServerConfig, 'adminToken' | 'dataDir'>): ResolvedAdminToken {
  if (config.adminToken !== null) return { token: config.adminToken, source: 'env', file: null };
  const file = path.join(config.dataDir, ADMIN_TOKEN_FILE);
  const existing = readToken(file);
  if (existing) return { token: existing, source: 'file', file };
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const raced = readToken(file);
    if (raced) return { token: raced, source: 'file', file };
    throw error;
  }
  return { token, source: 'generated', file };
}

function readToken(file: string): string | null {
  try {
    const token = fs.readFileSync(file, 'utf8').trim();
    return token.length >= 32 ? token : null;
  } catch {
    return null;
  }
}

/**
 * Checks presented admin tokens in constant time.
 *
 * Compares SHA-256 digests, so neither the length nor a prefix of the secret leaks through timing.
 */
export class AdminCredential {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** True when `presented` is the admin token. */
  matches(presented: string): boolean {
    return timingSafeEqual(digest(presented), this.expected);
  }
}
