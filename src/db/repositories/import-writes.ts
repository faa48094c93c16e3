import type { DataSource } from 'typeorm';
import type { ContactFields, CustomerRecordFields } from '../../domain/intercom-mapping';
import { REFRESH_CUSTOMERS_SQL } from './customer-sql';
import { assignCustomers, rematch } from './merge';

export interface ContactLinks {
  contact: ContactFields;
  companyIds: string[];
}

/**
 * The import's writes: idempotent bulk upserts in one statement per page. A row whose stored Intercom
 * `updated_at` is newer than the incoming one is left alone, so an old page or event never overwrites newer data.
 */
export class ImportWrites {
  constructor(private readonly db: DataSource) {}

  /**
   * Upserts customer records. The merge automation (src/db/repositories/merge.ts) places new records with a matching
   * customer of another source, or a customer of their own, and re-matches updated ones; then every touched
   * customer is recomputed from its records. Returns the rows written.
   */
  async upsertCustomerRecords(sourceId: string, records: CustomerRecordFields[], generation: number): Promise<number> {
    if (records.length === 0) return 0;
    const unique = [...new Map(records.map((r) => [r.externalId, r])).values()];
    return this.db.transaction(async (tx) => {
      const written: Array<{ id: string; customer_id: string | null }> = await tx.query(
        `INSERT INTO customer_records AS r (source_id, external_id, name, email, company, website_url, plan, size, industry,
           monthly_spend, user_count, lead_created_at, free_trial_started_at, status, custom, source_updated_at, generation)
         SELECT $1, x.external_id, x.name, x.email, x.company, x.website_url, x.plan, x.size, x.industry, x.monthly_spend,
           x.user_count, x.lead_created_at, x.free_trial_started_at, x.status, x.custom, x.source_updated_at, $3
         FROM jsonb_to_recordset($2::jsonb) AS x(external_id text, name text, email text, company text, website_url text,
           plan text, size integer, industry text, monthly_spend bigint, user_count integer, lead_created_at timestamptz,
           free_trial_started_at timestamptz, status text, custom jsonb, source_updated_at timestamptz)
         ORDER BY x.external_id
         ON CONFLICT (source_id, external_id) DO UPDATE SET
           name = EXCLUDED.name, email = EXCLUDED.email, company = EXCLUDED.company, website_url = EXCLUDED.website_url,
           plan = EXCLUDED.plan, size = EXCLUDED.size, industry = EXCLUDED.industry, monthly_spend = EXCLUDED.monthly_spend,
           user_count = EXCLUDED.user_count, lead_created_at = EXCLUDED.lead_created_at,
           free_trial_started_at = EXCLUDED.free_trial_started_at, status = EXCLUDED.status, custom = EXCLUDED.custom,
           source_updated_at = EXCLUDED.source_updated_at, generation = EXCLUDED.generation,
           deleted_in_source_at = NULL, updated_at = now()
         WHERE (r.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL
           OR r.source_updated_at <= EXCLUDED.source_updated_at OR r.generation < EXCLUDED.generation)
           -- a deletion takes part in the order: only a version newer than it brings the company back
           AND (r.deleted_in_source_at IS NULL OR EXCLUDED.source_updated_at > r.deleted_in_source_at)
         RETURNING r.id, r.customer_id`,
        [sourceId, JSON.stringify(unique.map(recordRow)), generation],
      );
      await rematch(
        tx,
        written.filter((w) => w.customer_id !== null).map((w) => w.id),
        { refresh: false },
      );
      await assignCustomers(
        tx,
        written.filter((w) => w.customer_id === null).map((w) => w.id),
        { refresh: false },
      );
      const customerIds = await tx.query(`SELECT DISTINCT customer_id FROM customer_records WHERE id = ANY($1)`, [
        written.map((w) => w.id),
      ]);
      await tx.query(REFRESH_CUSTOMERS_SQL, [customerIds.map((c: { customer_id: string }) => c.customer_id)]);
      return written.length;
    });
  }

