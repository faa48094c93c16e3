import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for what users read on large sources (the case-insensitive email indexes come with ChartmogulParity):
 * the /app data tables' "contains" search (trigram indexes, which serve ILIKE '%term%' for terms of three
 * characters or more; shorter terms match so many rows that the id-ordered scan finds a page at once).
 * The contacts' name is indexed as the expression the search uses (first || ' ' || last: concat_ws cannot be
 * indexed). pg_trgm is a trusted extension: the database owner may create it. fastupdate is off: with it, an
 * insert that finds the pending list full merges it into the index while the import waits (seconds of stall).
 */
export class ReadIndexes1764660000002 implements MigrationInterface {
  name = 'ReadIndexes1764660000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(
      `CREATE INDEX contacts_search_email ON contacts USING gin (email gin_trgm_ops) WITH (fastupdate = off)`,
    );
    await q.query(
      `CREATE INDEX contacts_search_name ON contacts
         USING gin ((coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops) WITH (fastupdate = off)`,
    );
    await q.query(
      `CREATE INDEX customer_records_search_name ON customer_records USING gin (name gin_trgm_ops) WITH (fastupdate = off)`,
    );
    await q.query(
      `CREATE INDEX customer_records_search_email ON customer_records USING gin (email gin_trgm_ops) WITH (fastupdate = off)`,
    );
    await q.query(
      `CREATE INDEX customer_records_search_website ON customer_records USING gin (website_url gin_trgm_ops) WITH (fastupdate = off)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of [
      'customer_records_search_website',
      'customer_records_search_email',
      'customer_records_search_name',
      'contacts_search_name',
      'contacts_search_email',
    ])
      await q.query(`DROP INDEX ${index}`);
  }
}
