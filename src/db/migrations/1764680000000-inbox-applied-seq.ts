import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How far a source's drainer has applied its inbox (the highest `seq` applied). Applied rows stay in the pending
 * index until VACUUM removes them, and under a stream of webhooks that is tens of thousands of entries a minute:
 * the endpoint's pending count and the drainer's polls start after this mark instead of walking them every time.
 */
export class InboxAppliedSeq1764680000000 implements MigrationInterface {
  name = 'InboxAppliedSeq1764680000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources ADD COLUMN inbox_applied_seq bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources DROP COLUMN inbox_applied_seq`);
  }
}
