import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Notifications for workspaces no live source belongs to: recorded (for support) and otherwise ignored. */
export class WebhookIgnored1764450000000 implements MigrationInterface {
  name = 'WebhookIgnored1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_ignored (
        notification_id text PRIMARY KEY,
        app_id text,
        topic text,
        reason text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_ignored`);
  }
}
