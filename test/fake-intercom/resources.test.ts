import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { api, ManualClock, type Json } from './helpers';

type List = { type: string; data: Json[]; total_count: number; pages: Json };

describe('contacts and companies resources', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1, 8, 0, 0));
  let fake: FakeIntercom;

  beforeAll(async () => {
    fake = await startFakeIntercom({ companies: 60, contacts: 250, seed: 4, now: clock.now, quiet: true });
  });
  afterAll(() => fake.close());

  it('GET /contacts: default 10 per page, opaque cursor, no next on the last page, merged contacts hidden', async () => {
    const first = await api<List>(fake, 'GET', '/contacts');
    expect(first.body.data).toHaveLength(10);
    expect(first.body.total_count).toBe(250);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const res = await api<List>(fake, 'GET', `/contacts?per_page=150${cursor ? `&starting_after=${cursor}` : ''}`);
      pages++;
      seen.push(...res.body.data.map((c) => c.id as string));
      const next = res.body.pages.next as Json | undefined;
      if (!next) break;
      cursor = next.starting_after as string;
      expect(cursor).not.toMatch(/^[0-9a-f]{24}$/); // opaque, not a contact id
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(fake.store.contacts().map((c) => c.id));
    // Two merged leads exist (1% on top) but are never listed.
    const res = await api<Json>(fake, 'GET', '/contacts?per_page=151');
    expect(res.status).toBe(400);
  });

  it('embedded companies/tags/notes are capped at 10 with has_more and url', async () => {
    const contact = fake.store.contacts().find((c) => fake.store.companyIdsOf(c.id as string).length === 12)!;
    const res = await api<Json>(fake, 'GET', `/contacts/${contact.id as string}`);
    const companies = res.body.companies as Json;
    expect(companies).toMatchObject({
      type: 'list',
      total_count: 12,
      has_more: true,
      url: `/contacts/${contact.id as string}/companies`,
    });
    expect(companies.data).toHaveLength(10);
    expect((companies.data as Json[])[0]).toEqual({
      type: 'company',
      id: fake.store.companyIdsOf(contact.id as string)[0],
      url: `/companies/${fake.store.companyIdsOf(contact.id as string)[0]}`,
    });
    expect(res.body.tags).toMatchObject({ total_count: 11, has_more: true });
    expect(res.body.notes).toMatchObject({ total_count: 12, has_more: true });
    const page2 = await api<Json>(fake, 'GET', `/contacts/${contact.id as string}/companies?page=2&per_page=10`);
    expect(page2.body.companies).toHaveLength(2);
    expect((page2.body.pages as Json).next).toBeNull();
    const page1 = await api<Json>(fake, 'GET', `/contacts/${contact.id as string}/companies?per_page=10`);
    expect((page1.body.pages as Json).next).toBe(
      `${fake.url}/contacts/${contact.id as string}/companies?page=2&per_page=10`,
    );
    expect((await api(fake, 'GET', '/contacts/000000000000000000000000')).body).toMatchObject({
      errors: [{ code: 'not_found', message: 'User Not Found' }],
    });
  });

  it('POST /companies/list: last_request_at desc by default, asc on request, companies without users omitted', async () => {
    const withUsers = fake.store.companies().filter((c) => (c.user_count as number) > 0);
    expect(withUsers.length).toBeLessThan(60);
    const all: Json[] = [];
    for (let page = 1; ; page++) {
      const res = await api<List>(fake, 'POST', `/companies/list?page=${page}&per_page=15`);
      expect(res.status).toBe(200);
      if (res.body.data.length === 0) break;
      all.push(...res.body.data);
    }
    expect(all).toHaveLength(withUsers.length);
    const lr = all.map((c) => (c.last_request_at as number | undefined) ?? 0);
    expect(lr).toEqual([...lr].sort((a, b) => b - a));
    const asc = await api<List>(fake, 'POST', '/companies/list?order=asc&per_page=100');
    const ascLr = asc.body.data.map((c) => (c.last_request_at as number | undefined) ?? 0);
    expect(ascLr).toEqual([...ascLr].sort((a, b) => a - b));
    const capped = await api<Json>(fake, 'POST', '/companies/list?page=167&per_page=60');
    expect(capped.status).toBe(400);
    expect(capped.body).toMatchObject({
      type: 'error.list',
      errors: [{ code: 'bad_request', message: 'page limit reached, please use scroll API' }],
    });
    expect((await api(fake, 'POST', '/companies/list?page=166&per_page=60')).status).toBe(200);
  });

  it('GET /companies lookups and GET /companies/{id}/contacts cursor pages', async () => {
    const company = fake.store.companies()[0];
    const byId = await api<Json>(fake, 'GET', `/companies?company_id=${company.company_id as string}`);
    expect(byId.body.id).toBe(company.id);
    const byName = await api<Json>(fake, 'GET', `/companies?name=${encodeURIComponent(company.name as string)}`);
    expect(byName.body.id).toBe(company.id);
    expect((await api<Json>(fake, 'GET', '/companies?company_id=nope')).body).toMatchObject({
      errors: [{ code: 'company_not_found', message: 'Company Not Found' }],
    });
    const busiest = fake.store
      .companies()
      .reduce((a, b) => ((b.user_count as number) > (a.user_count as number) ? b : a));
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const res = await api<List>(
        fake,
        'GET',
        `/companies/${busiest.id as string}/contacts?per_page=2${cursor ? `&starting_after=${cursor}` : ''}`,
      );
      ids.push(...res.body.data.map((c) => c.id as string));
      const next = res.body.pages.next as Json | undefined;
      if (!next) break;
      cursor = next.starting_after as string;
    }
    expect(ids).toEqual(fake.store.contactIdsOf(busiest.id as string));
    expect(ids.length).toBe(busiest.user_count);
  });

  it('writes bump updated_at, attach/detach bump the contact, delete detaches', async () => {
    clock.advance(1000);
    const now = Math.floor(clock.ms / 1000);
    const contact = fake.store.contacts()[20];
    const company = fake.store
      .companies()
      .find((c) => !fake.store.companyIdsOf(contact.id as string).includes(c.id as string))!;
    const attach = await api<Json>(fake, 'POST', `/contacts/${contact.id as string}/companies`, { id: company.id });
    expect(attach.status).toBe(200);
    expect(attach.body.id).toBe(company.id);
    expect(fake.store.contacts()[20].updated_at).toBe(now);
    expect(fake.store.companyIdsOf(contact.id as string)).toContain(company.id);
    expect((await api(fake, 'POST', `/contacts/${contact.id as string}/companies`, {})).status).toBe(400);

    clock.advance(5000);
    const detach = await api<Json>(
      fake,
      'DELETE',
      `/contacts/${contact.id as string}/companies/${company.id as string}`,
    );
    expect(detach.status).toBe(200);
    expect(fake.store.contacts()[20].updated_at).toBe(now + 5);

    clock.advance(1000);
    const upd = await api<Json>(fake, 'POST', '/companies', {
      company_id: company.company_id,
      custom_attributes: { seats: 3 },
    });
    expect(upd.body).toMatchObject({ id: company.id, updated_at: now + 6, custom_attributes: { seats: 3 } });
    expect(upd.body.created_at).toBe(company.created_at);
    const bad = await api<Json>(fake, 'POST', '/companies', {
      company_id: company.company_id,
      custom_attributes: { nope: 1 },
    });
    expect(bad.status).toBe(400);
    const wrongType = await api<Json>(fake, 'POST', '/companies', {
      company_id: company.company_id,
      custom_attributes: { seats: 'x' },
    });
    expect(wrongType.status).toBe(400);

    const members = fake.store.contactIdsOf(fake.store.companies()[1].id as string);
    expect(members.length).toBeGreaterThan(0);
    clock.advance(1000);
    const del = await api<Json>(fake, 'DELETE', `/companies/${fake.store.companies()[1].id as string}`);
    expect(del.body).toMatchObject({ object: 'company', deleted: true });
    for (const id of members) {
      expect(fake.store.companyIdsOf(id)).not.toContain(del.body.id);
      expect((await api<Json>(fake, 'GET', `/contacts/${id}`)).body.updated_at).toBe(now + 7);
    }
    expect((await api(fake, 'GET', `/companies/${del.body.id as string}`)).status).toBe(404);
  });

  it('contacts: create (user/lead, conflict), update, delete', async () => {
    const lead = await api<Json>(fake, 'POST', '/contacts', { role: 'lead', name: '東京 Lead 🚀' });
    expect(lead.body).toMatchObject({
      type: 'contact',
      role: 'lead',
      name: '東京 Lead 🚀',
      external_id: null,
      email: '',
    });
    const user = await api<Json>(fake, 'POST', '/contacts', {
      role: 'user',
      external_id: 'ext-1',
      email: 'ext1@example.com',
    });
    expect(user.body).toMatchObject({ role: 'user', external_id: 'ext-1', email_domain: 'example.com' });
    expect((await api(fake, 'POST', '/contacts', { role: 'user', external_id: 'ext-1' })).status).toBe(409);
    expect((await api(fake, 'POST', '/contacts', { role: 'admin', email: 'x@y.z' })).status).toBe(400);
    const upd = await api<Json>(fake, 'PUT', `/contacts/${user.body.id as string}`, {
      custom_attributes: { logins: 4 },
    });
    expect(upd.body.custom_attributes).toEqual({ logins: 4 });
    expect((await api(fake, 'DELETE', `/contacts/${user.body.id as string}`)).status).toBe(200);
    expect((await api(fake, 'GET', `/contacts/${user.body.id as string}`)).status).toBe(404);
  });

  it('data attributes: standard without id, custom with id, archived only on request, POST adds one', async () => {
    const list = await api<List>(fake, 'GET', '/data_attributes?model=company');
    const byName = new Map(list.body.data.map((a) => [a.full_name, a]));
    expect(byName.get('name')).not.toHaveProperty('id');
    const types = list.body.data.filter((a) => a.custom).map((a) => a.data_type);
    expect(new Set(types)).toEqual(new Set(['string', 'integer', 'float', 'boolean', 'date']));
    expect(list.body.data.every((a) => a.archived === false)).toBe(true);
    const withArchived = await api<List>(fake, 'GET', '/data_attributes?model=company&include_archived=true');
    const archived = withArchived.body.data.filter((a) => a.archived === true);
    expect(archived.map((a) => a.name)).toEqual(['legacy_code']);
    const created = await api<Json>(fake, 'POST', '/data_attributes', {
      name: 'contract_value',
      model: 'company',
      data_type: 'float',
      description: 'ACV',
    });
    expect(created.body).toMatchObject({
      type: 'data_attribute',
      name: 'contract_value',
      custom: true,
      data_type: 'float',
    });
    expect(typeof created.body.id).toBe('number');
    const again = await api<List>(fake, 'GET', '/data_attributes?model=company');
    expect(again.body.data.map((a) => a.name)).toContain('contract_value');
    expect(
      (await api(fake, 'POST', '/data_attributes', { name: 'contract_value', model: 'company', data_type: 'float' }))
        .status,
    ).toBe(400);
    const company = fake.store.companies()[2];
    const set = await api<Json>(fake, 'POST', '/companies', {
      company_id: company.company_id,
      custom_attributes: { contract_value: 12.5 },
    });
    expect((set.body.custom_attributes as Json).contract_value).toBe(12.5);
  });
});
