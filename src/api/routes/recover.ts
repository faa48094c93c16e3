import { Router } from 'express';
import { sourceNotFound, type ApiContext } from '../context';
import { ApiError } from '../errors';

/**
 * `POST /v1/data_sources/{id}/recover`: makes sure the source's workflow runs. An operator may cancel or terminate
 * it in the Temporal UI; it is then started again from the source's state in PostgreSQL (every other command does
 * this by itself too). Only a finished delete is final.
 */
export function recoverRoutes(ctx: ApiContext): Router {
  const router = Router();
  router.post('/v1/data_sources/:id/recover', async (req, res) => {
    const id = String(req.params.id);
    const source = await ctx.sources.find(id, { includeDeleted: true });
    if (!source) throw sourceNotFound(id);
    if (source.system !== 'intercom') {
      throw new ApiError(409, `Data source ${id} is a custom source: it has no workflow to recover`, {
        data_source_uuid: 'is not an Intercom source',
      });
    }
    const workflow = await ctx.deps.workflows.recover(source.id);
    if (workflow === 'deleted') {
      throw new ApiError(409, `Data source ${id} was deleted`, { data_source_uuid: 'was deleted' });
    }
    ctx.deps.log.info({ sourceId: source.id, workflow }, 'source workflow recovery requested');
    res.status(202).json({ uuid: source.id, workflow });
  });
  return router;
}
