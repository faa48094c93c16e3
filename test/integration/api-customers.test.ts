import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { startApi, type RunningApi } from '../../src/api/server';
import { loadConfig } from '../../src/config';
import { TokenCipher } from '../../src/crypto';
import { openDatabase } from '../../src/db/data-source';
import { CredentialStore } from '../../src/db/repositories/credentials';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { SourceWorkflows } from '../../src/temporal/source-client';
import { createTestDatabase, temporalAddress, temporalNamespace, uniqueTaskQueue } from '../helpers/stack';

const apiKey = `key_${randomBytes(12).toString('hex')}`;
const INTERCOM = 'ds_intercomaaaaaaaaaaaaaaaaa';
const BILLING = 'ds_billingaaaaaaaaaaaaaaaaaa';

let database: { url: string; drop(): Promise<void> };
let db: DataSource;
let connection: Connection;
let api: RunningApi;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(api.url + path, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: res.status, body: await res.json() };
}

/** Follows the cursors of a listing and returns every page; every page carries a cursor, the last one too. */
async function allPages(path: string): Promise<any[]> {
  const pages: any[] = [];
  let cursor: string | null = null;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await get(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    pages.push(res.body);
    expect(typeof res.body.cursor).toBe('string');
    expect(pages.length).toBeLessThan(50);
    if (!res.body.has_more) return pages;
    cursor = res.body.cursor;
  }
}

const customerIds = Array.from({ length: 7 }, (_, i) => `cus_${String(i + 1).padStart(2, '0')}${'x'.repeat(20)}`);
const recordIds: Record<string, number> = {};

async function insertRecord(
  sourceId: string,
  externalId: string,
  customerId: string,
  extra: Record<string, unknown> = {},
) {
  const cols = ['source_id', 'external_id', 'customer_id', ...Object.keys(extra)];
  const values = [sourceId, externalId, customerId, ...Object.values(extra)];
  const [row] = await db.query(
    `INSERT INTO customer_records (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    values,
  );
  recordIds[`${sourceId}/${externalId}`] = Number(row.id);
  return Number(row.id);
}

let contactSeq = 0;
async function insertContact(
  sourceId: string,
  externalId: string,
  company: string,
  extra: Record<string, unknown> = {},
) {
  const id = `con_${String(++contactSeq).padStart(3, '0')}${randomBytes(4).toString('hex')}`;
  const cols = ['id', 'source_id', 'external_id', 'company_external_id', ...Object.keys(extra)];
  const values = [id, sourceId, externalId, company, ...Object.values(extra)];
  await db.query(
    `INSERT INTO contacts (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  );
  return id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase(database.url);
  connection = await Connection.connect({ address: temporalAddress() });
  const config = loadConfig({
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_NAMESPACE: temporalNamespace(),
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('api'),
    PORT: '0',
    API_KEYS: apiKey,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
  });
  api = await startApi(config, {
    config,
    db,
    workflows: new SourceWorkflows(
      new Client({ connection, namespace: config.temporal.namespace }),
      config.temporal.taskQueue,
    ),
    credentials: new CredentialStore(db, new TokenCipher(config.encryptionKey!)),
    checkTemporal: async () => {
      await connection.workflowService.getSystemInfo({});
    },
    log: createLogger('silent'),
    metrics: createMetrics(),
  });

  await db.query(
    `INSERT INTO sources (id, name, system, status) VALUES ($1, 'Intercom', 'intercom', 'live'), ($2, 'Billing', 'custom', 'active')`,
    [INTERCOM, BILLING],
  );
  // Seven customers from Intercom companies co1..co7; cus_02 and cus_05 are merged with a billing customer,
  // cus_05's primary record being the billing one.
  for (const [i, id] of customerIds.entries()) {
    await db.query(
      `INSERT INTO customers (id, name, email, company, website_url, country, city, lead_created_at,
                              free_trial_started_at, status, custom)
       VALUES ($1, $2, $3, $2, $4, 'DE', 'Berlin', '2024-03-01T10:00:00Z', '2024-03-01T10:00:00Z', 'New Lead', $5)`,
      [
        id,
        `Company ${i + 1}`,
        i === 3 ? null : `Billing${i + 1}@Example.com`,
        `https://c${i + 1}.example.com`,
        { tier: `t${i}` },
      ],
    );
    await insertRecord(INTERCOM, `co${i + 1}`, id, {
      name: `Company ${i + 1}`,
      website_url: `https://c${i + 1}.example.com`,
      plan: 'pro',
      size: 10 + i,
      industry: 'Software',
      monthly_spend: 1000 * (i + 1),
      user_count: 3,
      lead_created_at: '2024-03-01T10:00:00Z',
      free_trial_started_at: '2024-03-01T10:00:00Z',
      custom: { tier: `t${i}` },
    });
  }
  await insertRecord(BILLING, 'bill-2', customerIds[1], { name: 'Billing two' });
  const primary = await insertRecord(BILLING, 'bill-5', customerIds[4], { name: 'Billing five' });
  await db.query(`UPDATE customers SET primary_record_id = $2 WHERE id = $1`, [customerIds[4], primary]);
  await db.query(`UPDATE customers SET primary_record_id = $2 WHERE id = $1`, [
    customerIds[0],
    recordIds[`${INTERCOM}/co1`],
  ]);

  // Contacts: u1 under co1 and co2 (two rows), u2..u6 under co1, one under a company not imported yet.
  await insertContact(INTERCOM, 'u1', 'co1', {
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: 'ada@example.com',
    phone: '+49 30 1234',
    title: 'CTO',
    linked_in: 'https://linkedin.com/in/ada',
    twitter: '@ada',
    custom: { score: 9.5 },
  });
  await insertContact(INTERCOM, 'u1', 'co2', { first_name: 'Ada', email: 'ada@example.com' });
  for (let u = 2; u <= 6; u++) await insertContact(INTERCOM, `u${u}`, 'co1', { email: `user${u}@example.com` });
  await insertContact(INTERCOM, 'u9', 'co-missing', { email: 'orphan@example.com' });
});

