import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { api, loadSpec, type Json, type SpecValidator } from './helpers';

/** Every response type of the fake validates against Intercom's official 2.14 component schemas. */
describe('fake Intercom responses match the OpenAPI 2.14 schemas', () => {
  let fake: FakeIntercom;
  let spec: SpecValidator;

  beforeAll(async () => {
    spec = loadSpec();
    fake = await startFakeIntercom({ companies: 40, contacts: 120, seed: 3, quiet: true });
  });
  afterAll(() => fake.close());

  const expectValid = (schema: string, body: unknown): void => {
    expect({ schema, errors: spec.validate(schema, body) }).toEqual({ schema, errors: [] });
  };

  it('the validator itself rejects wrong shapes (so passing means something)', () => {
    expect(spec.validate('company', { type: 'company', created_at: '2024-01-01' })).not.toEqual([]);
    expect(spec.validate('error', { type: 'error.list' })).not.toEqual([]);
    expect(spec.validate('contact', { type: 'contact', owner_id: 'nope' })).not.toEqual([]);
  });

  it('documents the custom_attributes divergence: the OA example itself is not all strings', () => {
    const company = (spec.raw.components as Json).schemas as Record<string, Json>;
    const example = ((company.company.properties as Json).custom_attributes as Json).example as Json;
    expect(Object.values(example).some((v) => typeof v !== 'string')).toBe(true);
  });

  it('company, company_list (GET /companies, POST /companies/list), company_scroll', async () => {
    const list = await api(fake, 'POST', '/companies/list?per_page=20');
    expect(list.status).toBe(200);
    expectValid('company_list', list.body);
    const legacy = await api(fake, 'GET', '/companies?per_page=5');
    expectValid('company_list', legacy.body);
    const scroll = await api(fake, 'GET', '/companies/scroll');
    expectValid('company_scroll', scroll.body);
    expect(scroll.body).toMatchObject({ pages: null, total_count: null });
    for (const company of fake.store.companies()) expectValid('company', company);
    const one = await api(fake, 'GET', `/companies/${fake.store.companies()[0].id as string}`);
    expectValid('company', one.body);
    const byCompanyId = await api(
      fake,
      'GET',
      `/companies?company_id=${encodeURIComponent(fake.store.companies()[1].company_id as string)}`,
    );
    expectValid('company', byCompanyId.body);
  });

  it('contact, contact_list (list and search), company_attached_contacts', async () => {
    for (const contact of fake.store.contacts()) expectValid('contact', contact);
    const list = await api(fake, 'GET', '/contacts?per_page=50');
    expectValid('contact_list', list.body);
    const search = await api(fake, 'POST', '/contacts/search', {
      query: { field: 'role', operator: '=', value: 'user' },
      pagination: { per_page: 50 },
    });
    expectValid('contact_list', search.body);
    const companyWithContacts = fake.store.companies().find((c) => (c.user_count as number) > 0)!;
    const attached = await api(fake, 'GET', `/companies/${companyWithContacts.id as string}/contacts`);
    expectValid('company_attached_contacts', attached.body);
  });

  it('contact_attached_companies, with the companies key (the schema) rather than data (the example)', async () => {
    const contact = fake.store.contacts().find((c) => fake.store.companyIdsOf(c.id as string).length > 1)!;
    const res = await api<Json>(fake, 'GET', `/contacts/${contact.id as string}/companies`);
    expectValid('contact_attached_companies', res.body);
    expect(Array.isArray(res.body.companies)).toBe(true);
    expect(res.body.data).toBeUndefined();
  });

  it('data_attribute_list, admin_with_app', async () => {
    for (const model of ['company', 'contact']) {
      const res = await api(fake, 'GET', `/data_attributes?model=${model}&include_archived=true`);
      expectValid('data_attribute_list', res.body);
    }
    const me = await api(fake, 'GET', '/me');
    expectValid('admin_with_app', me.body);
  });

  it('error (401, 404, 400, 429), deleted_company_object, contact_deleted', async () => {
    expectValid('error', (await api(fake, 'GET', '/me', undefined, 'bad-token')).body);
    expectValid('error', (await api(fake, 'GET', '/companies/doesnotexist')).body);
    expectValid('error', (await api(fake, 'GET', '/contacts?per_page=151')).body);
    fake.faults.rateLimitBurst(1);
    expectValid('error', (await api(fake, 'GET', '/me')).body);
    const company = fake.store.companies()[5];
    expectValid('deleted_company_object', (await api(fake, 'DELETE', `/companies/${company.id as string}`)).body);
    const contact = fake.store.contacts()[5];
    const deleted = await api(fake, 'DELETE', `/contacts/${contact.id as string}`);
    expectValid('contact_deleted', deleted.body);
    expect(deleted.body).toEqual({ id: contact.id, external_id: contact.external_id, type: 'contact', deleted: true });
  });
});
