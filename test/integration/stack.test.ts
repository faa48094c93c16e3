import { Connection } from '@temporalio/client';
import { withPgClient } from '../../src/dev/postgres';
import { createTestDatabase, temporalAddress, temporalNamespace, uniqueTaskQueue } from '../helpers/stack';

describe('test stack helpers', () => {
  describe('createTestDatabase', () => {
    const created: { url: string; name: string; drop(): Promise<void> }[] = [];
    afterAll(async () => {
      for (const db of created) await db.drop();
    });

    it('gives a fresh database that answers', async () => {
      const db = await createTestDatabase();
      created.push(db);
      const rows = await withPgClient(db.url, async (c) => {
        const one = await c.query<{ one: number }>('select 1 as one');
        const tables = await c.query("select 1 from information_schema.tables where table_schema = 'public'");
        const current = await c.query<{ db: string }>('select current_database() as db');
        return { one: one.rows, tables: tables.rows, db: current.rows[0].db };
      });
      expect(rows.one).toEqual([{ one: 1 }]);
      expect(rows.tables).toHaveLength(0);
      expect(rows.db).toBe(db.name);
    });

    it('gives every caller its own database, isolated from the others', async () => {
      const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
      created.push(a, b);
      expect(a.name).not.toBe(b.name);
      expect(a.url).not.toBe(b.url);
      await withPgClient(a.url, (c) => c.query('create table only_in_a (id int)'));
      const inB = await withPgClient(b.url, (c) => c.query("select 1 from pg_tables where tablename = 'only_in_a'"));
      const inA = await withPgClient(a.url, (c) => c.query("select 1 from pg_tables where tablename = 'only_in_a'"));
      expect(inA.rows).toHaveLength(1);
      expect(inB.rows).toHaveLength(0);
    });

    it('drop() removes the database even while a connection is still open', async () => {
      const db = await createTestDatabase();
      const left = await withPgClient(db.url, async () => {
        await db.drop(); // with (force) disconnects this very client
        return withPgClient(process.env.TEST_PG_ADMIN_URL!, (c) =>
          c.query('select 1 from pg_database where datname = $1', [db.name]),
        );
      });
      expect(left.rows).toHaveLength(0);
    });
  });

  describe('Temporal dev server', () => {
    let connection: Connection;
    beforeAll(async () => {
      connection = await Connection.connect({ address: temporalAddress() });
    });
    afterAll(async () => {
      await connection?.close();
    });

    it('serves the namespace', async () => {
      const ns = await connection.workflowService.describeNamespace({ namespace: temporalNamespace() });
      expect(ns.namespaceInfo?.name).toBe('default');
    });

    it('has the SourceId and SourceStatus search attributes as Keyword', async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: temporalNamespace(),
      });
      const KEYWORD = 2; // temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
      expect(customAttributes?.SourceId).toBe(KEYWORD);
      expect(customAttributes?.SourceStatus).toBe(KEYWORD);
    });

    it('allows workflow updates (dynamic config)', async () => {
      // Ask the server directly: an update on a missing workflow fails with NOT_FOUND when updates are enabled,
      // and with PERMISSION_DENIED when they are disabled.
      const err = await connection.workflowService
        .updateWorkflowExecution({
          namespace: temporalNamespace(),
          workflowExecution: { workflowId: uniqueTaskQueue('missing') },
          request: { meta: { updateId: 'u1' }, input: { name: 'noop' } },
        })
        .then(
          () => undefined,
          (e: { code?: number }) => e,
        );
      expect(err?.code).toBe(5); // grpc NOT_FOUND
    });
  });

  it('uniqueTaskQueue never repeats', () => {
    const queues = new Set(Array.from({ length: 100 }, () => uniqueTaskQueue('q')));
    expect(queues.size).toBe(100);
    for (const q of queues) expect(q).toMatch(/^q-[0-9a-f]{12}$/);
  });
});