afterAll(async () => {
  await api?.close();
  await connection?.close();
  await db?.destroy();
  await database?.drop();
});

describe('GET /v1/customers', () => {
  it("lists customers in ChartMogul's shape", async () => {
    const res = await get('/v1/customers');
    expect(res.status).toBe(200);
    expect(res.body.has_more).toBe(false);
    expect(typeof res.body.cursor).toBe('string');
    expect(res.body.entries.map((c: any) => c.uuid)).toEqual(customerIds);
    const first = res.body.entries[0];
    expect(first).toMatchObject({
      id: recordIds[`${INTERCOM}/co1`],
      uuid: customerIds[0],
      external_id: 'co1',
      external_ids: ['co1'],
      data_source_uuid: INTERCOM,
      data_source_uuids: [INTERCOM],
      name: 'Company 1',
      email: 'Billing1@Example.com',
      company: 'Company 1',
      status: 'New Lead',
      'customer-since': null,
      lead_created_at: '2024-03-01T10:00:00.000Z',
      free_trial_started_at: '2024-03-01T10:00:00.000Z',
      city: 'Berlin',
      country: 'DE',
      website_url: 'https://c1.example.com',
      attributes: { tags: [], stripe: {}, clearbit: {}, custom: { tier: 't0' } },
      address: { city: 'Berlin', country: 'Germany', state: null, address_zip: null },
      'billing-system-type': 'Intercom',
      currency: 'USD',
    });
    expect(Object.keys(first.address).sort()).toEqual(['address_zip', 'city', 'country', 'state']);
    // No email: an empty string, as ChartMogul's clients expect a string.
    expect(res.body.entries[3].email).toBe('');
  });

  it('shows a merged customer with every record, the primary one first', async () => {
    const res = await get('/v1/customers?data_source_uuid=' + BILLING);
    expect(res.body.entries.map((c: any) => c.uuid)).toEqual([customerIds[1], customerIds[4]]);
    const [two, five] = res.body.entries;
    expect(two).toMatchObject({ external_id: 'co2', external_ids: ['co2', 'bill-2'], data_source_uuid: INTERCOM });
    expect(two.data_source_uuids).toEqual([INTERCOM, BILLING]);
    expect(five).toMatchObject({
      id: recordIds[`${BILLING}/bill-5`],
      external_id: 'bill-5',
      external_ids: ['bill-5', 'co5'],
      data_source_uuid: BILLING,
      data_source_uuids: [BILLING, INTERCOM],
    });
  });

  it('filters by external_id (with or without the source) and by an unknown source', async () => {
    expect((await get('/v1/customers?external_id=co3')).body.entries.map((c: any) => c.uuid)).toEqual([customerIds[2]]);
    const both = await get(`/v1/customers?external_id=bill-5&data_source_uuid=${BILLING}`);
    expect(both.body.entries.map((c: any) => c.uuid)).toEqual([customerIds[4]]);
    // external_id and data_source_uuid must match the same record.
    expect((await get(`/v1/customers?external_id=bill-5&data_source_uuid=${INTERCOM}`)).body.entries).toEqual([]);
    expect((await get('/v1/customers?data_source_uuid=ds_nothing')).body).toEqual({
      entries: [],
      cursor: expect.any(String),
      has_more: false,
    });
  });

  it('filters by system, and refuses a filter it does not support by name', async () => {
    const custom = await get('/v1/customers?system=Custom');
    expect(custom.body.entries.map((c: any) => c.uuid)).toEqual([customerIds[1], customerIds[4]]);
    expect((await get('/v1/customers?system=Intercom')).body.entries).toHaveLength(customerIds.length);
    expect((await get('/v1/customers?system=Stripe')).body.entries).toEqual([]);
    const unknown = await get('/v1/customers?plan=gold');
    expect(unknown).toEqual({
      status: 400,
      body: { code: 400, message: expect.stringContaining('plan'), param: 'plan' },
    });
  });

  it('pages the deprecated way: page and per_page, with current_page and total_pages', async () => {
    const pages = [];
    for (let page = 1; page <= 3; page++) pages.push((await get(`/v1/customers?page=${page}&per_page=3`)).body);
    expect(pages.map((p) => [p.current_page, p.total_pages, p.has_more])).toEqual([
      [1, 3, true],
      [2, 3, true],
      [3, 3, false],
    ]);
    expect(pages.flatMap((p) => p.entries.map((c: any) => c.uuid))).toEqual(customerIds);
    // The cursor of a numbered page continues where it ended.
    const next = await get(`/v1/customers?per_page=3&cursor=${encodeURIComponent(pages[0].cursor)}`);
    expect(next.body.entries.map((c: any) => c.uuid)).toEqual(customerIds.slice(3, 6));
    expect((await get('/v1/customers?page=0')).body.param).toBe('page');
  });

  it('pages with cursors without duplicates or gaps', async () => {
    for (const perPage of [1, 2, 3, 7]) {
      const pages = await allPages(`/v1/customers?per_page=${perPage}`);
      const ids = pages.flatMap((p) => p.entries.map((c: any) => c.uuid));
      expect(ids).toEqual(customerIds);
      expect(pages.length).toBe(Math.ceil(customerIds.length / perPage));
      for (const p of pages.slice(0, -1)) expect(p.entries).toHaveLength(perPage);
      expect(pages.at(-1).has_more).toBe(false);
    }
    const filtered = await allPages(`/v1/customers?per_page=1&data_source_uuid=${BILLING}`);
    expect(filtered.flatMap((p) => p.entries.map((c: any) => c.uuid))).toEqual([customerIds[1], customerIds[4]]);
  });

  it('answers 400 for a cursor it did not issue and for a bad per_page', async () => {
    const con = Buffer.from('con_001').toString('base64url');
    for (const cursor of ['garbage!!', 'Zm9v', con, Buffer.from("cus_1' OR 1=1").toString('base64url')]) {
      const res = await get(`/v1/customers?cursor=${encodeURIComponent(cursor)}`);
      expect({ cursor, status: res.status }).toEqual({ cursor, status: 400 });
      expect(res.body.param).toBe('cursor');
    }
    for (const perPage of ['0', '201', 'ten', '2.5']) {
      const res = await get(`/v1/customers?per_page=${perPage}`);
      expect({ perPage, status: res.status }).toEqual({ perPage, status: 400 });
      expect(res.body.param).toBe('per_page');
    }
    expect((await get('/v1/customers?per_page=200')).status).toBe(200);
  });

  it('searches by email, case-insensitively, and needs an email', async () => {
    const res = await get('/v1/customers/search?email=billing3@example.COM');
    expect(res.status).toBe(200);
    expect(res.body.entries.map((c: any) => c.uuid)).toEqual([customerIds[2]]);
    expect(res.body.has_more).toBe(false);
    expect(await get('/v1/customers/search?email=nobody@example.com')).toEqual({
      status: 404,
      body: { code: 404, message: expect.any(String), param: 'email' },
    });
    const missing = await get('/v1/customers/search');
    expect(missing.status).toBe(400);
    expect(missing.body.param).toBe('email');
  });
});

