import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lease on a source's inbox, held while a drainInbox activity applies it. The webhook endpoint does not signal
 * the source workflow while the lease holds (the drainer polls the inbox itself), so a stream of webhooks costs
 * the workflow's history nothing and continue-as-new hands the lease to the next run without a pause.
 */
export class InboxDrainer1764660000000 implements MigrationInterface {
  name = 'InboxDrainer1764660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources ADD COLUMN inbox_drainer_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources DROP COLUMN inbox_drainer_until`);
  }
}
