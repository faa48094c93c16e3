import { importSource, startSystem, type System } from '../helpers/system';

// The official client (untyped CommonJS): ChartMogul's own code against our API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChartMogul: any = require('chartmogul-node');

/**
 * ChartMogul compatibility: the official `chartmogul-node` client, pointed at our API (`new Config(key, base)`),
 * lists, pages, searches, retrieves, creates, merges and unmerges, and gets our data back. Retries are off, so a
 * 5xx or 429 (which the client would retry for minutes) surfaces at once.
 */
describe('chartmogul-node against our API', () => {
  let sys: System;
  let config: any;
  let intercom: string;
  let billing: string;

  /** The client rejects with superagent's raw error for HTTP errors: `status` and `response.body`. */
  async function failure(p: Promise<unknown>): Promise<{ status: number; body: any }> {
    try {
      await p;
    } catch (e: any) {
      return { status: e.status ?? e.httpStatus, body: e.response?.body ?? e.response };
    }
    throw new Error('expected the call to fail');
  }

  async function allPages(fetchPage: (cursor?: string) => Promise<any>): Promise<any[]> {
    const entries: any[] = [];
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(500);
      const page = await fetchPage(cursor);
      entries.push(...page.entries);
      expect(page.has_more).toBe(page.cursor !== null);
      if (!page.has_more) return entries;
      cursor = page.cursor;
    }
  }

  beforeAll(async () => {
    sys = await startSystem({ fake: { companies: 60, contacts: 200, seed: 31 } });
    await sys.startWorker();
    config = new ChartMogul.Config(sys.apiKey, sys.apiUrl);
    config.retries = 0;
    intercom = await importSource(sys, 'Intercom', 'all');
    const created = await ChartMogul.DataSource.create(config, { name: 'Billing' });
    billing = created.uuid;
  }, 300_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('pings and lists, filters and retrieves data sources', async () => {
    expect(await ChartMogul.Ping.ping(config)).toEqual({ data: 'pong!' });
    const all = await ChartMogul.DataSource.all(config);
    expect(all.data_sources.map((s: any) => [s.uuid, s.name, s.system])).toEqual([
      [intercom, 'Intercom', 'Intercom'],
      [billing, 'Billing', 'Custom'],
    ]);
    const custom = await ChartMogul.DataSource.all(config, { system: 'Custom' });
    expect(custom.data_sources.map((s: any) => s.uuid)).toEqual([billing]);
    expect((await ChartMogul.DataSource.retrieve(config, intercom)).status).toBe('live');
  });

  it('lists every customer with cursor paging, without duplicates', async () => {
    const entries = await allPages((cursor) => ChartMogul.Customer.all(config, { per_page: 7, cursor }));
    const uuids = entries.map((c) => c.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);
    const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customers`);
    expect(uuids.length).toBe(n);
    expect(n).toBe(sys.fake.store.companies().length);
    const companyIds = new Set((sys.fake.store.companies() as any[]).map((c) => c.id));
    for (const c of entries) {
      expect(c.data_source_uuid).toBe(intercom);
      expect(companyIds.has(c.external_id)).toBe(true);
      expect(typeof c.email).toBe('string');
      expect(c.attributes).toMatchObject({ tags: [], custom: expect.any(Object) });
    }
    // Unknown query parameters are tolerated.
    const filtered = await ChartMogul.Customer.all(config, { data_source_uuid: intercom, per_page: 200, foo: 'bar' });
    expect(filtered.entries).toHaveLength(n);
  });

  it('creates custom customers, searches them by email and modifies them', async () => {
    const company = (sys.fake.store.companies() as any[]).find((c) => c.website && c.name);
    const created = await ChartMogul.Customer.create(config, {
      data_source_uuid: billing,
      external_id: 'cm-1',
      name: 'Billing One',
      email: 'Billing.One@example.com',
      website_url: company.website,
      lead_created_at: '2024-01-02T00:00:00Z',
      attributes: { tags: ['vip'], custom: [{ type: 'String', key: 'channel', value: 'partner', source: 'Billing' }] },
      primary_contact: { first_name: 'Ada' },
    });
    // The same website: it joined the Intercom company's customer, billing primary.
    expect(created).toMatchObject({
      external_ids: ['cm-1', company.id],
      data_source_uuids: [billing, intercom],
      name: 'Billing One',
      email: 'Billing.One@example.com',
      lead_created_at: '2024-01-02T00:00:00.000Z',
    });
    expect(created.attributes.custom.channel).toBe('partner');
    await ChartMogul.Customer.create(config, {
      data_source_uuid: billing,
      external_id: 'cm-2',
      email: 'two@example.com',
    });

    const found = await ChartMogul.Customer.search(config, { email: 'billing.one@EXAMPLE.com' });
    expect(found.entries.map((c: any) => c.uuid)).toEqual([created.uuid]);
    expect(found.has_more).toBe(false);
    expect((await ChartMogul.Customer.search(config, { email: 'nobody@example.com' })).entries).toEqual([]);

    const modified = await ChartMogul.Customer.modify(config, created.uuid, {
      city: 'Lisbon',
      attributes: { custom: { channel: 'direct' } },
    });
    expect(modified).toMatchObject({ uuid: created.uuid, city: 'Lisbon', name: 'Billing One' });
    expect(modified.attributes.custom.channel).toBe('direct');

    const dup = await failure(
      ChartMogul.Customer.create(config, { data_source_uuid: billing, external_id: 'cm-1', name: 'again' }),
    );
    expect(dup.status).toBe(422);
    expect(dup.body.errors.external_id).toBe('The external ID for this customer already exists in our system.');
  });

  it('retrieves a customer with its contacts, and lists contacts with paging', async () => {
    const companies = sys.fake.store.companies() as any[];
    const busy = companies
      .map((c) => ({ c, n: sys.fake.store.contactIdsOf(c.id).length }))
      .sort((a, b) => b.n - a.n)[0];
    expect(busy.n).toBeGreaterThan(2);
    const [listed] = (await ChartMogul.Customer.all(config, { data_source_uuid: intercom, external_id: busy.c.id }))
      .entries;
    const customer = await ChartMogul.Customer.retrieve(config, listed.uuid);
    expect(customer.uuid).toBe(listed.uuid);
    expect(customer.name).toBe(busy.c.name);
    const expected = [...sys.fake.store.contactIdsOf(busy.c.id)].sort();
    expect(customer.contacts.map((c: any) => c.external_id).sort()).toEqual(expected);

    const paged = await allPages((cursor) =>
      ChartMogul.Customer.contacts(config, listed.uuid, { per_page: 2, cursor }),
    );
    expect(paged.map((c) => c.external_id).sort()).toEqual(expected);
    for (const c of paged) expect(c).toMatchObject({ customer_uuid: listed.uuid, data_source_uuid: intercom });

    const contacts = await allPages((cursor) =>
      ChartMogul.Contact.all(config, { data_source_uuid: intercom, per_page: 50, cursor }),
    );
    const uuids = contacts.map((c) => c.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);
    const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM contacts`);
    expect(uuids.length).toBe(n);
    const withEmail = contacts.find((c) => c.email);
    const byEmail = await ChartMogul.Contact.all(config, { email: withEmail.email });
    expect(byEmail.entries.map((c: any) => c.uuid)).toContain(withEmail.uuid);
  });

  it('merges two customers and unmerges them again', async () => {
    const companies = (sys.fake.store.companies() as any[]).filter((c) => !c.website && c.name);
    const [a, b] = await Promise.all(
      companies
        .slice(0, 2)
        .map(
          async (c) =>
            (await ChartMogul.Customer.all(config, { data_source_uuid: intercom, external_id: c.id })).entries[0],
        ),
    );
    expect(
      await ChartMogul.Customer.merge(config, {
        from: { customer_uuid: a.uuid },
        into: { customer_uuid: b.uuid },
      }),
    ).toEqual({});
    const merged = await ChartMogul.Customer.retrieve(config, b.uuid);
    expect(merged.external_ids).toEqual([b.external_id, a.external_id]);
    expect(merged.name).toBe(b.name);
    expect((await failure(ChartMogul.Customer.retrieve(config, a.uuid))).status).toBe(404);

    expect(
      await ChartMogul.Customer.unmerge(config, {
        customer_uuid: b.uuid,
        data_source_uuid: intercom,
        external_id: a.external_id,
        move_to_new_customer: ['tasks', 'opportunities', 'notes'],
      }),
    ).toEqual({});
    const split = (await ChartMogul.Customer.all(config, { data_source_uuid: intercom, external_id: a.external_id }))
      .entries[0];
    expect(split.external_ids).toEqual([a.external_id]);
    expect((await ChartMogul.Customer.retrieve(config, b.uuid)).external_ids).toEqual([b.external_id]);
  });

  it('deletes a custom customer (204), keeping the Intercom data it was merged with', async () => {
    const [merged] = (await ChartMogul.Customer.all(config, { data_source_uuid: billing, external_id: 'cm-1' }))
      .entries;
    await ChartMogul.Customer.destroy(config, merged.uuid);
    const left = await ChartMogul.Customer.retrieve(config, merged.uuid);
    expect(left.data_source_uuids).toEqual([intercom]);
    expect(left.attributes.custom.channel).toBeUndefined();
  });

  it('answers client mistakes with 4xx and ChartMogul error bodies, never 5xx or 429', async () => {
    const mistakes: Array<[string, () => Promise<unknown>, number]> = [
      ['unknown customer', () => ChartMogul.Customer.retrieve(config, 'cus_nobody'), 404],
      ['NUL in a path', () => ChartMogul.Customer.retrieve(config, 'cus_\u0000'), 400],
      ['unknown data source', () => ChartMogul.DataSource.retrieve(config, 'ds_nobody'), 404],
      ['search without email', () => ChartMogul.Customer.search(config, {}), 400],
      ['per_page too large', () => ChartMogul.Customer.all(config, { per_page: 5000 }), 400],
      ['foreign cursor', () => ChartMogul.Customer.all(config, { cursor: 'not-ours' }), 400],
      ['data source without name', () => ChartMogul.DataSource.create(config, {}), 400],
      ['customer without external_id', () => ChartMogul.Customer.create(config, { data_source_uuid: billing }), 400],
      [
        'customer of an Intercom source',
        () => ChartMogul.Customer.create(config, { data_source_uuid: intercom, external_id: 'x' }),
        422,
      ],
      [
        'bad custom attribute',
        () =>
          ChartMogul.Customer.create(config, {
            data_source_uuid: billing,
            external_id: 'x',
            attributes: { custom: [{ type: 'Integer', key: 'n', value: 'lots' }] },
          }),
        400,
      ],
      ['merge without sides', () => ChartMogul.Customer.merge(config, { from: {}, into: {} }), 400],
      [
        'merge of unknown customers',
        () => ChartMogul.Customer.merge(config, { from: { customer_uuid: 'cus_a' }, into: { customer_uuid: 'cus_b' } }),
        404,
      ],
      ['unmerge without record', () => ChartMogul.Customer.unmerge(config, { customer_uuid: 'cus_a' }), 400],
      ['modify an unknown customer', () => ChartMogul.Customer.modify(config, 'cus_nobody', { name: 'x' }), 404],
      ['unknown route', () => ChartMogul.Customer.attributes(config, 'cus_nobody'), 404],
    ];
    for (const [what, call, status] of mistakes) {
      const res = await failure(call());
      expect({ what, status: res.status }).toEqual({ what, status });
      expect(res.body).toMatchObject({ code: status, message: expect.any(String) });
    }
    const wrongKey = new ChartMogul.Config('wrong-key', sys.apiUrl);
    wrongKey.retries = 0;
    expect((await failure(ChartMogul.DataSource.all(wrongKey))).status).toBe(401);
  });
});
