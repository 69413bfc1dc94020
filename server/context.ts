/**
 * What route handlers share: configuration, storage, clock and secrets.
 */
import type { AdminCredential } from './admin/credential';
import type { AgentStreams } from './agents/streams';
import type { PresenceService } from './agents/presence';
import type { ServerConfig } from './config';
import type { Database } from './db/database';
import type { JobQueue } from './jobs/queue';
import type { LoginRateLimiter } from './auth/rate-limit';
import type { Storage } from './storage/types';
import type { CallEvents } from './webhooks/call-events';

/**
 * The dependencies every route module receives.
 *
 * Passed explicitly rather than decorated onto Fastify, so handlers stay plainly typed.
 */
export interface AppContext {
  config: ServerConfig;
  storage: Storage;
  /** The PostgreSQL pool every instance shares (the call model and presence work on it directly). */
  db: Database;
  /** Durable jobs and timers (`server/jobs/queue.ts`). */
  jobs: JobQueue;
  /** The clock; injectable so tests can move time (credential expiry, lockouts). */
  now: () => Date;
  /** PEM of the Vonage application's private key. */
  privateKey: string;
  loginLimiter: LoginRateLimiter;
  /** Checks the admin API's bearer token (see `server/admin/guard.ts`). */
  adminCredential: AdminCredential;
  /** Every agent's status (in the database, cached per instance); routing reserves agents with `presence.reserveNext()`. */
  presence: PresenceService;
  /** Stored call events, published after each event_url write (subscribe for routing). */
  callEvents: CallEvents;
  /** The agents' open server-sent event streams. */
  agentStreams: AgentStreams;
}