  /**
   * Upserts contacts under each of their companies and drops links to companies they no longer belong to
   * (unless the stored row is newer). Returns the number of contact rows written.
   */
  async upsertContacts(sourceId: string, items: ContactLinks[]): Promise<number> {
    const rows = new Map<string, ReturnType<typeof contactRow>>();
    for (const { contact, companyIds } of items) {
      for (const companyId of companyIds)
        rows.set(`${contact.externalId}\u0000${companyId}`, contactRow(contact, companyId));
    }
    if (items.length === 0) return 0;
    const sorted = [...rows.values()].sort((a, b) =>
      a.external_id === b.external_id
        ? a.company_external_id.localeCompare(b.company_external_id)
        : a.external_id.localeCompare(b.external_id),
    );
    return this.db.transaction(async (tx) => {
      await tx.query(
        `DELETE FROM contacts c USING jsonb_to_recordset($2::jsonb) AS x(external_id text, company_ids text[], source_updated_at timestamptz)
         WHERE c.source_id = $1 AND c.external_id = x.external_id AND NOT (c.company_external_id = ANY(x.company_ids))
           AND (c.source_updated_at IS NULL OR x.source_updated_at IS NULL OR c.source_updated_at <= x.source_updated_at)
           AND (c.deleted_in_source_at IS NULL OR x.source_updated_at > c.deleted_in_source_at)`,
        [
          sourceId,
          JSON.stringify(
            items.map((i) => ({
              external_id: i.contact.externalId,
              company_ids: i.companyIds,
              source_updated_at: i.contact.sourceUpdatedAt,
            })),
          ),
        ],
      );
      if (sorted.length === 0) return 0;
      const written: unknown[] = await tx.query(
        `INSERT INTO contacts AS c (source_id, external_id, company_external_id, role, first_name, last_name, email, phone,
           title, linked_in, twitter, custom, source_created_at, source_updated_at)
         SELECT $1, x.external_id, x.company_external_id, x.role, x.first_name, x.last_name, x.email, x.phone, x.title,
           x.linked_in, x.twitter, x.custom, x.source_created_at, x.source_updated_at
         FROM jsonb_to_recordset($2::jsonb) AS x(external_id text, company_external_id text, role text, first_name text,
           last_name text, email text, phone text, title text, linked_in text, twitter text, custom jsonb,
           source_created_at timestamptz, source_updated_at timestamptz)
         -- a contact deleted in Intercom stays deleted unless a version newer than the deletion arrives
         WHERE NOT EXISTS (SELECT 1 FROM contacts d WHERE d.source_id = $1 AND d.external_id = x.external_id
           AND d.deleted_in_source_at IS NOT NULL
           AND (x.source_updated_at IS NULL OR d.deleted_in_source_at >= x.source_updated_at))
         ON CONFLICT (source_id, external_id, company_external_id) DO UPDATE SET
           role = EXCLUDED.role, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, email = EXCLUDED.email,
           phone = EXCLUDED.phone, title = EXCLUDED.title, linked_in = EXCLUDED.linked_in, twitter = EXCLUDED.twitter,
           custom = EXCLUDED.custom, source_created_at = EXCLUDED.source_created_at,
           source_updated_at = EXCLUDED.source_updated_at, deleted_in_source_at = NULL, updated_at = now()
         WHERE c.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL OR c.source_updated_at <= EXCLUDED.source_updated_at
         RETURNING 1`,
        [sourceId, JSON.stringify(sorted)],
      );
      return written.length;
    });
  }

  /** Intercom's updated_at (unix seconds) of what is stored, per company (kind 'record') or contact id. */
  async storedUpdatedAt(
    sourceId: string,
    kind: 'record' | 'contact',
    externalIds: string[],
  ): Promise<Map<string, number>> {
    const table = kind === 'record' ? 'customer_records' : 'contacts';
    const rows: Array<{ id: string; t: string | null }> = await this.db.query(
      `SELECT external_id AS id, extract(epoch FROM max(source_updated_at))::bigint AS t FROM ${table}
       WHERE source_id = $1 AND external_id = ANY($2) GROUP BY external_id`,
      [sourceId, externalIds],
    );
    return new Map(rows.filter((r) => r.t !== null).map((r) => [r.id, Number(r.t)]));
  }

  /** Adds to the counters in `sources.progress` (pages fetched, contacts skipped for having no company). */
  async addProgress(
    sourceId: string,
    delta: { pagesFetched?: number; contactsSkippedNoCompany?: number },
  ): Promise<void> {
    await this.db.query(
      `UPDATE sources SET progress = progress
         || jsonb_build_object('pagesFetched', COALESCE((progress->>'pagesFetched')::int, 0) + $2::int)
         || jsonb_build_object('contactsSkippedNoCompany', COALESCE((progress->>'contactsSkippedNoCompany')::int, 0) + $3::int)
       WHERE id = $1`,
      [sourceId, delta.pagesFetched ?? 0, delta.contactsSkippedNoCompany ?? 0],
    );
  }
}

