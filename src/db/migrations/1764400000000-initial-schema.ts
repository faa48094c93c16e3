import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The data model (README "How it works"). Hand-written so constraints and indexes are exactly what the upserts rely on. */
export class InitialSchema1764400000000 implements MigrationInterface {
  name = 'InitialSchema1764400000000';

  async up(q: QueryRunner): Promise<void> {
    // Custom attributes of a merged customer are the union of its records' (later arguments win a clash).
    await q.query(`CREATE AGGREGATE jsonb_merge_agg(jsonb) (SFUNC = jsonb_concat, STYPE = jsonb, INITCOND = '{}')`);
    await q.query(`
      CREATE TABLE sources (
        id text PRIMARY KEY,
        name text NOT NULL,
        system text NOT NULL CHECK (system IN ('intercom', 'custom')),
        status text NOT NULL,
        region text,
        workspace_id text,
        workspace_name text,
        settings jsonb,
        progress jsonb NOT NULL DEFAULT '{}',
        last_error text,
        last_synced_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    // Names are unique among live sources; a deleted source's name may be used again.
    await q.query(`CREATE UNIQUE INDEX sources_name_live ON sources (name) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX sources_workspace ON sources (workspace_id) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE credentials (
        source_id text PRIMARY KEY REFERENCES sources(id),
        ciphertext bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE customers (
        id text PRIMARY KEY DEFAULT ('cus_' || replace(gen_random_uuid()::text, '-', '')),
        primary_record_id bigint,
        name text, email text, company text, website_url text, country text, city text,
        lead_created_at timestamptz, free_trial_started_at timestamptz, status text,
        custom jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX customers_email ON customers (email)`);

    await q.query(`
      CREATE TABLE customer_records (
        id bigserial PRIMARY KEY,
        source_id text NOT NULL REFERENCES sources(id),
        external_id text NOT NULL,
        customer_id text REFERENCES customers(id),
        name text, email text, company text, website_url text, country text, city text,
        plan text, size integer, industry text, monthly_spend bigint, user_count integer,
        lead_created_at timestamptz, free_trial_started_at timestamptz, status text,
        custom jsonb NOT NULL DEFAULT '{}',
        source_updated_at timestamptz,
        deleted_in_source_at timestamptz,
        generation integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (source_id, external_id)
      )`);
    await q.query(`CREATE INDEX customer_records_customer ON customer_records (customer_id)`);
    await q.query(`CREATE INDEX customer_records_unassigned ON customer_records (source_id) WHERE customer_id IS NULL`);

    await q.query(`
      CREATE TABLE contacts (
        id text PRIMARY KEY DEFAULT ('con_' || replace(gen_random_uuid()::text, '-', '')),
        source_id text NOT NULL REFERENCES sources(id),
        external_id text NOT NULL,
        company_external_id text NOT NULL,
        role text, first_name text, last_name text, email text, phone text, title text,
        linked_in text, twitter text,
        custom jsonb NOT NULL DEFAULT '{}',
        source_created_at timestamptz,
        source_updated_at timestamptz,
        deleted_in_source_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (source_id, external_id, company_external_id)
      )`);
    await q.query(`CREATE INDEX contacts_company ON contacts (source_id, company_external_id)`);

    await q.query(`
      CREATE TABLE attribute_definitions (
        source_id text NOT NULL REFERENCES sources(id),
        model text NOT NULL CHECK (model IN ('company', 'contact')),
        name text NOT NULL,
        label text,
        data_type text NOT NULL,
        custom boolean NOT NULL,
        archived boolean NOT NULL DEFAULT false,
        selected boolean NOT NULL DEFAULT false,
        PRIMARY KEY (source_id, model, name)
      )`);

    await q.query(`
      CREATE TABLE merge_rules (
        id integer PRIMARY KEY,
        enabled boolean NOT NULL DEFAULT true,
        match_external_id boolean NOT NULL DEFAULT true,
        match_domain boolean NOT NULL DEFAULT true,
        match_company_name boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO merge_rules (id) VALUES (1)`);

    await q.query(`
      CREATE TABLE webhook_inbox (
        source_id text NOT NULL REFERENCES sources(id),
        notification_id text NOT NULL,
        topic text NOT NULL,
        app_id text NOT NULL,
        payload jsonb NOT NULL,
        seq bigserial,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        error text,
        PRIMARY KEY (source_id, notification_id)
      )`);
    await q.query(`CREATE INDEX webhook_inbox_pending ON webhook_inbox (source_id, seq) WHERE processed_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'webhook_inbox',
      'merge_rules',
      'attribute_definitions',
      'contacts',
      'customer_records',
      'customers',
      'credentials',
      'sources',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`DROP AGGREGATE IF EXISTS jsonb_merge_agg(jsonb)`);
  }
}
