import type { Request } from 'express';
import { importSelectionSchema, type ImportSelection } from '../../domain/source';
import { ApiError } from '../errors';
import { DEFAULT_PER_PAGE as PAGE_SIZE, MAX_PER_PAGE as MAX_PAGE_SIZE } from '../list-queries';

/** Reading what a page request carries: form fields, query parameters, the "choose the data" selection. */

/** A urlencoded form body (`express.urlencoded`, not extended: values are strings or arrays of strings). */
export type Body = Record<string, unknown>;

/** The first value of a form field (repeated fields arrive as arrays). */
export const field = (body: Body, name: string): string | undefined => {
  const v = body[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : undefined;
};

export const fields = (body: Body, name: string): string[] => {
  const v = body[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
};

/** A query parameter, trimmed; blank counts as absent. */
export const queryString = (req: Request, name: string): string | undefined => {
  const v = req.query[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

/** A data table's query string: `q` (search), `after` (keyset cursor), `per_page` (1 to 200, default 50). */
export function tableQuery(req: Request) {
  const perPage = queryString(req, 'per_page');
  const n = perPage && /^\d{1,3}$/.test(perPage) ? Number(perPage) : PAGE_SIZE;
  const limit = Math.min(Math.max(n, 1), MAX_PAGE_SIZE);
  return {
    q: queryString(req, 'q'),
    after: queryString(req, 'after'),
    // Links carry per_page only when it is not the default, so default addresses stay short.
    perPage: limit === PAGE_SIZE ? undefined : String(limit),
    limit,
  };
}

/** The selection a "choose the data" form posted. */
export function formSelection(body: Body): ImportSelection {
  const parsed = importSelectionSchema.safeParse({
    companies: field(body, 'companies') === 'on',
    contacts: field(body, 'contacts') === 'on',
    custom_attributes: { company: fields(body, 'company_attributes'), contact: fields(body, 'contact_attributes') },
  });
  if (!parsed.success) throw new ApiError(400, 'The selection is not valid');
  return parsed.data;
}
