import { Router } from 'express';
import { CustomCustomerWrites, ExternalIdTaken, NoCustomRecord } from '../../db/repositories/custom-customers';
import { CustomerMerges, MergeRejected, type CustomerRef } from '../../db/repositories/manual-merges';
import { sourceNotFound, type ApiContext } from '../context';
import { createCustomerBody, mergeBody, unmergeBody, updateCustomerBody } from '../customer-input';
import { ApiError, parseInput } from '../errors';
import { decodeCursor, listCustomersQuery, pageOnlyQuery, searchCustomersQuery } from '../schemas';
import { contactView, customerRecordView, customerView, pageView } from '../views';

/** Contacts listed inline on `GET /v1/customers/{uuid}`; more through `/contacts` with a cursor. */
const INLINE_CONTACTS = 200;

const EXTERNAL_ID_TAKEN = 'The external ID for this customer already exists in our system.';

/** The record fields of a create or update body, in the repository's names (undefined = not given). */
function recordFields(b: {
  name?: string | null;
  email?: string | null;
  company?: string | null;
  website_url?: string | null;
  country?: string | null;
  city?: string | null;
  lead_created_at?: string | null;
  free_trial_started_at?: string | null;
}) {
  return {
    name: b.name,
    email: b.email,
    company: b.company,
    websiteUrl: b.website_url,
    country: b.country,
    city: b.city,
    leadCreatedAt: b.lead_created_at,
    freeTrialStartedAt: b.free_trial_started_at,
  };
}

const toRef = (r: { customer_uuid: string } | { data_source_uuid: string; external_id: string }): CustomerRef =>
  'customer_uuid' in r
    ? { customerUuid: r.customer_uuid }
    : { dataSourceUuid: r.data_source_uuid, externalId: r.external_id };

function mergeError(err: unknown): never {
  if (err instanceof MergeRejected) {
    throw new ApiError(err.kind === 'missing' ? 404 : 422, err.message, { [err.field]: err.message });
  }
  throw err;
}

/**
 * ChartMogul's customer endpoints: reads (`{entries, cursor, has_more}` with keyset cursors), the Import API for
 * custom sources' customers (create, modify, delete) and manual merges and unmerges.
 */
export function customerRoutes(ctx: ApiContext): Router {
  const router = Router();
  const { customers, contacts } = ctx;
  const writes = new CustomCustomerWrites(ctx.deps.db);
  const merges = new CustomerMerges(ctx.deps.db);

  const noCustomRecord = (id: string, sourceId: string | undefined) =>
    new ApiError(
      422,
      sourceId
        ? `Customer ${id} has no record in data source ${sourceId}`
        : `Customer ${id} has no record in a custom data source: its records come from Intercom`,
      { customer_uuid: 'has no record in a custom data source' },
    );

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
    res.json(pageView(page, customerView));
  });

  router.get('/v1/customers/search', async (req, res) => {
    const q = parseInput(searchCustomersQuery, req.query, 'query');
    const page = await customers.list({ email: q.email }, { after: decodeCursor(q.cursor, 'cus_'), limit: q.per_page });
    res.json(pageView(page, customerView));
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

  // ChartMogul's Import API, for custom (billing) sources only: an Intercom source's records come from Intercom.
  router.post('/v1/customers', async (req, res) => {
    const body = parseInput(createCustomerBody, req.body, 'body');
    const source = await ctx.sources.find(body.data_source_uuid);
    if (!source) throw sourceNotFound(body.data_source_uuid);
    if (source.system !== 'custom') {
      throw new ApiError(422, `Data source ${source.id} is an Intercom source: its customers come from Intercom`, {
        data_source_uuid: 'is not a custom data source',
      });
    }
    let customerId: string;
    try {
      customerId = await writes.create(source.id, body.external_id, recordFields(body), body.attributes?.custom ?? {});
    } catch (err) {
      if (err instanceof ExternalIdTaken)
        throw new ApiError(422, EXTERNAL_ID_TAKEN, { external_id: EXTERNAL_ID_TAKEN });
      throw err;
    }
    ctx.deps.log.info({ sourceId: source.id, customerId }, 'custom customer created');
    res.status(201).json(customerView(await customerOr404(customerId)));
  });

  router.patch('/v1/customers/:uuid', async (req, res) => {
    const body = parseInput(updateCustomerBody, req.body ?? {}, 'body');
    const customer = await customerOr404(req.params.uuid);
    if (body.data_source_uuid !== undefined && !(await ctx.sources.find(body.data_source_uuid))) {
      throw sourceNotFound(body.data_source_uuid);
    }
    let customerId: string;
    try {
      customerId = await writes.update(
        customer.id,
        body.data_source_uuid,
        recordFields(body),
        body.attributes?.custom ?? undefined,
      );
    } catch (err) {
      if (err instanceof NoCustomRecord) throw noCustomRecord(customer.id, body.data_source_uuid);
      throw err;
    }
    res.json(customerView(await customerOr404(customerId)));
  });

  router.delete('/v1/customers/:uuid', async (req, res) => {
    const customer = await customerOr404(req.params.uuid);
    try {
      await writes.delete(customer.id);
    } catch (err) {
      if (err instanceof NoCustomRecord) throw noCustomRecord(customer.id, undefined);
      throw err;
    }
    ctx.deps.log.info({ customerId: customer.id }, 'custom customer deleted');
    res.status(204).end();
  });

  // Processed before the answer (ChartMogul answers 202 and processes shortly after): reads see the result at once.
  router.post('/v1/customers/merges', async (req, res) => {
    const body = parseInput(mergeBody, req.body, 'body');
    await merges.merge(toRef(body.from), toRef(body.into)).catch(mergeError);
    res.status(202).json({});
  });

  // `move_to_new_customer` (tasks, notes, opportunities, …) is accepted; custom attributes live on the records
  // here, so the record takes its own along and leaves the others.
  router.post('/v1/customers/unmerges', async (req, res) => {
    const body = parseInput(unmergeBody, req.body, 'body');
    await merges.unmerge(body.customer_uuid, body.data_source_uuid, body.external_id).catch(mergeError);
    res.status(202).json({});
  });

  router.get('/v1/customers/:uuid/contacts', async (req, res) => {
    const q = parseInput(pageOnlyQuery, req.query, 'query');
    const customer = await customerOr404(req.params.uuid);
    const page = await contacts.list(
      { customerId: customer.id },
      { after: decodeCursor(q.cursor, 'con_'), limit: q.per_page },
    );
    res.json(pageView(page, contactView));
  });

  return router;
}
