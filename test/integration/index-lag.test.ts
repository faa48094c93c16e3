import { IntercomClient } from 'intercom-client';
import { eventually, importSource, startSystem, type System } from '../helpers/system';

/**
 * Intercom's search takes a while to index new contacts. A contact created just before the source was connected
 * (so its webhook went nowhere) and not yet searchable during the backfill still ends up imported: the first
 * reconciliation comes soon after the backfill, once the index has caught up.
 */
describe('contacts not yet indexed when the backfill runs', () => {
  let sys: System;
  afterAll(async () => {
    await sys?.stop();
  });

  it('are imported by the reconciliation that follows the backfill', async () => {
    sys = await startSystem({
      fake: { companies: 20, contacts: 60, seed: 71, searchIndexLagMs: 4_000 },
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
    const row = await eventually(
      async () => {
        const [r] = await sys.db.query(`SELECT * FROM contacts WHERE source_id = $1 AND external_id = $2`, [
          id,
          contact.id,
        ]);
        return r;
      },
      'the not-yet-indexed contact',
      60_000,
    );
    expect(row).toMatchObject({ company_external_id: company.id, first_name: 'Fresh' });
  });
});
