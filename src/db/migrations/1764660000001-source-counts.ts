import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cheap progress counts: every statement that adds or removes a source's customer records, or the last row of
 * one of its contacts, appends its delta here (statement-level triggers with transition tables), so
 * GET /v1/data_sources/{id} sums a few thousand small rows instead of counting (DISTINCT) every contact row.
 * Append-only, so parallel import pages never wait on one counter row. Contacts count once whatever their
 * companies; exact as long as one contact's rows are written by one transaction at a time (a contact's links are
 * replaced together, backfill partitions split contacts, live sync and reconciliation run one at a time).
 */
export class SourceCounts1764660000001 implements MigrationInterface {
  name = 'SourceCounts1764660000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE source_count_deltas (
        id bigserial PRIMARY KEY,
        source_id text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        companies bigint NOT NULL DEFAULT 0,
        contacts bigint NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX source_count_deltas_source ON source_count_deltas (source_id)`);
    await q.query(`
      INSERT INTO source_count_deltas (source_id, companies, contacts)
      SELECT s.id,
             (SELECT count(*) FROM customer_records r WHERE r.source_id = s.id),
             (SELECT count(DISTINCT c.external_id) FROM contacts c WHERE c.source_id = s.id)
        FROM sources s`);
    await q.query(`
      CREATE FUNCTION source_counts_records() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO source_count_deltas (source_id, companies)
          SELECT source_id, count(*) FROM new_rows GROUP BY source_id;
        ELSE
          INSERT INTO source_count_deltas (source_id, companies)
          SELECT source_id, -count(*) FROM old_rows GROUP BY source_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION source_counts_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          -- contacts whose only rows are the ones just inserted (one index lookup per contact)
          INSERT INTO source_count_deltas (source_id, contacts)
          SELECT n.source_id, count(*)
            FROM (SELECT source_id, external_id, count(*) AS k FROM new_rows GROUP BY source_id, external_id) n
           WHERE (SELECT count(*) FROM contacts c WHERE c.source_id = n.source_id AND c.external_id = n.external_id) = n.k
           GROUP BY n.source_id;
        ELSE
          -- contacts with no row left
          INSERT INTO source_count_deltas (source_id, contacts)
          SELECT o.source_id, -count(DISTINCT o.external_id) FROM old_rows o
           WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.source_id = o.source_id AND c.external_id = o.external_id)
           GROUP BY o.source_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER customer_records_count_insert AFTER INSERT ON customer_records
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION source_counts_records()`);
    await q.query(`CREATE TRIGGER customer_records_count_delete AFTER DELETE ON customer_records
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION source_counts_records()`);
    await q.query(`CREATE TRIGGER contacts_count_insert AFTER INSERT ON contacts
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION source_counts_contacts()`);
    await q.query(`CREATE TRIGGER contacts_count_delete AFTER DELETE ON contacts
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION source_counts_contacts()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER contacts_count_delete ON contacts`);
    await q.query(`DROP TRIGGER contacts_count_insert ON contacts`);
    await q.query(`DROP TRIGGER customer_records_count_delete ON customer_records`);
    await q.query(`DROP TRIGGER customer_records_count_insert ON customer_records`);
    await q.query(`DROP FUNCTION source_counts_contacts()`);
    await q.query(`DROP FUNCTION source_counts_records()`);
    await q.query(`DROP TABLE source_count_deltas`);
  }
}
