import { Router } from 'express';
import type { ApiContext } from '../context';
import { parseInput } from '../errors';
import { decodeCursor, listContactsQuery } from '../schemas';
import { contactView, pageView } from '../views';

/** `GET /v1/contacts`, ChartMogul's shape. */
export function contactRoutes(ctx: ApiContext): Router {
  const router = Router();

  router.get('/v1/contacts', async (req, res) => {
    const q = parseInput(listContactsQuery, req.query, 'query');
    const page = await ctx.contacts.list(
      {
        sourceId: q.data_source_uuid,
        email: q.email,
        customerId: q.customer_uuid,
        customerExternalId: q.customer_external_id,
      },
      { after: decodeCursor(q.cursor, 'con_'), limit: q.per_page },
    );
    res.json(pageView(page, contactView));
  });

  return router;
}
