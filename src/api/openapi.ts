import { SOURCE_STATUSES } from '../domain/source';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE } from './list-queries';

/** The OpenAPI 3.1 description of the API, served at `/openapi.json`. Hand-written; keep it next to the routes. */

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string, extra: Json = {}): Json => ({ type: [type, 'null'], ...extra });
const json = (schema: Json, description: string): Json => ({
  description,
  content: { 'application/json': { schema } },
});
const error = (description: string): Json => json(ref('Error'), description);
const idParam: Json = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^ds_[a-z0-9]{26}$' },
};
const uuidParam: Json = { name: 'uuid', in: 'path', required: true, schema: { type: 'string' } };
const query = (name: string, description: string, schema: Json = { type: 'string' }, required = false): Json => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});
const paging: Json[] = [
  query('cursor', 'The `cursor` of the previous page'),
  query('per_page', 'Entries per page', {
    type: 'integer',
    minimum: 1,
    maximum: MAX_PER_PAGE,
    default: DEFAULT_PER_PAGE,
  }),
  query('page', 'Deprecated page number (offset paging, as older clients send it); not with `cursor`', {
    type: 'integer',
    minimum: 1,
  }),
];
const list = (item: string): Json => ({
  type: 'object',
  required: ['entries', 'cursor', 'has_more'],
  additionalProperties: false,
  properties: {
    entries: { type: 'array', items: ref(item) },
    cursor: { type: 'string', description: 'Continues after the last entry; present on the last page too' },
    has_more: { type: 'boolean' },
    page: { type: 'integer', description: 'With `page` only' },
    per_page: { type: 'integer', description: 'With `page` only' },
    current_page: { type: 'integer', description: 'With `page` only' },
    total_pages: { type: 'integer', description: 'With `page` only' },
  },
});
const unknownParameter = 'An unsupported query parameter (named in `param`), a bad value or cursor';
const tagsAnswer: Json = {
  type: 'object',
  required: ['tags'],
  additionalProperties: false,
  properties: { tags: { type: 'array', items: { type: 'string' } } },
};
const customAnswer: Json = {
  type: 'object',
  required: ['custom'],
  additionalProperties: false,
  properties: { custom: { type: 'object' } },
};
const entriesAnswer: Json = {
  type: 'object',
  required: ['entries'],
  additionalProperties: false,
  properties: { entries: { type: 'array', items: ref('Customer') } },
};
const unauthorized = { '401': error('No valid API key') };
const body = (schema: Json): Json => ({ required: true, content: { 'application/json': { schema } } });
const customerRef: Json = {
  oneOf: [
    { type: 'object', required: ['customer_uuid'], properties: { customer_uuid: { type: 'string' } } },
    {
      type: 'object',
      required: ['data_source_uuid', 'external_id'],
      properties: { data_source_uuid: { type: 'string' }, external_id: { type: 'string' } },
    },
  ],
};
const customAttributeList: Json = {
  type: 'array',
  items: {
    type: 'object',
    required: ['type', 'key', 'value'],
    properties: {
      type: { enum: ['String', 'Integer', 'Decimal', 'Timestamp', 'Boolean'] },
      key: { type: 'string' },
      value: {},
      source: { type: 'string' },
    },
  },
};
const customerInput = (required: string[], custom: Json): Json => ({
  type: 'object',
  required,
  properties: {
    data_source_uuid: { type: 'string' },
    external_id: { type: 'string' },
    name: nullable('string'),
    email: nullable('string'),
    company: nullable('string'),
    website_url: nullable('string'),
    country: nullable('string', { description: 'ISO 3166-1 alpha-2' }),
    city: nullable('string'),
    state: nullable('string'),
    zip: nullable('string'),
    lead_created_at: nullable('string', { format: 'date-time' }),
    free_trial_started_at: nullable('string', { format: 'date-time' }),
    attributes: { type: 'object', properties: { custom, tags: { type: 'array', items: { type: 'string' } } } },
  },
});
const mergeAutomation: Json = {
  type: 'object',
  required: ['enabled', 'match_on'],
  properties: {
    enabled: { type: 'boolean' },
    match_on: {
      type: 'object',
      required: ['external_id', 'domain', 'company_name'],
      properties: {
        external_id: { type: 'boolean' },
        domain: { type: 'boolean', description: 'Website host; free-mail domains ignored; case-sensitive' },
        company_name: { type: 'boolean', description: 'Exact and case-sensitive' },
      },
    },
  },
};
const customerErrors = { ...unauthorized, '404': error('Unknown customer'), '422': error('Invalid input, per field') };
const customResponses = { '200': json(customAnswer, 'All custom attributes of the customer'), ...customerErrors };
const tagResponses = { '200': json(tagsAnswer, 'All tags of the customer'), ...customerErrors };
const byEmailResponses = {
  '200': json(entriesAnswer, 'The customers with that email'),
  ...unauthorized,
  '404': error('No customer has this email'),
  '422': error('Invalid input, per field'),
};
const tagsBody: Json = {
  type: 'object',
  required: ['tags'],
  properties: { tags: { type: 'array', items: { type: 'string' } } },
};
const sourceErrors = {
  ...unauthorized,
  '404': error('Unknown data source'),
  '409': error('Deleted or not an Intercom source'),
};

