import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';
import { deleteRecords, placeRecords } from '../../src/db/repositories/merge-engine';
import { saveMergeRules } from '../../src/db/repositories/merge-rule-store';
import { DEFAULT_MERGE_RULES } from '../../src/domain/merge-rules';
import { CASE_SOURCES, MERGE_CASES, sortedCustomers, type MergeCase } from '../helpers/merge-cases';
import { createTestDatabase } from '../helpers/stack';
import { eventually } from '../helpers/system';

/**
 * The merge engine's SQL (src/db/repositories/merge-engine.ts) on PostgreSQL answers the shared cases of
 * test/helpers/merge-cases.ts, which test/unit/merge-rules.test.ts runs through the pure rules; and its locks
 * (merge-locks.ts) keep two writers that meet right, each step of the race forced by the test.
 */
describe('the merge engine answers the shared merge cases', () => {
  let db: DataSource;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    db = await openDatabase(created.url, { poolSize: 4 });
  });

  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  async function runCaseOnSql(c: MergeCase): Promise<string[][]> {
    await db.query(`TRUNCATE contacts, customer_records, customers, merge_rules, sources CASCADE`);
    await saveMergeRules(db, DEFAULT_MERGE_RULES);
    for (const [id, system] of Object.entries(CASE_SOURCES)) {
      await db.query(`INSERT INTO sources (id, name, system, status) VALUES ($1, $1, $2, 'live')`, [id, system]);
    }
    const ids = new Map<string, string>();
    for (const step of c.steps) {
      if ('rules' in step) await saveMergeRules(db, step.rules);
      else if ('arrive' in step) {
        const r = step.arrive;
        await db.transaction(async (tx) => {
          const [row]: Array<{ id: string }> = await tx.query(
            `INSERT INTO customer_records (source_id, external_id, website_url, company) VALUES ($1, $2, $3, $4) RETURNING id`,
            [r.source, r.externalId, r.websiteUrl ?? null, r.company ?? null],
          );
          ids.set(r.key, row.id);
          await placeRecords(tx, [row.id]);
        });
      } else if ('update' in step) {
        const id = ids.get(step.update)!;
        await db.transaction(async (tx) => {
          if (step.websiteUrl !== undefined)
            await tx.query(`UPDATE customer_records SET website_url = $2 WHERE id = $1`, [id, step.websiteUrl]);
          if (step.company !== undefined)
            await tx.query(`UPDATE customer_records SET company = $2 WHERE id = $1`, [id, step.company]);
          await placeRecords(tx, [id]);
        });
      } else {
        await db.transaction((tx) => deleteRecords(tx, [ids.get(step.remove)!]));
      }
    }
    const keyOf = new Map([...ids.entries()].map(([k, id]) => [id, k]));
    const rows: Array<{ records: string[] }> = await db.query(
      `SELECT array_agg(r.id::text ORDER BY (r.id = c.primary_record_id) DESC, r.id) AS records
         FROM customers c JOIN customer_records r ON r.customer_id = c.id GROUP BY c.id`,
    );
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM customers c WHERE NOT EXISTS (SELECT 1 FROM customer_records r WHERE r.customer_id = c.id)`,
    );
    expect(n).toBe(0);
    return rows.map((r) => r.records.map((id) => keyOf.get(id)!));
  }

  it.each(MERGE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(sortedCustomers(await runCaseOnSql(c))).toEqual(sortedCustomers(c.customers));
  });

  it('places two matching records written at the same time in one customer, whichever matches first', async () => {
    await runCaseOnSql({ name: 'sources only', steps: [], customers: [] });
    // Both transactions insert their record before either matches: neither can see the other's row yet. The match
    // key lock makes the second wait until the first has committed, so it sees the first and joins it.
    const written: Array<() => void> = [];
    const bothWritten = new Promise<void>((resolve) => {
      let n = 0;
      for (let i = 0; i < 2; i++) written.push(() => ++n === 2 && resolve());
    });
    const write = (source: string, externalId: string, website: string, i: number) =>
      db.transaction(async (tx) => {
        const [row]: Array<{ id: string }> = await tx.query(
          `INSERT INTO customer_records (source_id, external_id, website_url) VALUES ($1, $2, $3) RETURNING id`,
          [source, externalId, website],
        );
        written[i]();
        await bothWritten;
        await placeRecords(tx, [row.id]);
      });
    await Promise.all([
      write('intercom', '5f00', 'https://www.together.example.com', 0),
      write('billing', 'bill-1', 'together.example.com', 1),
    ]);
    const customers: Array<{ n: number; primary_is_billing: boolean }> = await db.query(
      `SELECT count(r.id)::int AS n, bool_or(r.id = c.primary_record_id AND r.source_id = 'billing') AS primary_is_billing
         FROM customers c JOIN customer_records r ON r.customer_id = c.id GROUP BY c.id`,
    );
    expect(customers).toEqual([{ n: 2, primary_is_billing: true }]);
  });

  it('matches again when the customer it matched is deleted before it could join (the customer lock)', async () => {
    await runCaseOnSql({ name: 'sources only', steps: [], customers: [] });
    const [{ id: old }] = await db.transaction(async (tx) => {
      const rows: Array<{ id: string }> = await tx.query(
        `INSERT INTO customer_records (source_id, external_id, website_url) VALUES ('intercom', '5f00', 'gone.example.com') RETURNING id`,
      );
      await placeRecords(tx, [rows[0].id]);
      return rows;
    });
    // A purge deletes the only record of a customer (and so the customer) and holds its locks; meanwhile a billing
    // record matches that record, reads its customer, and must wait for the customer's lock.
    let commitPurge!: () => void;
    const purgeMayCommit = new Promise<void>((resolve) => (commitPurge = resolve));
    let purgeHoldsLocks!: () => void;
    const purgeHolds = new Promise<void>((resolve) => (purgeHoldsLocks = resolve));
    const purge = db.transaction(async (tx) => {
      await deleteRecords(tx, [old]);
      purgeHoldsLocks();
      await purgeMayCommit;
    });
    await purgeHolds;
    const joiner = db.transaction(async (tx) => {
      const [row]: Array<{ id: string }> = await tx.query(
        `INSERT INTO customer_records (source_id, external_id, website_url) VALUES ('billing', 'bill-1', 'gone.example.com') RETURNING id`,
      );
      await placeRecords(tx, [row.id]);
    });
    await eventually(async () => {
      const waiting: unknown[] = await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return waiting.length > 0 ? true : undefined;
    }, 'the billing record waiting for the customer it matched');
    commitPurge();
    await Promise.all([purge, joiner]);
    const rows: Array<{ external_id: string; customer_id: string; primary_record_id: string; id: string }> =
      await db.query(
        `SELECT r.id, r.external_id, r.customer_id, c.primary_record_id FROM customer_records r JOIN customers c ON c.id = r.customer_id`,
      );
    expect(rows).toEqual([
      { id: rows[0]?.id, external_id: 'bill-1', customer_id: rows[0]?.customer_id, primary_record_id: rows[0]?.id },
    ]);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM customers`);
    expect(n).toBe(1);
  });
});
