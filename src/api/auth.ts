import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { errorBody } from './errors';

export const AUTH_REALM = 'intercom-crm-sync';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** The API key a request presents: HTTP Basic (key as username, password empty or the key again) or Bearer. */
export function presentedKey(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(\S+)\s+(.+)$/.exec(header.trim());
  if (!m) return null;
  const scheme = m[1].toLowerCase();
  if (scheme === 'bearer') return m[2].trim() || null;
  if (scheme !== 'basic') return null;
  const decoded = Buffer.from(m[2].trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  if (!user || (password !== '' && password !== user)) return null;
  return user;
}

/** Whether `candidate` is one of `keys`, comparing digests in constant time and always checking every key. */
export function isValidKey(candidate: string, keys: readonly string[]): boolean {
  const c = digest(candidate);
  let ok = false;
  for (const key of keys) {
    if (timingSafeEqual(c, digest(key))) ok = true;
  }
  return ok;
}

/** Requires one of `keys` on every request it guards; answers 401 with a Basic challenge otherwise. */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const key = presentedKey(req.get('authorization'));
    if (key !== null && keys.length > 0 && isValidKey(key, keys)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${AUTH_REALM}"`)
      .json(
        errorBody(401, 'No valid API key provided', {
          authorization:
            'Send an API key as the HTTP Basic username (empty password) or as "Authorization: Bearer <key>"',
        }),
      );
  };
}
