import { eventually, importSource, startSystem, type System } from '../helpers/system';

// The official client (untyped CommonJS): ChartMogul's own code against our API.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ChartMogul: any = require('chartmogul-node');

/**
 * ChartMogul compatibility: the official `chartmogul-node` client, pointed at our API (`new Config(key, base)`),
 * lists, pages (cursors, and the deprecated `page` the client itself refuses, over plain HTTP), searches (hit and
 * 404), retrieves, reads contacts and attributes, adds and removes custom attributes and tags, creates, merges,
 * unmerges and deletes, and gets our data back in ChartMogul's shapes. Retries are off, so a 5xx or 429 (which the
 * client would retry for minutes) surfaces at once.
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

  /** Follows cursors to the end; every page, the last one included, carries a cursor string (as ChartMogul's). */
  async function allPages(fetchPage: (cursor?: string) => Promise<any>): Promise<any[]> {
    const entries: any[] = [];
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(500);
      const page = await fetchPage(cursor);
      entries.push(...page.entries);
      expect(typeof page.cursor).toBe('string');
      if (!page.has_more) return entries;
      cursor = page.cursor;
    }
  }

  /** Tags (or untags) a company in the fake Intercom through its REST API, as an Intercom user would. */
  async function tagCompany(companyId: string, name: string, untag = false): Promise<void> {
    const res = await fetch(`${sys.fake.url}/tags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sys.fake.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, companies: [{ id: companyId, untag }] }),
    });
    expect(res.status).toBe(200);
  }

  const companies = (): any[] => sys.fake.store.companies() as any[];
  const customerOf = async (companyId: string): Promise<any> =>
    (await ChartMogul.Customer.all(config, { data_source_uuid: intercom, external_id: companyId })).entries[0];

  beforeAll(async () => {
    sys = await startSystem({ fake: { companies: 60, contacts: 200, seed: 31 } });
    await sys.startWorker();
    config = new ChartMogul.Config(sys.apiKey, sys.apiUrl);
    config.retries = 0;
    // Two companies carry tags before the import (the backfill brings them).
    const [first, second] = companies();
    await tagCompany(first.id, 'vip');
    await tagCompany(first.id, 'enterprise');
    await tagCompany(second.id, 'vip');
    intercom = await importSource(sys, 'Intercom', 'all');
    const created = await ChartMogul.DataSource.create(config, { name: 'Billing' });
    billing = created.uuid;
  }, 300_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it("pings and lists, filters and retrieves data sources, with ChartMogul's status words", async () => {
    expect(await ChartMogul.Ping.ping(config)).toEqual({ data: 'pong!' });
    const all = await ChartMogul.DataSource.all(config);
    expect(all.data_sources.map((s: any) => [s.uuid, s.name, s.system, s.status])).toEqual([
      [intercom, 'Intercom', 'Intercom', 'import_complete'],
      [billing, 'Billing', 'Custom', 'idle'],
    ]);
    const custom = await ChartMogul.DataSource.all(config, { system: 'Custom' });
    expect(custom.data_sources.map((s: any) => s.uuid)).toEqual([billing]);
    expect(await ChartMogul.DataSource.retrieve(config, intercom)).toMatchObject({
      status: 'import_complete',
      lifecycle_status: 'live',
    });
    const fresh = await ChartMogul.DataSource.create(config, { name: 'Not yet', system: 'Intercom' });
    expect(fresh).toMatchObject({ status: 'never_imported', lifecycle_status: 'awaiting_connection' });
    await ChartMogul.DataSource.destroy(config, fresh.uuid);
    expect((await failure(ChartMogul.DataSource.retrieve(config, fresh.uuid))).status).toBe(404);
    const unknown = await failure(ChartMogul.DataSource.all(config, { with_processing_status: true }));
    expect(unknown).toMatchObject({ status: 400, body: { code: 400, param: 'with_processing_status' } });
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
      expect(Number.isInteger(c.id)).toBe(true);
      expect(c).toMatchObject({
        'billing-system-type': 'Intercom',
        'billing-system-url': `https://app.intercom.com/a/apps/${sys.fake.appId}/companies/${c.external_id}`,
        'chartmogul-url': `${sys.config.publicUrl}/app/customers/${c.uuid}`,
        currency: 'USD',
        'currency-sign': '$',
        owner: null,
        mrr: 0,
        arr: 0,
      });
      expect(Object.keys(c.address).sort()).toEqual(['address_zip', 'city', 'country', 'state']);
      expect(c.attributes).toMatchObject({
        tags: expect.any(Array),
        stripe: {},
        clearbit: {},
        custom: expect.any(Object),
      });
    }
    const [first, second] = companies();
    const tagsOf = (id: string) => entries.find((c) => c.external_id === id).attributes.tags;
    expect([tagsOf(first.id), tagsOf(second.id)]).toEqual([['enterprise', 'vip'], ['vip']]);

    // Filters narrow, and what we don't support is refused by name, never ignored.
    const intercomOnly = await ChartMogul.Customer.all(config, { system: 'Intercom', per_page: 200 });
    expect(intercomOnly.entries).toHaveLength(n);
    expect((await ChartMogul.Customer.all(config, { system: 'Stripe' })).entries).toEqual([]);
    const foo = await failure(ChartMogul.Customer.all(config, { data_source_uuid: intercom, foo: 'bar' }));
    expect(foo).toMatchObject({
      status: 400,
      body: { code: 400, param: 'foo', message: expect.stringContaining('foo') },
    });
  });

  it('pages the deprecated way (page, per_page) that the client itself refuses', async () => {
    // chartmogul-node throws DeprecatedParamError before sending `page`: older code sends it over plain HTTP.
    await expect(ChartMogul.Customer.all(config, { page: 2 })).rejects.toThrow(/deprecated/);
    const byCursor = await allPages((cursor) => ChartMogul.Customer.all(config, { per_page: 7, cursor }));
    const pages = Math.ceil(byCursor.length / 7);
    const legacy: any[] = [];
    for (let page = 1; page <= pages + 1; page++) {
      const res = await sys.api('GET', `/v1/customers?page=${page}&per_page=7`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ current_page: page, total_pages: pages, per_page: 7, page });
      expect(res.body.has_more).toBe(page < pages);
      legacy.push(...res.body.entries);
    }
    expect(legacy.map((c) => c.uuid)).toEqual(byCursor.map((c) => c.uuid));
    const { cursor } = await ChartMogul.Customer.all(config, { per_page: 1 });
    const both = await sys.api('GET', `/v1/customers?page=1&cursor=${encodeURIComponent(cursor)}`);
    expect(both).toMatchObject({ status: 400, body: { param: 'page' } });
  });

  it('creates custom customers, searches them by email and modifies them', async () => {
    // A company without tags (the first ones have some).
    const company = companies()
      .slice(3)
      .find((c) => c.website && c.name);
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
    expect(created.attributes.tags).toEqual(['vip']);
    expect(created['billing-system-type']).toBe('ImportApi');
    const two = await ChartMogul.Customer.create(config, {
      data_source_uuid: billing,
      external_id: 'cm-2',
      email: 'two@example.com',
      country: 'de',
      state: 'Berlin',
      zip: '10115',
      city: 'Berlin',
    });
    expect(two).toMatchObject({
      country: 'DE',
      state: 'Berlin',
      zip: '10115',
      address: { country: 'Germany', state: 'Berlin', address_zip: '10115', city: 'Berlin' },
      'billing-system-url': null,
    });

    const found = await ChartMogul.Customer.search(config, { email: 'billing.one@EXAMPLE.com' });
    expect(found.entries.map((c: any) => c.uuid)).toEqual([created.uuid]);
    expect(found.has_more).toBe(false);
    expect(typeof found.cursor).toBe('string');
    const none = await failure(ChartMogul.Customer.search(config, { email: 'nobody@example.com' }));
    expect(none).toEqual({ status: 404, body: { code: 404, message: expect.any(String), param: 'email' } });

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
    const invalid = await failure(
      ChartMogul.Customer.create(config, { data_source_uuid: billing, external_id: '', email: 'not an email' }),
    );
    expect(invalid.status).toBe(422);
    expect(Object.keys(invalid.body.errors).sort()).toEqual(['email', 'external_id']);
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
    // `position` is the contact's order on the customer, as listed.
    expect(paged.map((c) => c.position)).toEqual(paged.map((_c, i) => i + 1));
    expect(await ChartMogul.Contact.retrieve(config, paged[1].uuid)).toEqual(paged[1]);
    expect((await failure(ChartMogul.Contact.retrieve(config, 'con_nobody'))).body).toMatchObject({
      code: 404,
      param: 'contact_uuid',
    });

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

  it('reads attributes, adds and removes custom attributes and tags', async () => {
    const [first] = companies();
    const customer = await customerOf(first.id);
    expect(await ChartMogul.Customer.attributes(config, customer.uuid)).toEqual({
      tags: ['enterprise', 'vip'],
      stripe: {},
      clearbit: {},
      custom: customer.attributes.custom,
    });
    const added = await ChartMogul.CustomAttribute.add(config, customer.uuid, {
      custom: [
        { type: 'String', key: 'channel', value: 'Facebook' },
        { type: 'Integer', key: 'age', value: 8 },
      ],
    });
    expect(added.custom).toMatchObject({ channel: 'Facebook', age: 8 });
    const updated = await ChartMogul.CustomAttribute.update(config, customer.uuid, { custom: { age: 20 } });
    expect(updated.custom).toMatchObject({ channel: 'Facebook', age: 20 });
    const removed = await ChartMogul.CustomAttribute.remove(config, customer.uuid, { custom: ['channel'] });
    expect(removed.custom.channel).toBeUndefined();
    expect(removed.custom.age).toBe(20);
    const badType = await failure(
      ChartMogul.CustomAttribute.add(config, customer.uuid, { custom: [{ type: 'Integer', key: 'n', value: 'x' }] }),
    );
    expect(badType.status).toBe(422);

    expect(await ChartMogul.Tag.add(config, customer.uuid, { tags: ['important', 'vip'] })).toEqual({
      tags: ['enterprise', 'important', 'vip'],
    });
    expect(await ChartMogul.Tag.remove(config, customer.uuid, { tags: ['important', 'enterprise'] })).toEqual({
      tags: ['vip'],
    });
    const byEmail = await ChartMogul.Tag.add(config, { email: 'two@example.com', tags: ['from-email'] });
    expect(byEmail.entries.map((c: any) => c.attributes.tags)).toEqual([['from-email']]);
    expect((await ChartMogul.Customer.retrieve(config, customer.uuid)).attributes.custom.age).toBe(20);

    // The latest write wins between the attribute endpoints and PATCH of a custom source's customer.
    const [billed] = (await ChartMogul.Customer.all(config, { data_source_uuid: billing, external_id: 'cm-1' }))
      .entries;
    await ChartMogul.CustomAttribute.update(config, billed.uuid, { custom: { channel: 'api' } });
    expect((await ChartMogul.Customer.retrieve(config, billed.uuid)).attributes.custom.channel).toBe('api');
    await ChartMogul.Customer.modify(config, billed.uuid, { attributes: { custom: { channel: 'patched' } } });
    expect((await ChartMogul.Customer.retrieve(config, billed.uuid)).attributes.custom.channel).toBe('patched');
  });

  it('brings Intercom tag changes with live sync', async () => {
    const third = companies()[2];
    await tagCompany(third.id, 'champion');
    await eventually(
      async () => ((await customerOf(third.id)).attributes.tags.includes('champion') ? true : undefined),
      'the new tag',
    );
    await tagCompany(third.id, 'champion', true);
    await eventually(
      async () => ((await customerOf(third.id)).attributes.tags.includes('champion') ? undefined : true),
      'the tag removed',
    );

    // As Intercom's notifications really carry a company: `tag_ids` only (named through GET /tags), ISO timestamps.
    const champion = (sys.fake.store.tags as Array<{ id: string; name: string }>).find((t) => t.name === 'champion')!;
    const { tags: _restTags, ...rest } = sys.fake.store.companyJson(sys.fake.store.getCompany(third.id)) as any;
    const tagReads = sys.fake.requestCount('/tags');
    sys.fake.webhooks.send('company.updated', {
      ...rest,
      tag_ids: [champion.id],
      created_at: new Date(rest.created_at * 1000).toISOString(),
      updated_at: new Date((rest.updated_at + 60) * 1000).toISOString(),
    });
    await eventually(
      async () => ((await customerOf(third.id)).attributes.tags.includes('champion') ? true : undefined),
      'the tag named from its id',
    );
    expect(sys.fake.requestCount('/tags')).toBeGreaterThan(tagReads); // GET /tags named it
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
      ['customer without external_id', () => ChartMogul.Customer.create(config, { data_source_uuid: billing }), 422],
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
        422,
      ],
      ['merge without sides', () => ChartMogul.Customer.merge(config, { from: {}, into: {} }), 400],
      [
        'merge of unknown customers',
        () => ChartMogul.Customer.merge(config, { from: { customer_uuid: 'cus_a' }, into: { customer_uuid: 'cus_b' } }),
        404,
      ],
      ['unmerge without record', () => ChartMogul.Customer.unmerge(config, { customer_uuid: 'cus_a' }), 400],
      ['modify an unknown customer', () => ChartMogul.Customer.modify(config, 'cus_nobody', { name: 'x' }), 404],
      ['attributes of an unknown customer', () => ChartMogul.Customer.attributes(config, 'cus_nobody'), 404],
      ['unknown route', () => ChartMogul.Customer.createContact(config, 'cus_nobody', {}), 404],
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

  it('deletes a data source: 204, gone from reads at once, purged in the background with progress in /app', async () => {
    const [first] = companies();
    const before = await customerOf(first.id);
    await ChartMogul.DataSource.destroy(config, intercom);
    expect((await failure(ChartMogul.DataSource.retrieve(config, intercom))).body).toMatchObject({
      code: 404,
      param: 'data_source_uuid',
    });
    expect((await ChartMogul.DataSource.all(config)).data_sources.map((s: any) => s.uuid)).not.toContain(intercom);
    expect((await failure(ChartMogul.Customer.retrieve(config, before.uuid))).status).toBe(404);
    expect((await ChartMogul.Customer.all(config, { data_source_uuid: intercom })).entries).toEqual([]);
    const page = await fetch(`${sys.apiUrl}/app/sources/${intercom}`, {
      headers: { authorization: `Basic ${Buffer.from(`${sys.apiKey}:`).toString('base64')}` },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/deleting|deleted/i);
    await sys.client.workflow.getHandle(`source:${intercom}`).result();
    const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`, [
      intercom,
    ]);
    expect(n).toBe(0);
  });
});
