import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';
import { WebhookInbox, type Notification } from '../../src/db/repositories/webhook-inbox';
import { createTestDatabase } from '../helpers/stack';
import { eventually, importSource, startSystem, waitForStatus, type System } from '../helpers/system';

const DAY_MS = 86_400_000;

const note = (id: string, topic = 'company.updated', appId = 'app-1'): Notification => ({
  id,
  topic,
  app_id: appId,
  created_at: 1700000000,
  data: { item: { type: 'company', id: `c-${id}`, name: `Company ${id}` } },
});

describe('webhook inbox storage is bounded (PostgreSQL)', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  const inbox = () => new WebhookInbox(db, { cap: 100 });
  const count = async (sql: string, params: unknown[] = []) => (await db.query(sql, params))[0].n as number;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = await openDatabase(database.url);
    await db.query(
      `INSERT INTO sources (id, name, system, status, workspace_id) VALUES ('ds_a', 'A', 'intercom', 'importing', 'app-1')`,
    );
  });

  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  it('keeps the notification as Intercom sent it, NUL and lone surrogates included', async () => {
    const poison = note('poison');
    poison.data!.item!.name = 'Nul\u0000 and \uD800 lone';
    expect((await inbox().receive(poison)).sourceIds).toEqual(['ds_a']);
    const [row] = await inbox().pending('ds_a', 1);
    expect(row.payload).toEqual(poison);
    await inbox().markProcessed('ds_a', ['poison']);
  });

  it('past the cap, stops storing changes (counted, marked for a reconciliation) but keeps deletions', async () => {
    let stored = 0;
    let overflowed = 0;
    let newlyFull = 0;
    for (let i = 0; i < 150; i++) {
      const r = await inbox().receive(note(`n${i}`));
      stored += r.sourceIds.length;
      overflowed += r.overflowed.length;
      newlyFull += r.newlyFull.length;
    }
    expect({ stored, overflowed, newlyFull }).toEqual({ stored: 100, overflowed: 50, newlyFull: 1 });
    // A redelivery of a stored one is a duplicate, not a loss.
    expect(await inbox().receive(note('n5'))).toMatchObject({ sourceIds: [], overflowed: [] });
    const deleted = await inbox().receive(note('gone', 'company.deleted'));
    expect(deleted.sourceIds).toEqual(['ds_a']);
    expect(await count(`SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NULL`)).toBe(101);
    expect(await count(`SELECT inbox_dropped::int AS n FROM sources WHERE id = 'ds_a'`)).toBe(50);
    expect(await inbox().takeOverflow('ds_a')).toBe(true);
    expect(await inbox().takeOverflow('ds_a')).toBe(false);
  });

  it('prunes processed notifications after the retention; within it, redeliveries are still duplicates', async () => {
    const ids = Array.from({ length: 60 }, (_, i) => `n${i}`);
    await inbox().markProcessed('ds_a', ids);
    await db.query(
      `UPDATE webhook_inbox SET processed_at = now() - interval '4 days' WHERE notification_id = ANY($1)`,
      [ids.slice(0, 40)],
    );
    await inbox().receive(note('stray', 'company.updated', 'unknown-workspace'));
    await db.query(`UPDATE webhook_ignored SET received_at = now() - interval '4 days'`);
    await inbox().receive(note('stray-recent', 'company.updated', 'unknown-workspace'));

    expect(await inbox().pruneExpired(3 * DAY_MS)).toEqual({ processed: 40, ignored: 1 });
    expect(await count(`SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NOT NULL`)).toBe(21); // 20 + 'poison'
    expect(await count(`SELECT count(*)::int AS n FROM webhook_inbox WHERE processed_at IS NULL`)).toBe(41);
    expect(await count(`SELECT count(*)::int AS n FROM webhook_ignored`)).toBe(1);
    expect((await inbox().receive(note('n45'))).sourceIds).toEqual([]); // processed 'now': still recognised
    expect(await inbox().pruneExpired(3 * DAY_MS)).toEqual({ processed: 0, ignored: 0 });
  });

  it('stores notifications arriving together in shared statements, with the cap and duplicates as one at a time', async () => {
    await db.query(
      `INSERT INTO sources (id, name, system, status, workspace_id) VALUES ('ds_b', 'B', 'intercom', 'live', 'app-2')`,
    );
    const together = inbox(); // one endpoint: its arrivals share statements
    const arrivals = Array.from({ length: 150 }, (_, i) => note(`t${i}`, 'company.updated', 'app-2'));
    arrivals.splice(10, 0, note('t3', 'company.updated', 'app-2')); // a redelivery racing the first copy
    arrivals.push(note('t-gone', 'company.deleted', 'app-2'), note('t-stray', 'company.updated', 'nobody'));
    const results = await Promise.all(arrivals.map((n) => together.receive(n)));

    const stored = results.filter((r) => r.sourceIds.includes('ds_b')).length;
    const dropped = results.filter((r) => r.overflowed.includes('ds_b')).length;
    expect({ stored, dropped, newlyFull: results.filter((r) => r.newlyFull.length > 0).length }).toEqual({
      stored: 101, // the cap, and the deletion past it
      dropped: 50,
      newlyFull: 1,
    });
    expect(results[10]).toMatchObject({ routed: true, sourceIds: [], overflowed: [] });
    expect(results[results.length - 1]).toMatchObject({ routed: false });
    // Stored by fewer statements than notifications: rows written together share their transaction.
    const [shape] = await db.query(
      `SELECT count(*)::int AS rows, count(DISTINCT xmin::text)::int AS transactions,
              count(*) FILTER (WHERE notification_id = 't-gone')::int AS deletions
         FROM webhook_inbox WHERE source_id = 'ds_b'`,
    );
    expect(shape.rows).toBe(101);
    expect(shape.deletions).toBe(1);
    expect(shape.transactions).toBeLessThan(shape.rows);
    expect(await count(`SELECT inbox_dropped::int AS n FROM sources WHERE id = 'ds_b'`)).toBe(50);
  });
});

