import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/** How long a user has between "Connect" and Intercom's redirect back. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

/** The cookie that binds a state to the browser that started the flow; only the callback ever receives it. */
export const OAUTH_BROWSER_COOKIE = 'ics_oauth_browser';
const CALLBACK_COOKIE_PATH = '/oauth/intercom/callback';

/** The HMAC key for OAuth states, derived from the encryption key so the token key itself never signs anything. */
export function oauthStateKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'intercom-crm-sync/oauth-state/v1', 32));
}

const sign = (key: Buffer, payload: string): Buffer => createHmac('sha256', key).update(payload).digest();
const digest = (value: string): string => createHash('sha256').update(value).digest('base64url');

/**
 * `<base64url payload>.<base64url HMAC-SHA256>`; the payload carries the source id, an expiry, a nonce (each state
 * is accepted once) and, when given, the hash of the starting browser's secret (the state works only there).
 */
export function signOAuthState(key: Buffer, sourceId: string, now: number = Date.now(), browser?: string): string {
  const payload = Buffer.from(
    JSON.stringify({
      s: sourceId,
      e: now + OAUTH_STATE_TTL_MS,
      n: randomBytes(12).toString('base64url'),
      ...(browser === undefined ? {} : { b: digest(browser) }),
    }),
  ).toString('base64url');
  return `${payload}.${sign(key, payload).toString('base64url')}`;
}

export type OAuthStateCheck =
  | { ok: true; sourceId: string; nonce: string; expiresAt: number; browserHash: string | null }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

export function verifyOAuthState(key: Buffer, state: string, now: number = Date.now()): OAuthStateCheck {
  const parts = state.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: 'malformed' };
  const [payload, mac] = parts;
  const given = Buffer.from(mac, 'base64url');
  const expected = sign(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature' };
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const d = data as { s?: unknown; e?: unknown; n?: unknown; b?: unknown };
  if (typeof d?.s !== 'string' || typeof d.e !== 'number' || typeof d.n !== 'string') {
    return { ok: false, reason: 'malformed' };
  }
  if (d.e <= now) return { ok: false, reason: 'expired' };
  return { ok: true, sourceId: d.s, nonce: d.n, expiresAt: d.e, browserHash: typeof d.b === 'string' ? d.b : null };
}

/**
 * A state for a flow this browser starts now: sets the browser's secret cookie (HttpOnly, SameSite=Lax so Intercom's
 * top-level redirect back carries it, sent only to the callback) and returns the state bound to it.
 */
export function startOAuthState(res: Response, key: Buffer, sourceId: string, publicUrl: string): string {
  const browser = randomBytes(18).toString('base64url');
  res.cookie(OAUTH_BROWSER_COOKIE, browser, {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicUrl.startsWith('https:'),
    path: CALLBACK_COOKIE_PATH,
    maxAge: OAUTH_STATE_TTL_MS,
  });
  return signOAuthState(key, sourceId, Date.now(), browser);
}

/** Whether the request comes from the browser the state was issued to. */
export function sameBrowser(req: Request, browserHash: string | null): boolean {
  if (!browserHash) return false;
  const cookie = readCookie(req, OAUTH_BROWSER_COOKIE);
  if (!cookie) return false;
  const a = Buffer.from(digest(cookie));
  const b = Buffer.from(browserHash);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function clearOAuthBrowser(res: Response): void {
  res.clearCookie(OAUTH_BROWSER_COOKIE, { path: CALLBACK_COOKIE_PATH });
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
