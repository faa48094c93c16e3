import { Router } from 'express';
import type { ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { decodeCursor, encodeCursor, listCustomersQuery, pageOnlyQuery, searchCustomersQuery } from '../schemas';
import { contactView, customerRecordView, customerView } from '../views';

/** Contacts listed inline on `GET /v1/customers/{uuid}`; more through `/contacts` with a cursor. */
const INLINE_CONTACTS = 200;

/** ChartMogul's customer endpoints (read side), `{entries, cursor, has_more}` with keyset cursors. */
export function customerRoutes(ctx: ApiContext): Router {
  const router = Router();
  const { customers, contacts } = ctx;

  const customerOr404 = async (uuid: string) => {
    const customer = await customers.get(uuid);
    if (!customer) throw new ApiError(404, `No customer with uuid ${uuid}`, { customer_uuid: 'not found' });
    return customer;
  };

  router.get('/v1/customers', async (req, res) => {
    const q = parseInput(listCustomersQuery, req.query, 'query');
    const page = await customers.list(
      { sourceId: q.data_source_uuid, externalId: q.external_id, status: q.status, email: q.email },
      { after: decodeCursor(q.cursor, 'cus_'), limit: q.per_page },
    );
    res.json({
      entries: page.rows.map(customerView),
      cursor: encodeCursor(page.lastId, page.hasMore),
      has_more: page.hasMore,
    });
  });

  router.get('/v1/customers/search', async (req, res) => {
    const q = parseInput(searchCustomersQuery, req.query, 'query');
    const page = await customers.list({ email: q.email }, { after: decodeCursor(q.cursor, 'cus_'), limit: q.per_page });
    res.json({
      entries: page.rows.map(customerView),
      cursor: encodeCursor(page.lastId, page.hasMore),
      has_more: page.hasMore,
    });
  });

  router.get('/v1/customers/:uuid', async (req, res) => {
    const customer = await customerOr404(req.params.uuid);
    const [records, inline] = await Promise.all([
      customers.records(customer.id),
      contacts.list({ customerId: customer.id }, { limit: INLINE_CONTACTS }),
    ]);
    res.json({
      ...customerView(customer),
      records: records.map(customerRecordView),
      contacts: inline.rows.map(contactView),
    });
  });

  router.get('/v1/customers/:uuid/contacts', async (req, res) => {
    const q = parseInput(pageOnlyQuery, req.query, 'query');
    const customer = await customerOr404(req.params.uuid);
    const page = await contacts.list(
      { customerId: customer.id },
      { after: decodeCursor(q.cursor, 'con_'), limit: q.per_page },
    );
    res.json({
      entries: page.rows.map(contactView),
      cursor: encodeCursor(page.lastId, page.hasMore),
      has_more: page.hasMore,
    });
  });

  return router;
}
