import { Router } from 'express';
import { z } from 'zod';
import type { SourceSystem } from '../../db/entities/source';
import { liveSource, type ApiContext } from '../context';
import { ApiError, parseInput, parseQuery } from '../errors';
import { SourceNotStarted } from '../source-commands';
import { listDataSourcesQuery } from '../list-queries';
import { createDataSourceBody } from '../schemas';
import { dataSourceView } from '../views';
import { dataQualityOf } from './quarantine';

const SYSTEM_FILTER: Record<string, SourceSystem> = { Intercom: 'intercom', Custom: 'custom' };

/** `/v1/data_sources`: ChartMogul's data source endpoints; an Intercom source gets its workflow on creation. */
export function dataSourceRoutes(ctx: ApiContext): Router {
  const router = Router();
  const { commands, sources } = ctx;

  router.post('/v1/data_sources', async (req, res) => {
    const body = parseInput(createDataSourceBody, req.body, 'body');
    const source = await commands.create(body.name, body.system ?? 'custom', 'api').catch((err: unknown) => {
      throw err instanceof SourceNotStarted ? new ApiError(503, err.message) : err;
    });
    res.status(201).json(dataSourceView(source));
  });

  router.get('/v1/data_sources', async (req, res) => {
    const q = parseQuery(listDataSourcesQuery, req.query);
    if (q.system !== undefined && !(q.system in SYSTEM_FILTER)) {
      res.json({ data_sources: [] });
      return;
    }
    const list = await sources.list({
      name: q.name,
      system: q.system === undefined ? undefined : SYSTEM_FILTER[q.system],
      hideDeleting: true,
    });
    res.json({ data_sources: list.map(dataSourceView) });
  });

  router.get(['/v1/data_sources/:id', '/v1/data_sources/:id/status'], async (req, res) => {
    parseQuery(z.object({}), req.query);
    const source = await liveSource(ctx, String(req.params.id));
    res.json({ ...dataSourceView(source), ...(await dataQualityOf(ctx, source)) });
  });

  // "Delete This Source", 204 as in ChartMogul: the source leaves the API's reads at once; its workflow cancels any
  // backfill and purges everything, irrevocably, in the background (progress in /app and the Temporal UI).
  router.delete('/v1/data_sources/:id', async (req, res) => {
    await commands.delete(await liveSource(ctx, req.params.id), 'api');
    res.status(204).end();
  });

  return router;
}
