import { z } from 'zod';
import { toIsoTimestamp } from '../domain/custom-attributes';

/**
 * Request bodies of ChartMogul's customer Import API, merges and the merge automation. Unknown fields are
 * tolerated (stripped), as ChartMogul's clients send more than we keep (state, zip, owner, tags, …).
 */

const NUL = /\u0000/;

const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .max(max, `is too long (${max} characters at most)`)
    .refine((v) => !NUL.test(v), 'must not contain NUL characters');

/** An optional text field; null or "" clears it. */
const optionalText = (max: number) =>
  z
    .union([text(max), z.null()], { error: 'must be a string or null' })
    .optional()
    .transform((v) => (v === '' ? null : v));

const email = z
  .union([text(255), z.null()], { error: 'must be a string or null' })
  .optional()
  .transform((v) => (v === '' ? null : v))
  .refine((v) => v === undefined || v === null || /^[^\s@]+@[^\s@]+$/.test(v), 'is not a valid email address');

const country = z
  .union([z.string({ error: 'must be a string' }), z.null()], { error: 'must be a string or null' })
  .optional()
  .transform((v) => (v === '' ? null : v))
  .refine((v) => v === undefined || v === null || /^[A-Za-z]{2}$/.test(v), 'must be an ISO 3166-1 alpha-2 code')
  .transform((v) => (typeof v === 'string' ? v.toUpperCase() : v));

/** ISO 8601 date or date-time (years 1000–9999), or null to clear. */
const timestamp = z
  .union([z.string({ error: 'must be an ISO 8601 date' }), z.null()], { error: 'must be an ISO 8601 date or null' })
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === null) return v;
    const iso = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v.trim()) ? toIsoTimestamp(v) : null;
    if (iso === null || !/^\d{4}-/.test(iso)) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date' });
      return z.NEVER;
    }
    return iso;
  });

const customerFields = {
  name: optionalText(255),
  email,
  company: optionalText(255),
  website_url: optionalText(2048),
  country,
  city: optionalText(255),
  state: optionalText(255),
  zip: optionalText(64),
  lead_created_at: timestamp,
  free_trial_started_at: timestamp,
};

type Scalar = string | number | boolean | null;

/** ChartMogul's custom attribute types; the value is converted to the type or rejected. */
function typedValue(type: string, value: unknown): Scalar | undefined {
  if (value === null) return null;
  switch (type.toLowerCase()) {
    case 'string':
      return typeof value === 'string' && value.length <= 255 && !NUL.test(value)
        ? value
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : undefined;
    case 'integer': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? +value : NaN;
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'decimal': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? +value : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'timestamp': {
      const iso = typeof value === 'string' || typeof value === 'number' ? toIsoTimestamp(value) : null;
      return iso !== null && /^\d{4}-/.test(iso) ? iso : undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 1 || (typeof value === 'string' && ['true', 't', '1'].includes(value.toLowerCase()))) return true;
      if (value === 0 || (typeof value === 'string' && ['false', 'f', '0'].includes(value.toLowerCase()))) return false;
      return undefined;
    default:
      return undefined;
  }
}

const ATTRIBUTE_TYPES = ['String', 'Integer', 'Decimal', 'Timestamp', 'Boolean'];
const attributeKey = text(255).min(1, 'must not be empty');

/** `attributes.custom` on create: `[{type, key, value, source?}]` → `{key: typed value}`. */
export const customOnCreate = z
  .array(
    z
      .object({
        type: z
          .string({ error: `is required (one of ${ATTRIBUTE_TYPES.join(', ')})` })
          .refine(
            (t) => ATTRIBUTE_TYPES.some((a) => a.toLowerCase() === t.toLowerCase()),
            `must be one of ${ATTRIBUTE_TYPES.join(', ')}`,
          ),
        key: attributeKey,
        value: z.unknown(),
        source: z.string().optional(),
      })
      .transform((a, ctx) => {
        const value = typedValue(a.type, a.value);
        if (value === undefined) {
          ctx.addIssue({ code: 'custom', path: ['value'], message: `is not a valid ${a.type} value` });
          return z.NEVER;
        }
        return { key: a.key, value };
      }),
    { error: 'must be an array of {type, key, value}' },
  )
  .max(1000, 'has too many attributes')
  .transform((list) => Object.fromEntries(list.map((a) => [a.key, a.value])) as Record<string, Scalar>);