describe('GET /v1/customers/{uuid}', () => {
  it('shows the customer with its records and contacts', async () => {
    const res = await get(`/v1/customers/${customerIds[1]}`);
    expect(res.status).toBe(200);
    expect(res.body.uuid).toBe(customerIds[1]);
    expect(res.body.records).toEqual([
      {
        source_id: INTERCOM,
        external_id: 'co2',
        name: 'Company 2',
        website_url: 'https://c2.example.com',
        plan: 'pro',
        size: 11,
        industry: 'Software',
        monthly_spend: 2000,
        user_count: 3,
        lead_created_at: '2024-03-01T10:00:00.000Z',
        free_trial_started_at: '2024-03-01T10:00:00.000Z',
        custom: { tier: 't1' },
        deleted_in_source_at: null,
      },
      expect.objectContaining({ source_id: BILLING, external_id: 'bill-2', name: 'Billing two', custom: {} }),
    ]);
    expect(res.body.contacts).toEqual([
      expect.objectContaining({ external_id: 'u1', customer_uuid: customerIds[1], customer_external_id: 'co2' }),
    ]);
    const one = await get(`/v1/customers/${customerIds[0]}`);
    expect(one.body.contacts.map((c: any) => c.external_id)).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
  });

  it('answers 404 for an unknown customer', async () => {
    for (const path of ['/v1/customers/cus_nobody', '/v1/customers/cus_nobody/contacts']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 404, message: expect.stringContaining('cus_nobody') });
    }
  });

  it("pages a customer's contacts", async () => {
    const pages = await allPages(`/v1/customers/${customerIds[0]}/contacts?per_page=4`);
    expect(pages.map((p) => p.entries.length)).toEqual([4, 2]);
    expect(pages.flatMap((p) => p.entries.map((c: any) => c.external_id))).toEqual([
      'u1',
      'u2',
      'u3',
      'u4',
      'u5',
      'u6',
    ]);
    // `position` is the order on the customer, as listed.
    expect(pages.flatMap((p) => p.entries.map((c: any) => c.position))).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await get(`/v1/customers/${customerIds[6]}/contacts`)).body).toEqual({
      entries: [],
      cursor: expect.any(String),
      has_more: false,
    });
  });
});

