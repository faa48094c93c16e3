/** Intercom's OAuth code exchange. Errors never carry the client secret or the authorization code. */

export const DEFAULT_INTERCOM_API_BASE = 'https://api.intercom.io';
export const DEFAULT_INTERCOM_OAUTH_URL = 'https://app.intercom.com/oauth';

export class OAuthExchangeError extends Error {
  override name = 'OAuthExchangeError';
  constructor(
    /** Intercom's HTTP status, or null when Intercom could not be reached or answered nonsense. */
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
  /** Intercom refused the code (expired, used, wrong app): the user has to connect again. */
  get rejected(): boolean {
    return this.status !== null && this.status >= 400 && this.status < 500;
  }
}

export interface ExchangeOAuthCodeOptions {
  apiBase: string;
  code: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out.slice(0, 300);
}

/** POST `${apiBase}/auth/eagle/token` and return the access token (`token` or `access_token` in the answer). */
export async function exchangeOAuthCode(opts: ExchangeOAuthCodeOptions): Promise<string> {
  const doFetch = opts.fetch ?? fetch;
  const secrets = [opts.code, opts.clientSecret];
  const url = `${opts.apiBase.replace(/\/$/, '')}/auth/eagle/token`;
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ code: opts.code, client_id: opts.clientId, client_secret: opts.clientSecret }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new OAuthExchangeError(null, `Could not reach Intercom at ${url}: ${scrub(reason, secrets)}`);
  }
  const text = await res.text().catch(() => '');
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const errors = body?.errors;
    const first = Array.isArray(errors) ? (errors[0] as { message?: unknown; code?: unknown } | undefined) : undefined;
    const detail =
      (typeof first?.message === 'string' && first.message) ||
      (typeof body?.message === 'string' && body.message) ||
      (typeof body?.error_description === 'string' && body.error_description) ||
      (typeof body?.error === 'string' && body.error) ||
      res.statusText;
    throw new OAuthExchangeError(
      res.status,
      `Intercom refused the authorization code (${res.status}): ${scrub(detail, secrets)}`,
    );
  }
  const token = body?.token ?? body?.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new OAuthExchangeError(null, 'Intercom answered the code exchange without a token');
  }
  return token;
}