/** `attributes.custom` on update: `{key: value}` or `{key: {value, source}}`. */
const updateValue = z.union([text(255), z.number(), z.boolean(), z.null()]);
export const customOnUpdate = z.record(
  attributeKey,
  z.union([updateValue, z.object({ value: updateValue, source: z.string().optional() }).transform((o) => o.value)], {
    error: 'must be a string (255 characters at most), number, boolean, null or {value, source}',
  }),
  { error: 'must be an object of key: value' },
);

/** Tag names: ChartMogul keeps them as given (trimmed); duplicates collapse. */
const tagList = z
  .array(text(255).trim().min(1, 'must not be empty'), { error: 'must be an array of strings' })
  .max(1000, 'has too many tags')
  .transform((tags) => [...new Set(tags)]);

export const createCustomerBody = z.object({
  data_source_uuid: text(64).min(1, 'is required'),
  external_id: text(255).min(1, 'must not be empty'),
  ...customerFields,
  attributes: z
    .object({ custom: customOnCreate.optional(), tags: tagList.optional() }, { error: 'must be an object' })
    .optional()
    .nullable(),
});

/** `POST /v1/customers/{uuid}/attributes/custom` (and by email, with `email`). */
export const addCustomBody = z.object({ custom: customOnCreate });
export const addCustomByEmailBody = z.object({ email: text(255).min(1, 'is required'), custom: customOnCreate });
/** `PUT /v1/customers/{uuid}/attributes/custom`: `{custom: {key: value}}`. */
export const updateCustomBody = z.object({ custom: customOnUpdate });
/** `DELETE /v1/customers/{uuid}/attributes/custom`: `{custom: [key, …]}`. */
export const removeCustomBody = z.object({
  custom: z.array(attributeKey, { error: 'must be an array of attribute keys' }).max(1000, 'has too many keys'),
});
/** `POST|DELETE /v1/customers/{uuid}/attributes/tags` (and by email, with `email`). */
export const tagsBody = z.object({ tags: tagList });
export const tagsByEmailBody = z.object({ email: text(255).min(1, 'is required'), tags: tagList });

export const updateCustomerBody = z.object({
  data_source_uuid: text(64).min(1).optional(),
  ...customerFields,
  attributes: z.object({ custom: customOnUpdate.optional() }, { error: 'must be an object' }).optional().nullable(),
});

const customerRef = z.union(
  [
    z.object({ customer_uuid: text(64).min(1) }),
    z.object({ data_source_uuid: text(64).min(1), external_id: text(255).min(1) }),
  ],
  { error: 'must be {customer_uuid} or {data_source_uuid, external_id}' },
);

export const mergeBody = z.object({ from: customerRef, into: customerRef });

export const unmergeBody = z.object({
  customer_uuid: text(64).min(1, 'is required'),
  data_source_uuid: text(64).min(1, 'is required'),
  external_id: text(255).min(1, 'is required'),
  move_to_new_customer: z.array(z.string(), { error: 'must be an array of strings' }).optional(),
});

export const mergeAutomationBody = z.object({
  enabled: z.boolean({ error: 'is required (a boolean)' }),
  match_on: z.object(
    {
      external_id: z.boolean({ error: 'is required (a boolean)' }),
      domain: z.boolean({ error: 'is required (a boolean)' }),
      company_name: z.boolean({ error: 'is required (a boolean)' }),
    },
    { error: 'is required: {external_id, domain, company_name}' },
  ),
});
