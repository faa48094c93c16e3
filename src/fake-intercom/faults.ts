/**
 * Runtime fault injection. Each switch affects the next API requests (not the OAuth HTML page); `reset()` puts
 * everything back so one test's faults never leak into the next.
 */
export interface FaultSwitches {
  /** The next `n` API requests answer `status` (500/502/503/504, default 500) with an error.list. */
  failNext(n: number, status?: number): void;
  /** The next `n` API requests answer 429 rate_limit_exceeded with proper X-RateLimit-* headers. */
  rateLimitBurst(n: number): void;
  /** The open companies scroll dies: the next scroll call answers 500 and the scroll cannot be resumed. */
  loseScroll(): void;
  /** Adds `ms` of latency to every API response until slow(0) or reset(). */
  slow(ms: number): void;
  /** Send Retry-After (seconds to the window end) on 429 responses. */
  retryAfter: boolean;
  /** The next `n` API requests answer 200 with an HTML body instead of JSON. */
  nonJsonNext(n: number): void;
  reset(): void;
}

export class Faults implements FaultSwitches {
  failCount = 0;
  failStatus = 500;
  burstCount = 0;
  scrollLost = false;
  slowMs = 0;
  retryAfter = false;
  nonJsonCount = 0;

  failNext(n: number, status = 500): void {
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`bad status ${status}`);
    this.failCount = n;
    this.failStatus = status;
  }

  rateLimitBurst(n: number): void {
    this.burstCount = n;
  }

  loseScroll(): void {
    this.scrollLost = true;
  }

  slow(ms: number): void {
    this.slowMs = Math.max(0, ms);
  }

  nonJsonNext(n: number): void {
    this.nonJsonCount = n;
  }

  reset(): void {
    this.failCount = 0;
    this.failStatus = 500;
    this.burstCount = 0;
    this.scrollLost = false;
    this.slowMs = 0;
    this.retryAfter = false;
    this.nonJsonCount = 0;
  }
}

/** Error codes Intercom uses for these statuses (D-err). */
export function faultCode(status: number): { code: string; message: string } {
  switch (status) {
    case 502:
      return { code: 'server_error', message: 'Bad Gateway' };
    case 503:
      return { code: 'service_unavailable', message: 'Service Unavailable' };
    case 504:
    case 408:
      return { code: 'request_timeout', message: 'Request Timeout' };
    default:
      return status >= 500
        ? { code: 'server_error', message: 'Server Error' }
        : { code: 'client_error', message: 'Client Error' };
  }
}
