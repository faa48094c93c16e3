import { Router } from 'express';
import type { ApiContext } from '../context';
import { buildOpenApiDocument } from '../openapi';

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });

/** Probes and documents, outside /v1 and without an API key. */
export function healthRoutes(ctx: ApiContext): Router {
  const router = Router();
  const { deps } = ctx;
  const openapi = buildOpenApiDocument(deps.config.publicUrl);

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req, res) => {
    const [database, temporal] = await Promise.allSettled([
      withTimeout(deps.db.query('SELECT 1'), 3000, 'PostgreSQL'),
      withTimeout(deps.checkTemporal(), 3000, 'Temporal'),
    ]);
    const checks: Record<string, string> = {};
    const errors: Record<string, string> = {};
    for (const [name, r] of Object.entries({ database, temporal })) {
      checks[name] = r.status === 'fulfilled' ? 'ok' : 'failed';
      if (r.status === 'rejected') errors[name] = r.reason instanceof Error ? r.reason.message : String(r.reason);
    }
    const failed = Object.keys(errors);
    if (failed.length === 0) {
      res.json({ status: 'ok', checks });
      return;
    }
    deps.log.warn({ errors }, 'not ready');
    res.status(503).json({
      code: 503,
      message: `Not ready: ${failed.join(', ')} unavailable`,
      status: 'unavailable',
      checks,
      errors,
    });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  return router;
}