/** ChartMogul's customer object, every key always present (hyphenated ones included). */
const customerProperties: Json = {
  id: { type: 'integer' },
  uuid: { type: 'string', pattern: '^cus_' },
  external_id: { type: 'string' },
  external_ids: { type: 'array', items: { type: 'string' } },
  data_source_uuid: { type: 'string' },
  data_source_uuids: { type: 'array', items: { type: 'string' } },
  name: { type: 'string' },
  email: { type: 'string' },
  company: { type: 'string' },
  status: { type: 'string' },
  'customer-since': nullable('string', { format: 'date-time' }),
  lead_created_at: nullable('string', { format: 'date-time' }),
  free_trial_started_at: nullable('string', { format: 'date-time' }),
  city: nullable('string'),
  state: nullable('string'),
  country: nullable('string', { description: 'ISO 3166-1 alpha-2' }),
  zip: nullable('string'),
  website_url: nullable('string'),
  mrr: { type: 'integer', description: 'Always 0: no billing data here' },
  arr: { type: 'integer', description: 'Always 0: no billing data here' },
  'billing-system-url': nullable('string', { description: "The Intercom company's page; null for custom" }),
  'chartmogul-url': { type: 'string', description: "The customer's page in /app" },
  'billing-system-type': { enum: ['Intercom', 'ImportApi'] },
  currency: { const: 'USD' },
  'currency-sign': { const: '$' },
  owner: { type: 'null' },
  attributes: ref('Attributes'),
  address: {
    type: 'object',
    required: ['address_zip', 'city', 'state', 'country'],
    additionalProperties: false,
    properties: {
      address_zip: nullable('string'),
      city: nullable('string'),
      state: nullable('string'),
      country: nullable('string', { description: 'The country name ("United States")' }),
    },
  },
};
const CUSTOMER_KEYS = Object.keys(customerProperties);

