import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { AUTH_REALM, isValidKey, presentedKey } from '../auth';
import { html, layout, STYLE_HASH } from './html';

/** The API key the request was authenticated with (set by requireAppKey). */
export const requestKey = (res: Response): string => res.locals.apiKey as string;

/**
 * `/app` behind the API key, as HTTP Basic (the key as username): the browser's own prompt signs in and it sends
 * the credentials with every request to this origin. A missing or wrong key gets 401 with a Basic challenge.
 */
export function requireAppKey(keys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const key = presentedKey(req.get('authorization'));
    if (key !== null && keys.length > 0 && isValidKey(key, keys)) {
      res.locals.apiKey = key;
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${AUTH_REALM}", charset="UTF-8"`)
      .type('html')
      .send(
        layout(
          { title: 'Sign in' },
          html`<h1>Sign in</h1>
            <p>Sign in with one of the service's API keys as the user name (the password may stay empty).</p>`,
        ).value,
      );
  };
}

/** Headers for every page: a strict CSP (the one inline stylesheet by hash, no scripts), no caching, no framing. */
export function pageHeaders(formTargets: readonly string[]): RequestHandler {
  const csp = [
    `default-src 'none'`,
    `style-src '${STYLE_HASH}'`,
    `img-src 'self'`,
    // The OAuth connect form redirects to Intercom; browsers check form-action on that redirect too.
    `form-action 'self' ${formTargets.join(' ')}`.trim(),
    `frame-ancestors 'none'`,
    `base-uri 'none'`,
  ].join('; ');
  return (_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'same-origin',
    });
    next();
  };
}

/**
 * CSRF protection that fits Basic auth (no session, no cookie): every form carries an HMAC of the form's action
 * path keyed by the API key the page was served with. Another site can make the browser send the credentials but
 * cannot compute the token. Checked on every POST, along with Sec-Fetch-Site when the browser sends it.
 */
export function csrfToken(apiKey: string, action: string): string {
  return createHmac('sha256', apiKey).update(`app-csrf/v1:${action}`).digest('base64url');
}

export const CSRF_FIELD = '_csrf';

export function requestPath(req: Request): string {
  return req.originalUrl.split('?')[0];
}

export function checkCsrf(req: Request, res: Response): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const given = body[CSRF_FIELD];
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(csrfToken(requestKey(res), requestPath(req)));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
