import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';
import { deleteRecords, placeRecords } from '../../src/db/repositories/merge-engine';
import { saveMergeRules } from '../../src/db/repositories/merge-rule-store';
import { DEFAULT_MERGE_RULES } from '../../src/domain/merge-rules';
import { CASE_SOURCES, MERGE_CASES, sortedCustomers, type MergeCase } from '../helpers/merge-cases';
import { createTestDatabase } from '../helpers/stack';

/**
 * The merge engine's SQL (src/db/repositories/merge-engine.ts) on PostgreSQL answers the shared cases of
 * test/helpers/merge-cases.ts, which test/unit/merge-rules.test.ts runs through the pure rules.
 */
describe('the merge engine answers the shared merge cases', () => {
  let db: DataSource;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await createTestDatabase();
    drop = created.drop;
    db = await openDatabase(created.url, { poolSize: 2 });
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
});
