import { type Request, type Response, Router } from 'express';
import { badRequest, companyNotFound, parameterInvalid } from '../errors';
import type { Json } from '../render';
import type { CompanyRecord } from '../types';
import type { ApiContext } from './context';
import { decodeCursor, encodeCursor, intParam, perPageParam } from './paging';

/** POST /companies/list refuses to page past this many companies and points to the scroll API. */
export const LIST_CAP = 10_000;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function companiesRouter(ctx: ApiContext): Router {
  const router = Router();
  const { store } = ctx;
  let listCache: { key: string; items: CompanyRecord[] } | undefined;

  const listPage = (items: CompanyRecord[], page: number, perPage: number): Json => ({
    type: 'list',
    data: items.slice((page - 1) * perPage, page * perPage).map((c) => store.companyJson(c)),
    pages: { type: 'pages', page, per_page: perPage, total_pages: Math.ceil(items.length / perPage) },
    total_count: items.length,
  });

  // Lookup by company_id/name returns one company (what Intercom does, though the OA types it company_list);
  // without either it is the legacy paged listing.
  router.get('/companies', (req: Request, res: Response) => {
    const companyId = str(req.query.company_id);
    const name = str(req.query.name);
    if (companyId !== undefined || name !== undefined) {
      const found = companyId !== undefined ? store.findCompanyByCompanyId(companyId) : store.findCompanyByName(name!);
      if (!found || (name !== undefined && found.name !== name)) throw companyNotFound();
      res.json(store.companyJson(found));
      return;
    }
    const page = intParam(req.query.page, 'page', 1);
    const perPage = perPageParam(req.query.per_page, 15);
    if (page * perPage > LIST_CAP) throw badRequest('page limit reached, please use scroll API');
    // No tags or segments on seeded companies: such filters match nothing.
    const items = str(req.query.tag_id) || str(req.query.segment_id) ? [] : store.liveCompanies();
    res.json(listPage(items, page, perPage));
  });

  router.post('/companies/list', (req: Request, res: Response) => {
    const page = intParam(req.query.page, 'page', 1);
    const perPage = perPageParam(req.query.per_page, 15);
    const order = req.query.order === undefined ? 'desc' : req.query.order;
    if (order !== 'asc' && order !== 'desc') throw parameterInvalid("order must be 'asc' or 'desc'", 'order');
    if (page * perPage > LIST_CAP) throw badRequest('page limit reached, please use scroll API');
    const key = `${store.version}:${order}`;
    if (listCache?.key !== key) {
      // Companies without users are omitted; sorted by last_request_at (never-seen companies sort as oldest).
      const sign = order === 'asc' ? 1 : -1;
      const items = store
        .liveCompanies()
        .filter((c) => store.userCount(c.id) > 0)
        .sort((a, b) => sign * ((a.last_request_at ?? 0) - (b.last_request_at ?? 0)) || a.seq - b.seq);
      listCache = { key, items };
    }
    res.json(listPage(listCache.items, page, perPage));
  });

  router.get('/companies/scroll', (req: Request, res: Response) => {
    res.json(ctx.scroll.page(str(req.query.scroll_param)));
  });

  router.post('/companies', (req: Request, res: Response) => {
    const { company } = store.upsertCompany(body(req));
    res.json(store.companyJson(company));
  });

  router.get('/companies/:id', (req: Request, res: Response) => {
    res.json(store.companyJson(store.getCompany(String(req.params.id))));
  });

  router.put('/companies/:id', (req: Request, res: Response) => {
    res.json(store.companyJson(store.updateCompany(String(req.params.id), body(req))));
  });

  router.delete('/companies/:id', (req: Request, res: Response) => {
    const company = store.deleteCompany(String(req.params.id));
    res.json({ id: company.id, object: 'company', deleted: true });
  });

  // Cursor-paged, 50 per page (what live responses show), following pages.next.starting_after.
  router.get('/companies/:id/contacts', (req: Request, res: Response) => {
    const company = store.getCompany(String(req.params.id));
    const perPage = perPageParam(req.query.per_page, 50);
    const ids = store.contactIdsOf(company.id);
    const cursor = decodeCursor(req.query.starting_after);
    let start = 0;
    if (cursor) {
      const at = ids.indexOf(String(cursor.position));
      // A cursor whose contact was detached meanwhile restarts at the beginning rather than skipping data.
      start = at >= 0 ? at + 1 : 0;
    }
    const page = cursor ? cursor.page + 1 : 1;
    const slice = ids.slice(start, start + perPage);
    const pages: Json = { type: 'pages', page, per_page: perPage, total_pages: Math.ceil(ids.length / perPage) };
    if (start + perPage < ids.length) {
      pages.next = { page: page + 1, starting_after: encodeCursor(page, slice[slice.length - 1]) };
    }
    res.json({
      type: 'list',
      data: slice.map((id) => store.contactJson(store.getContact(id))),
      total_count: ids.length,
      pages,
    });
  });

  router.get('/companies/:id/segments', (req: Request, res: Response) => {
    store.getCompany(String(req.params.id));
    res.json({ type: 'list', data: [] });
  });

  return router;
}

export function body(req: Request): Json {
  const b: unknown = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw parameterInvalid('Request body must be a JSON object');
  return b as Json;
}
