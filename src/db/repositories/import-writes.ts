import type { DataSource } from 'typeorm';
import type { ContactFields, CustomerRecordFields } from '../../domain/intercom-mapping';
import { placeRecords } from './merge-engine';
import { inMergeTransaction } from './merge-locks';
import { RecordIssues, type RecordModel } from './record-issues';

export interface ContactLinks {
  contact: ContactFields;
  companyIds: string[];
}

/**
 * PostgreSQL errors caused by the data of a row, not by the database or the connection: data exceptions
 * (class 22: a character or number it refuses), an index entry too large (54000), a check or not-null violation.
 * Retrying such a write fails the same way; anything else (a lost connection, a deadlock) is retried as it is.
 */
export function isRecordFault(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code =
    typeof e?.code === 'string' ? e.code : typeof e?.driverError?.code === 'string' ? e.driverError.code : '';
  return code.startsWith('22') || code === '54000' || code === '23514' || code === '23502';
}

/**
 * The import's writes: idempotent bulk upserts in one statement per page. A row whose stored Intercom
 * `updated_at` is newer than the incoming one is left alone, so an old page or event never overwrites newer data.
 *
 * A page never fails as a whole because of one record: when PostgreSQL refuses a page for its data, the page is
 * split in halves until the records it refuses are alone; those are quarantined (with the reason, visible on the
 * source) and every other record is written. Writing a quarantined record later (a re-sync, a newer version)
 * takes it out of the quarantine.
 */
export class ImportWrites {
  private readonly issues: RecordIssues;

  constructor(private readonly db: DataSource) {
    this.issues = new RecordIssues(db);
  }

  /** Writes `items`, isolating and quarantining the ones PostgreSQL refuses. Returns what `write` counted. */
  private async isolating<T>(
    sourceId: string,
    model: RecordModel,
    items: T[],
    idOf: (item: T) => string,
    write: (items: T[]) => Promise<number>,
  ): Promise<number> {
    try {
      return await write(items);
    } catch (err) {
      if (!isRecordFault(err)) throw err;
      if (items.length === 1) {
        await this.issues.quarantine(sourceId, model, idOf(items[0]!), (err as Error).message);
        return 0;
      }
      const half = Math.ceil(items.length / 2);
      const first = await this.isolating(sourceId, model, items.slice(0, half), idOf, write);
      return first + (await this.isolating(sourceId, model, items.slice(half), idOf, write));
    }
  }

  /**
   * Upserts customer records. The merge engine (src/db/repositories/merge-engine.ts) places new records with a
   * matching customer of another source, or a customer of their own, and re-matches updated ones; then every
   * touched customer is recomputed from its records. Returns the rows written.
   */
  async upsertCustomerRecords(sourceId: string, records: CustomerRecordFields[], generation: number): Promise<number> {
    if (records.length === 0) return 0;
    const unique = [...new Map(records.map((r) => [r.externalId, r])).values()];
    return this.isolating(
      sourceId,
      'company',
      unique,
      (r) => r.externalId,
      (batch) => this.writeCustomerRecords(sourceId, batch, generation),
    );
  }

