/**
 * Intercom splits the per-minute budget into 10-second windows (1000/min -> 166 per 10 s). Windows are aligned
 * to the clock, and the clock is injectable so tests can cross a window boundary without sleeping.
 */

export const WINDOW_MS = 10_000;

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Unix seconds at which the current window ends. */
  reset: number;
  allowed: boolean;
}

export class RateLimiter {
  readonly limit: number;
  private windowStart = -1;
  private used = 0;

  constructor(
    perMinute: number,
    private readonly now: () => number,
  ) {
    this.limit = Math.max(1, Math.floor(perMinute / 6));
  }

  /** Counts one request against the current window. */
  take(): RateLimitState {
    this.roll();
    const allowed = this.used < this.limit;
    if (allowed) this.used++;
    return this.state(allowed);
  }

  /** Current numbers without consuming budget (for responses produced by fault injection). */
  peek(): RateLimitState {
    this.roll();
    return this.state(this.used < this.limit);
  }

  private roll(): void {
    const start = Math.floor(this.now() / WINDOW_MS) * WINDOW_MS;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.used = 0;
    }
  }

  private state(allowed: boolean): RateLimitState {
    return {
      limit: this.limit,
      remaining: Math.max(0, this.limit - this.used),
      reset: (this.windowStart + WINDOW_MS) / 1000,
      allowed,
    };
  }

  /** Seconds until the window ends, at least 1 (for Retry-After). */
  secondsToReset(): number {
    return Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - this.now()) / 1000));
  }
}
