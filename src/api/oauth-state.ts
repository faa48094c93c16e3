import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a user has between "Connect" and Intercom's redirect back. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

/** The HMAC key for OAuth states, derived from the encryption key so the token key itself never signs anything. */
export function oauthStateKey(encryptionKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'intercom-crm-sync/oauth-state/v1', 32));
}

const sign = (key: Buffer, payload: string): Buffer => createHmac('sha256', key).update(payload).digest();

/** `<base64url payload>.<base64url HMAC-SHA256>`; the payload carries the source id, an expiry and a nonce. */
export function signOAuthState(key: Buffer, sourceId: string, now: number = Date.now()): string {
  const payload = Buffer.from(
    JSON.stringify({ s: sourceId, e: now + OAUTH_STATE_TTL_MS, n: randomBytes(9).toString('base64url') }),
  ).toString('base64url');
  return `${payload}.${sign(key, payload).toString('base64url')}`;
}

export type OAuthStateCheck =
  { ok: true; sourceId: string } | { ok: false; reason: 'malformed' | 'signature' | 'expired' };

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
  const d = data as { s?: unknown; e?: unknown };
  if (typeof d?.s !== 'string' || typeof d.e !== 'number') return { ok: false, reason: 'malformed' };
  if (d.e <= now) return { ok: false, reason: 'expired' };
  return { ok: true, sourceId: d.s };
}
