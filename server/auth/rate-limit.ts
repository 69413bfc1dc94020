/**
 * In-memory limiting of failed logins.
 *
 * Per backend instance only; a multi-instance deployment would move this to the shared
 * store. Good enough to stop online password guessing against one agent from one address.
 */

/** Options of {@link LoginRateLimiter}. */
export interface RateLimitOptions {
  /** Failures allowed inside the window before attempts are refused. */
  maxFailures: number;
  /** Window length in milliseconds. */
  windowMs: number;
  /** Keys tracked at most; the stalest are dropped beyond it so memory stays bounded. */
  maxKeys: number;
}

const DEFAULTS: RateLimitOptions = { maxFailures: 5, windowMs: 5 * 60 * 1000, maxKeys: 10_000 };

/**
 * Counts failed logins per key (agent name + client address) in a sliding window.
 */
export class LoginRateLimiter {
  private readonly options: RateLimitOptions;
  private readonly failures = new Map<string, number[]>();

  constructor(options: Partial<RateLimitOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The key for a name and address; names compare case-insensitively, like agents. */
  static key(name: string, ip: string): string {
    return `${name.toLowerCase()}\u0000${ip}`;
  }

  /**
   * Seconds until the key may try again, or 0 when it may try now.
   *
   * Blocked once `maxFailures` failures fall inside the window; the block lifts when the
   * oldest of them leaves it.
   */
  retryAfterS(key: string, nowMs: number): number {
    const recent = this.prune(key, nowMs);
    if (recent.length < this.options.maxFailures) return 0;
    const oldest = recent[recent.length - this.options.maxFailures] ?? nowMs;
    return Math.max(1, Math.ceil((oldest + this.options.windowMs - nowMs) / 1000));
  }

  /** Record a failed attempt. */
  recordFailure(key: string, nowMs: number): void {
    const recent = this.prune(key, nowMs);
    recent.push(nowMs);
    // Re-insert so Map order tracks recency for eviction.
    this.failures.delete(key);
    this.failures.set(key, recent);
    if (this.failures.size > this.options.maxKeys) {
      const stalest = this.failures.keys().next();
      if (!stalest.done) this.failures.delete(stalest.value);
    }
  }

  /** Forget a key's failures (after a successful login). */
  reset(key: string): void {
    this.failures.delete(key);
  }

  private prune(key: string, nowMs: number): number[] {
    const list = this.failures.get(key);
    if (!list) return [];
    const recent = list.filter((t) => t > nowMs - this.options.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else if (recent.length !== list.length) this.failures.set(key, recent);
    return recent;
  }
}
