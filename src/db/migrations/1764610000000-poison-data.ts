import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Poison data never stops a source, and storage stays bounded:
 * - `sanitized` on records and contacts: what was changed to make a value storable (null when nothing was);
 * - `quarantined_records`: records that still could not be written, with the reason (keyed by a hash of the
 *   Intercom id, since an id that broke a btree index would break this one too);
 * - the inbox keeps the notification's JSON as text: jsonb refuses `\u0000` and lone surrogates, which Intercom
 *   sends, and the record must reach the mapping (which cleans and counts) rather than fail the webhook;
 * - the inbox's overflow mark, and indexes for pruning processed and ignored notifications.
 */
export class PoisonData1764610000000 implements MigrationInterface {
  name = 'PoisonData1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer_records ADD COLUMN sanitized jsonb`);
    await q.query(`ALTER TABLE contacts ADD COLUMN sanitized jsonb`);
    await q.query(
      `CREATE INDEX customer_records_sanitized ON customer_records (source_id) WHERE sanitized IS NOT NULL`,
    );
    await q.query(`CREATE INDEX contacts_sanitized ON contacts (source_id) WHERE sanitized IS NOT NULL`);
    await q.query(`
      CREATE TABLE quarantined_records (
        id bigserial PRIMARY KEY,
        source_id text NOT NULL REFERENCES sources(id),
        model text NOT NULL CHECK (model IN ('company', 'contact')),
        external_id text NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL DEFAULT 1,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX quarantined_records_key ON quarantined_records (source_id, model, md5(external_id))`,
    );
    await q.query(`ALTER TABLE webhook_inbox ALTER COLUMN payload TYPE text USING payload::text`);
    await q.query(
      `CREATE INDEX webhook_inbox_processed ON webhook_inbox (processed_at) WHERE processed_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX webhook_ignored_received ON webhook_ignored (received_at)`);
    await q.query(
      `ALTER TABLE sources ADD COLUMN inbox_overflowed_at timestamptz, ADD COLUMN inbox_dropped bigint NOT NULL DEFAULT 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sources DROP COLUMN inbox_dropped, DROP COLUMN inbox_overflowed_at`);
    await q.query(`DROP INDEX webhook_ignored_received`);
    await q.query(`DROP INDEX webhook_inbox_processed`);
    // Text that jsonb refuses (NUL, lone surrogates) cannot go back; such rows are dropped.
    await q.query(`DELETE FROM webhook_inbox WHERE payload ~ '\\\\u0000|\\\\u[dD][89a-fA-F]'`);
    await q.query(`ALTER TABLE webhook_inbox ALTER COLUMN payload TYPE jsonb USING payload::jsonb`);
    await q.query(`DROP TABLE quarantined_records`);
    await q.query(`ALTER TABLE contacts DROP COLUMN sanitized`);
    await q.query(`ALTER TABLE customer_records DROP COLUMN sanitized`);
  }
}
