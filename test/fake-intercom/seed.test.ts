import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { parseCli } from '../../src/fake-intercom/cli';
import { seedWorkspace } from '../../src/fake-intercom/seed';
import { api, type Json } from './helpers';

describe('seeded workspace', () => {
  let fake: FakeIntercom;

  beforeAll(async () => {
    fake = await startFakeIntercom({ companies: 100, contacts: 500, seed: 42, quiet: true });
  });
  afterAll(() => fake.close());

  it('is deterministic per seed and differs between seeds', async () => {
    const twin = await startFakeIntercom({ companies: 100, contacts: 500, seed: 42, quiet: true });
    const other = await startFakeIntercom({ companies: 100, contacts: 500, seed: 43, quiet: true });
    try {
      expect(twin.store.companies()).toEqual(fake.store.companies());
      expect(twin.store.contacts()).toEqual(fake.store.contacts());
      expect(twin.accessToken).toBe(fake.accessToken);
      expect(twin.appId).toBe(fake.appId);
      expect(other.store.companies().map((c) => c.id)).not.toEqual(fake.store.companies().map((c) => c.id));
      expect(other.accessToken).not.toBe(fake.accessToken);
    } finally {
      await twin.close();
      await other.close();
    }
  });

  it('has the variety an importer must handle', () => {
    const companies = fake.store.companies();
    const contacts = fake.store.contacts();
    expect(companies).toHaveLength(100);
    expect(contacts).toHaveLength(500);
    // Custom attributes of every data type; a date attribute is a unix-second integer.
    const values = companies.flatMap((c) => Object.entries(c.custom_attributes as Json));
    const kinds = new Set(values.map(([k, v]) => `${k}:${typeof v}`));
    for (const k of [
      'tier:string',
      'seats:number',
      'health_score:number',
      'is_enterprise:boolean',
      'renewal_date:number',
    ]) {
      expect(kinds).toContain(k);
    }
    expect(values.filter(([k]) => k === 'seats').every(([, v]) => Number.isInteger(v))).toBe(true);
    expect(values.filter(([k]) => k === 'health_score').some(([, v]) => !Number.isInteger(v))).toBe(true);
    expect(
      values.filter(([k]) => k === 'renewal_date').every(([, v]) => Number.isInteger(v) && (v as number) > 1e9),
    ).toBe(true);
    // Companies without contacts, and plan {} when none.
    expect(companies.some((c) => c.user_count === 0)).toBe(true);
    expect(companies.some((c) => JSON.stringify(c.plan) === '{}')).toBe(true);
    expect(companies.every((c) => Number.isInteger(c.monthly_spend))).toBe(true);
    expect(companies.some((c) => !('website' in c))).toBe(true);
    // Users and leads with 0, 1, several, and more than 10 companies; one with exactly 12.
    expect(new Set(contacts.map((c) => c.role))).toEqual(new Set(['user', 'lead']));
    const counts = contacts.map((c) => fake.store.companyIdsOf(c.id as string).length);
    expect(counts).toContain(0);
    expect(counts).toContain(1);
    expect(counts.some((n) => n > 1 && n <= 10)).toBe(true);
    expect(counts).toContain(12);
    expect(counts.filter((n) => n > 10).length).toBeGreaterThanOrEqual(1);
    // user_count agrees with the links.
    for (const c of companies) expect(c.user_count).toBe(fake.store.contactIdsOf(c.id as string).length);
    // Unicode and emoji names.
    const names = contacts.map((c) => c.name);
    expect(names).toContain('Zoë Łukasz 東京');
    expect(names.some((n) => typeof n === 'string' && /\p{Extended_Pictographic}/u.test(n))).toBe(true);
    // Timestamps: ~2 years, updated_at >= created_at, many ties within one second.
    const created = contacts.map((c) => c.created_at as number);
    expect(Math.max(...created) - Math.min(...created)).toBeGreaterThan(600 * 86400);
    expect(contacts.every((c) => (c.updated_at as number) >= (c.created_at as number))).toBe(true);
    const updated = contacts.map((c) => c.updated_at as number);
    expect(updated.length - new Set(updated).size).toBeGreaterThan(50);
    expect(contacts.some((c) => Object.keys(c.custom_attributes as Json).length > 0)).toBe(true);
  });

  it('keeps merged leads as hidden records (listed nowhere, 404 on GET)', async () => {
    const hidden = fake.store.contactSlots().filter((c) => c.merged);
    expect(hidden).toHaveLength(5);
    const visibleIds = new Set(fake.store.contacts().map((c) => c.id));
    for (const c of hidden) {
      expect(visibleIds.has(c.id)).toBe(false);
      expect((await api(fake, 'GET', `/contacts/${c.id}`)).status).toBe(404);
    }
  });

  it('guarantees a 12-company contact whenever contacts >= 20 and companies >= 12', () => {
    for (const [companies, contacts] of [
      [12, 20],
      [13, 25],
      [50, 200],
    ]) {
      const ws = seedWorkspace({ seed: 7, companies, contacts });
      expect(ws.contacts.some((c) => c.companyIds.length === 12)).toBe(true);
    }
  });

  // How fast is for the benchmarks (bench/stack.ts reports the seeding time), not for a test on a busy machine.
  it('seeds 20,000 companies and 100,000 contacts', () => {
    const ws = seedWorkspace({ seed: 1, companies: 20_000, contacts: 100_000 });
    expect(ws.contacts.filter((c) => !c.merged)).toHaveLength(100_000);
    expect(ws.companies).toHaveLength(20_000);
  });
});

describe('CLI option parsing', () => {
  it('maps flags to options and rejects bad values clearly', () => {
    expect(
      parseCli([
        '--port',
        '4010',
        '--companies',
        '7',
        '--contacts',
        '9',
        '--seed',
        '3',
        '--latency-ms',
        '5',
        '--rate-limit',
        '600',
      ]),
    ).toEqual({ port: 4010, companies: 7, contacts: 9, seed: 3, latencyMs: 5, rateLimitPerMinute: 600 });
    expect(parseCli(['--webhook-url', 'http://127.0.0.1:9/h', '--client-secret', 's'])).toMatchObject({
      webhookUrl: 'http://127.0.0.1:9/h',
      clientSecret: 's',
    });
    expect(() => parseCli(['--companies', 'many'])).toThrow(/--companies must be a non-negative integer/);
    expect(() => parseCli(['--bogus'])).toThrow(/Unknown option '--bogus'/);
    expect(() => parseCli(['--webhook-url', 'not a url'])).toThrow(/--webhook-url must be a URL/);
  });
});
