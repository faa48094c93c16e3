import { WorkflowNotFoundError } from '@temporalio/client';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { z } from 'zod';
import { SourceNameTaken } from '../db/repositories/sources';
import type { Logger } from '../logger';
import { SourceCommandRejected } from '../failures';

/**
 * An error the API answers with its own status and ChartMogul's body: `{code, message, param}` naming the
 * parameter at fault (a lookup, a query parameter), and `errors` with a message per field when there are several
 * (ChartMogul's 422 for invalid import input).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: Record<string, string> = {},
    readonly param?: string,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  code: number;
  message: string;
  param?: string;
  errors?: Record<string, string>;
}

/** The error body; `param` defaults to the first field of `errors`, and `errors` is left out when empty. */
export const errorBody = (
  code: number,
  message: string,
  errors: Record<string, string> = {},
  param: string | undefined = Object.keys(errors)[0],
): ErrorBody => ({
  code,
  message,
  ...(param === undefined ? {} : { param }),
  ...(Object.keys(errors).length ? { errors } : {}),
});

/**
 * Parses `value` with `schema`; a mismatch is a 400 naming every field (`where` prefixes the message), or
 * `status` (ChartMogul answers invalid import input with 422).
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query',
  status = 400,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : where;
    if (!(key in errors)) errors[key] = issue.message;
  }
  const detail = Object.entries(errors)
    .map(([k, m]) => `${k}: ${m}`)
    .join('; ');
  throw new ApiError(status, `Invalid request ${where}: ${detail}`, errors);
}

/**
 * Parses a query string strictly: a parameter the schema does not know is a 400 naming it, so an unsupported
 * filter never silently widens a result.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, query: unknown): z.output<S> {
  const known = new Set(Object.keys(schema.shape));
  const unknown = Object.keys((query ?? {}) as object).filter((k) => !known.has(k));
  if (unknown.length) {
    throw new ApiError(
      400,
      `Unsupported query parameter ${unknown.map((k) => `"${k}"`).join(', ')}; supported: ${[...known].join(', ')}`,
      {},
      unknown[0],
    );
  }
  return parseInput(schema, query, 'query');
}

/** What status and body an error becomes; anything unexpected is a 500 with a generic message. */
export function describeError(err: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (err instanceof ApiError)
    return { status: err.status, body: errorBody(err.status, err.message, err.errors, err.param), unexpected: false };
  if (err instanceof SourceNameTaken) {
    return {
      status: 409,
      body: errorBody(409, err.message, { name: 'Has already been taken by another data source' }),
      unexpected: false,
    };
  }
  if (err instanceof SourceCommandRejected) {
    const status = err.status; // HTTP_STATUS in src/failures.ts: every failure type has its own
    return { status, body: errorBody(status, err.message, { [err.type]: err.message }), unexpected: false };
  }
  if (err instanceof WorkflowNotFoundError) {
    const message = "The source's workflow is not running (the source was deleted or is being deleted)";
    return { status: 409, body: errorBody(409, message), unexpected: false };
  }
  // body-parser's own errors: malformed JSON (400), too large (413), unsupported charset (415), …
  const e = err as { type?: string; status?: number; statusCode?: number; expose?: boolean; message?: string };
  const status = e?.status ?? e?.statusCode;
  if (e?.type === 'entity.parse.failed') {
    return {
      status: 400,
      body: errorBody(400, 'Malformed JSON in the request body', { body: 'Malformed JSON' }),
      unexpected: false,
    };
  }
  // PostgreSQL "data exception" (class 22: a NUL byte, a value out of range, …) comes from a value the client
  // sent: a 400, never a 5xx that ChartMogul's clients would retry for minutes.
  const pgCode =
    (err as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ?? e?.['code' as never];
  if (typeof pgCode === 'string' && /^22[0-9A-Z]{3}$/.test(pgCode)) {
    return {
      status: 400,
      body: errorBody(400, 'A value in the request cannot be stored (invalid characters or out of range)', {
        request: 'contains an invalid value',
      }),
      unexpected: false,
    };
  }
  if (typeof status === 'number' && status >= 400 && status < 500 && e.expose !== false) {
    return { status, body: errorBody(status, e.message ?? 'Bad request'), unexpected: false };
  }
  return { status: 500, body: errorBody(500, 'Internal server error'), unexpected: true };
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A minimal HTML page for browser-facing routes (the OAuth callback). */
export function htmlPage(title: string, text: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`
  );
}

const wantsHtml = (req: Request): boolean => req.path.startsWith('/oauth/') && req.accepts(['json', 'html']) === 'html';

/** The last middleware: every error becomes a JSON error body (HTML for a browser on the OAuth callback). */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const { status, body, unexpected } = describeError(err);
    if (unexpected) {
      log.error({ err, method: req.method, path: req.path }, 'request failed');
    }
    if (wantsHtml(req)) {
      res
        .status(status)
        .type('html')
        .send(htmlPage(status >= 500 ? 'Something went wrong' : 'Request failed', body.message));
      return;
    }
    res.status(status).json(body);
  };
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody(404, `No route for ${req.method} ${req.path}`));
};
