import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { api, loadSpec, startReceiver, type Json, type Receiver } from './helpers';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;

/**
 * The fake as Intercom really is, where it differs from a kinder picture: notification items in the shapes
 * Intercom sends (ISO-8601 timestamps with milliseconds inside data.item, REST in unix seconds; plan null; explicit
 * nulls; tag_ids; minimal deletions), the documented contact topics and the write API behind them, and the smaller
 * REST details of the 2.14 description.
 */
describe('notifications in the shapes Intercom sends', () => {
  let receiver: Receiver;
  let fake: FakeIntercom;

  beforeEach(async () => {
    receiver = await startReceiver();
    fake = await startFakeIntercom({ companies: 5, contacts: 10, seed: 8, webhookUrl: receiver.url, quiet: true });
  });
  afterEach(async () => {
    await fake.close();
    await receiver.close();
  });

  const events = async () => {
    await fake.webhooks.drained();
    return receiver.received.map((r) => ({ topic: r.json.topic as string, item: (r.json.data as Json).item as Json }));
  };

  it('company items: ISO-ms timestamps (REST: the same second in unix seconds), plan null, nulls, tag_ids', async () => {
    const created = await api<Json>(fake, 'POST', '/companies', { company_id: 'iso-1', name: 'Iso One' });
    const [{ topic, item }] = await events();
    expect(topic).toBe('company.created');
    expect(item.updated_at).toMatch(ISO_MS);
    expect(item.created_at).toMatch(ISO_MS);
    expect(Math.floor(Date.parse(item.updated_at as string) / 1000)).toBe(created.body.updated_at);
    expect(typeof created.body.updated_at).toBe('number');
    expect(item).toMatchObject({
      type: 'company',
      id: created.body.id,
      company_id: 'iso-1',
      plan: null,
      size: null,
      website: null,
      industry: null,
      remote_created_at: null,
      last_request_at: null,
      tag_ids: [],
      monthly_spend: 0,
      session_count: 0,
      user_count: 0,
      custom_attributes: {},
    });
    expect(item).not.toHaveProperty('tags');
    expect(item).not.toHaveProperty('segments');
    // REST keeps its own shape: plan {}, unset keys omitted.
    expect(created.body.plan).toEqual({});
    expect(created.body).not.toHaveProperty('website');
  });

  it('attach/detach items are {company:{…, plan_id, tag_ids}, contact:{…full, ISO…}}', async () => {
    const company = fake.store.companies()[0];
    const contact = fake.store.contacts()[0];
    await api(fake, 'POST', `/contacts/${contact.id as string}/companies`, { id: company.id });
    const attached = (await events()).find((e) => e.topic === 'company.contact.attached')!;
    expect(Object.keys(attached.item).sort()).toEqual(['company', 'contact']);
    const c = attached.item.company as Json;
    expect(c).toMatchObject({ type: 'company', id: company.id, plan_id: null, tag_ids: [] });
    expect(c).not.toHaveProperty('plan');
    const p = attached.item.contact as Json;
    expect(p).toMatchObject({ type: 'contact', id: contact.id });
    expect(p.updated_at).toMatch(ISO_MS);
    expect(p.created_at).toMatch(ISO_MS);
    expect((p.companies as Json).data).toEqual(expect.arrayContaining([expect.objectContaining({ id: company.id })]));
  });

  it('a lead converted to a user: contact.lead.signed_up with role user and signed_up_at', async () => {
    const lead = await api<Json>(fake, 'POST', '/contacts', { role: 'lead', email: 'lead@conv.example' });
    const converted = await api<Json>(fake, 'PUT', `/contacts/${lead.body.id as string}`, { role: 'user' });
    expect(converted.status).toBe(200);
    expect(converted.body.role).toBe('user');
    const back = await api<Json>(fake, 'PUT', `/contacts/${lead.body.id as string}`, { role: 'lead' });
    expect(back.status).toBe(400);
    const all = await events();
    expect(all.map((e) => e.topic)).toEqual(['contact.lead.created', 'contact.lead.signed_up']);
    expect(all[1].item).toMatchObject({ id: lead.body.id, role: 'user' });
    expect(all[1].item.signed_up_at).toMatch(ISO_MS);
  });

  it('archive and unarchive (documented contact.unarchive; the captured spelling behind a switch)', async () => {
    const [a, b] = fake.store.contacts();
    await api(fake, 'POST', `/contacts/${a.id as string}/archive`);
    expect((await api(fake, 'GET', `/contacts/${a.id as string}`)).status).toBe(404);
    await api(fake, 'POST', `/contacts/${a.id as string}/unarchive`);
    expect((await api(fake, 'GET', `/contacts/${a.id as string}`)).status).toBe(200);
    fake.store.webhookShape.unarchiveTopic = 'contact.unarchived';
    await api(fake, 'POST', `/contacts/${b.id as string}/archive`);
    await api(fake, 'POST', `/contacts/${b.id as string}/unarchive`);
    const all = await events();
    expect(all.map((e) => e.topic)).toEqual([
      'contact.archived',
      'contact.unarchive',
      'contact.archived',
      'contact.unarchived',
    ]);
    expect(all[1].item).toMatchObject({ type: 'contact', id: a.id, role: a.role });
    expect(all[1].item.updated_at).toMatch(ISO_MS);
  });

  it('POST /contacts/merge {from: lead, into: user}: the lead is gone, the user keeps and gains companies', async () => {
    const spec = loadSpec();
    const [c1, c2] = fake.store.companies();
    const lead = await api<Json>(fake, 'POST', '/contacts', { role: 'lead', name: 'To Merge' });
    const user = await api<Json>(fake, 'POST', '/contacts', { email: 'keeper@merge.example' });
    const leadId = lead.body.id as string;
    const userId = user.body.id as string;
    await api(fake, 'POST', `/contacts/${leadId}/companies`, { id: c1.id });
    await api(fake, 'POST', `/contacts/${userId}/companies`, { id: c2.id });
    expect((await api(fake, 'POST', '/contacts/merge', { from: userId, into: leadId })).status).toBe(400);
    expect((await api(fake, 'POST', '/contacts/merge', { from: leadId })).status).toBe(400);
    expect((await api(fake, 'POST', '/contacts/merge', { from: 'nope', into: userId })).status).toBe(404);
    const merged = await api<Json>(fake, 'POST', '/contacts/merge', { from: leadId, into: userId });
    expect(merged.status).toBe(200);
    expect(spec.validate('contact', merged.body)).toEqual([]);
    expect(merged.body.id).toBe(userId);
    expect((await api(fake, 'GET', `/contacts/${leadId}`)).status).toBe(404);
    const search = await api<Json>(fake, 'POST', '/contacts/search', {
      query: { field: 'id', operator: '=', value: leadId },
    });
    expect(search.body.total_count).toBe(0);
    expect(fake.store.companyIdsOf(userId).sort()).toEqual([c1.id, c2.id].sort());
    expect(fake.store.contactIdsOf(c1.id as string)).toContain(userId);
    expect(fake.store.contactIdsOf(c1.id as string)).not.toContain(leadId);
    const last = (await events()).at(-1)!;
    expect(last.topic).toBe('contact.merged');
    expect(last.item).toMatchObject({ id: userId, role: 'user', merged_from: { type: 'contact', id: leadId } });
  });

  it('contact.merged without merged_from (as one capture had it), behind a switch', async () => {
    fake.store.webhookShape.mergedFrom = false;
    const lead = await api<Json>(fake, 'POST', '/contacts', { role: 'lead' });
    const user = await api<Json>(fake, 'POST', '/contacts', { email: 'u2@merge.example' });
    await api(fake, 'POST', '/contacts/merge', { from: lead.body.id, into: user.body.id });
    const last = (await events()).at(-1)!;
    expect(last.topic).toBe('contact.merged');
    expect(last.item).not.toHaveProperty('merged_from');
  });
});

