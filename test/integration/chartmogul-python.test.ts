import { chartmogulPython, pythonClient, type PyAnswer } from '../helpers/chartmogul-python';
import { importSource, startSystem, type System } from '../helpers/system';

/**
 * ChartMogul compatibility with the official Python client (PyPI `chartmogul`, in a virtualenv the tests create
 * in the user cache): it parses every answer with its marshmallow schemas (non-nullable strings and integers,
 * nested address and attributes), so a field of the wrong type or a null where it expects a value fails here.
 * Retries are off (`max_retries=0`).
 */
describe("ChartMogul's Python client against our API", () => {
  let sys: System;
  let py: ReturnType<typeof pythonClient>;
  let intercom: string;
  let billing: string;

  /** A successful call's result; anything else fails with what the client said. */
  async function ok(op: string, kwargs: Record<string, unknown> = {}): Promise<any> {
    const answer = await py.call(op, kwargs);
    if (!answer.ok) throw new Error(`${op} ${JSON.stringify(kwargs)}: ${JSON.stringify(answer)}`);
    return answer.result;
  }

  async function allPages(op: string, kwargs: Record<string, unknown>): Promise<any[]> {
    const entries: any[] = [];
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(200);
      const page = await ok(op, { ...kwargs, ...(cursor ? { cursor } : {}) });
      entries.push(...page.entries);
      expect(typeof page.cursor).toBe('string');
      if (!page.has_more) return entries;
      cursor = page.cursor;
    }
  }

  beforeAll(async () => {
    const [python, started] = await Promise.all([
      chartmogulPython(),
      startSystem({ fake: { companies: 30, contacts: 120, seed: 47 } }),
    ]);
    sys = started;
    py = pythonClient(python, sys.apiUrl, sys.apiKey);
    await sys.startWorker();
    const [first] = sys.fake.store.companies() as any[];
    sys.fake.store.tagCompanies('vip', [first.id], false);
    intercom = await importSource(sys, 'Intercom', 'all');
    billing = (await ok('DataSource.create', { data: { name: 'Billing' } })).uuid;
  }, 600_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('pings, lists and retrieves data sources', async () => {
    expect(await ok('Ping.ping')).toMatchObject({ data: 'pong!' });
    const { data_sources } = await ok('DataSource.all');
    expect(data_sources.map((s: any) => [s.__type, s.uuid, s.system, s.status])).toEqual([
      ['DataSource', intercom, 'Intercom', 'import_complete'],
      ['DataSource', billing, 'Custom', 'idle'],
    ]);
    expect(await ok('DataSource.retrieve', { uuid: intercom })).toMatchObject({ uuid: intercom, name: 'Intercom' });
  });

  it('lists every customer with cursors and parses each one', async () => {
    const entries = await allPages('Customer.all', { per_page: 7 });
    const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customers`);
    expect(entries).toHaveLength(n);
    expect(new Set(entries.map((c) => c.uuid)).size).toBe(n);
    for (const c of entries) {
      expect(c).toMatchObject({
        __type: 'Customer',
        data_source_uuid: intercom,
        billing_system_type: 'Intercom',
        currency: 'USD',
        attributes: { __type: 'Attributes', stripe: {}, clearbit: {} },
      });
      expect(c.address.__type).toBe('Address');
    }
    const [first] = sys.fake.store.companies() as any[];
    expect(entries.find((c) => c.external_id === first.id).attributes.tags).toEqual(['vip']);
    const filtered = await ok('Customer.all', { system: 'Intercom', per_page: 200 });
    expect(filtered.entries).toHaveLength(n);
    const unknown = await py.call('Customer.all', { foo: 'bar' });
    expect(unknown).toMatchObject({ ok: false, status: 400, body: { code: 400, param: 'foo' } });
  });

  it('parses the deprecated page-numbered answers it no longer asks for itself', async () => {
    expect(await py.call('Customer.all', { page: 2 })).toMatchObject({ ok: false, error: 'DeprecatedArgumentError' });
    const second = await sys.api('GET', '/v1/customers?page=2&per_page=5');
    expect(second.body).toMatchObject({ current_page: 2, page: 2, per_page: 5 });
    const parsed = await py.parse('Customer', second.body);
    expect(parsed).toMatchObject({ ok: true });
    expect((parsed as Extract<PyAnswer, { ok: true }>).result.entries.map((c: any) => c.uuid)).toEqual(
      second.body.entries.map((c: any) => c.uuid),
    );
  });

  it('searches by email (hit, and 404 without a match), retrieves, reads contacts and attributes', async () => {
    const created = await ok('Customer.create', {
      data: {
        data_source_uuid: billing,
        external_id: 'py-1',
        name: 'Py One',
        email: 'py.one@example.com',
        country: 'FR',
      },
    });
    expect(created).toMatchObject({ name: 'Py One', address: { country: 'France' } });
    const hit = await ok('Customer.search', { email: 'PY.ONE@example.com' });
    expect(hit.entries.map((c: any) => c.uuid)).toEqual([created.uuid]);
    expect(await py.call('Customer.search', { email: 'nobody@example.com' })).toEqual({
      ok: false,
      status: 404,
      body: { code: 404, message: expect.any(String), param: 'email' },
    });

    const busy = (sys.fake.store.companies() as any[])
      .map((c) => ({ c, n: sys.fake.store.contactIdsOf(c.id).length }))
      .sort((a, b) => b.n - a.n)[0];
    const [listed] = (await ok('Customer.all', { data_source_uuid: intercom, external_id: busy.c.id })).entries;
    const customer = await ok('Customer.retrieve', { uuid: listed.uuid });
    expect(customer).toMatchObject({ __type: 'Customer', uuid: listed.uuid, name: busy.c.name });
    const contacts = await allPages('Customer.contacts', { uuid: listed.uuid, per_page: 2 });
    expect(contacts.map((c) => c.external_id).sort()).toEqual([...sys.fake.store.contactIdsOf(busy.c.id)].sort());
    expect(contacts.map((c) => c.position)).toEqual(contacts.map((_c, i) => i + 1));
    expect(await ok('Contact.retrieve', { uuid: contacts[0].uuid })).toEqual(contacts[0]);
    const everyContact = await allPages('Contact.all', { data_source_uuid: intercom, per_page: 100 });
    const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM contacts`);
    expect(everyContact).toHaveLength(n);

    const attributes = await ok('Attributes.retrieve', { uuid: listed.uuid });
    expect(attributes).toMatchObject({
      __type: 'Attributes',
      tags: expect.any(Array),
      custom: customer.attributes.custom,
    });
  });

  it('adds, updates and removes custom attributes and tags', async () => {
    const [first] = sys.fake.store.companies() as any[];
    const [customer] = (await ok('Customer.all', { data_source_uuid: intercom, external_id: first.id })).entries;
    const added = await ok('CustomAttributes.add', {
      uuid: customer.uuid,
      data: { custom: [{ type: 'Integer', key: 'seats_bought', value: 12 }] },
    });
    expect(added.custom.seats_bought).toBe(12);
    const updated = await ok('CustomAttributes.update', {
      uuid: customer.uuid,
      data: { custom: { seats_bought: 15 } },
    });
    expect(updated.custom.seats_bought).toBe(15);
    const removed = await ok('CustomAttributes.remove', { uuid: customer.uuid, data: { custom: ['seats_bought'] } });
    expect(removed.custom.seats_bought).toBeUndefined();
    expect(await ok('Tags.add', { uuid: customer.uuid, data: { tags: ['renewal'] } })).toMatchObject({
      tags: ['renewal', 'vip'],
    });
    expect(await ok('Tags.remove', { uuid: customer.uuid, data: { tags: ['vip'] } })).toMatchObject({
      tags: ['renewal'],
    });
    const byEmail = await ok('CustomAttributes.add_by_email', {
      data: { email: 'py.one@example.com', custom: [{ type: 'String', key: 'tier', value: 'gold' }] },
    });
    expect(byEmail.entries.map((c: any) => c.attributes.custom.tier)).toEqual(['gold']);
  });

  it('merges and unmerges (202, no body)', async () => {
    const [a, b] = (sys.fake.store.companies() as any[]).slice(5, 7);
    const find = async (id: string) =>
      (await ok('Customer.all', { data_source_uuid: intercom, external_id: id })).entries[0];
    const [ca, cb] = [await find(a.id), await find(b.id)];
    expect(
      await ok('Customer.merge', { data: { from: { customer_uuid: ca.uuid }, into: { customer_uuid: cb.uuid } } }),
    ).toBeNull();
    expect((await ok('Customer.retrieve', { uuid: cb.uuid })).external_ids.sort()).toEqual([a.id, b.id].sort());
    expect(await py.call('Customer.retrieve', { uuid: ca.uuid })).toMatchObject({ ok: false, status: 404 });
    expect(
      await ok('Customer.unmerge', {
        data: { customer_uuid: cb.uuid, data_source_uuid: intercom, external_id: a.id, move_to_new_customer: [] },
      }),
    ).toBeNull();
    expect((await find(a.id)).external_ids).toEqual([a.id]);
  });

  it('deletes a data source (204): it is gone from reads at once', async () => {
    expect(await ok('DataSource.destroy', { uuid: intercom })).toBeNull();
    expect(await py.call('DataSource.retrieve', { uuid: intercom })).toEqual({
      ok: false,
      status: 404,
      body: { code: 404, message: expect.stringContaining(intercom), param: 'data_source_uuid' },
    });
    expect((await ok('DataSource.all')).data_sources.map((s: any) => s.uuid)).toEqual([billing]);
    await sys.client.workflow.getHandle(`source:${intercom}`).result();
  });
});
