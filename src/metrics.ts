import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** The service's own metrics (Prometheus). The Temporal SDK's worker metrics are served by the worker runtime. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'intercom_sync_' });
  return {
    registry,
    recordsImported: new Counter({
      name: 'intercom_sync_records_imported_total',
      help: 'Customer records and contacts written by backfills and live sync',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    pagesFetched: new Counter({
      name: 'intercom_sync_pages_fetched_total',
      help: 'Pages fetched from Intercom',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    rateLimitWaits: new Counter({
      name: 'intercom_sync_rate_limit_waits_total',
      help: 'Times a request waited for the Intercom rate-limit window to reset',
      registers: [registry],
    }),
    apiRequests: new Counter({
      name: 'intercom_sync_intercom_requests_total',
      help: 'Requests sent to Intercom, by status class',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    webhooksReceived: new Counter({
      name: 'intercom_sync_webhooks_received_total',
      help: 'Intercom notifications received, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