export function buildOpenApiDocument(publicUrl: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'intercom-crm-sync',
      version: '0.1.0',
      description:
        "Imports Intercom workspaces (companies as customers, their contacts) like ChartMogul's Intercom source. " +
        "The `/v1` subset is compatible with ChartMogul's API and its official clients.",
    },
    servers: [{ url: publicUrl }],
    security: [{ basicAuth: [] }, { bearerAuth: [] }],
    components: {
      securitySchemes: {
        basicAuth: { type: 'http', scheme: 'basic', description: 'The API key as username, empty password' },
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'The API key as bearer token' },
      },
      schemas: {
        Error: {
          type: 'object',
          description:
            "ChartMogul's error body: `param` names the parameter at fault; `errors` has a message per field " +
            '(invalid import input is a 422 with `errors`)',
          required: ['code', 'message'],
          additionalProperties: false,
          properties: {
            code: { type: 'integer' },
            message: { type: 'string' },
            param: { type: 'string' },
            errors: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        DataSource: {
          type: 'object',
          required: ['uuid', 'name', 'system', 'status', 'lifecycle_status', 'created_at', 'progress'],
          properties: {
            uuid: { type: 'string', pattern: '^ds_[a-z0-9]{26}$' },
            name: { type: 'string' },
            system: { enum: ['Intercom', 'Custom'] },
            status: {
              enum: ['never_imported', 'import_in_progress', 'import_complete', 'idle', 'deleted'],
              description:
                "ChartMogul's words: never_imported (not connected or nothing imported yet), import_in_progress " +
                '(backfill or re-sync), import_complete (live), idle (custom sources; an Intercom source waiting ' +
                'for a new token)',
            },
            lifecycle_status: {
              enum: [...SOURCE_STATUSES],
              description: "This service's richer lifecycle",
            },
            created_at: { type: 'string', format: 'date-time' },
            region: nullable('string'),
            workspace_id: nullable('string'),
            last_synced_at: nullable('string', { format: 'date-time' }),
            last_error: nullable('string'),
            progress: {
              type: 'object',
              properties: {
                companies_imported: { type: 'integer' },
                contacts_imported: { type: 'integer' },
                contacts_skipped_no_company: { type: 'integer' },
                pages_fetched: { type: 'integer' },
                started_at: nullable('string', { format: 'date-time' }),
                finished_at: nullable('string', { format: 'date-time' }),
              },
            },
            data_quality: {
              type: 'object',
              description:
                'Intercom sources: records stored with values changed to be storable, and records that could not be written',
              properties: {
                sanitized: {
                  type: 'object',
                  properties: {
                    customer_records: { type: 'integer' },
                    contacts: { type: 'integer' },
                    changes: { type: 'object', additionalProperties: { type: 'integer' } },
                  },
                },
                quarantined: { type: 'integer' },
                quarantine_url: { type: 'string' },
                webhooks_not_stored: {
                  type: 'integer',
                  description: 'Notifications not stored while the inbox was full; reconciliations covered them',
                },
              },
            },
          },
        },
        QuarantinedRecord: {
          type: 'object',
          required: ['model', 'external_id', 'reason', 'attempts', 'first_seen_at', 'last_seen_at'],
          properties: {
            model: { enum: ['company', 'contact'] },
            external_id: { type: 'string' },
            reason: { type: 'string' },
            attempts: { type: 'integer' },
            first_seen_at: { type: 'string', format: 'date-time' },
            last_seen_at: { type: 'string', format: 'date-time' },
          },
        },
        SourceStatusView: {
          type: 'object',
          properties: {
            uuid: { type: 'string' },
            status: { type: 'string' },
            generation: { type: 'integer' },
            last_error: nullable('string'),
            backfill: nullable('object'),
          },
        },
        ImportSelection: {
          type: 'object',
          additionalProperties: false,
          properties: {
            companies: { type: 'boolean', default: true },
            contacts: { type: 'boolean', default: true },
            custom_attributes: {
              type: 'object',
              additionalProperties: false,
              properties: {
                company: { type: 'array', items: { type: 'string' } },
                contact: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
        Field: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            label: nullable('string'),
            data_type: { type: 'string' },
            selected: { type: 'boolean' },
          },
        },
        Attributes: {
          type: 'object',
          required: ['tags', 'stripe', 'clearbit', 'custom'],
          additionalProperties: false,
          properties: {
            tags: {
              type: 'array',
              items: { type: 'string' },
              description: 'Intercom company tags and tags added here',
            },
            stripe: { type: 'object' },
            clearbit: { type: 'object' },
            custom: { type: 'object' },
          },
        },
        Customer: {
          type: 'object',
          required: CUSTOMER_KEYS,
          additionalProperties: false,
          properties: customerProperties,
        },
        CustomerRecord: {
          type: 'object',
          required: [
            'source_id',
            'external_id',
            'name',
            'website_url',
            'plan',
            'size',
            'industry',
            'monthly_spend',
            'user_count',
            'lead_created_at',
            'free_trial_started_at',
            'custom',
            'deleted_in_source_at',
          ],
          additionalProperties: false,
          properties: {
            source_id: { type: 'string' },
            external_id: { type: 'string' },
            name: nullable('string'),
            website_url: nullable('string'),
            plan: nullable('string'),
            size: nullable('integer'),
            industry: nullable('string'),
            monthly_spend: nullable('number'),
            user_count: nullable('integer'),
            lead_created_at: nullable('string', { format: 'date-time' }),
            free_trial_started_at: nullable('string', { format: 'date-time' }),
            custom: { type: 'object' },
            deleted_in_source_at: nullable('string', { format: 'date-time' }),
          },
        },
        CustomerDetail: {
          type: 'object',
          description: 'A Customer, with its records (one per source) and up to 200 contacts',
          required: [...CUSTOMER_KEYS, 'records', 'contacts'],
          additionalProperties: false,
          properties: {
            ...customerProperties,
            records: { type: 'array', items: ref('CustomerRecord') },
            contacts: { type: 'array', items: ref('Contact') },
          },
        },
        Contact: {
          type: 'object',
          required: [
            'uuid',
            'customer_uuid',
            'customer_external_id',
            'data_source_uuid',
            'external_id',
            'position',
            'first_name',
            'last_name',
            'email',
            'phone',
            'title',
            'linked_in',
            'twitter',
            'notes',
            'custom',
            'deleted_in_source_at',
          ],
          additionalProperties: false,
          properties: {
            uuid: { type: 'string', pattern: '^con_' },
            customer_uuid: nullable('string'),
            customer_external_id: { type: 'string' },
            data_source_uuid: { type: 'string' },
            external_id: { type: 'string' },
            position: nullable('integer', { minimum: 1, description: "The contact's order on its customer" }),
            first_name: nullable('string'),
            last_name: nullable('string'),
            email: nullable('string'),
            phone: nullable('string'),
            title: nullable('string'),
            linked_in: nullable('string'),
            twitter: nullable('string'),
            notes: { type: 'null' },
            custom: { type: 'object' },
            deleted_in_source_at: nullable('string', { format: 'date-time' }),
          },
        },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'Process up' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: PostgreSQL and Temporal answer',
          security: [],
          responses: { '200': { description: 'Ready' }, '503': { description: 'A dependency is down (named)' } },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', security: [], responses: { '200': { description: 'Text format' } } },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
      '/v1/ping': {
        get: {
          summary: 'Check the API key',
          responses: {
            '200': json({ type: 'object', properties: { data: { const: 'pong!' } } }, 'pong'),
            ...unauthorized,
          },
        },
      },
      '/v1/data_sources': {
        get: {
          summary: 'List data sources',
          parameters: [query('name', 'Exact name'), query('system', '"Intercom" or "Custom"')],
          responses: {
            '200': json(
              {
                type: 'object',
                required: ['data_sources'],
                additionalProperties: false,
                properties: { data_sources: { type: 'array', items: ref('DataSource') } },
              },
              'Sources',
            ),
            '400': error(unknownParameter),
            ...unauthorized,
          },
        },
        post: {
          summary: 'Create a data source; "Intercom" starts its workflow, awaiting a connection',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['name'],
                  properties: { name: { type: 'string', minLength: 1 }, system: { enum: ['Intercom', 'Custom'] } },
                },
              },
            },
          },
          responses: {
            '201': json(ref('DataSource'), 'Created'),
            '400': error('Invalid body'),
            ...unauthorized,
            '409': error('Name taken'),
            '503': error('The workflow could not be started; nothing was created'),
          },
        },
      },
      '/v1/data_sources/{id}': {
        delete: {
          summary:
            'Delete a source and everything imported from it, irrevocably: gone from reads at once, purged in the ' +
            'background (progress in /app and the Temporal UI)',
          parameters: [idParam],
          responses: { '204': { description: 'Deleted' }, ...sourceErrors },
        },
        get: {
          summary: 'A data source with its progress',
          parameters: [idParam],
          responses: { '200': json(ref('DataSource'), 'Source'), ...sourceErrors },
        },
      },
      '/v1/data_sources/{id}/quarantine': {
        get: {
          summary:
            'The records of an Intercom source that could not be written, with the reason (a re-sync retries them)',
          parameters: [idParam, ...paging.filter((p) => p.name !== 'page')],
          responses: {
            '200': json(list('QuarantinedRecord'), 'Quarantined records'),
            '400': error(unknownParameter),
            ...sourceErrors,
          },
        },
      },
      '/v1/data_sources/{id}/intercom/update-fields': {
        post: {
          summary: '"Update Fields": reload the attribute catalogue from Intercom',
          parameters: [idParam],
          responses: { '202': json(ref('SourceStatusView'), 'Requested'), ...sourceErrors },
        },
      },
      '/v1/data_sources/{id}/intercom/resync': {
        post: {
          summary: '"Re-sync Data and Fields": a new backfill generation',
          parameters: [idParam],
          responses: { '202': json(ref('SourceStatusView'), 'Requested'), ...sourceErrors },
        },
      },
      '/v1/data_sources/{id}/recover': {
        post: {
          summary:
            "Start the source's workflow again after it was cancelled or terminated in Temporal, from the source's state (any other command does it too)",
          parameters: [idParam],
          responses: {
            '202': json(
              {
                type: 'object',
                properties: { uuid: { type: 'string' }, workflow: { type: 'string', enum: ['running', 'restarted'] } },
              },
              'The workflow runs',
            ),
            ...sourceErrors,
          },
        },
      },
      '/v1/data_sources/{id}/status': {
        get: {
          summary: 'Same as the source',
          parameters: [idParam],
          responses: { '200': json(ref('DataSource'), 'Source'), ...sourceErrors },
        },
      },
      '/v1/data_sources/{id}/intercom/token': {
        post: {
          summary: "Connect with a private app's access token (stored encrypted)",
          parameters: [idParam],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['access_token'],
                  properties: { access_token: { type: 'string' } },
                },
              },
            },
          },
          responses: {
            '202': json({ type: 'object', properties: { status: { const: 'connecting' } } }, 'Connecting'),
            '400': error('Invalid body'),
            ...sourceErrors,
          },
        },
      },
      '/v1/data_sources/{id}/intercom/connect': {
        get: {
          summary: "Redirect to Intercom's OAuth consent page",
          parameters: [idParam],
          responses: { '302': { description: 'To Intercom, with client_id, state and redirect_uri' }, ...sourceErrors },
        },
      },
      '/v1/data_sources/{id}/intercom/fields': {
        get: {
          summary: "The workspace's custom data attributes",
          parameters: [idParam],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  company: { type: 'array', items: ref('Field') },
                  contact: { type: 'array', items: ref('Field') },
                },
              },
              'Fields',
            ),
            ...sourceErrors,
          },
        },
      },
      '/v1/data_sources/{id}/intercom/import': {
        post: {
          summary: 'Start the import with a selection',
          parameters: [idParam],
          requestBody: { content: { 'application/json': { schema: ref('ImportSelection') } } },
          responses: {
            '202': json(ref('SourceStatusView'), 'Import started'),
            '400': error('Invalid selection'),
            ...sourceErrors,
            '422': error('Unknown attribute'),
          },
        },
      },
      '/oauth/intercom/callback': {
        get: {
          summary: "Intercom's OAuth redirect (checked by its signed state)",
          security: [],
          parameters: [query('code', 'Authorization code'), query('state', 'Signed state', { type: 'string' }, true)],
          responses: {
            '302': { description: 'Connected; to the source page' },
            '400': error('Bad or expired state, refused code'),
          },
        },
      },
      '/v1/customers': {
        get: {
          summary: 'List customers',
          parameters: [
            query('data_source_uuid', 'Customers with a record in this source'),
            query('external_id', 'Customers with a record of this external id'),
            query('status', 'Status'),
            query('system', 'Customers with a record in a source of this system: "Intercom", "Custom" or "ImportApi"'),
            query('email', 'Email (case-insensitive)'),
            ...paging,
          ],
          responses: { '200': json(list('Customer'), 'A page'), '400': error(unknownParameter), ...unauthorized },
        },
        post: {
          summary: "Create a custom source's customer (ChartMogul's Import API); the merge automation applies",
          requestBody: body(customerInput(['data_source_uuid', 'external_id'], customAttributeList)),
          responses: {
            '201': json(ref('Customer'), 'The customer the new record belongs to (merged or new)'),
            '400': error('Malformed JSON'),
            ...unauthorized,
            '404': error('Unknown data source'),
            '422': error('Invalid input (a message per field), an Intercom source, or the external id exists'),
          },
        },
      },
      '/v1/customers/merges': {
        post: {
          summary: 'Merge `from` into `into` (into keeps its uuid and primary record); `from` is deleted',
          requestBody: body({
            type: 'object',
            required: ['from', 'into'],
            properties: { from: customerRef, into: customerRef },
          }),
          responses: {
            '202': json({ type: 'object' }, 'Merged: `{}`'),
            '400': error('Bad input'),
            ...unauthorized,
            '404': error('Unknown customer'),
            '422': error('A customer into itself'),
          },
        },
      },
      '/v1/customers/unmerges': {
        post: {
          summary: 'Move one record of a customer into a new customer of its own (not re-merged automatically)',
          requestBody: body({
            type: 'object',
            required: ['customer_uuid', 'data_source_uuid', 'external_id'],
            properties: {
              customer_uuid: { type: 'string' },
              data_source_uuid: { type: 'string' },
              external_id: { type: 'string' },
              move_to_new_customer: { type: 'array', items: { type: 'string' } },
            },
          }),
          responses: {
            '202': json({ type: 'object' }, 'Unmerged: `{}`'),
            '400': error('Bad input'),
            ...unauthorized,
            '404': error('Unknown customer or record'),
            '422': error("The record is not the customer's, or its only one"),
          },
        },
      },
      '/v1/automations/merge': {
        get: {
          summary: 'The merge automation',
          responses: { '200': json(mergeAutomation, 'The rules'), ...unauthorized },
        },
        put: {
          summary: 'Change the merge automation (applies to records created or updated afterwards)',
          requestBody: body(mergeAutomation),
          responses: { '200': json(mergeAutomation, 'The rules'), '400': error('Bad input'), ...unauthorized },
        },
      },
      '/v1/customers/search': {
        get: {
          summary: 'Customers by email',
          parameters: [query('email', 'Email (case-insensitive)', { type: 'string' }, true), ...paging],
          responses: {
            '200': json(list('Customer'), 'A page'),
            '400': error(unknownParameter),
            ...unauthorized,
            '404': error('No customer has this email (`param`: "email")'),
          },
        },
      },
      '/v1/customers/{uuid}': {
        get: {
          summary: 'A customer with its records and contacts',
          parameters: [uuidParam],
          responses: {
            '200': json(ref('CustomerDetail'), 'Customer'),
            ...unauthorized,
            '404': error('Unknown customer'),
          },
        },
        patch: {
          summary: "Update the customer's record in a custom source (custom attributes key by key); re-matched",
          parameters: [uuidParam],
          requestBody: body(customerInput([], { type: 'object', additionalProperties: true })),
          responses: {
            '200': json(ref('Customer'), 'The customer the record belongs to now'),
            '400': error('Malformed JSON'),
            ...unauthorized,
            '404': error('Unknown customer or data source'),
            '422': error('Invalid input (a message per field), or no record in a custom source'),
          },
        },
        delete: {
          summary: "Delete the customer's custom-source records; the customer is deleted or recomputed from the rest",
          parameters: [uuidParam],
          responses: {
            '204': { description: 'Deleted' },
            ...unauthorized,
            '404': error('Unknown customer'),
            '422': error('No record in a custom source'),
          },
        },
      },
      '/v1/customers/{uuid}/contacts': {
        get: {
          summary: "A customer's contacts",
          parameters: [uuidParam, ...paging],
          responses: {
            '200': json(list('Contact'), 'A page'),
            '400': error(unknownParameter),
            ...unauthorized,
            '404': error('Unknown customer'),
          },
        },
      },
      '/v1/customers/{uuid}/attributes': {
        get: {
          summary: "The customer's tags and custom attributes",
          parameters: [uuidParam],
          responses: {
            '200': json(ref('Attributes'), 'Attributes'),
            ...unauthorized,
            '404': error('Unknown customer'),
          },
        },
      },
      '/v1/customers/{uuid}/attributes/custom': {
        post: {
          summary: "Add custom attributes (typed); they belong to the customer and win over its records' values",
          parameters: [uuidParam],
          requestBody: body({ type: 'object', required: ['custom'], properties: { custom: customAttributeList } }),
          responses: customResponses,
        },
        put: {
          summary: 'Change custom attributes: `{custom: {key: value}}`',
          parameters: [uuidParam],
          requestBody: body({ type: 'object', required: ['custom'], properties: { custom: { type: 'object' } } }),
          responses: customResponses,
        },
        delete: {
          summary: "Remove custom attributes by key (also from the customer's records)",
          parameters: [uuidParam],
          requestBody: body({
            type: 'object',
            required: ['custom'],
            properties: { custom: { type: 'array', items: { type: 'string' } } },
          }),
          responses: customResponses,
        },
      },
      '/v1/customers/attributes/custom': {
        post: {
          summary: 'Add custom attributes to every customer with this email',
          requestBody: body({
            type: 'object',
            required: ['email', 'custom'],
            properties: { email: { type: 'string' }, custom: customAttributeList },
          }),
          responses: { ...byEmailResponses },
        },
      },
      '/v1/customers/{uuid}/attributes/tags': {
        post: {
          summary: 'Add tags',
          parameters: [uuidParam],
          requestBody: body(tagsBody),
          responses: tagResponses,
        },
        delete: {
          summary: "Remove tags (also the Intercom ones, until Intercom sends the company's tags again)",
          parameters: [uuidParam],
          requestBody: body(tagsBody),
          responses: tagResponses,
        },
      },
      '/v1/customers/attributes/tags': {
        post: {
          summary: 'Add tags to every customer with this email',
          requestBody: body({
            type: 'object',
            required: ['email', 'tags'],
            properties: { email: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
          }),
          responses: { ...byEmailResponses },
        },
      },
      '/v1/contacts': {
        get: {
          summary: 'List contacts',
          parameters: [
            query('data_source_uuid', 'Source'),
            query('customer_uuid', 'Customer'),
            query('customer_external_id', "The company's external id"),
            query('email', 'Email (case-insensitive)'),
            ...paging,
          ],
          responses: { '200': json(list('Contact'), 'A page'), '400': error(unknownParameter), ...unauthorized },
        },
      },
      '/v1/contacts/{uuid}': {
        get: {
          summary: 'A contact',
          parameters: [uuidParam],
          responses: { '200': json(ref('Contact'), 'Contact'), ...unauthorized, '404': error('Unknown contact') },
        },
      },
    },
  };
}
