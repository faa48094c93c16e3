import { type Request, type Response, Router } from 'express';
import { parameterInvalid } from '../errors';
import { body } from './companies';
import type { ApiContext } from './context';

/**
 * POST /tags tagging companies (GET /tags is in workspace.ts): `{name, companies: [{id | company_id,
 * untag?}]}`, as Intercom's "Create or update a tag, tag or untag companies" does. Tagging contacts is not modelled.
 */
export function tagsRouter(ctx: ApiContext): Router {
  const router = Router();

  router.post('/tags', (req: Request, res: Response) => {
    const b = body(req);
    if (typeof b.name !== 'string' || b.name.trim() === '') throw parameterInvalid('name is required', 'name');
    if (b.companies === undefined) throw parameterInvalid('Only tagging companies is supported here', 'companies');
    if (!Array.isArray(b.companies)) throw parameterInvalid('companies must be an array', 'companies');
    const items = b.companies.map((c: unknown) => {
      const item = (c ?? {}) as { id?: unknown; company_id?: unknown; untag?: unknown };
      const company =
        typeof item.id === 'string'
          ? ctx.store.getCompany(item.id)
          : typeof item.company_id === 'string'
            ? ctx.store.findCompanyByCompanyId(item.company_id)
            : undefined;
      if (!company) throw parameterInvalid('Each company needs an existing id or company_id', 'companies');
      return { id: company.id, untag: item.untag === true };
    });
    let tag = { id: '', name: b.name };
    for (const untag of [false, true]) {
      const ids = items.filter((i) => i.untag === untag).map((i) => i.id);
      if (ids.length || !tag.id) tag = ctx.store.tagCompanies(b.name, ids, untag);
    }
    res.json({ type: 'tag', id: tag.id, name: tag.name });
  });

  return router;
}
