import { Router } from 'express';
import { loadMergeRules, saveMergeRules } from '../../db/repositories/merge-rule-store';
import type { MergeRules } from '../../domain/merge-rules';
import type { ApiContext } from '../context';
import { mergeAutomationBody } from '../customer-input';
import { parseInput } from '../errors';

const view = (r: MergeRules) => ({
  enabled: r.enabled,
  match_on: { external_id: r.matchOn.external_id, domain: r.matchOn.domain, company_name: r.matchOn.company_name },
});

/**
 * `/v1/automations/merge`: the merge automation (src/domain/merge-rules.ts). A change applies to records created or
 * updated afterwards; existing customers are not re-merged.
 */
export function automationRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/v1/automations/merge', async (_req, res) => {
    res.json(view(await loadMergeRules(ctx.deps.db)));
  });

  router.put('/v1/automations/merge', async (req, res) => {
    const body = parseInput(mergeAutomationBody, req.body, 'body');
    const saved = await saveMergeRules(ctx.deps.db, { enabled: body.enabled, matchOn: body.match_on });
    ctx.deps.log.info({ rules: view(saved) }, 'merge automation changed');
    res.json(view(saved));
  });

  return router;
}
