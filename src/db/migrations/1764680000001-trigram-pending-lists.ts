import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trigram search indexes take new entries in a pending list again (`fastupdate`, GIN's default), merged into
 * the index in bulk when the list passes `gin_pending_list_limit` (4 MB) or by autovacuum. Written entry by entry
 * instead, every contact's email trigrams (all sharing the domain's: `exa`, `com`, …) went into the same posting
 * trees, and eight partitions writing at once queued on their pages: writing 75,000 contact rows from eight writers
 * took 19.1 s with the lists off, 8.5 s with them on, 8.3 s with no trigram index at all (one run each, this
 * repository's ImportWrites against PostgreSQL 15). A search scans the pending list too: a few milliseconds at most.
 */
export class TrigramPendingLists1764680000001 implements MigrationInterface {
  name = 'TrigramPendingLists1764680000001';

  async up(q: QueryRunner): Promise<void> {
    for (const index of INDEXES) await q.query(`ALTER INDEX ${index} SET (fastupdate = on)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of INDEXES) await q.query(`ALTER INDEX ${index} SET (fastupdate = off)`);
  }
}

const INDEXES = [
  'contacts_search_email',
  'contacts_search_name',
  'customer_records_search_name',
  'customer_records_search_email',
  'customer_records_search_website',
];
