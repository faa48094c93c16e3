import { ImportWrites } from '../../src/db/repositories/import-writes';
import { websiteDomain } from '../../src/domain/merge-rules';
import { DOMAIN_CASES } from '../helpers/domain-cases';
import { eventually, importSource, startSystem, waitForStatus, type System } from '../helpers/system';

/**
 * The merge automation, custom-source customers and manual merges, through the API on the real stack (Temporal,
 * PostgreSQL, the worker and the fake Intercom): billing customers created before and after an Intercom import.
 */
describe('merging billing customers with Intercom companies', () => {
  let sys: System;
  let billing: string;
  let intercom: string;
  let companies: any[];
  /** Companies with a website and a `tier` attribute (so that a billing `tier` clashes), and others. */
  let withSite: any[];
  let withoutSite: any[];
  const FREEMAIL_COMPANY = 'freemail-co';

  const host = (company: any): string => new URL(company.website).host.replace(/^www\./, '');

  async function customerOf(sourceId: string, externalId: string): Promise<any> {
    const res = await sys.api(
      'GET',
      `/v1/customers?data_source_uuid=${sourceId}&external_id=${encodeURIComponent(externalId)}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.entries.length).toBeLessThanOrEqual(1);
    return res.body.entries[0];
  }

  async function createBilling(body: Record<string, unknown>) {
    return sys.api('POST', '/v1/customers', { data_source_uuid: billing, ...body });
  }

  async function recordCustom(externalId: string): Promise<Record<string, unknown>> {
    const [row] = await sys.db.query(`SELECT custom FROM customer_records WHERE source_id = $1 AND external_id = $2`, [
      intercom,
      externalId,
    ]);
    return row.custom;
  }

  /** A billing customer merged (by domain) with the Intercom company `company`: a test's own, so tests stand alone. */
  async function mergedBilling(externalId: string, company: any, body: Record<string, unknown> = {}) {
    const res = await createBilling({ external_id: externalId, website_url: `https://${host(company)}`, ...body });
    expect(res.status).toBe(201);
    expect(res.body.external_ids).toEqual([externalId, company.id]);
    return res.body;
  }

  beforeAll(async () => {
    sys = await startSystem({ fake: { companies: 40, contacts: 150, seed: 23 } });
    await sys.startWorker();
    sys.fake.store.upsertCompany({
      company_id: FREEMAIL_COMPANY,
      name: 'Freemail Co',
      website: 'https://www.gmail.com',
    });
    companies = sys.fake.store.companies() as any[];
    withSite = companies.filter((c) => c.website && c.custom_attributes?.tier !== undefined && c.name);
    withoutSite = companies.filter((c) => !c.website && c.name);
    expect(withSite.length).toBeGreaterThanOrEqual(8);
    expect(withoutSite.length).toBeGreaterThanOrEqual(6);

    const created = await sys.api('POST', '/v1/data_sources', { name: 'Billing' });
    expect(created.status).toBe(201);
    expect(created.body.system).toBe('Custom');
    billing = created.body.uuid;

    // Before the import: a billing customer with the domain of an Intercom company, another on a free-mail domain.
    const a = withSite[0];
    const early = await createBilling({
      external_id: 'bill-A',
      name: 'A (billing name)',
      email: 'accounts@a.example',
      website_url: `http://${host(a)}/account`,
      country: 'de',
      attributes: {
        custom: [
          { type: 'String', key: 'tier', value: 'billing-gold', source: 'Billing' },
          { type: 'Integer', key: 'billing_seats', value: '12' },
          { type: 'Boolean', key: 'vip', value: 'TRUE' },
          { type: 'Timestamp', key: 'renewal', value: '2025-01-31' },
        ],
      },
    });
    expect(early.status).toBe(201);
    expect(early.body).toMatchObject({ external_ids: ['bill-A'], data_source_uuids: [billing], country: 'DE' });
    const free = await createBilling({ external_id: 'bill-free', name: 'Freemail', website_url: 'https://gmail.com' });
    expect(free.status).toBe(201);

    // Before the import too, for the manual merges alone: a billing customer that will merge with another company.
    const forManualMerges = await createBilling({ external_id: 'bill-M', website_url: `https://${host(withSite[7])}` });
    expect(forManualMerges.status).toBe(201);

    intercom = await importSource(sys, 'Intercom', 'all');
  }, 300_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('computes website domains in SQL exactly as the domain rules do', async () => {
    for (const [url] of DOMAIN_CASES) {
      const [row] = await sys.db.query(`SELECT crm_website_domain($1) AS d`, [url]);
      expect({ url, domain: row.d }).toEqual({ url, domain: websiteDomain(url) });
    }
  });

  it('merges a billing customer created before the import with the Intercom company of the same domain', async () => {
    const a = withSite[0];
    const merged = await customerOf(billing, 'bill-A');
    expect(merged.external_ids).toEqual(['bill-A', a.id]);
    expect(merged.data_source_uuids).toEqual([billing, intercom]);
    expect(merged.external_id).toBe('bill-A');
    expect(merged.data_source_uuid).toBe(billing);
    expect((await customerOf(intercom, a.id)).uuid).toBe(merged.uuid);

    // Fields from the primary (billing) record, falling back field by field to the Intercom record.
    expect(merged.name).toBe('A (billing name)');
    expect(merged.email).toBe('accounts@a.example');
    expect(merged.website_url).toBe(`http://${host(a)}/account`);
    expect(merged.company).toBe(a.name);
    expect(merged.lead_created_at).toBe(new Date(a.created_at * 1000).toISOString());
    expect(merged.free_trial_started_at).toBe(new Date(a.created_at * 1000).toISOString());
    // Custom attributes: the union, the primary winning a clash.
    const fromIntercom = await recordCustom(a.id);
    expect(fromIntercom.tier).toBeDefined();
    expect(fromIntercom.tier).not.toBe('billing-gold');
    expect(merged.attributes.custom).toEqual({
      ...fromIntercom,
      tier: 'billing-gold',
      billing_seats: 12,
      vip: true,
      renewal: '2025-01-31T00:00:00.000Z',
    });

    const one = await sys.api('GET', `/v1/customers/${merged.uuid}`);
    expect(one.status).toBe(200);
    expect(one.body.records.map((r: any) => [r.source_id, r.external_id])).toEqual([
      [billing, 'bill-A'],
      [intercom, a.id],
    ]);
    expect(one.body.contacts.map((c: any) => c.external_id).sort()).toEqual(
      [...sys.fake.store.contactIdsOf(a.id)].sort(),
    );
  });

  it('merges a billing customer created after the import into the existing Intercom customer', async () => {
    const b = withSite[1];
    const before = await customerOf(intercom, b.id);
    expect(before.external_ids).toEqual([b.id]);
    const res = await createBilling({
      external_id: 'bill-B',
      company: 'B Billing Ltd',
      website_url: `https://www.${host(b)}`,
      attributes: { custom: [{ type: 'Decimal', key: 'balance', value: 12.5 }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.uuid).toBe(before.uuid);
    expect(res.body).toMatchObject({
      external_id: 'bill-B',
      external_ids: ['bill-B', b.id],
      data_source_uuid: billing,
      data_source_uuids: [billing, intercom],
      name: b.name, // the billing record has none: fallback
      company: 'B Billing Ltd',
      website_url: `https://www.${host(b)}`,
    });
    expect(res.body.attributes.custom).toEqual({ ...(await recordCustom(b.id)), balance: 12.5 });
  });

  it('does not merge on free-mail domains, nor on a domain written in another case', async () => {
    expect((await customerOf(billing, 'bill-free')).external_ids).toEqual(['bill-free']);
    const freemail = companies.find((c) => c.company_id === FREEMAIL_COMPANY);
    expect((await customerOf(intercom, freemail.id)).external_ids).toEqual([freemail.id]);
    const c = withSite[2];
    const upper = await createBilling({ external_id: 'bill-C', website_url: `https://${host(c).toUpperCase()}` });
    expect(upper.status).toBe(201);
    expect(upper.body.external_ids).toEqual(['bill-C']);
    expect((await customerOf(intercom, c.id)).external_ids).toEqual([c.id]);
  });

  it('matches on company name only once the rule is turned on, and not at all when the automation is off', async () => {
    try {
      await matchesOnCompanyName();
    } finally {
      // The other tests run with the default rules, whatever happened here.
      const defaults = { enabled: true, match_on: { external_id: true, domain: true, company_name: false } };
      await sys.api('PUT', '/v1/automations/merge', defaults);
    }
  });

  async function matchesOnCompanyName() {
    const rules = await sys.api('GET', '/v1/automations/merge');
    expect(rules.status).toBe(200);
    expect(rules.body).toEqual({ enabled: true, match_on: { external_id: true, domain: true, company_name: false } });

    const [d, e, f] = withoutSite;
    const first = await createBilling({ external_id: 'bill-D', company: d.name });
    expect(first.body.external_ids).toEqual(['bill-D']);

    for (const bad of [{}, { enabled: 'yes', match_on: {} }, { enabled: true, match_on: { domain: 1 } }]) {
      const res = await sys.api('PUT', '/v1/automations/merge', bad);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.errors).length).toBeGreaterThan(0);
    }
    const on = { enabled: true, match_on: { external_id: true, domain: true, company_name: true } };
    const put = await sys.api('PUT', '/v1/automations/merge', { ...on, ignored: 'field' });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(on);
    expect((await sys.api('GET', '/v1/automations/merge')).body).toEqual(on);

    // Exact and case-sensitive.
    const lower = await createBilling({ external_id: 'bill-E-lower', company: e.name.toLowerCase() });
    expect(lower.body.external_ids).toEqual(['bill-E-lower']);
    const exact = await createBilling({ external_id: 'bill-E', company: e.name });
    expect(exact.body.external_ids).toEqual(['bill-E', e.id]);
    // A record that is updated is matched again: bill-D now finds its company.
    const patched = await sys.api('PATCH', `/v1/customers/${first.body.uuid}`, { city: 'Berlin' });
    expect(patched.status).toBe(200);
    expect(patched.body.external_ids).toEqual(['bill-D', d.id]);
    expect(patched.body.city).toBe('Berlin');
    expect((await sys.api('GET', `/v1/customers/${first.body.uuid}`)).status).toBe(404);

    const off = { enabled: false, match_on: on.match_on };
    expect((await sys.api('PUT', '/v1/automations/merge', off)).status).toBe(200);
    const noMerge = await createBilling({ external_id: 'bill-F', company: f.name });
    expect(noMerge.body.external_ids).toEqual(['bill-F']);
    const defaults = { enabled: true, match_on: { external_id: true, domain: true, company_name: false } };
    expect((await sys.api('PUT', '/v1/automations/merge', defaults)).body).toEqual(defaults);
  }

  it('re-matches a billing customer whose website is changed to an Intercom company domain', async () => {
    const g = withSite[3];
    const lone = await createBilling({ external_id: 'bill-G', name: 'G', website_url: 'https://not-yet.example.org' });
    expect(lone.body.external_ids).toEqual(['bill-G']);
    const patched = await sys.api('PATCH', `/v1/customers/${lone.body.uuid}`, {
      website_url: `https://${host(g)}/`,
      attributes: { custom: { tier: { value: 'silver', source: 'Billing' }, note: 'x' } },
      unknown_field: true,
    });
    expect(patched.status).toBe(200);
    const intercomCustomer = await customerOf(intercom, g.id);
    expect(patched.body.uuid).toBe(intercomCustomer.uuid);
    expect(patched.body).toMatchObject({
      external_ids: ['bill-G', g.id],
      data_source_uuid: billing,
      name: 'G',
      website_url: `https://${host(g)}/`,
    });
    expect(patched.body.attributes.custom).toEqual({ ...(await recordCustom(g.id)), tier: 'silver', note: 'x' });
    expect((await sys.api('GET', `/v1/customers/${lone.body.uuid}`)).status).toBe(404);
  });

  it('merges and unmerges customers by hand', async () => {
    const [, , , x, y, z] = withoutSite;
    const cx = await customerOf(intercom, x.id);
    const cy = await customerOf(intercom, y.id);

    const merged = await sys.api('POST', '/v1/customers/merges', {
      from: { customer_uuid: cx.uuid },
      into: { data_source_uuid: intercom, external_id: y.id },
    });
    expect(merged.status).toBe(202);
    expect(merged.body).toEqual({});
    expect((await sys.api('GET', `/v1/customers/${cx.uuid}`)).status).toBe(404);
    const into = (await sys.api('GET', `/v1/customers/${cy.uuid}`)).body;
    expect(into.external_ids).toEqual([y.id, x.id]);
    expect(into.id).toBe(cy.id); // into's primary stays primary
    expect(into.name).toBe(y.name);
    expect(into.contacts.map((c: any) => c.external_id).sort()).toEqual(
      [...sys.fake.store.contactIdsOf(y.id), ...sys.fake.store.contactIdsOf(x.id)].sort(),
    );

    // A billing-merged customer merged into an Intercom-only one: into's (Intercom) primary stays.
    const cz = await customerOf(intercom, z.id);
    const fromBilling = await customerOf(billing, 'bill-M');
    expect(fromBilling.external_ids).toEqual(['bill-M', withSite[7].id]);
    const second = await sys.api('POST', '/v1/customers/merges', {
      from: { data_source_uuid: billing, external_id: 'bill-M' },
      into: { customer_uuid: cz.uuid },
    });
    expect(second.status).toBe(202);
    const z2 = (await sys.api('GET', `/v1/customers/${cz.uuid}`)).body;
    expect(z2.id).toBe(cz.id);
    expect(z2.name).toBe(z.name);
    expect(z2.external_ids).toEqual([z.id, ...fromBilling.external_ids]);
    expect((await sys.api('GET', `/v1/customers/${fromBilling.uuid}`)).status).toBe(404);

    // Mistakes.
    const self = await sys.api('POST', '/v1/customers/merges', {
      from: { customer_uuid: cy.uuid },
      into: { data_source_uuid: intercom, external_id: x.id },
    });
    expect(self.status).toBe(422);
    const unknown = await sys.api('POST', '/v1/customers/merges', {
      from: { customer_uuid: 'cus_nobody' },
      into: { customer_uuid: cy.uuid },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toHaveProperty('from');
    const unknownRecord = await sys.api('POST', '/v1/customers/merges', {
      from: { customer_uuid: cy.uuid },
      into: { data_source_uuid: intercom, external_id: 'nope' },
    });
    expect(unknownRecord.status).toBe(404);
    expect(unknownRecord.body.errors).toHaveProperty('into');
    for (const bad of [{}, { from: {}, into: { customer_uuid: cy.uuid } }, { from: 'x', into: 'y' }, '[1]']) {
      expect((await sys.api('POST', '/v1/customers/merges', bad)).status).toBe(400);
    }

    // Unmerge x from y: x leaves into a new customer; both are recomputed.
    const unmerged = await sys.api('POST', '/v1/customers/unmerges', {
      customer_uuid: cy.uuid,
      data_source_uuid: intercom,
      external_id: x.id,
      move_to_new_customer: ['tasks', 'notes'],
    });
    expect(unmerged.status).toBe(202);
    expect(unmerged.body).toEqual({});
    const newX = await customerOf(intercom, x.id);
    expect(newX.uuid).not.toBe(cx.uuid);
    expect(newX.uuid).not.toBe(cy.uuid);
    expect(newX).toMatchObject({ external_ids: [x.id], name: x.name });
    expect((await sys.api('GET', `/v1/customers/${cy.uuid}`)).body).toMatchObject({
      external_ids: [y.id],
      name: y.name,
    });

    const onlyRecord = await sys.api('POST', '/v1/customers/unmerges', {
      customer_uuid: newX.uuid,
      data_source_uuid: intercom,
      external_id: x.id,
    });
    expect(onlyRecord.status).toBe(422);
    const notIn = await sys.api('POST', '/v1/customers/unmerges', {
      customer_uuid: cy.uuid,
      data_source_uuid: intercom,
      external_id: x.id,
    });
    expect(notIn.status).toBe(422);
    const noCustomer = await sys.api('POST', '/v1/customers/unmerges', {
      customer_uuid: 'cus_nobody',
      data_source_uuid: intercom,
      external_id: x.id,
    });
    expect(noCustomer.status).toBe(404);
    expect((await sys.api('POST', '/v1/customers/unmerges', { customer_uuid: cy.uuid })).status).toBe(400);
  });

  it("deletes a merged custom customer's billing record and keeps the Intercom data (fallback)", async () => {
    const b = withSite[6];
    const merged = await mergedBilling('bill-B-deleted', b, { company: 'B Billing Ltd' });
    expect(merged.company).toBe('B Billing Ltd');
    const del = await sys.api('DELETE', `/v1/customers/${merged.uuid}`);
    expect(del.status).toBe(204);
    const left = (await sys.api('GET', `/v1/customers/${merged.uuid}`)).body;
    expect(left).toMatchObject({
      uuid: merged.uuid,
      external_ids: [b.id],
      data_source_uuids: [intercom],
      data_source_uuid: intercom,
      name: b.name,
      company: b.name,
      website_url: b.website,
    });
    expect(left.attributes.custom).toEqual(await recordCustom(b.id));
    expect(left.records.map((r: any) => r.source_id)).toEqual([intercom]);
    expect(await customerOf(billing, 'bill-B-deleted')).toBeUndefined();
    // Nothing of a custom source left to delete: its records come from Intercom.
    expect((await sys.api('DELETE', `/v1/customers/${merged.uuid}`)).status).toBe(422);

    const alone = await customerOf(billing, 'bill-free');
    expect((await sys.api('DELETE', `/v1/customers/${alone.uuid}`)).status).toBe(204);
    expect((await sys.api('GET', `/v1/customers/${alone.uuid}`)).status).toBe(404);
    expect((await sys.api('DELETE', '/v1/customers/cus_nobody')).status).toBe(404);
    // The external id may be used again.
    expect((await createBilling({ external_id: 'bill-free' })).status).toBe(201);
  });

  it('validates Import API input with field messages, and answers 404 and 422 as ChartMogul does', async () => {
    // Invalid import input is a 422 with a message per field, as ChartMogul answers it.
    const missing = await sys.api('POST', '/v1/customers', { name: 'No ids' });
    expect(missing.status).toBe(422);
    expect(Object.keys(missing.body.errors).sort()).toEqual(['data_source_uuid', 'external_id']);
    const badTypes = await createBilling({
      external_id: 'bad-1',
      name: 5,
      email: 'not an email',
      lead_created_at: 'yesterday',
      country: 'Germany',
      attributes: {
        custom: [
          { type: 'Integer', key: 'seats', value: 'many' },
          { key: 'x', value: 1 },
        ],
      },
    });
    expect(badTypes.status).toBe(422);
    expect(Object.keys(badTypes.body.errors).sort()).toEqual([
      'attributes.custom.0.value',
      'attributes.custom.1.type',
      'country',
      'email',
      'lead_created_at',
      'name',
    ]);
    const nul = await createBilling({ external_id: 'bad-2', name: 'a\u0000b' });
    expect(nul.status).toBe(422);
    const nulCustom = await sys.api('PATCH', `/v1/customers/${(await customerOf(billing, 'bill-free')).uuid}`, {
      attributes: { custom: { k: 'a\u0000b' } },
    });
    expect(nulCustom.status).toBe(422);

    const unknownSource = await sys.api('POST', '/v1/customers', { data_source_uuid: 'ds_nope', external_id: 'x' });
    expect(unknownSource.status).toBe(404);
    const intercomSource = await sys.api('POST', '/v1/customers', { data_source_uuid: intercom, external_id: 'x' });
    expect(intercomSource.status).toBe(422);
    expect(intercomSource.body.errors).toHaveProperty('data_source_uuid');

    const dup = await createBilling({ external_id: 'bill-A' });
    expect(dup.status).toBe(422);
    expect(dup.body.errors).toEqual({ external_id: 'The external ID for this customer already exists in our system.' });

    // state, zip and tags are kept; fields ChartMogul has and we do not keep (owner, primary_contact) are tolerated.
    const tolerant = await createBilling({
      external_id: 'bill-tolerant',
      name: 'Tolerant',
      state: 'US-NY',
      zip: '10001',
      owner: 'sales@example.com',
      primary_contact: { first_name: 'Ada' },
      attributes: { tags: ['vip'], custom: [] },
      free_trial_started_at: '2024-05-01T12:00:00Z',
    });
    expect(tolerant.status).toBe(201);
    expect(tolerant.body).toMatchObject({
      name: 'Tolerant',
      free_trial_started_at: '2024-05-01T12:00:00.000Z',
      state: 'US-NY',
      zip: '10001',
      attributes: { tags: ['vip'] },
    });

    const intercomOnly = await customerOf(intercom, withoutSite[4].id);
    const patchIntercom = await sys.api('PATCH', `/v1/customers/${intercomOnly.uuid}`, { name: 'x' });
    expect(patchIntercom.status).toBe(422);
    expect((await sys.api('PATCH', '/v1/customers/cus_nobody', { name: 'x' })).status).toBe(404);
    expect((await sys.api('PATCH', `/v1/customers/${tolerant.body.uuid}`, { name: 7 })).status).toBe(422);
    expect((await sys.api('GET', '/v1/customers/a%00b')).status).toBe(400);
  });

  it('re-matches an Intercom company whose website changes, on re-sync; unmerges stick', async () => {
    const h = withoutSite[6] ?? withSite[5];
    const target = await createBilling({ external_id: 'bill-H', name: 'H billing', website_url: 'moved.example.net' });
    expect(target.body.external_ids).toEqual(['bill-H']);
    // g merged with bill-G2 by domain; unmerged by hand, it must stay apart although it still matches.
    const g = withSite[4];
    const gMerged = await mergedBilling('bill-G2', g);
    const unmerge = await sys.api('POST', '/v1/customers/unmerges', {
      customer_uuid: gMerged.uuid,
      data_source_uuid: intercom,
      external_id: g.id,
    });
    expect(unmerge.status).toBe(202);
    const gAlone = await customerOf(intercom, g.id);
    expect(gAlone.external_ids).toEqual([g.id]);

    sys.fake.store.updateCompany(h.id, { website: 'https://www.moved.example.net' });
    const resync = await sys.api('POST', `/v1/data_sources/${intercom}/intercom/resync`);
    expect(resync.status).toBe(202);
    const joined = await eventually(async () => {
      const c = await customerOf(billing, 'bill-H');
      return c.external_ids.length === 2 ? c : undefined;
    }, 'the Intercom company to join the billing customer');
    await waitForStatus(sys, intercom, 'live');
    expect(joined).toMatchObject({
      uuid: target.body.uuid,
      external_ids: ['bill-H', h.id],
      data_source_uuid: billing,
      name: 'H billing',
    });
    // A record unmerged by hand is not merged back by the automation on its next update.
    expect(await customerOf(intercom, g.id)).toMatchObject({ uuid: gAlone.uuid, external_ids: [g.id] });
    expect((await customerOf(billing, 'bill-G2')).external_ids).toEqual(['bill-G2']);
    // Everything still adds up: one customer per record, less the merges.
    const [{ n }] = await sys.db.query(
      `SELECT count(*)::int AS n FROM customers c WHERE NOT EXISTS (SELECT 1 FROM customer_records r WHERE r.customer_id = c.id)`,
    );
    expect(n).toBe(0);
  });
  it('merges records that arrive at the same time from two sources (whichever commits first)', async () => {
    const writes = new ImportWrites(sys.db);
    const company = (i: number) => ({
      externalId: `race-${i}`,
      name: `Race ${i}`,
      company: `Race ${i}`,
      email: null,
      websiteUrl: `https://www.race-${i}.example.com`,
      plan: null,
      size: null,
      industry: null,
      monthlySpend: null,
      userCount: null,
      leadCreatedAt: '2024-01-01T00:00:00.000Z',
      freeTrialStartedAt: '2024-01-01T00:00:00.000Z',
      status: 'New Lead',
      custom: {},
      sourceUpdatedAt: '2024-01-01T00:00:00.000Z',
    });
    // Intercom pages of 150 and billing customers for some of their domains, all at once.
    const pairs = Array.from({ length: 30 }, (_, i) => i * 20);
    await Promise.all([
      ...Array.from({ length: 4 }, (_, p) =>
        writes.upsertCustomerRecords(
          intercom,
          Array.from({ length: 150 }, (_, k) => company(p * 150 + k)),
          0,
        ),
      ),
      ...pairs.map(async (i) => {
        const r = await createBilling({ external_id: `race-bill-${i}`, website_url: `race-${i}.example.com` });
        expect(r.status).toBe(201);
      }),
    ]);
    for (const i of pairs) {
      const c = await customerOf(billing, `race-bill-${i}`);
      expect({ i, ids: c.external_ids }).toEqual({ i, ids: [`race-bill-${i}`, `race-${i}`] });
      expect(c.data_source_uuid).toBe(billing);
      expect(c.name).toBe(`Race ${i}`);
    }
  });
});
