import { z } from 'zod';
import { ApiError } from './errors';

/**
 * Request schemas of the API (bodies and query strings). Responses are shaped in views.ts. Every string is
 * bounded and storable (no NUL, no lone surrogate: PostgreSQL refuses them), so bad input is a 400, never a 500.
 */

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A bounded string PostgreSQL can store. */
export const boundedText = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .max(max, `is too long (${max} characters at most)`)
    .refine((v) => !UNSTORABLE.test(v), 'must not contain NUL or invalid characters');

/** Query filters (ids, emails, names): present ones are non-empty and bounded. */
const filter = boundedText(1024).pipe(z.string().min(1));

const systemInput = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['intercom', 'custom'], { error: 'must be "Intercom" or "Custom"' }));

export const createDataSourceBody = z.object({
  name: z.string({ error: 'is required (a string)' }).trim().min(1, 'must not be empty').pipe(boundedText(255)),
  system: boundedText(32).pipe(systemInput).optional(),
});

export const listDataSourcesQuery = z.object({
  name: boundedText(255).optional(),
  system: boundedText(32).optional(),
});

export const tokenBody = z.object({
  access_token: z
    .string({ error: 'is required (a string)' })
    .trim()
    .min(1, 'must not be empty')
    .pipe(boundedText(4096)),
});

export const oauthCallbackQuery = z.object({
  code: z.string().min(1).optional(),
  state: z.string({ error: 'is required' }).min(1, 'is required'),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

export const MAX_PER_PAGE = 200;
export const DEFAULT_PER_PAGE = 50;

const pageQuery = {
  cursor: filter.optional(),
  per_page: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_PER_PAGE, `must be at most ${MAX_PER_PAGE}`)
    .default(DEFAULT_PER_PAGE),
};

export const listCustomersQuery = z.object({
  data_source_uuid: filter.optional(),
  external_id: filter.optional(),
  status: filter.optional(),
  email: filter.optional(),
  ...pageQuery,
});

export const searchCustomersQuery = z.object({
  email: z.string({ error: 'is required' }).min(1, 'is required').pipe(filter),
  ...pageQuery,
});

export const pageOnlyQuery = z.object(pageQuery);

export const listContactsQuery = z.object({
  data_source_uuid: filter.optional(),
  customer_uuid: filter.optional(),
  customer_external_id: filter.optional(),
  email: filter.optional(),
  ...pageQuery,
});

/** Opaque cursors: base64url of the last id of the page. */
export function encodeCursor(lastId: string | null, hasMore: boolean): string | null {
  return hasMore && lastId !== null ? Buffer.from(lastId, 'utf8').toString('base64url') : null;
}

/** The id a cursor continues after; a cursor we did not issue is a 400. */
export function decodeCursor(cursor: string | undefined, prefix: 'cus_' | 'con_'): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!id.startsWith(prefix) || !/^[\w-]+$/.test(id) || Buffer.from(id, 'utf8').toString('base64url') !== cursor) {
    throw new ApiError(400, 'Invalid cursor: use the cursor of a previous answer', { cursor: 'is not a valid cursor' });
  }
  return id;
}
