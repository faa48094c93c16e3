import { type Request, type Response, Router } from 'express';
import { HttpError, userNotFound } from '../errors';
import type { Json } from '../render';
import { isVisible } from '../store';
import type { ContactRecord } from '../types';
import { body } from './companies';
import type { ApiContext } from './context';
import { decodeCursor, encodeCursor, intParam, perPageParam } from './paging';

export function contactsRouter(ctx: ApiContext): Router {
  const router = Router();
  const { store } = ctx;
  let visibleCount: { version: number; count: number } | undefined;

  const countVisible = (): number => {
    if (visibleCount?.version !== store.version) {
      visibleCount = { version: store.version, count: store.visibleContacts().length };
    }
    return visibleCount.count;
  };

  // Cursor pagination: default 10 per page (the real default, not the documented 50), max 150, no `next` on the
  // last page; merged, archived and deleted contacts are skipped.
  router.get('/contacts', (req: Request, res: Response) => {
    const perPage = perPageParam(req.query.per_page, 10);
    const cursor = decodeCursor(req.query.starting_after);
    const slots = store.contactSlots();
    let seq = cursor ? Number(cursor.position) + 1 : 0;
    const page: ContactRecord[] = [];
    for (; seq < slots.length && page.length < perPage; seq++) if (isVisible(slots[seq])) page.push(slots[seq]);
    while (seq < slots.length && !isVisible(slots[seq])) seq++;
    const total = countVisible();
    const pageNo = cursor ? cursor.page + 1 : 1;
    const pages: Json = { type: 'pages', page: pageNo, per_page: perPage, total_pages: Math.ceil(total / perPage) };
    if (seq < slots.length && page.length > 0) {
      pages.next = { page: pageNo + 1, starting_after: encodeCursor(pageNo, page[page.length - 1].seq) };
    }
    res.json({ type: 'list', data: page.map((c) => store.contactJson(c)), total_count: total, pages });
  });

  // Pagination lives in the body only: a query-string starting_after is ignored (page 1 again), as in Intercom.
  router.post('/contacts/search', (req: Request, res: Response) => {
    res.json(ctx.search.search(body(req)));
  });

  router.post('/contacts', (req: Request, res: Response) => {
    res.json(store.contactJson(store.createContact(body(req))));
  });

  // from: the lead merged away; into: the user that survives (Intercom's merge_contacts_request).
  router.post('/contacts/merge', (req: Request, res: Response) => {
    const { from, into } = body(req);
    if (typeof from !== 'string' || from === '')
      throw new HttpError(400, 'parameter_not_found', 'from not specified', 'from');
    if (typeof into !== 'string' || into === '')
      throw new HttpError(400, 'parameter_not_found', 'into not specified', 'into');
    res.json(store.contactJson(store.mergeContacts(from, into)));
  });

  router.get('/contacts/find_by_external_id/:externalId', (req: Request, res: Response) => {
    const externalId = String(req.params.externalId);
    const found = store.visibleContacts().find((c) => c.external_id === externalId);
    if (!found) throw userNotFound();
    res.json(store.contactJson(found));
  });

  router.get('/contacts/:id', (req: Request, res: Response) => {
    res.json(store.contactJson(store.getContact(String(req.params.id))));
  });

  router.put('/contacts/:id', (req: Request, res: Response) => {
    res.json(store.contactJson(store.updateContact(String(req.params.id), body(req))));
  });

  router.delete('/contacts/:id', (req: Request, res: Response) => {
    const c = store.deleteContact(String(req.params.id));
    res.json({ id: c.id, external_id: c.external_id, type: 'contact', deleted: true });
  });

  router.post('/contacts/:id/archive', (req: Request, res: Response) => {
    const c = store.archiveContact(String(req.params.id));
    res.json({ id: c.id, external_id: c.external_id, type: 'contact', archived: true });
  });

  router.post('/contacts/:id/unarchive', (req: Request, res: Response) => {
    const c = store.unarchiveContact(String(req.params.id));
    res.json({ id: c.id, external_id: c.external_id, type: 'contact', archived: false });
  });

  // page/per_page paging; pages.next is a URL (OA pages_link). The SDK increments `page` until it gets an empty
  // page, so pages past the end answer an empty list.
  router.get('/contacts/:id/companies', (req: Request, res: Response) => {
    const contact = store.getContact(String(req.params.id));
    const page = intParam(req.query.page, 'page', 1);
    const perPage = perPageParam(req.query.per_page, 50);
    const ids = contact.companyIds;
    const totalPages = Math.ceil(ids.length / perPage);
    const next = new URL(`${ctx.baseUrl()}/contacts/${contact.id}/companies`);
    next.searchParams.set('page', String(page + 1));
    next.searchParams.set('per_page', String(perPage));
    res.json({
      type: 'list',
      [ctx.attachedCompaniesKey]: ids
        .slice((page - 1) * perPage, page * perPage)
        .map((id) => store.companyJson(store.getCompany(id))),
      total_count: ids.length,
      pages: {
        type: 'pages',
        page,
        next: page < totalPages ? next.toString() : null,
        per_page: perPage,
        total_pages: totalPages,
      },
    });
  });

  router.post('/contacts/:id/companies', (req: Request, res: Response) => {
    const companyId = body(req).id;
    if (typeof companyId !== 'string' || companyId === '') {
      throw new HttpError(400, 'parameter_not_found', 'company not specified', 'id');
    }
    res.json(store.companyJson(store.attach(String(req.params.id), companyId)));
  });

  router.delete('/contacts/:id/companies/:companyId', (req: Request, res: Response) => {
    res.json(store.companyJson(store.detach(String(req.params.id), String(req.params.companyId))));
  });

  router.get('/contacts/:id/tags', (req: Request, res: Response) => {
    const contact = store.getContact(String(req.params.id));
    const data = contact.tagIds.map((id) => ({
      type: 'tag',
      id,
      name: store.tags.find((t) => t.id === id)?.name ?? id,
    }));
    res.json({ type: 'list', data });
  });

  return router;
}
