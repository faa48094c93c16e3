import { IntercomClient, IntercomError } from 'intercom-client';
import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { startReceiver, type Json, type Receiver } from './helpers';

/** The official SDK, unchanged but for baseUrl, reads and writes the fake and sees exactly the seeded workspace. */
describe('official intercom-client 7.0.3 against the fake', () => {
  let fake: FakeIntercom;
  let client: IntercomClient;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    fake = await startFakeIntercom({
      companies: 120,
      contacts: 400,
      seed: 11,
      webhookUrl: receiver.url,
      webhookRetryBaseMs: 10,
      quiet: true,
    });
    client = new IntercomClient({ token: fake.accessToken, baseUrl: fake.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });

  it('scrolls through every company; the param expires after the empty last page', async () => {
    const ids: string[] = [];
    let page = await client.companies.scroll();
    ids.push(...page.data.map((c) => c.id!));
    // Stop on the empty page (the documented end); the SDK would otherwise ask again with the expired param.
    while (page.data.length > 0 && page.hasNextPage()) {
      page = await page.getNextPage();
      ids.push(...page.data.map((c) => c.id!));
    }
    expect(page.data).toEqual([]);
    expect(new Set(ids).size).toBe(120);
    expect(ids.sort()).toEqual(
      fake.store
        .companies()
        .map((c) => c.id as string)
        .sort(),
    );
    // What `for await` does next: call again with the expired param -> 404.
    const err = await page.getNextPage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntercomError);
    expect((err as IntercomError).statusCode).toBe(404);
  });

  it('lists every contact with contacts.list (cursor pages)', async () => {
    const ids: string[] = [];
    for await (const contact of await client.contacts.list({ per_page: 150 })) ids.push(contact.id);
    expect(ids).toHaveLength(400);
    expect(new Set(ids).size).toBe(400);
    expect(ids).toEqual(fake.store.contacts().map((c) => c.id));
  });

  it('finds every contact with contacts.search (body cursor) and the users/leads split adds up', async () => {
    const users: string[] = [];
    const search = await client.contacts.search({
      query: { field: 'role', operator: '=', value: 'user' },
      pagination: { per_page: 25 },
    });
    for await (const contact of search) users.push(contact.id);
    const leads: string[] = [];
    for await (const contact of await client.contacts.search({
      query: { field: 'role', operator: '=', value: 'lead' },
    })) {
      leads.push(contact.id);
    }
    const expectedUsers = fake.store.contacts().filter((c) => c.role === 'user');
    expect(users).toHaveLength(expectedUsers.length);
    expect(new Set([...users, ...leads]).size).toBe(400);
    expect(leads.length).toBeGreaterThan(0);
  });

  it('companies.list pages until the empty page and omits companies without users', async () => {
    const ids: string[] = [];
    for await (const company of await client.companies.list({ per_page: 50 })) ids.push(company.id!);
    const withUsers = fake.store.companies().filter((c) => (c.user_count as number) > 0);
    expect(ids).toHaveLength(withUsers.length);
    expect(withUsers.length).toBeLessThan(120);
  });

  it('listAttachedCompanies returns all companies of a contact with more than 10', async () => {
    const contact = fake.store.contacts().find((c) => fake.store.companyIdsOf(c.id as string).length === 12)!;
    expect(contact).toBeDefined();
    expect((contact.companies as Json).has_more).toBe(true);
    const ids: string[] = [];
    for await (const company of await client.contacts.listAttachedCompanies({
      contact_id: contact.id as string,
      per_page: 5,
    })) {
      ids.push(company.id!);
    }
    expect(ids).toEqual(fake.store.companyIdsOf(contact.id as string));
  });

  it('writes through the SDK change the store and emit signed webhooks', async () => {
    const created = await client.companies.createOrUpdate({
      company_id: 'sdk-co-1',
      name: 'SDK Company',
      monthly_spend: 99.9,
      custom_attributes: { seats: 7 },
    });
    expect(created).toMatchObject({ company_id: 'sdk-co-1', name: 'SDK Company', monthly_spend: 99 });
    const updated = await client.companies.createOrUpdate({ company_id: 'sdk-co-1', name: 'SDK Company Renamed' });
    expect(updated.id).toBe(created.id);
    expect(fake.store.companies().find((c) => c.id === created.id)?.name).toBe('SDK Company Renamed');

    const contact = await client.contacts.create({ email: 'sdk.user@example.com' });
    expect(contact).toMatchObject({ role: 'user', email: 'sdk.user@example.com' });
    await client.contacts.update({ contact_id: contact.id, name: 'Zoë SDK' });
    const attached = await client.companies.attachContact({ contact_id: contact.id, id: created.id! });
    expect(attached.user_count).toBe(1);
    expect(fake.store.companyIdsOf(contact.id)).toEqual([created.id]);
    await client.companies.detachContact({ contact_id: contact.id, company_id: created.id! });
    expect(fake.store.companyIdsOf(contact.id)).toEqual([]);
    const found = await client.contacts.find({ contact_id: contact.id });
    expect(found).toMatchObject({ name: 'Zoë SDK' });

    await fake.webhooks.drained();
    const topics = receiver.received.map((r) => r.json.topic);
    expect(topics).toEqual([
      'company.created',
      'company.updated',
      'contact.user.created',
      'contact.user.updated',
      'company.contact.attached',
      'contact.user.updated',
      'company.contact.detached',
      'contact.user.updated',
    ]);
    const attachedEvent = receiver.received[4].json.data as Json;
    expect(attachedEvent.item).toMatchObject({
      company: { id: created.id },
      contact: { id: contact.id },
    });
  });
});
