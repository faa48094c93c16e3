import { eventually, importSource, startSystem, type System } from '../helpers/system';

/**
 * ChartMogul's promise: delete the Intercom source of a merged customer and it keeps the billing system's data;
 * delete the billing source instead and the Intercom data remains. Each test starts from its own merged customer in
 * a database of its own, so they pass or fail alone, in any order.
 */
describe('permanent delete of a source with merged customers', () => {
  let sys: System;
  let intercomId: string;
  let billingId: string;
  let company: any;
  let customerUuid: string;

  beforeEach(async () => {
    sys = await startSystem({ fake: { companies: 40, contacts: 200, seed: 51 } });
    await sys.startWorker();
    // A company with a website, a name and contacts: the billing customer will merge with it by domain.
    company = (sys.fake.store.companies() as any[]).find(
      (c) => c.website && c.name && sys.fake.store.contactIdsOf(c.id).length > 0,
    );
    expect(company).toBeDefined();

    billingId = (await sys.api('POST', '/v1/data_sources', { name: 'Billing' })).body.uuid;
    const billed = await sys.api('POST', '/v1/customers', {
      data_source_uuid: billingId,
      external_id: 'bill-1',
      name: 'Billing Name Ltd',
      email: 'ap@billing.example',
      website_url: company.website,
      attributes: { custom: [{ type: 'String', key: 'billing_plan', value: 'pro' }] },
    });
    expect(billed.status).toBe(201);
    customerUuid = billed.body.uuid;
    intercomId = await importSource(sys, 'Intercom');
  }, 240_000);

  afterEach(async () => {
    await sys?.stop();
  });

  const customer = async (uuid: string) => (await sys.api('GET', `/v1/customers/${uuid}`)).body;
  // The source leaves the API's reads as soon as DELETE is answered; the purge ends with the source marked deleted.
  const purged = (id: string) =>
    eventually(async () => {
      const [row] = await sys.db.query(`SELECT deleted_at FROM sources WHERE id = $1`, [id]);
      return row.deleted_at ? true : undefined;
    }, 'the purge');

  it('merges the Intercom company into the billing customer, billing primary', async () => {
    const merged = await customer(customerUuid);
    expect(merged.data_source_uuids.sort()).toEqual([billingId, intercomId].sort());
    expect(merged.name).toBe('Billing Name Ltd');
    expect(merged.lead_created_at).not.toBeNull(); // Intercom's date fills the field billing left empty
    expect(merged.contacts.length).toBe(sys.fake.store.contactIdsOf(company.id).length);
  });

  it('deleting the Intercom source leaves the customer with the billing data only', async () => {
    expect((await sys.api('DELETE', `/v1/data_sources/${intercomId}`)).status).toBe(204);
    await purged(intercomId);
    const left = await customer(customerUuid);
    expect(left.uuid).toBe(customerUuid);
    expect(left.data_source_uuids).toEqual([billingId]);
    expect(left.name).toBe('Billing Name Ltd');
    expect(left.email).toBe('ap@billing.example');
    expect(left.lead_created_at).toBeNull(); // only Intercom had it
    expect(left.attributes.custom).toEqual({ billing_plan: 'pro' });
    expect(left.contacts).toEqual([]);
    const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customers`);
    expect(n).toBe(1); // every Intercom-only customer is gone
  });

  it('deleting the billing source instead leaves the Intercom data', async () => {
    const again = intercomId;
    expect((await customer(customerUuid)).data_source_uuids.sort()).toEqual([billingId, again].sort());

    expect((await sys.api('DELETE', `/v1/data_sources/${billingId}`)).status).toBe(204);
    await purged(billingId);
    const left = await customer(customerUuid);
    expect(left.data_source_uuids).toEqual([again]);
    expect(left.name).toBe(company.name);
    expect(left.attributes.custom.billing_plan).toBeUndefined();
    expect(new Date(left.lead_created_at).getTime()).toBe(company.created_at * 1000);
    expect(left.contacts.length).toBe(sys.fake.store.contactIdsOf(company.id).length);
  });
});
