import { z } from 'zod';
import type { Page, PageRequest } from '../db/repositories/customers';
import { ApiError } from './errors';
import { boundedText, queryFilter } from './schemas';

/**
 * Query strings of ChartMogul's list endpoints and their paging: keyset cursors (`cursor`, `per_page`), and the
 * deprecated `page` that older clients still send (offset paging, answered with `current_page` and `total_pages`).
 */

export const MAX_PER_PAGE = 200;
export const DEFAULT_PER_PAGE = 50;

const pageQuery = {
  cursor: queryFilter.optional(),
  per_page: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_PER_PAGE, `must be at most ${MAX_PER_PAGE}`)
    .default(DEFAULT_PER_PAGE),
  page: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .optional(),
};

const filter = queryFilter.optional();

export const listCustomersQuery = z.object({
  data_source_uuid: filter,
  external_id: filter,
  status: filter,
  system: filter,
  email: filter,
  ...pageQuery,
});

export const searchCustomersQuery = z.object({
  email: z.string({ error: 'is required' }).min(1, 'is required').pipe(queryFilter),
  ...pageQuery,
});

export const pageOnlyQuery = z.object(pageQuery);

export const listContactsQuery = z.object({
  data_source_uuid: filter,
  customer_uuid: filter,
  customer_external_id: filter,
  email: filter,
  ...pageQuery,
});

export const listDataSourcesQuery = z.object({
  name: boundedText(255).optional(),
  system: boundedText(32).optional(),
});

export type CursorPrefix = 'cus_' | 'con_';

/** Opaque cursors: base64url of the id to continue after. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** The id a cursor continues after; a cursor we did not issue is a 400. */
export function decodeCursor(cursor: string | undefined, prefix: CursorPrefix): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!id.startsWith(prefix) || !/^[\w-]+$/.test(id) || encodeCursor(id) !== cursor) {
    throw new ApiError(400, 'Invalid cursor: use the cursor of a previous answer', {}, 'cursor');
  }
  return id;
}

type PageQuery = { cursor?: string; per_page: number; page?: number };

/** A list request: the repository's page request, and the legacy page number when `page` was given. */
export interface ListRequest extends PageRequest {
  prefix: CursorPrefix;
  legacyPage?: number;
}

export function listRequest(q: PageQuery, prefix: CursorPrefix): ListRequest {
  if (q.page !== undefined && q.cursor !== undefined) {
    throw new ApiError(400, 'Use either cursor or page (deprecated), not both', {}, 'page');
  }
  const after = decodeCursor(q.cursor, prefix);
  if (q.page === undefined) return { prefix, after, limit: q.per_page };
  return { prefix, limit: q.per_page, offset: (q.page - 1) * q.per_page, legacyPage: q.page };
}

/**
 * ChartMogul's list shape: `entries`, `has_more` and a `cursor` string on every page, the last one included (it
 * continues after the last entry, so new rows show up there later). With `page`, also `current_page`,
 * `total_pages`, `page` and `per_page` as ChartMogul answered before cursors.
 */
export async function listAnswer<T extends { id: string }, V>(
  req: ListRequest,
  page: Page<T>,
  view: (row: T) => V,
  count: () => Promise<number>,
) {
  const at = page.lastId ?? req.after ?? req.prefix;
  const answer = { entries: page.rows.map(view), cursor: encodeCursor(at), has_more: page.hasMore };
  if (req.legacyPage === undefined) return answer;
  const total = await count();
  return {
    ...answer,
    page: req.legacyPage,
    per_page: req.limit,
    current_page: req.legacyPage,
    total_pages: Math.ceil(total / req.limit),
  };
}
