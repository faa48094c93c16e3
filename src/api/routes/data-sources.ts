import { Router } from 'express';
import type { SourceSystem } from '../../db/entities/source';
import { liveSource, type ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { createDataSourceBody, listDataSourcesQuery } from '../schemas';
import { dataSourceView } from '../views';
import { dataQualityOf } from './quarantine';

const SYSTEM_FILTER: Record<string, SourceSystem> = { Intercom: 'intercom', Custom: 'custom' };

/** `/v1/data_sources`: ChartMogul's data source endpoints; an Intercom source gets its workflow on creation. */
export function dataSourceRoutes(ctx: ApiContext): Router {
  const router = Router();
  const { deps, sources } = ctx;

  router.post('/v1/data_sources', async (req, res) => {
    const body = parseInput(createDataSourceBody, req.body, 'body');
    const system = body.system ?? 'custom';
    const source = await sources.create({
      name: body.name,
      system,
      status: system === 'intercom' ? 'awaiting_connection' : 'active',
    });
    if (system === 'intercom') {
      try {
        await deps.workflows.start(source.id);
      } catch (err) {
        deps.log.error({ err, sourceId: source.id }, 'could not start the source workflow; removing the source');
        try {
          await sources.removeUnused(source.id);
        } catch (cleanupErr) {
          deps.log.error({ err: cleanupErr, sourceId: source.id }, 'could not remove the half-created source');
        }
        throw new ApiError(
          503,
          'Could not start the workflow of the new source (is Temporal up?); nothing was created, try again',
        );
      }
      deps.log.info({ sourceId: source.id }, 'Intercom source created');
    }
    res.status(201).json(dataSourceView(source));
  });

  router.get('/v1/data_sources', async (req, res) => {
    const q = parseInput(listDataSourcesQuery, req.query, 'query');
    if (q.system !== undefined && !(q.system in SYSTEM_FILTER)) {
      res.json({ data_sources: [] });
      return;
    }
    const list = await sources.list({
      name: q.name,
      system: q.system === undefined ? undefined : SYSTEM_FILTER[q.system],
    });
    res.json({ data_sources: list.map(dataSourceView) });
  });

  router.get(['/v1/data_sources/:id', '/v1/data_sources/:id/status'], async (req, res) => {
    const source = await liveSource(ctx, String(req.params.id));
    res.json({ ...dataSourceView(source), ...(await dataQualityOf(ctx, source)) });
  });

  // "Delete This Source": the workflow cancels any backfill and purges everything, irrevocably. 202, not
  // ChartMogul's 204: the purge runs in the background, with progress on GET /v1/data_sources/{id}.
  router.delete('/v1/data_sources/:id', async (req, res) => {
    const source = await liveSource(ctx, req.params.id);
    if (source.system === 'intercom') await deps.workflows.delete(source.id);
    else if (source.status !== 'deleting') await deps.workflows.purgeCustomSource(source.id);
    deps.log.info({ sourceId: source.id }, 'source deletion requested');
    res.status(202).json({ uuid: source.id, status: 'deleting' });
  });

  return router;
}
