/**
 * Limiting of failed logins, counted in the shared store.
 *
 * Failures live in the database (`storage.loginFailures`), so every backend instance
 * sharing it counts the same ones: spreading guesses over instances gains nothing. Good
 * enough to stop online password guessing against one agent from one address.
 */
import type { LoginFailureRepository } from '../storage/types';

/** Options of {@link LoginRateLimiter}. */
export interface RateLimitOptions {
  /** Failures allowed inside the window before attempts are refused. */
  maxFailures: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

const DEFAULTS: RateLimitOptions = { maxFailures: 5, windowMs: 5 * 60 * 1000 };

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Counts failed logins per key (agent name + client address) in a sliding window.
 */
export class LoginRateLimiter {
  private readonly options: RateLimitOptions;

  constructor(
    private readonly failures: LoginFailureRepository,
    options: Partial<RateLimitOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * The key for a name and address; names compare case-insensitively, like agents.
   *
   * JSON keeps the two parts apart whatever they hold, and has no NUL byte (which
   * PostgreSQL text cannot store).
   */
  static key(name: string, ip: string): string {
    return JSON.stringify([name.toLowerCase(), ip]);
  }

  /**
   * Seconds until the key may try again, or 0 when it may try now.
   *
   * Blocked once `maxFailures` failures fall inside the window; the block lifts when the
   * oldest of them leaves it (if more than `maxFailures` were recorded, as when several
   * attempts raced, the next one is told to wait again).
   */
  async retryAfterS(key: string, nowMs: number): Promise<number> {
    const since = iso(nowMs - this.options.windowMs);
    if ((await this.failures.count(key, since)) < this.options.maxFailures) return 0;
    const oldest = await this.failures.oldestSince(key, since);
    const oldestMs = oldest === null ? nowMs : Date.parse(oldest);
    return Math.max(1, Math.ceil((oldestMs + this.options.windowMs - nowMs) / 1000));
  }

  /** Record a failed attempt, and drop failures (of every key) that left the window so the table stays small. */
  async recordFailure(key: string, nowMs: number): Promise<void> {
    await this.failures.record(key, iso(nowMs));
    await this.failures.deleteBefore(iso(nowMs - this.options.windowMs));
  }

  /** Forget a key's failures (after a successful login). */
  async reset(key: string): Promise<void> {
    await this.failures.reset(key);
  }
}
