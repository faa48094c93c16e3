/**
 * One rate limiter per Intercom workspace, shared by every request of that workspace in this process.
 * Intercom splits its per-minute budget into 10-second windows and reports the window on every response
 * (X-RateLimit-Limit / -Remaining / -Reset). We spend the window down to a small reserve, then wait for the
 * reset instead of provoking 429s; other processes spending the same budget show up in `Remaining`.
 */
export interface RateLimitState {
  limit: number;
  remaining: number;
  resetAtMs: number;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class WorkspaceRateLimiter {
  private state: RateLimitState | null = null;
  private inFlight = 0;
  waits = 0;

  constructor(
    private readonly opts: { reserve?: number; now?: () => number; sleep?: Sleep; onWait?: (ms: number) => void } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Resolves when a request may be sent; call `release` with the response headers afterwards. */
  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const s = this.state;
      const now = this.now();
      if (!s || now >= s.resetAtMs) {
        if (s && now >= s.resetAtMs) this.state = null;
        break;
      }
      if (s.remaining - this.inFlight > (this.opts.reserve ?? 2)) break;
      const waitMs = s.resetAtMs - now + 50;
      this.waits++;
      this.opts.onWait?.(waitMs);
      await (this.opts.sleep ?? abortableSleep)(waitMs, signal);
    }
    this.inFlight++;
  }

  release(headers?: { get(name: string): string | null }): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (headers) this.observe(headers);
  }

  /** Records a 429: nothing more until the window resets. */
  exhausted(headers: { get(name: string): string | null }, retryAfterSeconds?: number): number {
    this.observe(headers);
    const resetAtMs = retryAfterSeconds
      ? this.now() + retryAfterSeconds * 1000
      : (this.state?.resetAtMs ?? this.now() + 1000);
    this.state = { limit: this.state?.limit ?? 0, remaining: 0, resetAtMs };
    return Math.max(0, resetAtMs - this.now()) + 50;
  }

  private observe(headers: { get(name: string): string | null }): void {
    const limit = Number(headers.get('x-ratelimit-limit'));
    const remaining = Number(headers.get('x-ratelimit-remaining'));
    const reset = Number(headers.get('x-ratelimit-reset'));
    if (!Number.isFinite(remaining) || !Number.isFinite(reset) || headers.get('x-ratelimit-remaining') === null) return;
    const resetAtMs = reset * 1000;
    const s = this.state;
    // Responses arrive out of order: within one window the lowest Remaining is the truth; a later window replaces it.
    if (!s || resetAtMs > s.resetAtMs) this.state = { limit, remaining, resetAtMs };
    else if (resetAtMs === s.resetAtMs) s.remaining = Math.min(s.remaining, remaining);
  }

  snapshot(): RateLimitState | null {
    return this.state ? { ...this.state } : null;
  }
}

/** The per-process registry: one limiter per workspace. */
export class RateLimiters {
  private readonly byWorkspace = new Map<string, WorkspaceRateLimiter>();
  constructor(private readonly onWait?: (ms: number) => void) {}

  forWorkspace(workspaceId: string): WorkspaceRateLimiter {
    let limiter = this.byWorkspace.get(workspaceId);
    if (!limiter) {
      limiter = new WorkspaceRateLimiter({ onWait: this.onWait });
      this.byWorkspace.set(workspaceId, limiter);
    }
    return limiter;
  }
}
