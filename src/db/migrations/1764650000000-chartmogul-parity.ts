import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ChartMogul parity: Intercom company tags on records (null until Intercom has told them); state and zip of Import API customers; tags and custom
 * attributes set on a customer through the API (they belong to the customer, as in ChartMogul, not to one of its
 * records); `delete_requested_at`, so a deleted source leaves the API's reads at once while its purge runs.
 */
export class ChartmogulParity1764650000000 implements MigrationInterface {
  name = 'ChartmogulParity1764650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customer_records
        ADD COLUMN tags text[] DEFAULT '{}',
        ADD COLUMN state text,
        ADD COLUMN zip text`);
    await q.query(`
      ALTER TABLE customers
        ADD COLUMN state text,
        ADD COLUMN zip text,
        ADD COLUMN api_tags text[] NOT NULL DEFAULT '{}',
        ADD COLUMN api_custom jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE sources ADD COLUMN delete_requested_at timestamptz`);
    // A contact's position on its customer counts the customer's contacts up to its id: an index range.
    await q.query(`CREATE INDEX contacts_company_id ON contacts (source_id, company_external_id, id)`);
    await q.query(`DROP INDEX contacts_company`);
    // Search by email is case-insensitive (`lower(email) = lower($1)`), as ChartMogul's is.
    await q.query(`CREATE INDEX customers_email_lower ON customers (lower(email))`);
    await q.query(`CREATE INDEX contacts_email_lower ON contacts (lower(email))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX contacts_email_lower`);
    await q.query(`DROP INDEX customers_email_lower`);
    await q.query(`CREATE INDEX contacts_company ON contacts (source_id, company_external_id)`);
    await q.query(`DROP INDEX contacts_company_id`);
    await q.query(`ALTER TABLE sources DROP COLUMN delete_requested_at`);
    await q.query(
      `ALTER TABLE customers DROP COLUMN state, DROP COLUMN zip, DROP COLUMN api_tags, DROP COLUMN api_custom`,
    );
    await q.query(`ALTER TABLE customer_records DROP COLUMN tags, DROP COLUMN state, DROP COLUMN zip`);
  }
}
