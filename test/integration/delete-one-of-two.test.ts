import { IntercomClient } from 'intercom-client';
import { RecordIssues } from '../../src/db/repositories/record-issues';
import { eventually, importSource, startSystem, type System } from '../helpers/system';

/**
 * Two Intercom sources of one workspace; deleting one leaves every row of the other exactly as it was: its
 * records, contacts, attribute catalogue, webhook inbox, quarantine and token. (A purge that forgot its
 * `source_id` condition on any of them would take the other source's rows with it.)
 */
describe('deleting one of two Intercom sources', () => {
  let sys: System;
  afterAll(async () => {
    await sys?.stop();
  });

  const TABLES = [
    'customer_records',
    'contacts',
    'attribute_definitions',
    'webhook_inbox',
    'quarantined_records',
    'credentials',
  ];
  async function rowsOf(sourceId: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const table of TABLES) {
      const [{ rows }] = await sys.db.query(
        `SELECT coalesce(string_agg(md5(t::text), ',' ORDER BY md5(t::text)), '') AS rows FROM ${table} t
         WHERE source_id = $1`,
        [sourceId],
      );
      out[table] = rows;
    }
    return out;
  }

  it('leaves the other source untouched', async () => {
    sys = await startSystem({ fake: { companies: 30, contacts: 120, seed: 61 } });
    await sys.startWorker();
    const kept = await importSource(sys, 'Kept', 'all');
    const doomed = await importSource(sys, 'Doomed', 'all');
    // A webhook for the workspace reaches both sources' inboxes; a poison record sits in both quarantines.
    const intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    await intercom.companies.createOrUpdate({ company_id: 'both-see-me', name: 'Seen twice' });
    await sys.fake.webhooks.drained();
    for (const id of [kept, doomed]) await new RecordIssues(sys.db).quarantine(id, 'company', 'poison', 'refused');
    await eventually(async () => {
      const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customer_records WHERE name = 'Seen twice'`);
      return n === 2 ? true : undefined;
    }, 'the webhook applied by both sources');
    const before = await rowsOf(kept);
    for (const table of TABLES) expect({ table, empty: before[table] === '' }).toEqual({ table, empty: false });
    expect(await rowsOf(doomed)).not.toEqual(before);

    expect((await sys.api('DELETE', `/v1/data_sources/${doomed}`)).status).toBe(204);
    await eventually(async () => {
      const [row] = await sys.db.query(`SELECT deleted_at FROM sources WHERE id = $1`, [doomed]);
      return row?.deleted_at ? true : undefined;
    }, 'the purge');
    for (const table of TABLES) {
      const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE source_id = $1`, [doomed]);
      expect({ table, n }).toEqual({ table, n: 0 });
    }
    expect(await rowsOf(kept)).toEqual(before);
    expect((await sys.api('GET', `/v1/data_sources/${kept}`)).body.lifecycle_status).toBe('live');
  }, 240_000);
});
