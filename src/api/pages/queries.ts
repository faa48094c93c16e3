import type { DataSource } from 'typeorm';
import { importSelectionSchema, type ImportSelection } from '../../domain/source';

/**
 * Read-only SQL behind the pages that the JSON API's repositories do not offer: a source's own data tables (its
 * customer records and contacts, searchable by name and email, keyset-paginated on id), its stored selection and
 * its purge progress.
 */

export const PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** A data table request: an optional search term, where to continue, how many rows. */
export interface TableQuery {
  q?: string;
  after?: string;
  limit: number;
}

export interface SourceRecordRow {
  id: string;
  externalId: string;
  customerId: string | null;
  name: string | null;
  email: string | null;
  websiteUrl: string | null;
  plan: string | null;
  leadCreatedAt: Date | null;
  custom: Record<string, unknown>;
  deletedInSourceAt: Date | null;
}

export interface SourceContactRow {
  id: string;
  externalId: string;
  customerId: string | null;
  companyName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  title: string | null;
  custom: Record<string, unknown>;
  deletedInSourceAt: Date | null;
}

export interface TablePage<T> {
  rows: T[];
  /** Where the next page starts (the last id of this one), null on the last page. */
  next: string | null;
}

/** `%term%` for ILIKE, with the term's own wildcards escaped. */
const contains = (term: string): string => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

function page<T extends { id: string }>(rows: T[], limit: number): TablePage<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { rows: kept, next: more ? kept[kept.length - 1].id : null };
}

export class PageQueries {
  constructor(private readonly db: DataSource) {}

  /** The source's customer records (one per Intercom company), optionally matching `q` in name, email or website. */
  async records(sourceId: string, { q, after, limit }: TableQuery): Promise<TablePage<SourceRecordRow>> {
    const params: unknown[] = [sourceId];
    const p = (v: unknown) => `$${params.push(v)}`;
    let where = 'r.source_id = $1';
    if (q) {
      const like = p(contains(q));
      where += ` AND (r.name ILIKE ${like} OR r.email ILIKE ${like} OR r.website_url ILIKE ${like} OR r.external_id = ${p(q)})`;
    }
    if (after && /^\d{1,18}$/.test(after)) where += ` AND r.id > ${p(after)}::bigint`;
    const rows: {
      id: string;
      external_id: string;
      customer_id: string | null;
      name: string | null;
      email: string | null;
      website_url: string | null;
      plan: string | null;
      lead_created_at: Date | null;
      custom: Record<string, unknown> | null;
      deleted_in_source_at: Date | null;
    }[] = await this.db.query(
      `SELECT r.id, r.external_id, r.customer_id, r.name, r.email, r.website_url, r.plan, r.lead_created_at, r.custom,
              r.deleted_in_source_at
         FROM customer_records r WHERE ${where} ORDER BY r.id LIMIT ${p(limit + 1)}`,
      params,
    );
    return page(
      rows.map((r) => ({
        id: String(r.id),
        externalId: r.external_id,
        customerId: r.customer_id,
        name: r.name,
        email: r.email,
        websiteUrl: r.website_url,
        plan: r.plan,
        leadCreatedAt: r.lead_created_at,
        custom: r.custom ?? {},
        deletedInSourceAt: r.deleted_in_source_at,
      })),
      limit,
    );
  }

  /** The source's contacts (one row per contact and company), optionally matching `q` in name or email. */
  async contacts(sourceId: string, { q, after, limit }: TableQuery): Promise<TablePage<SourceContactRow>> {
    const params: unknown[] = [sourceId];
    const p = (v: unknown) => `$${params.push(v)}`;
    let where = 'x.source_id = $1';
    if (q) {
      const like = p(contains(q));
      where += ` AND (concat_ws(' ', x.first_name, x.last_name) ILIKE ${like} OR x.email ILIKE ${like})`;
    }
    if (after) where += ` AND x.id > ${p(after)}`;
    const rows: {
      id: string;
      external_id: string;
      customer_id: string | null;
      company_name: string | null;
      first_name: string | null;
      last_name: string | null;
      email: string | null;
      phone: string | null;
      title: string | null;
      custom: Record<string, unknown> | null;
      deleted_in_source_at: Date | null;
    }[] = await this.db.query(
      `SELECT x.id, x.external_id, r.customer_id, r.name AS company_name, x.first_name, x.last_name, x.email, x.phone,
              x.title, x.custom, x.deleted_in_source_at
         FROM contacts x
         LEFT JOIN customer_records r ON r.source_id = x.source_id AND r.external_id = x.company_external_id
        WHERE ${where} ORDER BY x.id LIMIT ${p(limit + 1)}`,
      params,
    );
    return page(
      rows.map((r) => ({
        id: r.id,
        externalId: r.external_id,
        customerId: r.customer_id,
        companyName: r.company_name,
        firstName: r.first_name,
        lastName: r.last_name,
        email: r.email,
        phone: r.phone,
        title: r.title,
        custom: r.custom ?? {},
        deletedInSourceAt: r.deleted_in_source_at,
      })),
      limit,
    );
  }

  /** What the source imports (`sources.settings`), null before the first import. */
  async selection(sourceId: string): Promise<ImportSelection | null> {
    const rows: { settings: unknown }[] = await this.db.query(`SELECT settings FROM sources WHERE id = $1`, [sourceId]);
    const parsed = importSelectionSchema.safeParse(rows[0]?.settings);
    return parsed.success ? parsed.data : null;
  }

  /** Purge progress (`progress.purge`) and what is left to delete. */
  async purge(
    sourceId: string,
  ): Promise<{ contacts: number; records: number; contactsLeft: number; recordsLeft: number }> {
    const rows: { purge: Record<string, unknown> | null; contacts_left: string; records_left: string }[] =
      await this.db.query(
        `SELECT s.progress->'purge' AS purge,
                (SELECT count(*) FROM contacts c WHERE c.source_id = s.id) AS contacts_left,
                (SELECT count(*) FROM customer_records r WHERE r.source_id = s.id) AS records_left
           FROM sources s WHERE s.id = $1`,
        [sourceId],
      );
    const r = rows[0];
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    return {
      contacts: n(r?.purge?.contacts),
      records: n(r?.purge?.records),
      contactsLeft: Number(r?.contacts_left ?? 0),
      recordsLeft: Number(r?.records_left ?? 0),
    };
  }

  /** Whether an access token is stored for the source (the OAuth callback or a pasted token). */
  async hasCredential(sourceId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM credentials WHERE source_id = $1`, [sourceId]);
    return rows.length > 0;
  }

  /** Names of sources by id, deleted ones included (a customer page names the source of each record). */
  async sourceNames(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; name: string }[] = await this.db.query(
      `SELECT id, name FROM sources WHERE id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
