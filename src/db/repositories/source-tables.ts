import type { DataSource } from 'typeorm';

/**
 * A source's own data tables as /app shows them: its customer records and contacts, searchable by name and email,
 * keyset-paginated on id.
 */

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

/** Adds a query parameter, returns its placeholder (`$n`). */
type Param = (value: unknown) => string;

/** A table the data pages page through (see SourceTables.keysetPage). */
interface KeysetTable {
  /** `SELECT … FROM …` with the columns named as the row's fields. */
  select: string;
  /** The alias of the table whose `source_id` and `id` the page filters and orders on. */
  alias: string;
  /** The condition a search term adds. */
  search(q: string, p: Param): string;
  /** The condition "after the cursor", or null to ignore a cursor that cannot be an id of this table. */
  after(after: string, p: Param): string | null;
}

export class SourceTables {
  constructor(private readonly db: DataSource) {}

  /** The source's customer records (one per Intercom company), optionally matching `q` in name, email or website. */
  records(sourceId: string, query: TableQuery): Promise<TablePage<SourceRecordRow>> {
    return this.keysetPage<SourceRecordRow>(
      {
        select: `SELECT r.id, r.external_id AS "externalId", r.customer_id AS "customerId", r.name, r.email,
                        r.website_url AS "websiteUrl", r.plan, r.lead_created_at AS "leadCreatedAt", r.custom,
                        r.deleted_in_source_at AS "deletedInSourceAt"
                   FROM customer_records r`,
        alias: 'r',
        search: (q, p) => {
          const like = p(contains(q));
          return `r.name ILIKE ${like} OR r.email ILIKE ${like} OR r.website_url ILIKE ${like} OR r.external_id = ${p(q)}`;
        },
        // Record ids are bigints: a cursor that is not one would fail the cast, so it is ignored instead.
        after: (after, p) => (/^\d{1,18}$/.test(after) ? `r.id > ${p(after)}::bigint` : null),
      },
      sourceId,
      query,
    );
  }

  /** The source's contacts (one row per contact and company), optionally matching `q` in name or email. */
  contacts(sourceId: string, query: TableQuery): Promise<TablePage<SourceContactRow>> {
    return this.keysetPage<SourceContactRow>(
      {
        select: `SELECT x.id, x.external_id AS "externalId", r.customer_id AS "customerId", r.name AS "companyName",
                        x.first_name AS "firstName", x.last_name AS "lastName", x.email, x.phone, x.title, x.custom,
                        x.deleted_in_source_at AS "deletedInSourceAt"
                   FROM contacts x
                   LEFT JOIN customer_records r ON r.source_id = x.source_id AND r.external_id = x.company_external_id`,
        alias: 'x',
        search: (q, p) => {
          const like = p(contains(q));
          // The expression of the trigram index contacts_search_name (concat_ws cannot be indexed).
          return `(coalesce(x.first_name, '') || ' ' || coalesce(x.last_name, '')) ILIKE ${like} OR x.email ILIKE ${like}`;
        },
        after: (after, p) => `x.id > ${p(after)}`,
      },
      sourceId,
      query,
    );
  }

  /**
   * One page of a source's table in id order: the rows of `alias.source_id = $1`, matching the search when `q` is
   * given, after the cursor. The SELECT names its columns as the row's fields, so rows need no mapping.
   */
  private async keysetPage<T extends { id: string; custom: Record<string, unknown> }>(
    table: KeysetTable,
    sourceId: string,
    { q, after, limit }: TableQuery,
  ): Promise<TablePage<T>> {
    const params: unknown[] = [sourceId];
    const p: Param = (v) => `$${params.push(v)}`;
    let where = `${table.alias}.source_id = $1`;
    if (q) where += ` AND (${table.search(q, p)})`;
    const cursor = after && table.after(after, p);
    if (cursor) where += ` AND ${cursor}`;
    const rows: (Omit<T, 'custom'> & { custom: T['custom'] | null })[] = await this.db.query(
      `${table.select} WHERE ${where} ORDER BY ${table.alias}.id LIMIT ${p(limit + 1)}`,
      params,
    );
    // pg returns bigint ids as strings already; String() keeps the row type honest for any driver setting.
    return page(
      rows.map((r) => ({ ...r, id: String(r.id), custom: r.custom ?? {} }) as T),
      limit,
    );
  }
}
