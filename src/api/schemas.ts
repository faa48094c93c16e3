import { z } from 'zod';

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
export const queryFilter = boundedText(1024).pipe(z.string().min(1, 'must not be empty'));

const systemInput = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.enum(['intercom', 'custom'], { error: 'must be "Intercom" or "Custom"' }));

export const createDataSourceBody = z.object({
  name: z.string({ error: 'is required (a string)' }).trim().min(1, 'must not be empty').pipe(boundedText(255)),
  system: boundedText(32).pipe(systemInput).optional(),
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
