import { IntercomClient } from 'intercom-client';
import { importSource, eventually, startSystem, type System } from '../helpers/system';

/**
 * Intercom's search takes a while to index new contacts. A contact created just before the source was connected
 * (so its webhook went nowhere) and not yet searchable during the backfill is missed by the backfill, and still
 * ends up imported: a reconciliation once the index has caught up picks it up. The fake's clock is the test's to
 * move, so "not yet indexed" holds for exactly as long as the test says, whatever the machine's speed.
 */
describe('contacts not yet indexed when the backfill runs', () => {
  let sys: System;
  let skewMs = 0;
  const indexLagMs = 10 * 60_000;
  afterAll(async () => {
    await sys?.stop();
  });

  it('are imported by the reconciliation that follows the backfill', async () => {
    sys = await startSystem({
      fake: { companies: 20, contacts: 60, seed: 71, searchIndexLagMs: indexLagMs, now: () => Date.now() + skewMs },
      tuning: { searchIndexLag: '6 seconds' },
    });
    await sys.startWorker();
    const intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    const company = await intercom.companies.createOrUpdate({ company_id: 'lagging-co', name: 'Lagging Co' });
    const contact = await intercom.contacts.create({ email: 'fresh@lag.example', name: 'Fresh Face' } as any);
    await intercom.companies.attachContact({ contact_id: contact.id, id: company.id });
    await sys.fake.webhooks.drained();
    const [{ ignored }] = await sys.db.query(`SELECT count(*)::int AS ignored FROM webhook_ignored`);
    expect(ignored).toBeGreaterThan(0); // no source yet: the webhooks could not deliver the contact

    const id = await importSource(sys, 'Lagging index');
    const contactRow = async () =>
      (await sys.db.query(`SELECT * FROM contacts WHERE source_id = $1 AND external_id = $2`, [id, contact.id]))[0];
    // The backfill is done and the company is there, but its new contact was not searchable yet.
    const [companyRow] = await sys.db.query(
      `SELECT 1 FROM customer_records WHERE source_id = $1 AND external_id = $2`,
      [id, company.id],
    );
    expect(companyRow).toBeDefined();
    expect(await contactRow()).toBeUndefined();

    // The index catches up; a reconciliation (the one scheduled after the backfill, or this one) imports it.
    skewMs = indexLagMs;
    expect((await sys.api('POST', `/v1/data_sources/${id}/intercom/reconcile`)).status).toBe(202);
    const row = await eventually(contactRow, 'the not-yet-indexed contact', 60_000);
    expect(row).toMatchObject({ company_external_id: company.id, first_name: 'Fresh' });
  });
});
