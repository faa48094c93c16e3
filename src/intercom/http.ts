import { IntercomAuthError, IntercomHttpError } from './errors';
import { abortableSleep, type Sleep, type WorkspaceRateLimiter } from './rate-limiter';

export const INTERCOM_VERSION = '2.14';

/**
 * The longest a single Intercom call may take before it is abandoned and retried. Intercom can be slow (tens of
 * seconds for a heavy search), and a call cut short is asked again from the same cursor, so this is generous.
 * It stays below the import activities' heartbeat timeout (src/workflows/activity-options.ts), and every wait
 * below heartbeats anyway, so a slow Intercom is never mistaken for a dead worker.
 */
export const INTERCOM_CALL_TIMEOUT_MS = 60_000;

/** How often a waiting call heartbeats; Temporal forwards at most one heartbeat per throttle interval anyway. */
const KEEP_ALIVE_EVERY_MS = 1_000;

export const REGION_HOSTS: Record<string, string> = {
  US: 'https://api.intercom.io',
  EU: 'https://api.eu.intercom.io',
  AU: 'https://api.au.intercom.io',
};

export function intercomBaseUrl(region: string | null | undefined, override?: string): string {
  return override ?? REGION_HOSTS[(region ?? 'US').toUpperCase()] ?? REGION_HOSTS.US;
}

export interface IntercomHttpOptions {
  baseUrl: string;
  token: string;
  limiter: WorkspaceRateLimiter;
  /** Retries of 429, 408, 5xx and network errors inside one call, before the error goes up to Temporal's retry. */
  maxRetries?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called every second while the client waits (the limiter, a 429 window, a backoff, a slow answer). */
  keepAlive?: () => void;
  sleep?: Sleep;
  onResponse?: (status: number, path: string) => void;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** The scroll API must not be retried with the same param after a 5xx: the caller restarts the scroll. */
  retryServerErrors?: boolean;
}

/**
 * A small Intercom REST client for the import's hot path. It is rate-limit aware (shared per workspace),
 * retries 429 at the window reset and 5xx with backoff, and keeps the token out of every error.
 */
export class IntercomHttp {
  constructor(private readonly opts: IntercomHttpOptions) {}

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { limiter, signal } = this.opts;
    const timeoutMs = this.opts.timeoutMs ?? INTERCOM_CALL_TIMEOUT_MS;
    const wait = <T>(work: Promise<T>) => keepingAlive(this.opts.keepAlive, work);
    const sleep: Sleep = (ms, s) => wait((this.opts.sleep ?? abortableSleep)(ms, s));
    const maxRetries = this.opts.maxRetries ?? 6;
    const url = new URL(this.opts.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));

    for (let attempt = 0; ; attempt++) {
      await wait(limiter.acquire(signal));
      let response: Response;
      let text: string;
      try {
        // The body is part of the call: a slow answer may stall after its headers.
        [response, text] = await wait(
          fetch(url, {
            method,
            headers: {
              Authorization: `Bearer ${this.opts.token}`,
              Accept: 'application/json',
              'Content-Type': 'application/json',
              'Intercom-Version': INTERCOM_VERSION,
            },
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
            signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
          }).then(async (r) => [r, r.status === 429 ? '' : await r.text()] as const),
        );
      } catch (err) {
        limiter.release();
        if (signal?.aborted) throw err;
        if (attempt >= maxRetries) throw new IntercomHttpError(599, 'network_error', (err as Error).message, path);
        await sleep(backoffMs(attempt), signal);
        continue;
      }
      this.opts.onResponse?.(response.status, path);

      if (response.status === 429) {
        const retryAfter = Number(response.headers.get('retry-after')) || undefined;
        const waitMs = limiter.exhausted(response.headers, retryAfter);
        limiter.release();
        await response.body?.cancel().catch(() => undefined);
        if (attempt >= maxRetries) throw new IntercomHttpError(429, 'rate_limit_exceeded', 'rate limit exceeded', path);
        await sleep(waitMs, signal);
        continue;
      }
      limiter.release(response.headers);

      const json = parseJson(text);
      if (response.ok) {
        if (json === undefined) {
          // Intercom occasionally answers 200 with an empty or non-JSON body; treat it like a transient fault.
          if (attempt >= maxRetries) throw new IntercomHttpError(502, 'invalid_body', 'response was not JSON', path);
          await sleep(backoffMs(attempt), signal);
          continue;
        }
        return json as T;
      }

      const first = (json as { errors?: Array<{ code?: string; message?: string }> } | undefined)?.errors?.[0];
      const code = first?.code ?? (json as { code?: string } | undefined)?.code;
      const message = first?.message ?? (json as { message?: string } | undefined)?.message ?? response.statusText;
      if (response.status === 401 || (response.status === 403 && code?.startsWith('token_'))) {
        throw new IntercomAuthError(response.status, code, message, path);
      }
      const error = new IntercomHttpError(response.status, code, message, path);
      const retry = response.status === 408 || (response.status >= 500 && options.retryServerErrors !== false);
      if (!retry || attempt >= maxRetries) throw error;
      await sleep(backoffMs(attempt), signal);
    }
  }
}

/** Awaits `work`, calling keepAlive now and every second until it settles. */
async function keepingAlive<T>(keepAlive: (() => void) | undefined, work: Promise<T>): Promise<T> {
  if (!keepAlive) return work;
  keepAlive();
  const timer = setInterval(keepAlive, KEEP_ALIVE_EVERY_MS);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** 0.5 s, 1 s, 2 s … capped at 15 s, with ±20 % jitter so parallel partitions don't retry in lockstep. */
export function backoffMs(attempt: number): number {
  const base = Math.min(15_000, 500 * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