  private async writeCustomerRecords(
    sourceId: string,
    unique: CustomerRecordFields[],
    generation: number,
  ): Promise<number> {
    return inMergeTransaction(this.db, async (tx) => {
      const written: Array<{ id: string; customer_id: string | null }> = await tx.query(
        `INSERT INTO customer_records AS r (source_id, external_id, name, email, company, website_url, plan, size, industry,
           monthly_spend, user_count, lead_created_at, free_trial_started_at, status, custom, tags, source_updated_at,
           generation, sanitized)
         SELECT $1, x.external_id, x.name, x.email, x.company, x.website_url, x.plan, x.size, x.industry, x.monthly_spend,
           x.user_count, x.lead_created_at, x.free_trial_started_at, x.status, x.custom,
           CASE WHEN x.tags IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(x.tags)) END, x.source_updated_at, $3,
           x.sanitized
         FROM jsonb_to_recordset($2::jsonb) AS x(external_id text, name text, email text, company text, website_url text,
           plan text, size integer, industry text, monthly_spend bigint, user_count integer, lead_created_at timestamptz,
           free_trial_started_at timestamptz, status text, custom jsonb, tags jsonb, source_updated_at timestamptz,
           sanitized jsonb)
         ORDER BY x.external_id
         ON CONFLICT (source_id, external_id) DO UPDATE SET
           name = EXCLUDED.name, email = EXCLUDED.email, company = EXCLUDED.company, website_url = EXCLUDED.website_url,
           plan = EXCLUDED.plan, size = EXCLUDED.size, industry = EXCLUDED.industry, monthly_spend = EXCLUDED.monthly_spend,
           user_count = EXCLUDED.user_count, lead_created_at = EXCLUDED.lead_created_at,
           free_trial_started_at = EXCLUDED.free_trial_started_at, status = EXCLUDED.status, custom = EXCLUDED.custom,
           tags = coalesce(EXCLUDED.tags, r.tags), source_updated_at = EXCLUDED.source_updated_at,
           generation = EXCLUDED.generation, sanitized = EXCLUDED.sanitized,
           deleted_in_source_at = NULL, updated_at = now()
         WHERE (r.source_updated_at IS NULL OR EXCLUDED.source_updated_at IS NULL
           OR r.source_updated_at <= EXCLUDED.source_updated_at OR r.generation < EXCLUDED.generation)
           -- a deletion takes part in the order: only a version newer than it brings the company back
           AND (r.deleted_in_source_at IS NULL OR EXCLUDED.source_updated_at > r.deleted_in_source_at)
         RETURNING r.id, r.customer_id`,
        [sourceId, JSON.stringify(unique.map(recordRow)), generation],
      );
      await placeRecords(
        tx,
        written.map((w) => w.id),
      );
      await RecordIssues.released(
        tx,
        sourceId,
        'company',
        unique.map((r) => r.externalId),
      );
      return written.length;
    });
  }

  /**
   * Upserts contacts under each of their companies and drops links to companies they no longer belong to
   * (unless the stored row is newer). Returns the number of contact rows written.
   */
  async upsertContacts(sourceId: string, items: ContactLinks[]): Promise<number> {
    if (items.length === 0) return 0;
    return this.isolating(
      sourceId,
      'contact',
      items,
      (i) => i.contact.externalId,
      (batch) => this.writeContacts(sourceId, batch),
    );
  }

