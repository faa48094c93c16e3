import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type NextFunction, type Request, type Response } from 'express';
import { TokenRegistry } from './auth';
import { HttpError, errorList } from './errors';
import { Faults, faultCode } from './faults';
import { oauthPages, tokenExchange } from './oauth';
import { RateLimiter, type RateLimitState } from './rate-limit';
import { companiesRouter } from './routes/companies';
import { contactsRouter } from './routes/contacts';
import type { ApiContext } from './routes/context';
import { tagsRouter } from './routes/tags';
import { workspaceRouter } from './routes/workspace';

export const DEFAULT_VERSION = '2.14';

export interface ServerDeps {
  api: ApiContext;
  tokens: TokenRegistry;
  faults: Faults;
  limiter: RateLimiter;
  latencyMs: number;
  clientId: string;
  clientSecret: string;
  /** OAuth redirect URLs registered for the app. */
  redirectUris: string[];
  quiet: boolean;
  /** Requests served, by path; requestCount() sums by prefix. */
  counts: Map<string, number>;
}

function setRateHeaders(res: Response, s: RateLimitState): void {
  res.setHeader('X-RateLimit-Limit', String(s.limit));
  res.setHeader('X-RateLimit-Remaining', String(s.remaining));
  res.setHeader('X-RateLimit-Reset', String(s.reset));
}

function sendError(res: Response, status: number, code: string, message?: string, field?: string): void {
  res.status(status).json(errorList(code, message, field));
}

/**
 * Middleware order mirrors what a client can observe: counting, latency, injected faults, the rate limiter (so
 * even 401s and 404s carry X-RateLimit-*), auth, then routes and a JSON 404 for anything unknown.
 */
export function createApp(deps: ServerDeps): express.Express {
  const { api, faults, limiter } = deps;
  const codes = new Map<string, { issuedAtMs: number }>();
  const oauthOpts = {
    clientId: deps.clientId,
    clientSecret: deps.clientSecret,
    redirectUris: deps.redirectUris,
    appName: api.appName,
    tokens: deps.tokens,
    now: api.now,
  };
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, _res, next) => {
    deps.counts.set(req.path, (deps.counts.get(req.path) ?? 0) + 1);
    next();
  });

  // The consent page is a browser page on app.intercom.com in reality: no API rate limit or faults.
  app.use(oauthPages(oauthOpts, codes));

  app.use(async (_req, _res, next) => {
    const delay = deps.latencyMs + faults.slowMs;
    if (delay > 0) await sleep(delay);
    next();
  });

  app.use((req, res, next) => {
    if (faults.nonJsonCount > 0) {
      faults.nonJsonCount--;
      res.status(200).type('html').send("<html><body><h1>We'll be right back</h1></body></html>");
      return;
    }
    if (faults.failCount > 0) {
      faults.failCount--;
      setRateHeaders(res, limiter.peek());
      const { code, message } = faultCode(faults.failStatus);
      sendError(res, faults.failStatus, code, message);
      return;
    }
    const state = faults.burstCount > 0 ? { ...limiter.peek(), remaining: 0, allowed: false } : limiter.take();
    if (faults.burstCount > 0) faults.burstCount--;
    setRateHeaders(res, state);
    if (!state.allowed) {
      if (faults.retryAfter) res.setHeader('Retry-After', String(limiter.secondsToReset()));
      sendError(res, 429, 'rate_limit_exceeded', `Exceeded rate limit of ${state.limit} in 10_seconds`);
      return;
    }
    res.locals.intercomVersion = req.get('Intercom-Version') ?? DEFAULT_VERSION;
    next();
  });

  app.use(express.json({ limit: '5mb' }));
  app.use(tokenExchange(oauthOpts, codes));

  app.use((req, res, next) => {
    const header = req.get('Authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match || !deps.tokens.isValid(match[1])) {
      // Intercom's 401s carry no rate-limit headers (the request is not attributed to an app).
      for (const h of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) res.removeHeader(h);
      sendError(res, 401, 'unauthorized', 'Access Token Invalid');
      return;
    }
    next();
  });

  // The API speaks JSON only: a request without an Accept header (or one that excludes JSON) gets 406.
  app.use((req, res, next) => {
    const accept = req.get('Accept');
    if (!accept || !req.accepts('application/json')) {
      sendError(res, 406, 'not_acceptable', 'Accept header must allow application/json');
      return;
    }
    next();
  });

  app.use(workspaceRouter(api));
  app.use(companiesRouter(api));
  app.use(contactsRouter(api));
  app.use(tagsRouter(api));

  // Intercom answers 404 for unknown paths and for unsupported methods alike.
  app.use((_req, res) => sendError(res, 404, 'not_found', 'Resource Not Found'));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError) {
      sendError(res, err.status, err.code, err.message, err.field);
      return;
    }
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.parse.failed') {
      sendError(res, 400, 'parameter_invalid', 'Request body is not valid JSON');
      return;
    }
    if (!deps.quiet) console.error('[fake-intercom] unhandled error', err);
    sendError(res, 500, 'server_error', 'Server Error');
  });
  return app;
}

export function listen(app: express.Express, port: number): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1');
    server.once('error', reject);
    server.once('listening', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}