/**
 * On the real stack: a live source loses its token, so its inbox fills up while it cannot apply it. Past the cap
 * the changes are not stored; once reconnected, the source applies what it stored and reconciles with Intercom,
 * which brings the changes that were not stored. Nothing is lost.
 */
describe('a full inbox is caught up by a reconciliation', () => {
  let sys: System;
  let sourceId: string;
  let writer: string;
  const CAP = 100;

  const intercom = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(sys.fake.url + path, {
      method,
      headers: { Authorization: `Bearer ${writer}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };

  beforeAll(async () => {
    sys = await startSystem({
      fake: { companies: 10, contacts: 20, seed: 41 },
      // No scheduled reconciliation during the test: only the inbox's gap can cause one.
      tuning: { searchIndexLag: '1h', reconcileInterval: '1h' },
      config: { webhookInbox: { retentionMs: 3 * DAY_MS, cap: CAP } },
    });
    await sys.startWorker();
    sourceId = await importSource(sys, 'Busy workspace');
    writer = sys.fake.issueToken();
  }, 240_000);

  afterAll(async () => {
    await sys?.stop();
  });

  it('stores up to the cap, then reconciles the gap once the source applies its inbox again', async () => {
    sys.fake.revokeToken(sys.fake.accessToken);
    expect((await sys.api('POST', `/v1/data_sources/${sourceId}/intercom/reconcile`)).status).toBe(202);
    await waitForStatus(sys, sourceId, 'needs_reconnect');

    const created: string[] = [];
    for (let i = 0; i < CAP + 50; i++) {
      created.push((await intercom('POST', '/companies', { company_id: `busy-${i}`, name: `Busy ${i}` })).id);
    }
    const [doomed] = sys.fake.store.companies() as Array<{ id: string }>;
    await intercom('DELETE', `/companies/${doomed.id}`);
    await sys.fake.webhooks.drained();

    const [inboxState] = await sys.db.query(
      `SELECT (SELECT count(*)::int FROM webhook_inbox WHERE source_id = s.id AND processed_at IS NULL) AS pending,
         s.inbox_dropped::int AS dropped, s.inbox_overflowed_at IS NOT NULL AS overflowed
       FROM sources s WHERE s.id = $1`,
      [sourceId],
    );
    expect(inboxState).toEqual({ pending: CAP + 1, dropped: 50, overflowed: true }); // the deletion is kept
    expect((await sys.api('GET', `/v1/data_sources/${sourceId}`)).body.data_quality.webhooks_not_stored).toBe(50);

    const token = await sys.api('POST', `/v1/data_sources/${sourceId}/intercom/token`, {
      access_token: sys.fake.issueToken(),
    });
    expect(token.status).toBe(202);
    await waitForStatus(sys, sourceId, 'live');
    await eventually(
      async () => {
        const [r] = await sys.db.query(
          `SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1 AND external_id = ANY($2)`,
          [sourceId, created],
        );
        return r.n === created.length ? true : undefined;
      },
      'every company created while the inbox was full',
      120_000,
    );
    const [gone] = await sys.db.query(
      `SELECT deleted_in_source_at FROM customer_records WHERE source_id = $1 AND external_id = $2`,
      [sourceId, doomed.id],
    );
    expect(gone.deleted_in_source_at).not.toBeNull();
    const [after] = await sys.db.query(
      `SELECT inbox_overflowed_at, (SELECT count(*)::int FROM webhook_inbox WHERE source_id = $1 AND processed_at IS NULL) AS pending
       FROM sources WHERE id = $1`,
      [sourceId],
    );
    expect(after).toEqual({ inbox_overflowed_at: null, pending: 0 });
  });
});
