import { IntercomClient } from 'intercom-client';
import { toIsoTimestamp, typeAttributeValue } from '../../src/domain/custom-attributes';
import { decodedHistories, expectNoSecrets } from '../helpers/secrets';
import { eventually, startSystem, type System } from '../helpers/system';

/**
 * Through the API, on the real stack: create an Intercom source, connect it with a private-app token, choose
 * attributes, import, and compare the database with the fake workspace, record by record.
 */
describe('backfill of a seeded workspace', () => {
  let sys: System;
  const responses: string[] = [];
  let sourceId: string;
  let selected: { company: string[]; contact: string[] };

  async function call(method: string, path: string, body?: unknown) {
    const res = await sys.api(method, path, body);
    responses.push(res.text);
    return res;
  }

  beforeAll(async () => {
    sys = await startSystem({ fake: { companies: 400, contacts: 2500, seed: 11 }, tuning: { partitions: 6 } });
    await sys.startWorker();

    const created = await call('POST', '/v1/data_sources', { name: 'Intercom (EU team)', system: 'Intercom' });
    expect(created.status).toBe(201);
    sourceId = created.body.uuid;
    expect(sourceId).toMatch(/^ds_/);

    const connected = await call('POST', `/v1/data_sources/${sourceId}/intercom/token`, {
      access_token: sys.fake.accessToken,
    });
    expect(connected.status).toBe(202);
    await eventually(
      async () =>
        (await call('GET', `/v1/data_sources/${sourceId}`)).body.lifecycle_status === 'connected' ? true : undefined,
      'connected',
    );

    const fields = await call('GET', `/v1/data_sources/${sourceId}/intercom/fields`);
    expect(fields.status).toBe(200);
    // Every company attribute, and all but one contact attribute: the unselected one must not be imported.
    selected = {
      company: fields.body.company.map((f: { name: string }) => f.name),
      contact: fields.body.contact.slice(1).map((f: { name: string }) => f.name),
    };
    expect(selected.company.length).toBeGreaterThan(0);

    const started = await call('POST', `/v1/data_sources/${sourceId}/intercom/import`, {
      companies: true,
      contacts: true,
      custom_attributes: selected,
    });
    expect(started.status).toBe(202);
    await eventually(
      async () =>
        (await call('GET', `/v1/data_sources/${sourceId}`)).body.lifecycle_status === 'live' ? true : undefined,
      'backfill to finish',
      180_000,
    );
  }, 240_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('imports every company, with or without contacts, as a customer with its dates and selected attributes', async () => {
    const companies = sys.fake.store.companies() as any[];
    const rows: any[] = await sys.db.query(
      `SELECT r.external_id, r.name, r.website_url, r.lead_created_at, r.free_trial_started_at, r.custom, r.status,
              c.id AS customer_id, c.name AS customer_name, c.lead_created_at AS customer_lead
       FROM customer_records r JOIN customers c ON c.id = r.customer_id WHERE r.source_id = $1`,
      [sourceId],
    );
    expect(rows).toHaveLength(companies.length);
    const byId = new Map(rows.map((r) => [r.external_id, r]));
    const types = new Map((sys.fake.store.dataAttributes('company', true) as any[]).map((a) => [a.name, a.data_type]));
    const seenTypes = new Set<string>();
    for (const company of companies) {
      const row = byId.get(company.id);
      expect(row).toBeDefined();
      expect(row.name).toBe(company.name ?? null);
      expect(row.customer_name).toBe(company.name ?? null);
      expect(new Date(row.lead_created_at).toISOString()).toBe(toIsoTimestamp(company.created_at));
      expect(new Date(row.free_trial_started_at).toISOString()).toBe(toIsoTimestamp(company.created_at));
      expect(new Date(row.customer_lead).toISOString()).toBe(toIsoTimestamp(company.created_at));
      expect(row.status).toBe('New Lead');
      const expected: Record<string, unknown> = {};
      for (const name of selected.company) {
        if (company.custom_attributes?.[name] === undefined) continue;
        expected[name] = typeAttributeValue(company.custom_attributes[name], types.get(name)!);
        seenTypes.add(types.get(name)!);
      }
      expect(row.custom).toEqual(expected);
    }
    expect([...seenTypes].sort()).toEqual(['boolean', 'date', 'float', 'integer', 'string']);
    const withoutContacts = companies.filter((c) => sys.fake.store.contactIdsOf(c.id).length === 0);
    expect(withoutContacts.length).toBeGreaterThan(0);
  });

  it('imports exactly the contacts linked to a company, under every company, users and leads alike', async () => {
    const contacts = sys.fake.store.contacts() as any[];
    const expected = new Set<string>();
    let skipped = 0;
    for (const contact of contacts) {
      const companyIds = sys.fake.store.companyIdsOf(contact.id);
      if (companyIds.length === 0) skipped++;
      for (const companyId of companyIds) expected.add(`${contact.id}/${companyId}`);
    }
    const rows: any[] = await sys.db.query(
      `SELECT external_id, company_external_id, role, first_name, last_name, custom FROM contacts WHERE source_id = $1`,
      [sourceId],
    );
    const actual = new Set(rows.map((r) => `${r.external_id}/${r.company_external_id}`));
    expect(actual.size).toBe(rows.length); // no duplicates
    expect([...actual].sort()).toEqual([...expected].sort());
    expect(skipped).toBeGreaterThan(0);

    const manyCompanies = contacts.find((c) => sys.fake.store.companyIdsOf(c.id).length === 12);
    expect(manyCompanies).toBeDefined();
    expect(rows.filter((r) => r.external_id === manyCompanies.id)).toHaveLength(12);
    expect(new Set(rows.map((r) => r.role))).toEqual(new Set(['user', 'lead']));

    const unicode = contacts.find(
      (c) => /[^\u0000-\u007f]/.test(c.name ?? '') && sys.fake.store.companyIdsOf(c.id).length > 0,
    );
    expect(unicode).toBeDefined();
    const row = rows.find((r) => r.external_id === unicode.id);
    expect([row.first_name, row.last_name].filter(Boolean).join(' ')).toBe(unicode.name.trim());

    const unselected = (await sys.api('GET', `/v1/data_sources/${sourceId}/intercom/fields`)).body.contact[0].name;
    expect(rows.some((r) => unselected in r.custom)).toBe(false);

    // The selected ones are there, typed, on every (contact, company) row.
    const types = new Map((sys.fake.store.dataAttributes('contact', true) as any[]).map((a) => [a.name, a.data_type]));
    const byId = new Map(contacts.map((c) => [c.id, c]));
    let withSelected = 0;
    for (const r of rows) {
      const contact = byId.get(r.external_id);
      const expected: Record<string, unknown> = {};
      for (const name of selected.contact) {
        if (contact.custom_attributes?.[name] === undefined) continue;
        expected[name] = typeAttributeValue(contact.custom_attributes[name], types.get(name)!);
      }
      if (Object.keys(expected).length > 0) withSelected++;
      expect({ id: r.external_id, custom: r.custom }).toEqual({ id: r.external_id, custom: expected });
    }
    expect(withSelected).toBeGreaterThan(0);
  });

  it('reports progress through the API and the workflow query, and serves the result in ChartMogul shapes', async () => {
    const source = (await call('GET', `/v1/data_sources/${sourceId}`)).body;
    expect(source).toMatchObject({ status: 'import_complete', lifecycle_status: 'live' });
    expect(source.progress.companies_imported).toBe(sys.fake.store.companies().length);
    expect(source.progress.contacts_skipped_no_company).toBeGreaterThan(0);
    expect(source.progress.pages_fetched).toBeGreaterThan(0);
    expect(source.progress.finished_at).toBeTruthy();
    const view = await sys.workflows.status(sourceId);
    expect(view.status).toBe('live');
    expect(view.backfill?.finishedAt).toBeTruthy();
    expect(view.backfill?.pagesFetched).toBeGreaterThan(0);

    const metrics = await (await fetch(`${sys.apiUrl}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(value('intercom_sync_records_imported_total')).toBeGreaterThan(0);
    expect(value('intercom_sync_pages_fetched_total')).toBeGreaterThan(0);
    expect(value('intercom_sync_intercom_requests_total')).toBeGreaterThan(0);
    expect(metrics).toMatch(/^intercom_sync_rate_limit_waits_total \d+/m);

    const page = await call('GET', `/v1/customers?data_source_uuid=${sourceId}&per_page=50`);
    expect(page.status).toBe(200);
    expect(page.body.entries).toHaveLength(50);
    expect(page.body.has_more).toBe(true);
    const one = await call('GET', `/v1/customers/${page.body.entries[0].uuid}`);
    expect(one.status).toBe(200);
    expect(one.body.uuid).toBe(page.body.entries[0].uuid);
  });

  it('keeps only the selected contact attributes of a contact updated through a webhook', async () => {
    const attributes = sys.fake.store.dataAttributes('contact', true) as any[];
    const sample = (type: string): unknown =>
      ({ string: 'from a webhook', integer: 7, float: 1.5, boolean: true, date: 1_700_000_000 })[type];
    const unselectedName = (await sys.api('GET', `/v1/data_sources/${sourceId}/intercom/fields`)).body.contact[0].name;
    const unselected = attributes.find((a) => a.name === unselectedName);
    const chosen = attributes.find((a) => selected.contact.includes(a.name) && a.data_type === 'string');
    expect([unselected?.name, chosen?.name].every(Boolean)).toBe(true);
    const contact = (sys.fake.store.contacts() as any[]).find((c) => sys.fake.store.companyIdsOf(c.id).length > 0);
    const intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    await intercom.contacts.update({
      contact_id: contact.id,
      custom_attributes: { [chosen.name]: 'from a webhook', [unselected.name]: sample(unselected.data_type) },
    } as any);
    const rows: any[] = await eventually(async () => {
      const r: any[] = await sys.db.query(`SELECT custom FROM contacts WHERE source_id = $1 AND external_id = $2`, [
        sourceId,
        contact.id,
      ]);
      return r.length > 0 && r.every((x) => x.custom[chosen.name] === 'from a webhook') ? r : undefined;
    }, 'the webhook applied');
    for (const r of rows) expect(Object.keys(r.custom)).not.toContain(unselected.name);
  });

  it('never lets the access token into workflow histories, logs or API responses', async () => {
    const token = sys.fake.accessToken;
    const histories = await decodedHistories(sys, sourceId);
    // The source workflow and its backfill child, payloads decoded: the activities' inputs are there in clear
    // (they are base64 in the history itself), so a token passed the same way would be found.
    expect(Object.keys(histories)).toEqual([`source:${sourceId}`, `source:${sourceId}:backfill:1`]);
    for (const h of Object.values(histories)) expect(h).toContain(`{"sourceId":"${sourceId}"`);
    expect(sys.logs.text.length).toBeGreaterThan(0);
    expectNoSecrets([token], { ...histories, logs: sys.logs.text, responses: responses.join('\n') });
  });
});
