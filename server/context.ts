/**
 * What route handlers share: configuration, storage, clock and secrets.
 */
import type { ServerConfig } from './config';
import type { LoginRateLimiter } from './auth/rate-limit';
import type { Storage } from './storage/types';

/**
 * The dependencies every route module receives.
 *
 * Passed explicitly rather than decorated onto Fastify, so handlers stay plainly typed.
 */
export interface AppContext {
  config: ServerConfig;
  storage: Storage;
  /** The clock; injectable so tests can move time (credential expiry, lockouts). */
  now: () => Date;
  /** PEM of the Vonage application's private key. */
  privateKey: string;
  loginLimiter: LoginRateLimiter;
}
