import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';
import { WebhookInbox, type Notification } from '../../src/db/repositories/webhook-inbox';
import { createTestDatabase } from '../helpers/stack';

const note = (id: string): Notification => ({
  id,
  topic: 'company.updated',
  app_id: 'app-d',
  created_at: 1700000000,
  data: { item: { type: 'company', id: `c-${id}`, name: `Company ${id}` } },
});

/**
 * The drainer's lease on a source's inbox (PostgreSQL): while a drainInbox activity holds it, stored webhooks are
 * not signalled, since the drainer picks them up; once it lets go they are, and a release waits for a webhook
 * being stored, so the drainer's last look sees that row.
 */
describe('inbox drainer lease', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  const inbox = () => new WebhookInbox(db);

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    db = await openDatabase(database.url);
    await db.query(
      `INSERT INTO sources (id, name, system, status, workspace_id) VALUES ('ds_d', 'D', 'intercom', 'live', 'app-d')`,
    );
  });

  afterAll(async () => {
    await db?.destroy();
    await drop?.();
  });

  it('signals only while no drainer holds the inbox, and again after the lease ends', async () => {
    expect(await inbox().receive(note('n1'))).toMatchObject({ sourceIds: ['ds_d'], toSignal: ['ds_d'] });
    await inbox().holdDrainer('ds_d', 60_000);
    expect(await inbox().receive(note('n2'))).toMatchObject({ sourceIds: ['ds_d'], toSignal: [] });
    await inbox().releaseDrainer('ds_d');
    expect(await inbox().receive(note('n3'))).toMatchObject({ sourceIds: ['ds_d'], toSignal: ['ds_d'] });
    // A drainer that died: its lease runs out by itself.
    await db.query(`UPDATE sources SET inbox_drainer_until = now() - interval '1 second' WHERE id = 'ds_d'`);
    expect(await inbox().receive(note('n4'))).toMatchObject({ sourceIds: ['ds_d'], toSignal: ['ds_d'] });
  });

  it('a release waits for a webhook being stored under the lease', async () => {
    await inbox().holdDrainer('ds_d', 60_000);
    // A webhook's statement in flight: its transaction has read the lease (FOR SHARE) and not committed yet.
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT id FROM sources WHERE id = 'ds_d' FOR SHARE`);
      await runner.query(
        `INSERT INTO webhook_inbox (source_id, notification_id, topic, app_id, payload)
         VALUES ('ds_d', 'in-flight', 'company.updated', 'app-d', '{}'::jsonb)`,
      );
      let released = false;
      const release = inbox()
        .releaseDrainer('ds_d')
        .then(() => void (released = true));
      // The release waits on the webhook's row lock (polled from pg_stat_activity).
      for (;;) {
        const [{ n }] = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE sources SET inbox_drainer_until = NULL%'`,
        );
        if (n > 0 || released) break;
      }
      expect(released).toBe(false); // blocked until the webhook's row is committed
      await runner.commitTransaction();
      await release;
    } finally {
      await runner.release();
    }
    // The drainer's last look, after its release, sees the row.
    expect((await inbox().pending('ds_d', 100)).map((r) => r.notificationId)).toContain('in-flight');
  });
});