  private async writeContacts(sourceId: string, items: ContactLinks[]): Promise<number> {
    const rows = new Map<string, ReturnType<typeof contactRow>>();
    for (const { contact, companyIds } of items) {
      for (const companyId of companyIds)
        rows.set(`${contact.externalId}\u0000${companyId}`, contactRow(contact, companyId));
    }
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
      await RecordIssues.released(
        tx,
        sourceId,
        'contact',
        items.map((i) => i.contact.externalId),
      );
      if (sorted.length === 0) return 0;
      const written: unknown[] = await tx.query(
        `INSERT INTO contacts AS c (source_id, external_id, company_external_id, role, first_name, last_name, email, phone,
           title, linked_in, twitter, custom, source_created_at, source_updated_at, sanitized)
         SELECT $1, x.external_id, x.company_external_id, x.role, x.first_name, x.last_name, x.email, x.phone, x.title,
           x.linked_in, x.twitter, x.custom, x.source_created_at, x.source_updated_at, x.sanitized
         FROM jsonb_to_recordset($2::jsonb) AS x(external_id text, company_external_id text, role text, first_name text,
           last_name text, email text, phone text, title text, linked_in text, twitter text, custom jsonb,
           source_created_at timestamptz, source_updated_at timestamptz, sanitized jsonb)
         -- a contact deleted in Intercom stays deleted unless a version newer than the deletion arrives
         WHERE NOT EXISTS (SELECT 1 FROM contacts d WHERE d.source_id = $1 AND d.external_id = x.external_id
           AND d.deleted_in_source_at IS NOT NULL
           AND (x.source_updated_at IS NULL OR d.deleted_in_source_at >= x.source_updated_at))
         ON CONFLICT (source_id, external_id, company_external_id) DO UPDATE SET
           role = EXCLUDED.role, first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, email = EXCLUDED.email,
           phone = EXCLUDED.phone, title = EXCLUDED.title, linked_in = EXCLUDED.linked_in, twitter = EXCLUDED.twitter,
           custom = EXCLUDED.custom, source_created_at = EXCLUDED.source_created_at,
           source_updated_at = EXCLUDED.source_updated_at, sanitized = EXCLUDED.sanitized, deleted_in_source_at = NULL,
           updated_at = now()
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
    externalIds = externalIds.filter(isStorableId); // an id PostgreSQL refuses cannot be stored
    if (externalIds.length === 0) return new Map();
    const rows: Array<{ id: string; t: string | null }> = await this.db.query(
      `SELECT external_id AS id, extract(epoch FROM max(source_updated_at))::bigint AS t FROM ${table}
       WHERE source_id = $1 AND external_id = ANY($2) GROUP BY external_id`,
      [sourceId, externalIds],
    );
    return new Map(rows.filter((r) => r.t !== null).map((r) => [r.id, Number(r.t)]));
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
    tags: r.tags ?? null,
    source_updated_at: r.sourceUpdatedAt,
    sanitized: r.sanitized?.length ? r.sanitized : null,
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
    sanitized: c.sanitized?.length ? c.sanitized : null,
  };
}

/** Whether an id can be a text parameter at all (PostgreSQL refuses NUL); one that cannot was never stored. */
const isStorableId = (id: unknown): id is string => typeof id === 'string' && !id.includes('\u0000');

/** Marks kept in the CRM for objects deleted (or archived) in Intercom: nothing is removed. */
export class SourceDeletions {
  constructor(private readonly db: DataSource) {}

  /** Marks a company deleted at `at`, unless what is stored is newer than the deletion. */
  async companyDeleted(sourceId: string, externalId: string, at: string): Promise<void> {
    if (!isStorableId(externalId)) return;
    await this.db.query(
      `UPDATE customer_records SET deleted_in_source_at = COALESCE(deleted_in_source_at, $3::timestamptz), updated_at = now()
       WHERE source_id = $1 AND external_id = $2 AND (source_updated_at IS NULL OR source_updated_at <= $3::timestamptz)`,
      [sourceId, externalId, at],
    );
  }

  /** Marks a contact deleted (or archived) at `at`, unless what is stored is newer than the deletion. */
  async contactDeleted(sourceId: string, externalId: string, at: string): Promise<void> {
    if (!isStorableId(externalId)) return;
    await this.db.query(
      `UPDATE contacts SET deleted_in_source_at = COALESCE(deleted_in_source_at, $3::timestamptz), updated_at = now()
       WHERE source_id = $1 AND external_id = $2 AND (source_updated_at IS NULL OR source_updated_at <= $3::timestamptz)`,
      [sourceId, externalId, at],
    );
  }

  /** Clears the deletion mark of contacts just read from Intercom (an unarchived contact is back). */
  async contactRevived(sourceId: string, externalIds: string[]): Promise<void> {
    externalIds = externalIds.filter(isStorableId);
    if (externalIds.length === 0) return;
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
      `UPDATE customer_records r SET deleted_in_source_at = now(), updated_at = now()
       WHERE r.source_id = $1 AND r.deleted_in_source_at IS NULL AND r.updated_at < $2::timestamptz
         -- a company the pass read but could not write (quarantined) is not gone
         AND NOT EXISTS (SELECT 1 FROM quarantined_records q WHERE q.source_id = r.source_id AND q.model = 'company'
           AND md5(q.external_id) = md5(r.external_id) AND q.last_seen_at >= $2::timestamptz)`,
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
    if (!isStorableId(externalId)) return;
    await this.db.query(`DELETE FROM contacts WHERE source_id = $1 AND external_id = $2`, [sourceId, externalId]);
  }
}
