import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the setup page shows about Intercom's notifications (the last one and the last `ping` per workspace, with
 * the signature check's result), when the webhook endpoint was last alive (to know the window it missed after an
 * outage), and Intercom timestamps truncated to the second: notifications carry milliseconds, REST reads do not,
 * and stored versions are compared with both at the precision both have.
 */
export class WebhookReceipts1764600000000 implements MigrationInterface {
  name = 'WebhookReceipts1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_receipts (
        app_id text NOT NULL,
        signature_valid boolean NOT NULL,
        topic text NOT NULL,
        notification_id text,
        received_at timestamptz NOT NULL DEFAULT now(),
        last_ping_at timestamptz,
        received_count bigint NOT NULL DEFAULT 1,
        PRIMARY KEY (app_id, signature_valid)
      )`);
    await q.query(`
      CREATE TABLE webhook_endpoint_uptime (
        id smallint PRIMARY KEY CHECK (id = 1),
        alive_at timestamptz NOT NULL,
        last_gap_from timestamptz,
        last_gap_to timestamptz,
        last_gap_sources integer
      )`);
    await q.query(
      `UPDATE customer_records SET source_updated_at = date_trunc('second', source_updated_at)
       WHERE source_updated_at <> date_trunc('second', source_updated_at)`,
    );
    await q.query(
      `UPDATE contacts SET source_updated_at = date_trunc('second', source_updated_at)
       WHERE source_updated_at <> date_trunc('second', source_updated_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_endpoint_uptime`);
    await q.query(`DROP TABLE webhook_receipts`);
  }
}
