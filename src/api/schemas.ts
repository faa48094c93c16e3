import { z } from 'zod';

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
