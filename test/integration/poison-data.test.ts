import { randomBytes } from 'node:crypto';
import { RecordIssues } from '../../src/db/repositories/record-issues';
import { MAX_ATTRIBUTE_TEXT, MAX_COLUMN_TEXT, TRUNCATION_MARKER } from '../../src/domain/storable-values';
import { eventually, importSource, sourceStatus, startSystem, waitForStatus, type System } from '../helpers/system';

/**
 * Values Intercom accepts from its end users and PostgreSQL refuses (NUL, lone surrogates, a size above 2^31, dates
 * past year 9999 or beyond JavaScript's range, 100 kB of text), created through the fake's write API as Intercom
 * would hold them, in the backfill and then in live webhooks; and notifications PostgreSQL cannot store at all.
 * The source reaches live and stays there, every ordinary record is imported, the poison ones are sanitized or
 * quarantined, and the numbers show on the API and on the source's page.
 */
describe('poison data never stops a source', () => {
  let sys: System;
  let sourceId: string;
  /** Intercom ids of the poison companies and contacts of the backfill, by case. */
  const poison: Record<string, string> = {};

  /** The fake's REST API, as an Intercom integration writes to it. */
  const intercom = async (method: string, path: string, body: unknown) => {
    const res = await fetch(sys.fake.url + path, {
      method,
      headers: { Authorization: `Bearer ${sys.fake.accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { id: string };
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const company = (body: Record<string, unknown>) => intercom('POST', '/companies', body);
  const contactUnder = async (companyId: string, body: Record<string, unknown>) => {
    const contact = await intercom('POST', '/contacts', { role: 'user', ...body });
    await intercom('POST', `/contacts/${contact.id}/companies`, { id: companyId });
    return contact;
  };
  const recordRow = async (id: string) =>
    (
      await sys.db.query(
        `SELECT name, size, custom, lead_created_at, sanitized FROM customer_records WHERE source_id = $1 AND external_id = $2`,
        [sourceId, id],
      )
    )[0];
  const dataQuality = async () => (await sys.api('GET', `/v1/data_sources/${sourceId}`)).body.data_quality;

  beforeAll(async () => {
    // No search index lag: the contacts created just before the import are part of the backfill.
    sys = await startSystem({ fake: { companies: 20, contacts: 60, seed: 31, searchIndexLagMs: 0 } });
    await sys.startWorker();
    await intercom('POST', '/data_attributes', { name: 'renewal_at', model: 'company', data_type: 'date' });
    await intercom('POST', '/data_attributes', { name: 'notes', model: 'company', data_type: 'string' });
    await intercom('POST', '/data_attributes', { name: 'bio', model: 'contact', data_type: 'string' });

    poison.nul = (await company({ company_id: 'p-nul', name: 'Nul\u0000 Corp' })).id;
    poison.size = (await company({ company_id: 'p-size', name: 'Big Size', size: 2 ** 31 })).id;
    poison.date9e15 = (
      await company({ company_id: 'p-9e15', name: 'Far Date', custom_attributes: { renewal_at: 9e15 } })
    ).id;
    poison.year10000 = (
      await company({ company_id: 'p-y10k', name: 'Year 10000', custom_attributes: { renewal_at: 253402300800 } })
    ).id;
    poison.long = (
      await company({
        company_id: 'p-long',
        name: 'L'.repeat(100_000),
        custom_attributes: { notes: 'n'.repeat(100_000) },
      })
    ).id;
    poison.surrogates = (await company({ company_id: 'p-sur', name: 'Lone \uD800 surrogate \uDC00 Corp' })).id;
    poison.contactNul = (await contactUnder(poison.nul, { email: 'nul@poison.example', name: 'Ada\u0000 Nul' })).id;
    poison.contactLong = (
      await contactUnder(poison.size, {
        email: `${'e'.repeat(100_000)}@poison.example`,
        name: 'Long \uDBFF Bio',
        custom_attributes: { bio: 'b'.repeat(100_000) },
      })
    ).id;

    sourceId = await importSource(sys, 'Poison workspace', {
      companies: true,
      contacts: true,
      custom_attributes: { company: ['renewal_at', 'notes'], contact: ['bio'] },
    });
  }, 240_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('backfill: live with every ordinary record imported, the poison ones sanitized and counted', async () => {
    const companies = sys.fake.store.companies() as Array<{ id: string }>;
    const rows: Array<{ external_id: string; sanitized: string[] | null }> = await sys.db.query(
      `SELECT external_id, sanitized FROM customer_records WHERE source_id = $1`,
      [sourceId],
    );
    expect(rows.map((r) => r.external_id).sort()).toEqual(companies.map((c) => c.id).sort());
    const expectedLinks = new Set<string>();
    for (const c of sys.fake.store.contacts() as Array<{ id: string }>) {
      for (const companyId of sys.fake.store.companyIdsOf(c.id)) expectedLinks.add(`${c.id}/${companyId}`);
    }
    const links: Array<{ k: string }> = await sys.db.query(
      `SELECT external_id || '/' || company_external_id AS k FROM contacts WHERE source_id = $1`,
      [sourceId],
    );
    expect(links.map((l) => l.k).sort()).toEqual([...expectedLinks].sort());

    // Exactly the poison records were changed, each in the way its case calls for.
    const sanitizedCompanies = rows.filter((r) => r.sanitized).map((r) => r.external_id);
    const companyCases = ['nul', 'size', 'date9e15', 'year10000', 'long', 'surrogates'];
    expect(sanitizedCompanies.sort()).toEqual(companyCases.map((c) => poison[c]).sort());
    expect(await recordRow(poison.nul)).toMatchObject({ name: 'Nul Corp', sanitized: ['name: NUL removed'] });
    expect(await recordRow(poison.size)).toMatchObject({
      name: 'Big Size',
      size: null,
      sanitized: ['size: number out of range, dropped'],
    });
    for (const c of ['date9e15', 'year10000']) {
      const row = await recordRow(poison[c]);
      expect(row.custom).toEqual({});
      expect(row.lead_created_at).not.toBeNull();
      expect(row.sanitized).toEqual(['custom.renewal_at: date out of range, dropped']);
    }
    const long = await recordRow(poison.long);
    expect(long.name).toHaveLength(MAX_COLUMN_TEXT);
    expect(long.name.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(long.custom.notes).toHaveLength(MAX_ATTRIBUTE_TEXT);
    expect(await recordRow(poison.surrogates)).toMatchObject({ name: 'Lone  surrogate  Corp' });
    const customer = await sys.db.query(
      `SELECT c.name FROM customers c JOIN customer_records r ON r.customer_id = c.id WHERE r.external_id = $1`,
      [poison.nul],
    );
    expect(customer[0].name).toBe('Nul Corp');

    const [nulContact] = await sys.db.query(
      `SELECT first_name, last_name, sanitized FROM contacts WHERE external_id = $1`,
      [poison.contactNul],
    );
    expect(nulContact).toMatchObject({ first_name: 'Ada', last_name: 'Nul', sanitized: ['name: NUL removed'] });
    const [longContact] = await sys.db.query(
      `SELECT email, first_name, last_name, custom, sanitized FROM contacts WHERE external_id = $1`,
      [poison.contactLong],
    );
    expect(longContact.email).toHaveLength(MAX_COLUMN_TEXT);
    expect(longContact.custom.bio).toHaveLength(MAX_ATTRIBUTE_TEXT);
    expect([longContact.first_name, longContact.last_name]).toEqual(['Long', 'Bio']);
    expect(longContact.sanitized.sort()).toEqual([
      'custom.bio: truncated',
      'email: truncated',
      'name: lone surrogate removed',
    ]);

    expect(await dataQuality()).toEqual({
      sanitized: {
        customer_records: 6,
        contacts: 2,
        changes: {
          'NUL removed': 2,
          'date out of range, dropped': 2,
          'lone surrogate removed': 2,
          'number out of range, dropped': 1,
          truncated: 4,
        },
      },
      quarantined: 0,
      quarantine_url: `/v1/data_sources/${sourceId}/quarantine`,
      webhooks_not_stored: 0,
    });
    expect(await sourceStatus(sys, sourceId)).toBe('live');
  });

  it('live webhooks: poison changes are sanitized, and the source stays live', async () => {
    const nul = await company({ company_id: 'live-nul', name: 'Live\u0000 Nul', size: 2 ** 40 });
    await intercom('PUT', `/companies/${poison.size}`, { custom_attributes: { renewal_at: 9e15 } });
    const contact = await contactUnder(nul.id, { email: 'live@poison.example', name: 'Bo\u0000b \uD800Live' });
    const ordinary = await company({ company_id: 'live-ordinary', name: 'Ordinary After Poison' });
    await eventually(
      async () => ((await recordRow(ordinary.id))?.name === 'Ordinary After Poison' ? true : undefined),
      'the ordinary change after the poison ones',
    );
    expect(await recordRow(nul.id)).toMatchObject({
      name: 'Live Nul',
      size: null,
      sanitized: ['name: NUL removed', 'size: number out of range, dropped'],
    });
    await eventually(async () => {
      const row = await recordRow(poison.size);
      return row.sanitized.length === 2 ? row : undefined;
    }, 'the updated company');
    const [c] = await eventually(async () => {
      const r = await sys.db.query(`SELECT first_name, last_name, sanitized FROM contacts WHERE external_id = $1`, [
        contact.id,
      ]);
      return r.length ? r : undefined;
    }, 'the poison contact');
    expect(c).toMatchObject({ first_name: 'Bob', last_name: 'Live' });
    expect(c.sanitized.sort()).toEqual(['name: NUL removed', 'name: lone surrogate removed']);
    expect((await dataQuality()).sanitized).toMatchObject({ customer_records: 7, contacts: 3 });
    expect(await sourceStatus(sys, sourceId)).toBe('live');
  });

  it('live webhooks: records PostgreSQL refuses are quarantined, the rest of the batch is written', async () => {
    const longId = randomBytes(6000).toString('base64'); // beyond a btree index entry (2.7 kB)
    const [seeded] = sys.fake.store.companies() as Array<{ id: string; name: string }>;
    const now = Math.floor(Date.now() / 1000) + 5;
    sys.fake.webhooks.pause(); // one batch: the refused records travel with ordinary ones
    sys.fake.webhooks.send('company.updated', { type: 'company', id: longId, name: 'Id Too Long', updated_at: now });
    sys.fake.webhooks.send('contact.user.updated', {
      type: 'contact',
      id: 'nul\u0000id',
      role: 'user',
      name: 'Nul Id',
      updated_at: now,
      companies: { type: 'list', data: [{ type: 'company', id: seeded.id }], has_more: false, total_count: 1 },
    });
    sys.fake.webhooks.send('company.updated', {
      type: 'company',
      id: seeded.id,
      name: 'Renamed Beside Poison',
      updated_at: now,
    });
    sys.fake.webhooks.resume();
    await sys.fake.webhooks.drained();

    await eventually(
      async () => ((await recordRow(seeded.id))?.name === 'Renamed Beside Poison' ? true : undefined),
      'the ordinary change of the batch',
    );
    const quarantine = await eventually(async () => {
      const q = await sys.api('GET', `/v1/data_sources/${sourceId}/quarantine`);
      return q.body.entries.length === 2 ? q.body : undefined;
    }, 'two quarantined records');
    expect(quarantine.has_more).toBe(false);
    const byModel = Object.fromEntries(quarantine.entries.map((e: { model: string }) => [e.model, e]));
    expect(byModel.company).toMatchObject({ attempts: 1 });
    expect(byModel.company.external_id).toBe(longId.slice(0, 500 - TRUNCATION_MARKER.length) + TRUNCATION_MARKER);
    expect(byModel.company.reason).toMatch(/index row size/);
    expect(byModel.contact).toMatchObject({ external_id: 'nulid', attempts: 1 });
    expect(byModel.contact.reason).toMatch(/unsupported Unicode escape sequence|\\u0000/);
    const pending = await sys.db.query(
      `SELECT count(*)::int AS n FROM webhook_inbox WHERE source_id = $1 AND processed_at IS NULL`,
      [sourceId],
    );
    expect(pending[0].n).toBe(0);
    expect((await dataQuality()).quarantined).toBe(2);
    expect(await sourceStatus(sys, sourceId)).toBe('live');

    const page = await fetch(`${sys.apiUrl}/app/sources/${sourceId}`, {
      headers: { Authorization: `Basic ${Buffer.from(`${sys.apiKey}:`).toString('base64')}` },
    });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Data quality');
    expect(html).toContain('Quarantined records');
    expect(html).toContain('nulid');
    expect(html).toContain('index row size');
  });

  it('re-sync retries quarantined records: written ones leave the quarantine, and so do those Intercom no longer has', async () => {
    const [seeded] = sys.fake.store.companies() as Array<{ id: string }>;
    // As if an earlier attempt had failed for this record (e.g. before a fix): the re-sync writes it.
    await new RecordIssues(sys.db).quarantine(sourceId, 'company', seeded.id, 'an earlier failure');
    expect((await dataQuality()).quarantined).toBe(3);
    const resync = await sys.api('POST', `/v1/data_sources/${sourceId}/intercom/resync`);
    expect(resync.status).toBe(202);
    // The re-sync read everything Intercom has: the record was written (generation 2); the two notifications of
    // records Intercom does not have were not seen again, so they are no longer listed.
    await eventually(
      async () => ((await dataQuality()).quarantined === 0 ? true : undefined),
      'the quarantine to be settled by the re-sync',
      180_000,
    );
    await waitForStatus(sys, sourceId, 'live');
    const [row] = await sys.db.query(
      `SELECT generation FROM customer_records WHERE source_id = $1 AND external_id = $2`,
      [sourceId, seeded.id],
    );
    expect(row.generation).toBe(2);
    expect((await sys.api('GET', `/v1/data_sources/${sourceId}/quarantine`)).body.entries).toEqual([]);
    expect((await dataQuality()).sanitized.customer_records).toBe(7);
  });

  it('deleting the source purges its quarantine with everything else', async () => {
    await new RecordIssues(sys.db).quarantine(sourceId, 'contact', 'k-refused', 'refused');
    expect((await dataQuality()).quarantined).toBe(1);
    expect((await sys.api('DELETE', `/v1/data_sources/${sourceId}`)).status).toBe(204);
    await eventually(
      async () =>
        (await sys.db.query(`SELECT status FROM sources WHERE id = $1`, [sourceId]))[0].status === 'deleted'
          ? true
          : undefined,
      'the purge to finish',
      120_000,
    );
    const [left] = await sys.db.query(
      `SELECT (SELECT count(*)::int FROM quarantined_records WHERE source_id = $1) AS quarantined,
         (SELECT count(*)::int FROM customer_records WHERE source_id = $1) AS records`,
      [sourceId],
    );
    expect(left).toEqual({ quarantined: 0, records: 0 });
  });
});
