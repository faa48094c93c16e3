import { api, type Json } from '../fake-intercom/helpers';
import { eventually, importSource, startSystem, type System } from '../helpers/system';

const TIME_SCALE = 0.01; // Intercom's one-minute retry becomes 600 ms
const BEAT_MS = 300; // the endpoint counts as down after 3 missed beats (900 ms)

/**
 * Intercom retries a notification once, a minute later, then drops it. With the fake's real delivery policy,
 * the API is stopped for longer than that window while the workspace changes (renames, a new company, deletions,
 * a merge, an archive): every notification of the window is dropped. Once the API is back, the service notices
 * the window it missed and reconciles by itself; the final state is exact, with no manual reconcile.
 */
describe('an outage of the webhook endpoint longer than Intercom retries', () => {
  let sys: System;
  let sourceId: string;

  beforeAll(async () => {
    sys = await startSystem({
      fake: { companies: 10, contacts: 40, seed: 44, webhookTimeScale: TIME_SCALE },
      config: { endpointBeatMs: BEAT_MS },
    });
    await sys.startWorker();
    sourceId = await importSource(sys, 'Outage workspace');
  }, 240_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await api<Json>(sys.fake, method, path, body);
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };

  async function stored() {
    const contacts: Array<{ external_id: string; company_external_id: string }> = await sys.db.query(
      `SELECT external_id, company_external_id FROM contacts WHERE source_id = $1 AND deleted_in_source_at IS NULL`,
      [sourceId],
    );
    const records: Array<{ external_id: string; name: string }> = await sys.db.query(
      `SELECT external_id, name FROM customer_records WHERE source_id = $1 AND deleted_in_source_at IS NULL`,
      [sourceId],
    );
    const links = new Map<string, string[]>();
    for (const c of contacts) links.set(c.external_id, [...(links.get(c.external_id) ?? []), c.company_external_id]);
    for (const v of links.values()) v.sort();
    return {
      links: Object.fromEntries([...links].sort()),
      companies: Object.fromEntries(records.map((r) => [r.external_id, r.name]).sort()),
    };
  }

  function expected() {
    const { store } = sys.fake;
    const links = store
      .contacts()
      .map((c) => [c.id as string, [...store.companyIdsOf(c.id as string)].sort()] as const)
      .filter(([, ids]) => ids.length > 0);
    return {
      links: Object.fromEntries(links.sort()),
      companies: Object.fromEntries(
        store
          .companies()
          .map((c) => [c.id as string, c.name as string])
          .sort(),
      ),
    };
  }

  it('heals by itself once the API is back', async () => {
    const { store } = sys.fake;
    // A lead under a company before the outage, to be merged into a user during it.
    const lead = await call('POST', '/contacts', { role: 'lead', name: 'Merged Lead' });
    await call('POST', `/contacts/${lead.id as string}/companies`, { id: store.companies()[0].id });
    await sys.fake.webhooks.drained();
    await eventually(
      async () => (JSON.stringify(await stored()) === JSON.stringify(expected()) ? true : undefined),
      'in sync',
    );
    const droppedBefore = sys.fake.webhooks.dropped();

    await sys.stopApi();
    const down = Date.now();
    const [c0, c1, c2, c3] = store.companies();
    await call('PUT', `/companies/${c0.id as string}`, { name: 'Renamed During Outage' });
    const fresh = await call('POST', '/companies', { company_id: 'outage-new', name: 'Born During Outage' });
    await call('DELETE', `/companies/${c1.id as string}`);
    const withCompanies = store.contacts().filter((c) => store.companyIdsOf(c.id as string).length > 0);
    const user = withCompanies.find((c) => c.role === 'user' && c.id !== lead.id)!;
    await call('POST', `/contacts/${user.id as string}/companies`, { id: fresh.id });
    await call('POST', '/contacts/merge', { from: lead.id, into: user.id });
    const others = withCompanies.filter((c) => c.id !== user.id && c.id !== lead.id);
    await call('DELETE', `/contacts/${others[0].id as string}`);
    await call('POST', `/contacts/${others[1].id as string}/archive`);
    await call(
      'DELETE',
      `/contacts/${others[2].id as string}/companies/${store.companyIdsOf(others[2].id as string)[0]}`,
    );
    await call('PUT', `/companies/${c2.id as string}`, { name: 'Also Renamed' });
    await call('POST', `/contacts/${others[3].id as string}/companies`, { id: c3.id });

    // Every notification of the window is tried, retried once a (scaled) minute later, and dropped.
    await sys.fake.webhooks.drained();
    const dropped = sys.fake.webhooks.dropped() - droppedBefore;
    expect(dropped).toBeGreaterThanOrEqual(10);
    // The outage lasts longer than the endpoint's silence threshold (and than Intercom's scaled retry window).
    await eventually(async () => (Date.now() - down > 4 * BEAT_MS ? true : undefined), 'a long enough outage');
    expect(JSON.stringify(await stored())).not.toBe(JSON.stringify(expected()));

    const back = Date.now();
    await sys.restartApi();
    let last: unknown;
    await eventually(
      async () => {
        last = await stored();
        return JSON.stringify(last) === JSON.stringify(expected()) ? true : undefined;
      },
      'healed without a manual reconcile',
      120_000,
    ).catch((err: unknown) => {
      expect(last).toEqual(expected());
      throw err;
    });
    const healedMs = Date.now() - back;
    const outageMs = back - down;
    console.log(
      `outage of ${outageMs} ms, ${dropped} notifications dropped by the fake (Intercom's policy, minute × ${TIME_SCALE}); ` +
        `healed ${healedMs} ms after the API came back, without a manual reconcile`,
    );

    expect(sys.logs.text).toContain('the webhook endpoint was unreachable');
    const gap = await sys.db.query(`SELECT last_gap_from, last_gap_to, last_gap_sources FROM webhook_endpoint_uptime`);
    expect(gap[0].last_gap_sources).toBe(1);
    expect(gap[0].last_gap_to.getTime() - gap[0].last_gap_from.getTime()).toBeGreaterThanOrEqual(outageMs - BEAT_MS);
    // The merged lead is no longer a contact; the deleted company is kept, marked.
    const leadRows = await sys.db.query(
      `SELECT 1 FROM contacts WHERE source_id = $1 AND external_id = $2 AND deleted_in_source_at IS NULL`,
      [sourceId, lead.id],
    );
    expect(leadRows).toHaveLength(0);
    const deletedCompany = await sys.db.query(
      `SELECT deleted_in_source_at FROM customer_records WHERE source_id = $1 AND external_id = $2`,
      [sourceId, c1.id],
    );
    expect(deletedCompany[0].deleted_in_source_at).toBeInstanceOf(Date);
    const reconciles = await sys.api('GET', `/v1/data_sources/${sourceId}`);
    expect(reconciles.body.lifecycle_status).toBe('live');
  });
});
