import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The merge automation's keys, matched in SQL: `customer_records.website_domain` (a generated column, so every
 * writer gets it), indexes for the three rules, and `unmerged_at` (a record unmerged by hand is not re-matched
 * automatically). `crm_website_domain` is the SQL twin of `websiteDomain` in src/domain/merge-rules.ts.
 */
export class MergeKeys1764500000000 implements MigrationInterface {
  name = 'MergeKeys1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION crm_website_domain(url text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $fn$
        SELECT CASE
          WHEN h = '' OR length(h) > 253 OR strpos(h, '.') = 0 OR h ~ '[ \\t\\n\\r\\f\\v]' THEN NULL
          WHEN lower(h) IN ('gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com',
                            'yahoo.com', 'ymail.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'protonmail.com',
                            'proton.me', 'mail.com', 'zoho.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'web.de')
            OR lower(h) LIKE 'gmx.%' THEN NULL
          ELSE h
        END
        FROM (
          SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                   regexp_replace(url, '^[ \\t\\n\\r\\f\\v]+|[ \\t\\n\\r\\f\\v]+$', '', 'g'),
                   '^[A-Za-z][A-Za-z0-9+.-]*://', ''),
                   '[/?#].*$', ''),
                   '^.*@', ''),
                   ':[0-9]*$', ''),
                   '^[wW]{3}\\.', ''),
                   '\\.$', '') AS h
        ) AS x
      $fn$`);
    await q.query(`
      ALTER TABLE customer_records
        ADD COLUMN website_domain text GENERATED ALWAYS AS (crm_website_domain(website_url)) STORED,
        ADD COLUMN unmerged_at timestamptz`);
    await q.query(`CREATE INDEX customer_records_external_id ON customer_records (external_id)`);
    await q.query(
      `CREATE INDEX customer_records_website_domain ON customer_records (website_domain) WHERE website_domain IS NOT NULL`,
    );
    // Hash: equality only, and no btree size limit for long company names.
    await q.query(`CREATE INDEX customer_records_company ON customer_records USING hash (company)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS customer_records_company`);
    await q.query(`DROP INDEX IF EXISTS customer_records_website_domain`);
    await q.query(`DROP INDEX IF EXISTS customer_records_external_id`);
    await q.query(
      `ALTER TABLE customer_records DROP COLUMN IF EXISTS unmerged_at, DROP COLUMN IF EXISTS website_domain`,
    );
    await q.query(`DROP FUNCTION IF EXISTS crm_website_domain(text)`);
  }
}
