import { z } from 'zod';
import { ApiError } from './errors';

/** Request schemas of the API (bodies and query strings). Responses are shaped in views.ts. */

const systemInput = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['intercom', 'custom'], { error: 'must be "Intercom" or "Custom"' }));

export const createDataSourceBody = z.object({
  name: z
    .string({ error: 'is required (a string)' })
    .trim()
    .min(1, 'must not be empty')
    .max(255, 'is too long (255 characters at most)'),
  system: systemInput.optional(),
});

export const listDataSourcesQuery = z.object({
  name: z.string().optional(),
  system: z.string().optional(),
});

export const tokenBody = z.object({
  access_token: z
    .string({ error: 'is required (a string)' })
    .trim()
    .min(1, 'must not be empty')
    .max(4096, 'is too long'),
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
  cursor: z.string().min(1).optional(),
  per_page: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_PER_PAGE, `must be at most ${MAX_PER_PAGE}`)
    .default(DEFAULT_PER_PAGE),
};

export const listCustomersQuery = z.object({
  data_source_uuid: z.string().min(1).optional(),
  external_id: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  ...pageQuery,
});

export const searchCustomersQuery = z.object({
  email: z.string({ error: 'is required' }).min(1, 'is required'),
  ...pageQuery,
});

export const pageOnlyQuery = z.object(pageQuery);

export const listContactsQuery = z.object({
  data_source_uuid: z.string().min(1).optional(),
  customer_uuid: z.string().min(1).optional(),
  customer_external_id: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
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
