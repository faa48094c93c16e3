import { createHmac } from 'node:crypto';
import { IntercomClient } from 'intercom-client';
import { eventually, importSource, startSystem, type System } from '../helpers/system';

/**
 * Live sync on the real stack: changes made through Intercom's write API (the official client against the fake)
 * arrive as real signed webhooks and show up in PostgreSQL.
 */
describe('live sync from Intercom webhooks', () => {
  let sys: System;
  let intercom: IntercomClient;
  let sourceId: string;

  beforeAll(async () => {
    sys = await startSystem({
      // The on-demand reconciliation below searches for a contact created a moment before: without Intercom's
      // index lag here (test/integration/index-lag.test.ts covers the lag).
      fake: { companies: 30, contacts: 120, seed: 21, searchIndexLagMs: 0 },
      // Short drains and a low threshold, so a burst of webhooks crosses a run boundary.
      tuning: { continueAsNewAfterEvents: 15, drainFor: '300 milliseconds' },
    });
    await sys.startWorker();
    intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    sourceId = await importSource(sys, 'Live workspace');
  }, 240_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const record = async (companyId: string) =>
    (
      await sys.db.query(`SELECT * FROM customer_records WHERE source_id = $1 AND external_id = $2`, [
        sourceId,
        companyId,
      ])
    )[0];
  const contactRows = async (contactId: string) =>
    sys.db.query(`SELECT * FROM contacts WHERE source_id = $1 AND external_id = $2 ORDER BY company_external_id`, [
      sourceId,
      contactId,
    ]) as Promise<any[]>;
  const until = <T>(what: string, check: () => Promise<T | undefined | false>) =>
    eventually(async () => (await check()) || undefined, what, 60_000);

  it('applies company created, updated and deleted', async () => {
    const company = await intercom.companies.createOrUpdate({
      company_id: 'live-1',
      name: 'Live One',
      website: 'https://live-one.example',
    });
    await until('company created', async () => (await record(company.id))?.name === 'Live One');
    await intercom.companies.createOrUpdate({ company_id: 'live-1', name: 'Live One Renamed' });
    await until('company updated', async () => (await record(company.id))?.name === 'Live One Renamed');
    const customer = (await sys.api('GET', `/v1/customers/search?email=`)).status; // the API stays up meanwhile
    expect(customer).toBeLessThan(500);

    await intercom.companies.delete({ company_id: company.id });
    const deleted = await until('company marked deleted', async () => {
      const r = await record(company.id);
      return r?.deleted_in_source_at ? r : undefined;
    });
    expect(deleted.customer_id).toBeTruthy(); // kept, with its customer
  });

  it('applies contacts joining and leaving companies, users and leads, deletes and archives', async () => {
    const company = await intercom.companies.createOrUpdate({ company_id: 'live-2', name: 'Live Two' });
    const other = await intercom.companies.createOrUpdate({ company_id: 'live-3', name: 'Live Three' });
    const user = await intercom.contacts.create({ email: 'ada@live.example', name: 'Ada Łovelace' } as any);
    await intercom.companies.attachContact({ contact_id: user.id, id: company.id });
    await until('user joins the company', async () => (await contactRows(user.id)).length === 1);
    expect((await contactRows(user.id))[0]).toMatchObject({
      company_external_id: company.id,
      first_name: 'Ada',
      role: 'user',
    });

    await intercom.companies.attachContact({ contact_id: user.id, id: other.id });
    await until('user under both companies', async () => (await contactRows(user.id)).length === 2);
    await intercom.contacts.update({ contact_id: user.id, name: 'Ada King' });
    await until('user renamed everywhere', async () =>
      (await contactRows(user.id)).every((r) => r.last_name === 'King'),
    );

    await intercom.companies.detachContact({ contact_id: user.id, company_id: company.id });
    await until('user leaves one company', async () => {
      const rows = await contactRows(user.id);
      return rows.length === 1 && rows[0].company_external_id === other.id;
    });
    await intercom.companies.detachContact({ contact_id: user.id, company_id: other.id });
    await until('user without companies leaves', async () => (await contactRows(user.id)).length === 0);

    const lead = await intercom.contacts.create({ role: 'lead', name: 'Lee Lead' } as any);
    await intercom.companies.attachContact({ contact_id: lead.id, id: company.id });
    await until('lead appears', async () => (await contactRows(lead.id))[0]?.role === 'lead');
    await intercom.contacts.archive({ contact_id: lead.id });
    await until('archived lead marked, kept', async () => (await contactRows(lead.id))[0]?.deleted_in_source_at);

    const doomed = await intercom.contacts.create({ email: 'gone@live.example' } as any);
    await intercom.companies.attachContact({ contact_id: doomed.id, id: other.id });
    await until('contact appears', async () => (await contactRows(doomed.id)).length === 1);
    await intercom.contacts.delete({ contact_id: doomed.id });
    await until('deleted contact marked, kept', async () => (await contactRows(doomed.id))[0]?.deleted_in_source_at);
  });

  it('follows a contact into more than 10 companies (beyond the embedded list)', async () => {
    const many = await intercom.contacts.create({ email: 'busy@live.example', name: 'Busy Bee' } as any);
    const companies = [];
    for (let i = 0; i < 12; i++) {
      const c = await intercom.companies.createOrUpdate({ company_id: `many-${i}`, name: `Many ${i}` });
      await intercom.companies.attachContact({ contact_id: many.id, id: c.id });
      companies.push(c.id);
    }
    await until('the contact under all 12 companies', async () => (await contactRows(many.id)).length === 12);
    expect((await contactRows(many.id)).map((r) => r.company_external_id).sort()).toEqual(companies.sort());
  });

  it('rejects a forged signature and stores nothing; a duplicate delivery changes nothing', async () => {
    await sys.fake.webhooks.drained(); // nothing else arrives while we count
    const [{ n: before }] = await sys.db.query(`SELECT count(*)::int AS n FROM webhook_inbox`);
    const body = JSON.stringify({
      type: 'notification_event',
      id: 'notif_forged',
      topic: 'company.updated',
      app_id: sys.fake.appId,
      data: { item: {} },
    });
    const post = (signature?: string) =>
      fetch(`${sys.apiUrl}/webhooks/intercom`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(signature ? { 'X-Hub-Signature': signature } : {}) },
        body,
      });
    expect((await post()).status).toBe(401);
    expect((await post(`sha1=${createHmac('sha1', 'not-the-secret').update(body).digest('hex')}`)).status).toBe(401);
    const [{ n: after }] = await sys.db.query(`SELECT count(*)::int AS n FROM webhook_inbox`);
    expect(after).toBe(before);

    const signed = `sha1=${createHmac('sha1', sys.fake.clientSecret).update('{not json').digest('hex')}`;
    const malformed = await fetch(`${sys.apiUrl}/webhooks/intercom`, {
      method: 'POST',
      headers: { 'X-Hub-Signature': signed },
      body: '{not json',
    });
    expect(malformed.status).toBe(400);
    const huge = 'x'.repeat(600 * 1024);
    const tooBig = await fetch(`${sys.apiUrl}/webhooks/intercom`, {
      method: 'POST',
      headers: { 'X-Hub-Signature': `sha1=${createHmac('sha1', sys.fake.clientSecret).update(huge).digest('hex')}` },
      body: huge,
    });
    expect(tooBig.status).toBe(413);
  });

  it('keeps the newer version when an older one arrives after it, company and contact alike', async () => {
    const inboxDrained = () =>
      until('inbox drained', async () => {
        const [{ n }] = await sys.db.query(
          `SELECT count(*)::int AS n FROM webhook_inbox WHERE source_id = $1 AND processed_at IS NULL`,
          [sourceId],
        );
        return n === 0;
      });
    const company = await intercom.companies.createOrUpdate({ company_id: 'live-older', name: 'Newer Co' });
    const contact = await intercom.contacts.create({ email: 'newer@live.example', name: 'Newer Person' } as any);
    await intercom.companies.attachContact({ contact_id: contact.id, id: company.id });
    await until('company', async () => (await record(company.id))?.name === 'Newer Co');
    await until('contact', async () => (await contactRows(contact.id))[0]?.first_name === 'Newer');

    // The same records as Intercom sent them a minute earlier, under other names, delivered last.
    const store = sys.fake.store;
    const olderCompany = { ...(store.companyJson(store.getCompany(company.id)) as any), name: 'Older Co' };
    // Webhook items carry updated_at in seconds or as an ISO timestamp with milliseconds, as Intercom's do.
    const aMinuteEarlier = (v: number | string) =>
      typeof v === 'number' ? v - 60 : new Date(Date.parse(v) - 60_000).toISOString();
    olderCompany.updated_at = aMinuteEarlier(olderCompany.updated_at);
    const olderContact = { ...(store.contactWebhookItem(store.getContact(contact.id)) as any), name: 'Older Person' };
    olderContact.updated_at = aMinuteEarlier(olderContact.updated_at);
    expect([olderCompany.updated_at, olderContact.updated_at].map((v) => Number.isNaN(new Date(v).getTime()))).toEqual([
      false,
      false,
    ]);
    const sent = sys.fake.webhooks.sent();
    sys.fake.webhooks.send('company.updated', olderCompany);
    sys.fake.webhooks.send(`contact.${olderContact.role}.updated`, olderContact);
    await sys.fake.webhooks.drained();
    expect(sys.fake.webhooks.sent()).toBe(sent + 2);
    await inboxDrained();

    expect((await record(company.id)).name).toBe('Newer Co');
    expect((await contactRows(contact.id)).map((r) => r.first_name)).toEqual(['Newer']);
  });

  it('ends in the latest state under duplicate and out-of-order delivery, across continue-as-new', async () => {
    const firstRun = (await sys.client.workflow.getHandle(`source:${sourceId}`).describe()).runId;
    sys.fake.webhooks.duplicate = true;
    sys.fake.webhooks.outOfOrder = true;
    const company = await intercom.companies.createOrUpdate({ company_id: 'live-order', name: 'v0' });
    for (let i = 1; i <= 20; i++) await intercom.companies.createOrUpdate({ company_id: 'live-order', name: `v${i}` });
    await sys.fake.webhooks.drained();
    // Two bursts: the second comes after the drainer let go of the inbox, so it signals and drains again, which
    // takes the run past the threshold (a fresh run's first drain may have taken the whole first burst).
    await until('the drainer let go', async () => {
      const [{ held }] = await sys.db.query(
        `SELECT inbox_drainer_until IS NOT NULL AS held FROM sources WHERE id = $1`,
        [sourceId],
      );
      return !held;
    });
    for (let i = 21; i <= 40; i++) await intercom.companies.createOrUpdate({ company_id: 'live-order', name: `v${i}` });
    await sys.fake.webhooks.drained();
    sys.fake.webhooks.duplicate = false;
    sys.fake.webhooks.outOfOrder = false;
    await until('latest name wins', async () => (await record(company.id))?.name === 'v40');
    await until('inbox drained', async () => {
      const [{ n }] = await sys.db.query(
        `SELECT count(*)::int AS n FROM webhook_inbox WHERE source_id = $1 AND processed_at IS NULL`,
        [sourceId],
      );
      return n === 0;
    });
    // The drains of the burst took the run past the threshold: it continues as new, without a signal.
    await until(
      'continued as new',
      async () => (await sys.client.workflow.getHandle(`source:${sourceId}`).describe()).runId !== firstRun,
    );
    const described = await sys.client.workflow.getHandle(`source:${sourceId}`).describe();
    expect(described.runId).not.toBe(firstRun); // continued as new at least once
    expect(described.historyLength).toBeLessThan(400);
    expect((await sys.api('GET', `/v1/data_sources/${sourceId}`)).body.lifecycle_status).toBe('live');
  });

  it('reconciles on demand what webhooks missed, without duplicates', async () => {
    sys.fake.webhooks.pause(); // Intercom's deliveries are lost from here on
    const company = await intercom.companies.createOrUpdate({ company_id: 'missed-1', name: 'Missed company' });
    const contact = await intercom.contacts.create({ email: 'missed@live.example', name: 'Miss Ed' } as any);
    await intercom.companies.attachContact({ contact_id: contact.id, id: company.id });
    expect(await record(company.id)).toBeUndefined();

    expect((await sys.api('POST', `/v1/data_sources/${sourceId}/intercom/reconcile`)).status).toBe(202);
    await until('the missed company', async () => (await record(company.id))?.name === 'Missed company');
    await until(
      'the missed contact under it',
      async () => (await contactRows(contact.id))[0]?.company_external_id === company.id,
    );
    const [{ dupes }] = await sys.db.query(
      `SELECT count(*)::int AS dupes FROM (SELECT 1 FROM contacts WHERE source_id = $1
         GROUP BY external_id, company_external_id HAVING count(*) > 1) d`,
      [sourceId],
    );
    expect(dupes).toBe(0);
    sys.fake.webhooks.resume();
    await sys.fake.webhooks.drained();
  });

  it('applies every event that arrived while the worker was down', async () => {
    await sys.stopWorker();
    const names: string[] = [];
    for (let i = 0; i < 10; i++) {
      const c = await intercom.companies.createOrUpdate({ company_id: `offline-${i}`, name: `Offline ${i}` });
      names.push(c.id);
    }
    await sys.fake.webhooks.drained(); // all delivered to the API and stored, none applied yet
    await sys.startWorker();
    await until('all offline events applied', async () => {
      const [{ n }] = await sys.db.query(
        `SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1 AND external_id = ANY($2)`,
        [sourceId, names],
      );
      return n === names.length;
    });
  });

  it('keeps the progress counts equal to the rows as links come and go', async () => {
    const contact = await intercom.contacts.create({ email: 'counted@live.example', name: 'Count Ed' } as any);
    const first = await intercom.companies.createOrUpdate({ company_id: 'counted-1', name: 'Counted one' });
    const second = await intercom.companies.createOrUpdate({ company_id: 'counted-2', name: 'Counted two' });
    await intercom.companies.attachContact({ contact_id: contact.id, id: first.id });
    await intercom.companies.attachContact({ contact_id: contact.id, id: second.id });
    await until('the counted contact under both', async () => (await contactRows(contact.id)).length === 2);
    await intercom.companies.detachContact({ contact_id: contact.id, company_id: first.id });
    await until('the counted contact under one', async () => (await contactRows(contact.id)).length === 1);
    const [actual] = await sys.db.query(
      `SELECT (SELECT count(*)::int FROM customer_records WHERE source_id = $1) AS companies,
              (SELECT count(DISTINCT external_id)::int FROM contacts WHERE source_id = $1) AS contacts`,
      [sourceId],
    );
    const { body } = await sys.api('GET', `/v1/data_sources/${sourceId}`);
    expect(body.progress.companies_imported).toBe(actual.companies);
    expect(body.progress.contacts_imported).toBe(actual.contacts);
    expect(actual.contacts).toBeGreaterThan(0);
  });
});
