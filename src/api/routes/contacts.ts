import { Router } from 'express';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { ApiError, parseQuery } from '../errors';
import { listAnswer, listContactsQuery, listRequest } from '../list-queries';
import { contactView } from '../views';

/** `GET /v1/contacts` and `GET /v1/contacts/{uuid}`, ChartMogul's shapes. */
export function contactRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/v1/contacts', async (req, res) => {
    const q = parseQuery(listContactsQuery, req.query);
    const filter = {
      sourceId: q.data_source_uuid,
      email: q.email,
      customerId: q.customer_uuid,
      customerExternalId: q.customer_external_id,
    };
    const page = listRequest(q, 'con_');
    res.json(
      await listAnswer(page, await ctx.contacts.list(filter, page), contactView, () => ctx.contacts.count(filter)),
    );
  });

  router.get('/v1/contacts/:uuid', async (req, res) => {
    parseQuery(z.object({}), req.query);
    const contact = await ctx.contacts.get(req.params.uuid);
    if (!contact)
      throw new ApiError(404, `Contact not found: no contact with uuid ${req.params.uuid}`, {}, 'contact_uuid');
    res.json(contactView(contact));
  });

  return router;
}
