import { Router } from 'express';
import { CustomerAttributeWrites } from '../../db/repositories/customer-attributes';
import { CustomCustomerWrites, ExternalIdTaken, NoCustomRecord } from '../../db/repositories/custom-customers';
import type { CustomerFilter } from '../../db/repositories/customers';
import { CustomerMerges, MergeRejected, type CustomerRef } from '../../db/repositories/manual-merges';
import { sourceNotFound, type ApiContext } from '../context';
import {
  addCustomBody,
  addCustomByEmailBody,
  createCustomerBody,
  mergeBody,
  removeCustomBody,
  tagsBody,
  tagsByEmailBody,
  unmergeBody,
  updateCustomBody,
  updateCustomerBody,
} from '../customer-input';
import { ApiError, parseInput, parseQuery } from '../errors';
import { listAnswer, listCustomersQuery, listRequest, pageOnlyQuery, searchCustomersQuery } from '../list-queries';
import { attributesView, contactView, customerRecordView, customerView } from '../views';
import { z } from 'zod';

/** Contacts listed inline on `GET /v1/customers/{uuid}`; more through `/contacts` with a cursor. */
const INLINE_CONTACTS = 200;

const EXTERNAL_ID_TAKEN = 'The external ID for this customer already exists in our system.';

/** ChartMogul's customer `system` filter: the system of one of the customer's sources ("ImportApi" = custom). */
const SYSTEM_FILTER: Record<string, string> = { intercom: 'intercom', custom: 'custom', importapi: 'custom' };

const noQuery = z.object({});

