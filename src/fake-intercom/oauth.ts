import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import type { TokenRegistry } from './auth';
import { HttpError } from './errors';

/** Authorization codes are short-lived in Intercom ("about 5 minutes") and single-use. */
export const CODE_TTL_MS = 5 * 60_000;

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Redirect URLs registered for the app in the Developer Hub; any other is refused. */
  redirectUris: string[];
  appName: string;
  tokens: TokenRegistry;
  now: () => number;
}

interface IssuedCode {
  issuedAtMs: number;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`,
    );
}

/** The consent page and the code flow (what app.intercom.com/oauth does), without any real user session. */
export function oauthPages(opts: OAuthOptions, codes: Map<string, IssuedCode>): Router {
  const router = Router();
  router.use('/oauth', express.urlencoded({ extended: false }));

  const check = (clientId: unknown, redirectUri: unknown, res: Response): redirectUri is string => {
    if (clientId !== opts.clientId) {
      page(res, 400, 'Invalid request', '<h1>Invalid request</h1><p>Unknown client_id.</p>');
      return false;
    }
    if (typeof redirectUri !== 'string' || !/^https?:\/\//.test(redirectUri)) {
      page(res, 400, 'Invalid request', '<h1>Invalid request</h1><p>A valid redirect_uri is required.</p>');
      return false;
    }
    if (!opts.redirectUris.includes(redirectUri)) {
      page(
        res,
        400,
        'Invalid request',
        '<h1>Invalid request</h1><p>The redirect_uri is not one of the redirect URLs registered for this app.</p>',
      );
      return false;
    }
    return true;
  };

  router.get('/oauth', (req: Request, res: Response) => {
    const { client_id: clientId, state, redirect_uri: redirectUri } = req.query;
    if (!check(clientId, redirectUri, res)) return;
    const hidden = (name: string, value: unknown): string =>
      `<input type="hidden" name="${name}" value="${escapeHtml(typeof value === 'string' ? value : '')}">`;
    page(
      res,
      200,
      'Authorize access',
      `<h1>${escapeHtml(opts.appName)} wants to access your Intercom workspace</h1>` +
        `<form method="post" action="/oauth/authorize">${hidden('client_id', clientId)}${hidden('state', state)}` +
        `${hidden('redirect_uri', redirectUri)}<button type="submit">Authorize access</button></form>`,
    );
  });

  router.post('/oauth/authorize', (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!check(body.client_id, body.redirect_uri, res)) return;
    const code = randomBytes(16).toString('hex');
    codes.set(code, { issuedAtMs: opts.now() });
    const target = new URL(body.redirect_uri as string);
    target.searchParams.set('code', code);
    if (typeof body.state === 'string') target.searchParams.set('state', body.state);
    res.redirect(302, target.toString());
  });
  return router;
}

/** POST /auth/eagle/token: JSON or form body with code, client_id, client_secret. */
export function tokenExchange(opts: OAuthOptions, codes: Map<string, IssuedCode>): Router {
  const router = Router();
  router.post('/auth/eagle/token', express.urlencoded({ extended: false }), (req: Request, res: Response) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.client_id !== opts.clientId || body.client_secret !== opts.clientSecret) {
      throw new HttpError(401, 'unauthorized', 'Client credentials are invalid');
    }
    if (typeof body.code !== 'string' || body.code === '') {
      throw new HttpError(400, 'parameter_not_found', 'code not specified', 'code');
    }
    const issued = codes.get(body.code);
    // Single use: any exchange attempt consumes the code, successful or not.
    codes.delete(body.code);
    if (!issued || opts.now() - issued.issuedAtMs > CODE_TTL_MS) {
      throw new HttpError(400, 'parameter_invalid', 'Authorization code is invalid, expired or already used', 'code');
    }
    const token = opts.tokens.issue();
    res.json({ token, access_token: token, token_type: 'Bearer' });
  });
  return router;
}
