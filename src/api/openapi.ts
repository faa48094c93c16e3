import { DEFAULT_PER_PAGE, MAX_PER_PAGE } from './schemas';

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
];
const list = (item: string): Json => ({
  type: 'object',
  required: ['entries', 'cursor', 'has_more'],
  properties: {
    entries: { type: 'array', items: ref(item) },
    cursor: nullable('string'),
    has_more: { type: 'boolean' },
  },
});
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
    lead_created_at: nullable('string', { format: 'date-time' }),
    free_trial_started_at: nullable('string', { format: 'date-time' }),
    attributes: { type: 'object', properties: { custom } },
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
const sourceErrors = {
  ...unauthorized,
  '404': error('Unknown data source'),
  '409': error('Deleted or not an Intercom source'),
};

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
          required: ['code', 'message', 'errors'],
          properties: {
            code: { type: 'integer' },
            message: { type: 'string' },
            errors: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
        DataSource: {
          type: 'object',
          required: ['uuid', 'name', 'system', 'status', 'created_at', 'progress'],
          properties: {
            uuid: { type: 'string', pattern: '^ds_[a-z0-9]{26}$' },
            name: { type: 'string' },
            system: { enum: ['Intercom', 'Custom'] },
            status: { type: 'string' },
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
        Customer: {
          type: 'object',
          required: ['uuid', 'external_ids', 'data_source_uuids', 'attributes'],
          properties: {
            id: nullable('integer'),
            uuid: { type: 'string' },
            external_id: nullable('string'),
            external_ids: { type: 'array', items: { type: 'string' } },
            data_source_uuid: nullable('string'),
            data_source_uuids: { type: 'array', items: { type: 'string' } },
            name: { type: 'string' },
            email: { type: 'string' },
            company: { type: 'string' },
            status: nullable('string'),
            'customer-since': nullable('string'),
            lead_created_at: nullable('string', { format: 'date-time' }),
            free_trial_started_at: nullable('string', { format: 'date-time' }),
            city: nullable('string'),
            country: nullable('string'),
            website_url: nullable('string'),
            attributes: { type: 'object', properties: { tags: { type: 'array' }, custom: { type: 'object' } } },
            address: { type: 'object' },
          },
        },
        CustomerRecord: {
          type: 'object',
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
          allOf: [
            ref('Customer'),
            {
              type: 'object',
              properties: {
                records: { type: 'array', items: ref('CustomerRecord') },
                contacts: { type: 'array', items: ref('Contact') },
              },
            },
          ],
        },
        Contact: {
          type: 'object',
          required: ['uuid', 'data_source_uuid', 'external_id', 'custom'],
          properties: {
            uuid: { type: 'string' },
            customer_uuid: nullable('string'),
            customer_external_id: { type: 'string' },
            data_source_uuid: { type: 'string' },
            external_id: { type: 'string' },
            first_name: nullable('string'),
            last_name: nullable('string'),
            email: nullable('string'),
            phone: nullable('string'),
            title: nullable('string'),
            linked_in: nullable('string'),
            twitter: nullable('string'),
            custom: { type: 'object' },
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
              { type: 'object', properties: { data_sources: { type: 'array', items: ref('DataSource') } } },
              'Sources',
            ),
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
          summary: 'Delete an Intercom source and everything imported from it, irrevocably (in the background)',
          parameters: [idParam],
          responses: { '204': { description: 'Deletion requested' }, ...sourceErrors },
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
          parameters: [idParam, ...paging],
          responses: { '200': json(list('QuarantinedRecord'), 'Quarantined records'), ...sourceErrors },
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
            query('email', 'Email (case-insensitive)'),
            ...paging,
          ],
          responses: { '200': json(list('Customer'), 'A page'), '400': error('Bad query or cursor'), ...unauthorized },
        },
        post: {
          summary: "Create a custom source's customer (ChartMogul's Import API); the merge automation applies",
          requestBody: body(customerInput(['data_source_uuid', 'external_id'], customAttributeList)),
          responses: {
            '201': json(ref('Customer'), 'The customer the new record belongs to (merged or new)'),
            '400': error('Bad input (field messages)'),
            ...unauthorized,
            '404': error('Unknown data source'),
            '422': error('An Intercom source, or the external id exists in that source'),
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
          responses: { '200': json(list('Customer'), 'A page'), '400': error('Bad query'), ...unauthorized },
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
            '400': error('Bad input (field messages)'),
            ...unauthorized,
            '404': error('Unknown customer or data source'),
            '422': error('No record in a custom source'),
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
            '400': error('Bad cursor'),
            ...unauthorized,
            '404': error('Unknown customer'),
          },
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
          responses: { '200': json(list('Contact'), 'A page'), '400': error('Bad query or cursor'), ...unauthorized },
        },
      },
    },
  };
}