/** The record fields of a create or update body, in the repository's names (undefined = not given). */
function recordFields(b: {
  name?: string | null;
  email?: string | null;
  company?: string | null;
  website_url?: string | null;
  country?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
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
    state: b.state,
    zip: b.zip,
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
 * ChartMogul's customer endpoints: reads (`{entries, cursor, has_more}` with keyset cursors, or the deprecated
 * `page`), the Import API for custom sources' customers (create, modify, delete), the customer's attributes
 * (tags and custom attributes) and manual merges and unmerges.
 */
export function customerRoutes(ctx: ApiContext): Router {
  const router = Router();
  const { customers, contacts } = ctx;
  const publicUrl = ctx.deps.config.publicUrl;
  const writes = new CustomCustomerWrites(ctx.deps.db);
  const attributeWrites = new CustomerAttributeWrites(ctx.deps.db);
  const merges = new CustomerMerges(ctx.deps.db);
  const view = (c: Parameters<typeof customerView>[0]) => customerView(c, publicUrl);

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
    if (!customer) throw new ApiError(404, `Customer not found: no customer with uuid ${uuid}`, {}, 'customer_uuid');
    return customer;
  };

  const list = async (filter: CustomerFilter, q: Parameters<typeof listRequest>[0]) => {
    const req = listRequest(q, 'cus_');
    const page = await customers.list(filter, req);
    return { page, answer: await listAnswer(req, page, view, () => customers.count(filter)) };
  };

  router.get('/v1/customers', async (req, res) => {
    const q = parseQuery(listCustomersQuery, req.query);
    // A system we have no source of matches nothing (never everything).
    const system = q.system === undefined ? undefined : (SYSTEM_FILTER[q.system.toLowerCase()] ?? `none:${q.system}`);
    const filter = {
      sourceId: q.data_source_uuid,
      externalId: q.external_id,
      status: q.status,
      email: q.email,
      system,
    };
    res.json((await list(filter, q)).answer);
  });

  // ChartMogul answers a search without any match with 404 {code, message, param}.
  router.get('/v1/customers/search', async (req, res) => {
    const q = parseQuery(searchCustomersQuery, req.query);
    const { page, answer } = await list({ email: q.email }, q);
    if (page.rows.length === 0 && q.cursor === undefined && (q.page ?? 1) === 1) {
      throw new ApiError(404, `Customer not found: no customer with email ${q.email}`, {}, 'email');
    }
    res.json(answer);
  });

  router.get('/v1/customers/:uuid', async (req, res) => {
    parseQuery(noQuery, req.query);
    const customer = await customerOr404(req.params.uuid);
    const [records, inline] = await Promise.all([
      customers.records(customer.id),
      contacts.list({ customerId: customer.id }, { limit: INLINE_CONTACTS }),
    ]);
    res.json({
      ...view(customer),
      records: records.map(customerRecordView),
      contacts: inline.rows.map(contactView),
    });
  });

  // ChartMogul's Import API, for custom (billing) sources only: an Intercom source's records come from Intercom.
  // Invalid input is a 422 with a message per field, as ChartMogul answers it.
  router.post('/v1/customers', async (req, res) => {
    const body = parseInput(createCustomerBody, req.body, 'body', 422);
    const source = await ctx.sources.find(body.data_source_uuid, { hideDeleting: true });
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
    if (body.attributes?.tags?.length) await attributeWrites.addTags([customerId], body.attributes.tags);
    ctx.deps.log.info({ sourceId: source.id, customerId }, 'custom customer created');
    res.status(201).json(view(await customerOr404(customerId)));
  });

  router.patch('/v1/customers/:uuid', async (req, res) => {
    const body = parseInput(updateCustomerBody, req.body ?? {}, 'body', 422);
    const customer = await customerOr404(req.params.uuid);
    if (
      body.data_source_uuid !== undefined &&
      !(await ctx.sources.find(body.data_source_uuid, { hideDeleting: true }))
    ) {
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
    // The latest write wins: a key PATCHed onto the record no longer hides behind an earlier attributes call.
    await attributeWrites.yieldCustom(customerId, Object.keys(body.attributes?.custom ?? {}));
    res.json(view(await customerOr404(customerId)));
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
    const q = parseQuery(pageOnlyQuery, req.query);
    const customer = await customerOr404(req.params.uuid);
    const filter = { customerId: customer.id };
    const page = listRequest(q, 'con_');
    res.json(await listAnswer(page, await contacts.list(filter, page), contactView, () => contacts.count(filter)));
  });

  // Attributes: `{tags, stripe, clearbit, custom}`; custom attributes and tags set here belong to the customer.
  router.get('/v1/customers/:uuid/attributes', async (req, res) => {
    parseQuery(noQuery, req.query);
    res.json(attributesView(await customerOr404(req.params.uuid)));
  });

  const customAnswer = async (uuid: string) => ({ custom: (await customerOr404(uuid)).custom });

  router.post('/v1/customers/attributes/custom', async (req, res) => {
    const body = parseInput(addCustomByEmailBody, req.body, 'body', 422);
    const ids = await attributeWrites.customersByEmail(body.email);
    if (ids.length === 0)
      throw new ApiError(404, `Customer not found: no customer with email ${body.email}`, {}, 'email');
    for (const id of ids) await attributeWrites.setCustom(id, body.custom);
    res.json({ entries: await customersById(ids) });
  });

  // ChartMogul's "add" (POST) and "update" (PUT) differ only in the body they accept: both set the given keys.
  for (const [method, schema] of [
    ['post', addCustomBody],
    ['put', updateCustomBody],
  ] as const) {
    router[method]('/v1/customers/:uuid/attributes/custom', async (req, res) => {
      const body = parseInput(schema, req.body, 'body', 422);
      const customer = await customerOr404(req.params.uuid);
      await attributeWrites.setCustom(customer.id, body.custom);
      res.json(await customAnswer(customer.id));
    });
  }

  router.delete('/v1/customers/:uuid/attributes/custom', async (req, res) => {
    const body = parseInput(removeCustomBody, req.body, 'body', 422);
    const customer = await customerOr404(req.params.uuid);
    await attributeWrites.removeCustom(customer.id, body.custom);
    res.json(await customAnswer(customer.id));
  });

  router.post('/v1/customers/attributes/tags', async (req, res) => {
    const body = parseInput(tagsByEmailBody, req.body, 'body', 422);
    const ids = await attributeWrites.customersByEmail(body.email);
    if (ids.length === 0)
      throw new ApiError(404, `Customer not found: no customer with email ${body.email}`, {}, 'email');
    await attributeWrites.addTags(ids, body.tags);
    res.json({ entries: await customersById(ids) });
  });

  router.post('/v1/customers/:uuid/attributes/tags', async (req, res) => {
    const body = parseInput(tagsBody, req.body, 'body', 422);
    const customer = await customerOr404(req.params.uuid);
    await attributeWrites.addTags([customer.id], body.tags);
    res.json({ tags: (await customerOr404(customer.id)).tags });
  });

  router.delete('/v1/customers/:uuid/attributes/tags', async (req, res) => {
    const body = parseInput(tagsBody, req.body, 'body', 422);
    const customer = await customerOr404(req.params.uuid);
    await attributeWrites.removeTags(customer.id, body.tags);
    res.json({ tags: (await customerOr404(customer.id)).tags });
  });

  async function customersById(ids: string[]) {
    const found = await Promise.all(ids.map((id) => customers.get(id)));
    return found.filter((c) => c !== null).map(view);
  }

  return router;
}