describe('REST details of the 2.14 description', () => {
  let fake: FakeIntercom;
  beforeAll(async () => {
    fake = await startFakeIntercom({ companies: 30, contacts: 60, seed: 12, quiet: true });
  });
  afterAll(() => fake.close());

  it('GET /companies pages stop at 10,000 like POST /companies/list', async () => {
    expect((await api(fake, 'GET', '/companies?per_page=50&page=200')).status).toBe(200);
    const past = await api<Json>(fake, 'GET', '/companies?per_page=50&page=201');
    expect(past.status).toBe(400);
    expect(JSON.stringify(past.body)).toContain('scroll');
  });

  it('GET /tags lists the workspace tags', async () => {
    const res = await api<Json>(fake, 'GET', '/tags');
    expect(res.status).toBe(200);
    expect(loadSpec().validate('tag_list', res.body)).toEqual([]);
    expect((res.body.data as Json[]).length).toBe(fake.store.tags.length);
  });

  it('406 without an Accept header that allows JSON', async () => {
    const res = await fetch(`${fake.url}/me`, { headers: { Authorization: `Bearer ${fake.accessToken}` } });
    // fetch sends Accept: */* by default; an explicit non-JSON Accept is refused.
    expect(res.status).toBe(200);
    const xml = await fetch(`${fake.url}/me`, {
      headers: { Authorization: `Bearer ${fake.accessToken}`, Accept: 'application/xml' },
    });
    expect(xml.status).toBe(406);
    const none = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${fake.url}/me`);
      void import('node:http').then(({ request }) => {
        const req = request(
          { host: url.hostname, port: url.port, path: '/me', headers: { Authorization: `Bearer ${fake.accessToken}` } },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    });
    expect(none).toBe(406);
  });

  it('search accepts the documented fields (segment_id, mobile fields); only email is case-insensitive', async () => {
    const search = (query: Json) => api<Json>(fake, 'POST', '/contacts/search', { query });
    const seg = await search({ field: 'segment_id', operator: '=', value: 'abc' });
    expect(seg.status).toBe(200);
    expect(seg.body.total_count).toBe(0);
    expect((await search({ field: 'ios_device', operator: '=', value: 'iPhone' })).status).toBe(200);
    expect((await search({ field: 'no_such_field', operator: '=', value: 'x' })).status).toBe(400);
    const withEmail = fake.store.contacts().find((c) => typeof c.email === 'string' && c.email !== '')!;
    const upper = await search({ field: 'email', operator: '=', value: (withEmail.email as string).toUpperCase() });
    expect((upper.body.data as Json[]).map((c) => c.id)).toContain(withEmail.id);
    const named = fake.store.contacts().find((c) => typeof c.name === 'string' && /[a-z]/.test(c.name))!;
    const exact = await search({ field: 'name', operator: '=', value: named.name });
    expect((exact.body.data as Json[]).map((c) => c.id)).toContain(named.id);
    const shouted = await search({ field: 'name', operator: '=', value: (named.name as string).toUpperCase() });
    expect((shouted.body.data as Json[]).map((c) => c.id)).not.toContain(named.id);
  });

  it('search index lag is on by default: a new contact is found by GET at once, by search only later', async () => {
    const created = await api<Json>(fake, 'POST', '/contacts', { email: 'fresh@lag.example' });
    expect((await api(fake, 'GET', `/contacts/${created.body.id as string}`)).status).toBe(200);
    const found = await api<Json>(fake, 'POST', '/contacts/search', {
      query: { field: 'email', operator: '=', value: 'fresh@lag.example' },
    });
    expect(found.body.total_count).toBe(0);
  });
});
