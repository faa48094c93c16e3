import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';
import { ImportWrites } from '../../src/db/repositories/import-writes';
import { RecordIssues } from '../../src/db/repositories/record-issues';
import { companyToRecord, contactToFields } from '../../src/domain/intercom-mapping';
import { createTestDatabase } from '../helpers/stack';

const none = { names: [], dataTypes: new Map<string, string>() };
const record = (id: string) =>
  companyToRecord({ type: 'company', id, name: `Company ${id}`, updated_at: 1700000000 }, none);

/** A page PostgreSQL refuses in part: the refused records are quarantined, the rest is written (real PostgreSQL). */
describe('a page never fails as a whole because of one record', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  const count = async (sql: string) => (await db.query(sql))[0].n as number;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = await openDatabase(database.url);
    await db.query(`INSERT INTO sources (id, name, system, status) VALUES ('ds_i', 'I', 'intercom', 'importing')`);
  });

  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  it('writes every other company of the page and quarantines the refused ones with the reason', async () => {
    const page = Array.from({ length: 150 }, (_, i) => record(`c${i}`));
    page[17] = record(randomBytes(6000).toString('base64')); // too large for the id's btree index
    page[90] = record('nul\u0000id'); // jsonb refuses \u0000
    const written = await new ImportWrites(db).upsertCustomerRecords('ds_i', page, 1);
    expect(written).toBe(148);
    expect(await count(`SELECT count(*)::int AS n FROM customer_records WHERE source_id = 'ds_i'`)).toBe(148);
    expect(await count(`SELECT count(*)::int AS n FROM customers`)).toBe(148);
    const quarantined = await new RecordIssues(db).list('ds_i', { limit: 10 });
    expect(quarantined.map((q) => q.reason)).toEqual([
      expect.stringMatching(/index row size/),
      expect.stringMatching(/Unicode escape/),
    ]);
  });

  it('does the same for contacts, and a later successful write takes a record out of the quarantine', async () => {
    const contact = (id: string) => ({
      contact: contactToFields({ type: 'contact', id, name: 'Ada', updated_at: 1700000000 }, none),
      companyIds: ['c1'],
    });
    const items = [contact('k1'), contact('k\u00002'), contact('k3')];
    expect(await new ImportWrites(db).upsertContacts('ds_i', items)).toBe(2);
    await new RecordIssues(db).quarantine('ds_i', 'contact', 'k3', 'an earlier failure');
    expect((await new RecordIssues(db).counts('ds_i')).quarantined).toBe(4);
    expect(await new ImportWrites(db).upsertContacts('ds_i', [contact('k3')])).toBe(1);
    const left = await new RecordIssues(db).list('ds_i', { limit: 10 });
    expect(left.map((q) => q.model)).toEqual(['company', 'company', 'contact']);
    expect(left[2]).toMatchObject({ externalId: 'k2', attempts: 1 }); // stored without its NUL
  });

  it('at the end of a backfill, entries it did not see again leave the quarantine', async () => {
    const issues = new RecordIssues(db);
    const [{ now }] = await db.query(`SELECT to_json(now())#>>'{}' AS now`);
    await issues.quarantine('ds_i', 'company', 'seen-again', 'refused again'); // re-quarantined after the start
    await db.query(
      `UPDATE quarantined_records SET last_seen_at = now() - interval '1 hour' WHERE external_id <> 'seen-again'`,
    );
    await db.query(
      `UPDATE quarantined_records SET last_seen_at = now() + interval '1 second' WHERE external_id = 'seen-again'`,
    );
    expect(await issues.forgetUnseenSince('ds_i', now)).toBe(3);
    expect((await issues.list('ds_i', { limit: 10 })).map((q) => q.externalId)).toEqual(['seen-again']);
  });
});
