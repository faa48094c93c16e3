import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import type { SourceSystem } from '../../db/entities/source';
import { liveSource, type ApiContext } from '../context';
import { ApiError, parseInput, parseQuery } from '../errors';
import { listDataSourcesQuery } from '../list-queries';
import { createDataSourceBody } from '../schemas';
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
    const source = await sources.create({ name: body.name, system });
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
    const source = await liveSource(ctx, req.params.id);
    if (source.system === 'intercom') await deps.workflows.delete(source.id);
    else if (source.status !== 'deleting') await startPurge(source.id);
    // After the workflow has it: a source hidden but never purged would be lost from sight.
    await sources.markDeleteRequested(source.id);
    deps.log.info({ sourceId: source.id }, 'source deletion requested');
    res.status(204).end();
  });

  /** A retried DELETE (its first try failed after starting the purge) finds the purge running: fine. */
  async function startPurge(sourceId: string): Promise<void> {
    try {
      await deps.workflows.purgeCustomSource(sourceId);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  return router;
}