describe('GET /v1/contacts', () => {
  it("lists contacts in ChartMogul's shape, with the customer found through the company", async () => {
    const res = await get('/v1/contacts');
    expect(res.status).toBe(200);
    expect(res.body.entries).toHaveLength(8);
    expect(res.body.entries[0]).toMatchObject({
      uuid: expect.stringMatching(/^con_/),
      customer_uuid: customerIds[0],
      customer_external_id: 'co1',
      data_source_uuid: INTERCOM,
      external_id: 'u1',
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'ada@example.com',
      phone: '+49 30 1234',
      title: 'CTO',
      linked_in: 'https://linkedin.com/in/ada',
      twitter: '@ada',
      custom: { score: 9.5 },
    });
    const orphan = res.body.entries.find((c: any) => c.external_id === 'u9');
    expect(orphan).toMatchObject({ customer_uuid: null, customer_external_id: 'co-missing', position: null });
  });

  it('retrieves one contact, 404 {code, message, param} for an unknown one', async () => {
    const [first] = (await get('/v1/contacts?per_page=1')).body.entries;
    expect(await get(`/v1/contacts/${first.uuid}`)).toEqual({ status: 200, body: first });
    expect(await get('/v1/contacts/con_nobody')).toEqual({
      status: 404,
      body: { code: 404, message: expect.stringContaining('con_nobody'), param: 'contact_uuid' },
    });
  });

  it('filters by source and email, and pages without duplicates or gaps', async () => {
    const ada = await get('/v1/contacts?email=ADA@example.com');
    expect(ada.body.entries.map((c: any) => c.customer_external_id)).toEqual(['co1', 'co2']);
    expect((await get(`/v1/contacts?data_source_uuid=${BILLING}`)).body.entries).toEqual([]);
    const all = (await get(`/v1/contacts?data_source_uuid=${INTERCOM}`)).body.entries.map((c: any) => c.uuid);
    expect(all).toHaveLength(8);
    const pages = await allPages(`/v1/contacts?data_source_uuid=${INTERCOM}&per_page=3`);
    expect(pages.map((p) => p.entries.length)).toEqual([3, 3, 2]);
    expect(pages.flatMap((p) => p.entries.map((c: any) => c.uuid))).toEqual(all);
    expect((await get(`/v1/contacts?customer_uuid=${customerIds[1]}`)).body.entries).toHaveLength(1);
  });

  it('answers 400 for a customer cursor on contacts', async () => {
    const res = await get(`/v1/contacts?cursor=${Buffer.from(customerIds[0]).toString('base64url')}`);
    expect(res.status).toBe(400);
  });
});
