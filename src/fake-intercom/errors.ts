import { randomUUID } from 'node:crypto';

/** One entry of Intercom's `error.list`; `code` is the only required key (OA `error` schema). */
export interface IntercomErrorItem {
  code: string;
  message?: string;
  field?: string;
}

export interface IntercomErrorList {
  type: 'error.list';
  request_id: string;
  errors: IntercomErrorItem[];
}

/**
 * Thrown by route handlers and turned into an `error.list` response by the server's error middleware, so handlers
 * can bail out from any depth (search parsing, store mutations) without threading `res` around.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function errorList(code: string, message?: string, field?: string): IntercomErrorList {
  const item: IntercomErrorItem = { code };
  if (message !== undefined) item.message = message;
  if (field !== undefined) item.field = field;
  return { type: 'error.list', request_id: randomUUID(), errors: [item] };
}

export const badRequest = (message: string, field?: string): HttpError =>
  new HttpError(400, 'bad_request', message, field);

export const parameterInvalid = (message: string, field?: string): HttpError =>
  new HttpError(400, 'parameter_invalid', message, field);

export const userNotFound = (): HttpError => new HttpError(404, 'not_found', 'User Not Found');

export const companyNotFound = (): HttpError => new HttpError(404, 'company_not_found', 'Company Not Found');
