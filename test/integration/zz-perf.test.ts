import { openDatabase } from '../../src/db/data-source';
import { ImportWrites } from '../../src/db/repositories/import-writes';
import { createTestDatabase } from '../helpers/stack';

const rec = (i: number, prefix: string, site: boolean) => ({
  externalId: `${prefix}${i}`,
  name: `Co ${i}`,
  company: `Co ${i}`,
  email: null,
  websiteUrl: site ? `https://www.company-${i}.example.com` : null,
  plan: null,
  size: null,
  industry: null,
  monthlySpend: null,
  userCount: null,
  leadCreatedAt: '2024-01-01T00:00:00Z',
  freeTrialStartedAt: '2024-01-01T00:00:00Z',
  status: 'New Lead',
  custom: { tier: 'x' },
  sourceUpdatedAt: '2024-01-02T00:00:00Z',
});

it('perf', async () => {
  for (const enabled of [false, true]) {
    const database = await createTestDatabase();
    const db = await openDatabase(database.url);
    await db.query(`UPDATE merge_rules SET enabled = $1`, [enabled]);
    await db.query(
      `INSERT INTO sources (id, name, system, status) VALUES ('ds_i', 'I', 'intercom', 'live'), ('ds_b', 'B', 'custom', 'active')`,
    );
    const w = new ImportWrites(db);
    const N = 20000,
      B = 150;
    const time = async (label: string, f: () => Promise<void>) => {
      const t = Date.now();
      await f();
      console.log(`enabled=${enabled} ${label}: ${Date.now() - t} ms`);
    };
    await time('intercom 20k new', async () => {
      for (let i = 0; i < N; i += B)
        await w.upsertCustomerRecords(
          'ds_i',
          Array.from({ length: B }, (_, k) => rec(i + k, 'ic', (i + k) % 5 < 3)),
          1,
        );
    });
    await time('billing 5k new (matching)', async () => {
      for (let i = 0; i < 5000; i += B)
        await w.upsertCustomerRecords(
          'ds_b',
          Array.from({ length: B }, (_, k) => rec(i + k, 'b', true)),
          1,
        );
    });
    await time('intercom 20k updated (rematch)', async () => {
      for (let i = 0; i < N; i += B)
        await w.upsertCustomerRecords(
          'ds_i',
          Array.from({ length: B }, (_, k) => rec(i + k, 'ic', (i + k) % 5 < 3)),
          2,
        );
    });
    await time('intercom 20k new, 6 parallel', async () => {
      await Promise.all(
        Array.from({ length: 6 }, async (_, p) => {
          for (let i = p * B; i < N; i += 6 * B)
            await w.upsertCustomerRecords(
              'ds_i',
              Array.from({ length: B }, (_, k) => rec(i + k, 'p', (i + k) % 5 < 3)),
              1,
            );
        }),
      );
    });
    const [{ merged }] = await db.query(
      `SELECT count(*)::int AS merged FROM customers c WHERE (SELECT count(*) FROM customer_records r WHERE r.customer_id = c.id) > 1`,
    );
    console.log(`enabled=${enabled} merged customers: ${merged}`);
    await db.destroy();
    await database.drop();
  }
}, 600_000);
