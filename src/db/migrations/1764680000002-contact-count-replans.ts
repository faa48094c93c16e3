import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The contacts' count trigger looks up each contact's other rows. PL/pgSQL keeps a statement's plan for the whole
 * session, and a plan made while the table was small is a sequential scan: by the end of a large import (before
 * autovacuum first analyzes the table) every page of contacts scanned the table once per contact, 10 seconds a
 * page at 180,000 rows. EXECUTE plans each time, with the table's current size (an index lookup per contact).
 */
export class ContactCountReplans1764680000002 implements MigrationInterface {
  name = 'ContactCountReplans1764680000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION source_counts_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          -- contacts whose only rows are the ones just inserted (one index lookup per contact)
          EXECUTE $q$
            INSERT INTO source_count_deltas (source_id, contacts)
            SELECT n.source_id, count(*)
              FROM (SELECT source_id, external_id, count(*) AS k FROM new_rows GROUP BY source_id, external_id) n
             WHERE (SELECT count(*) FROM contacts c WHERE c.source_id = n.source_id AND c.external_id = n.external_id) = n.k
             GROUP BY n.source_id$q$;
        ELSE
          -- contacts with no row left
          EXECUTE $q$
            INSERT INTO source_count_deltas (source_id, contacts)
            SELECT o.source_id, -count(DISTINCT o.external_id) FROM old_rows o
             WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.source_id = o.source_id AND c.external_id = o.external_id)
             GROUP BY o.source_id$q$;
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION source_counts_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO source_count_deltas (source_id, contacts)
          SELECT n.source_id, count(*)
            FROM (SELECT source_id, external_id, count(*) AS k FROM new_rows GROUP BY source_id, external_id) n
           WHERE (SELECT count(*) FROM contacts c WHERE c.source_id = n.source_id AND c.external_id = n.external_id) = n.k
           GROUP BY n.source_id;
        ELSE
          INSERT INTO source_count_deltas (source_id, contacts)
          SELECT o.source_id, -count(DISTINCT o.external_id) FROM old_rows o
           WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.source_id = o.source_id AND c.external_id = o.external_id)
           GROUP BY o.source_id;
        END IF;
        RETURN NULL;
      END $$`);
  }
}
