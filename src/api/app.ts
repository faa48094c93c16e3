import express from 'express';
import { Counter, Histogram } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { CredentialStore } from '../db/repositories/credentials';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { SourceWorkflows } from '../temporal/source-client';
import { requireApiKey } from './auth';
import { createContext } from './context';
import { errorBody, errorHandler, notFound } from './errors';
import { automationRoutes } from './routes/automations';
import { contactRoutes } from './routes/contacts';
import { customerRoutes } from './routes/customers';
import { dataSourceRoutes } from './routes/data-sources';
import { healthRoutes } from './routes/health';
import { intercomRoutes } from './routes/intercom';
import { recoverRoutes } from './routes/recover';
import { pageRoutes } from './pages';
import { oauthCallbackRoutes } from './routes/oauth-callback';
import { quarantineRoutes } from './routes/quarantine';
import { webhookRoutes } from './routes/webhooks';

export interface ApiDeps {
  config: Config;
  db: DataSource;
  workflows: SourceWorkflows;
  credentials: CredentialStore;
  /** Resolves when the Temporal frontend answers; rejects (with a reason) otherwise. */
  checkTemporal: () => Promise<void>;
  log: Logger;
  metrics: Metrics;
}

function httpMetrics(metrics: Metrics) {
  const registry = metrics.registry;
  const requests =
    (registry.getSingleMetric('intercom_sync_http_requests_total') as
      Counter<'method' | 'route' | 'status'> | undefined) ??
    new Counter({
      name: 'intercom_sync_http_requests_total',
      help: 'API requests, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric('intercom_sync_http_request_duration_seconds') as
      Histogram<'method' | 'route'> | undefined) ??
    new Histogram({
      name: 'intercom_sync_http_request_duration_seconds',
      help: 'API request duration, by method and route pattern',
      labelNames: ['method', 'route'] as const,
      registers: [registry],
    });
  return { requests, duration };
}

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The HTTP API: ChartMogul-compatible `/v1` (API key), the Intercom OAuth callback (signed state), probes,
 * metrics and the OpenAPI document. Routes only translate HTTP into repository and SourceWorkflows calls.
 */
export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const ctx = createContext(deps);
  const { requests, duration } = httpMetrics(deps.metrics);

  // Access log and metrics: method, route pattern and status only; never bodies or query strings (codes, states).
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, seconds);
      const line = {
        method: req.method,
        path: req.path,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
      };
      if (QUIET_PATHS.has(req.path)) deps.log.debug(line, 'request');
      else deps.log.info(line, 'request');
    });
    next();
  });

  app.use(healthRoutes(ctx));
  app.use(oauthCallbackRoutes(ctx));
  app.use(webhookRoutes(ctx));

  app.use('/v1', requireApiKey(deps.config.apiKeys), express.json({ limit: '1mb' }));
  app.get('/v1/ping', (_req, res) => {
    res.json({ data: 'pong!' });
  });
  app.use(dataSourceRoutes(ctx));
  app.use(intercomRoutes(ctx));
  app.use(recoverRoutes(ctx));
  app.use(quarantineRoutes(ctx));
  app.use(customerRoutes(ctx));
  app.use(contactRoutes(ctx));
  app.use(automationRoutes(ctx));

  app.use('/v1', (req, res) => {
    res.status(404).json(errorBody(404, `No route for ${req.method} /v1${req.path}`));
  });
  app.use(pageRoutes(ctx));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
