import { IntercomClient } from 'intercom-client';
import { eventually, importSource, startSystem, type System } from '../helpers/system';

/**
 * Hourly reconciliations between the daily full one read only what changed: no companies scroll and no sweep of
 * every stored contact, yet a change whose webhook was lost still arrives. One on demand reads everything.
 */
describe('incremental reconciliation', () => {
  let sys: System;
  let intercom: IntercomClient;
  let sourceId: string;

  beforeAll(async () => {
    sys = await startSystem({
      fake: { companies: 40, contacts: 150, seed: 81, searchIndexLagMs: 0 },
      tuning: { reconcileInterval: '3 seconds', searchIndexLag: '3 seconds', fullReconcileInterval: '1h' },
    });
    await sys.startWorker();
    intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    sourceId = await importSource(sys, 'Incremental reconcile');
  }, 240_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const contactName = async (id: string): Promise<string | undefined> =>
    (
      await sys.db.query(`SELECT first_name FROM contacts WHERE source_id = $1 AND external_id = $2 LIMIT 1`, [
        sourceId,
        id,
      ])
    )[0]?.first_name;

  it('picks up a change whose webhook was lost without scrolling every company', async () => {
    const scrollsAfterImport = sys.fake.requestCount('/companies/scroll');
    const listsBefore = sys.fake.requestCount('/companies/list');
    sys.fake.webhooks.pause(); // the change below reaches us only through a reconciliation
    const [target] = (
      await sys.db.query(`SELECT external_id FROM contacts WHERE source_id = $1 ORDER BY id LIMIT 1`, [sourceId])
    ).map((r: { external_id: string }) => r.external_id);
    await intercom.contacts.update({ contact_id: target, name: 'Quietly Renamed' } as any);
    await eventually(
      async () => ((await contactName(target)) === 'Quietly' ? true : undefined),
      'the lost change',
      60_000,
    );
    // An hourly one ran (the list of active companies) and none scrolled.
    await eventually(
      async () => (sys.fake.requestCount('/companies/list') > listsBefore ? true : undefined),
      'an incremental reconciliation',
      60_000,
    );
    expect(sys.fake.requestCount('/companies/scroll')).toBe(scrollsAfterImport);
    sys.fake.webhooks.resume();
    await sys.fake.webhooks.drained();
  });

  it('reads every company when asked on demand', async () => {
    const scrolls = sys.fake.requestCount('/companies/scroll');
    expect((await sys.api('POST', `/v1/data_sources/${sourceId}/intercom/reconcile`)).status).toBe(202);
    await eventually(
      async () => (sys.fake.requestCount('/companies/scroll') > scrolls ? true : undefined),
      'a full reconciliation',
      60_000,
    );
  });
});