function recordRow(r: CustomerRecordFields) {
  return {
    external_id: r.externalId,
    name: r.name,
    email: r.email,
    company: r.company,
    website_url: r.websiteUrl,
    plan: r.plan,
    size: r.size,
    industry: r.industry,
    monthly_spend: r.monthlySpend,
    user_count: r.userCount,
    lead_created_at: r.leadCreatedAt,
    free_trial_started_at: r.freeTrialStartedAt,
    status: r.status,
    custom: r.custom,
    source_updated_at: r.sourceUpdatedAt,
  };
}

function contactRow(c: ContactFields, companyExternalId: string) {
  return {
    external_id: c.externalId,
    company_external_id: companyExternalId,
    role: c.role,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    phone: c.phone,
    title: null,
    linked_in: c.linkedIn,
    twitter: c.twitter,
    custom: c.custom,
    source_created_at: c.sourceCreatedAt,
    source_updated_at: c.sourceUpdatedAt,
  };
}

/** Marks kept in the CRM for objects deleted (or archived) in Intercom: nothing is removed. */
export class SourceDeletions {
  constructor(private readonly db: DataSource) {}

  /** Marks a company deleted at `at`, unless what is stored is newer than the deletion. */
  async companyDeleted(sourceId: string, externalId: string, at: string): Promise<void> {
    await this.db.query(
      `UPDATE customer_records SET deleted_in_source_at = COALESCE(deleted_in_source_at, $3::timestamptz), updated_at = now()
       WHERE source_id = $1 AND external_id = $2 AND (source_updated_at IS NULL OR source_updated_at <= $3::timestamptz)`,
      [sourceId, externalId, at],
    );
  }

  /** Marks a contact deleted (or archived) at `at`, unless what is stored is newer than the deletion. */
  async contactDeleted(sourceId: string, externalId: string, at: string): Promise<void> {
    await this.db.query(
      `UPDATE contacts SET deleted_in_source_at = COALESCE(deleted_in_source_at, $3::timestamptz), updated_at = now()
       WHERE source_id = $1 AND external_id = $2 AND (source_updated_at IS NULL OR source_updated_at <= $3::timestamptz)`,
      [sourceId, externalId, at],
    );
  }

  /** Clears the deletion mark of contacts just read from Intercom (an unarchived contact is back). */
  async contactRevived(sourceId: string, externalIds: string[]): Promise<void> {
    await this.db.query(
      `UPDATE contacts SET deleted_in_source_at = NULL, updated_at = now()
       WHERE source_id = $1 AND external_id = ANY($2) AND deleted_in_source_at IS NOT NULL`,
      [sourceId, externalIds],
    );
  }

  /** Contact ids of a source not marked deleted, in id order after `after` (for the reconciliation's check). */
  async liveContactIds(sourceId: string, after: string, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT DISTINCT external_id AS id FROM contacts
       WHERE source_id = $1 AND deleted_in_source_at IS NULL AND external_id > $2 ORDER BY external_id LIMIT $3`,
      [sourceId, after, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * After a full pass over Intercom's companies that started at `passStartedAt` (database time), the companies
   * the pass did not write are gone from Intercom: they are marked deleted (Intercom dropped, or we missed, the
   * company.deleted notification). Returns how many.
   */
  async companiesNotSeenSince(sourceId: string, passStartedAt: string): Promise<number> {
    // TypeORM answers an UPDATE with [rows, affected].
    const [, affected] = (await this.db.query(
      `UPDATE customer_records SET deleted_in_source_at = now(), updated_at = now()
       WHERE source_id = $1 AND deleted_in_source_at IS NULL AND updated_at < $2::timestamptz`,
      [sourceId, passStartedAt],
    )) as [unknown[], number];
    return affected;
  }

  /** The database's clock, so a pass's start compares with the rows' updated_at. */
  async databaseNow(): Promise<string> {
    const [{ now }] = (await this.db.query(`SELECT now() AS now`)) as Array<{ now: Date }>;
    return now.toISOString();
  }

  /** A contact merged into another in Intercom is the same person as the survivor: its rows are removed. */
  async contactMergedAway(sourceId: string, externalId: string): Promise<void> {
    await this.db.query(`DELETE FROM contacts WHERE source_id = $1 AND external_id = $2`, [sourceId, externalId]);
  }
}
