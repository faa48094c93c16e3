import type { DataSource } from 'typeorm';

/** One page of a keyset-paginated listing ordered by id. */
export interface Page<T> {
  rows: T[];
  hasMore: boolean;
  /** The id of the last row, to continue after; null on an empty page. */
  lastId: string | null;
}

export interface PageRequest {
  /** Continue after this id (exclusive). */
  after?: string;
  limit: number;
  /** Legacy page-number paging (ChartMogul's deprecated `page`): skip this many rows. */
  offset?: number;
}

/** A merged customer with the identifiers of its records (the primary record's first). */
export interface CustomerRow {
  id: string;
  /** The primary record's numeric id, ChartMogul's integer `id`. */
  primaryRecordId: number;
  externalId: string;
  sourceId: string;
  /** The primary record's source: its system, and for Intercom its workspace and region (for the company's URL). */
  sourceSystem: string;
  sourceWorkspaceId: string | null;
  sourceRegion: string | null;
  externalIds: string[];
  sourceIds: string[];
  name: string | null;
  email: string | null;
  company: string | null;
  websiteUrl: string | null;
  country: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  leadCreatedAt: Date | null;
  freeTrialStartedAt: Date | null;
  status: string | null;
  custom: Record<string, unknown>;
  tags: string[];
}

/** One source's view of a customer (an Intercom company or a custom source's customer). */
export interface CustomerRecordRow {
  id: number;
  sourceId: string;
  externalId: string;
  name: string | null;
  websiteUrl: string | null;
  plan: string | null;
  size: number | null;
  industry: string | null;
  monthlySpend: number | null;
  userCount: number | null;
  leadCreatedAt: Date | null;
  freeTrialStartedAt: Date | null;
  custom: Record<string, unknown>;
  deletedInSourceAt: Date | null;
}

export interface CustomerFilter {
  sourceId?: string;
  externalId?: string;
  email?: string;
  status?: string;
  /** The stored system of a record's source (`intercom`, `custom`). */
  system?: string;
}

interface CustomerDbRow {
  id: string;
  primary_id: string;
  primary_external_id: string;
  primary_source_id: string;
  source_system: string;
  source_workspace_id: string | null;
  source_region: string | null;
  state: string | null;
  zip: string | null;
  tags: string[] | null;
  external_ids: string[] | null;
  source_ids: string[] | null;
  name: string | null;
  email: string | null;
  company: string | null;
  website_url: string | null;
  country: string | null;
  city: string | null;
  lead_created_at: Date | null;
  free_trial_started_at: Date | null;
  status: string | null;
  custom: Record<string, unknown> | null;
}

// The primary record is customers.primary_record_id when set, else the oldest record. A customer always has one
// (a customer left without records is deleted), so the inner join only hides one caught mid-transaction.
// Custom attributes and tags set through the API belong to the customer and win over its records'.
const CUSTOMER_SELECT = `
  SELECT c.id, c.name, c.email, c.company, c.website_url, c.country, c.city, c.state, c.zip, c.lead_created_at,
         c.free_trial_started_at, c.status, c.custom || c.api_custom AS custom,
         pr.id AS primary_id, pr.external_id AS primary_external_id, pr.source_id AS primary_source_id,
         pr.system AS source_system, pr.workspace_id AS source_workspace_id, pr.region AS source_region,
         agg.external_ids, agg.source_ids,
         (SELECT coalesce(array_agg(DISTINCT t ORDER BY t), '{}')
            FROM (SELECT unnest(r.tags) FROM customer_records r WHERE r.customer_id = c.id
                  UNION SELECT unnest(c.api_tags)) AS x(t)) AS tags
    FROM customers c
    JOIN LATERAL (
      SELECT r.id, r.external_id, r.source_id, s.system, s.workspace_id, s.region
        FROM customer_records r JOIN sources s ON s.id = r.source_id
       WHERE r.customer_id = c.id
       ORDER BY (r.id = c.primary_record_id) DESC, r.id
       LIMIT 1
    ) pr ON true
    LEFT JOIN LATERAL (
      SELECT array_agg(r.external_id ORDER BY (r.id = c.primary_record_id) DESC, r.id) AS external_ids,
             array_agg(DISTINCT r.source_id) AS source_ids
        FROM customer_records r WHERE r.customer_id = c.id
    ) agg ON true`;

// A customer whose every record belongs to a source being deleted has left the reads with its source.
const NOT_BEING_DELETED = `EXISTS (SELECT 1 FROM customer_records r JOIN sources s ON s.id = r.source_id
                                     WHERE r.customer_id = c.id AND s.delete_requested_at IS NULL)`;

function toCustomer(r: CustomerDbRow): CustomerRow {
  const sourceIds = r.source_ids ?? [];
  // The primary record's source first, the others in a stable order.
  if (r.primary_source_id)
    sourceIds.sort((a, b) => Number(b === r.primary_source_id) - Number(a === r.primary_source_id));
  return {
    id: r.id,
    primaryRecordId: Number(r.primary_id),
    externalId: r.primary_external_id,
    sourceId: r.primary_source_id,
    sourceSystem: r.source_system,
    sourceWorkspaceId: r.source_workspace_id,
    sourceRegion: r.source_region,
    externalIds: r.external_ids ?? [],
    sourceIds,
    name: r.name,
    email: r.email,
    company: r.company,
    websiteUrl: r.website_url,
    country: r.country,
    city: r.city,
    state: r.state,
    zip: r.zip,
    leadCreatedAt: r.lead_created_at,
    freeTrialStartedAt: r.free_trial_started_at,
    status: r.status,
    custom: r.custom ?? {},
    tags: r.tags ?? [],
  };
}

function customerWhere(filter: CustomerFilter) {
  const where: string[] = [NOT_BEING_DELETED];
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (filter.sourceId !== undefined || filter.externalId !== undefined || filter.system !== undefined) {
    const conds = ['r.customer_id = c.id'];
    if (filter.sourceId !== undefined) conds.push(`r.source_id = ${p(filter.sourceId)}`);
    if (filter.externalId !== undefined) conds.push(`r.external_id = ${p(filter.externalId)}`);
    if (filter.system !== undefined) {
      conds.push(`EXISTS (SELECT 1 FROM sources s WHERE s.id = r.source_id AND s.system = ${p(filter.system)})`);
    }
    where.push(`EXISTS (SELECT 1 FROM customer_records r WHERE ${conds.join(' AND ')})`);
  }
  if (filter.email !== undefined) where.push(`lower(c.email) = lower(${p(filter.email)})`);
  if (filter.status !== undefined) where.push(`c.status = ${p(filter.status)}`);
  return { where, params, p };
}

export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  return { rows: page, hasMore, lastId: page.length ? page[page.length - 1].id : null };
}

/** Read access to merged customers and their records: plain SQL, keyset pagination on `customers.id`. */
export class CustomerRepository {
  constructor(private readonly db: DataSource) {}

  async list(filter: CustomerFilter, page: PageRequest): Promise<Page<CustomerRow>> {
    const { where, params, p } = customerWhere(filter);
    if (page.after !== undefined) where.push(`c.id > ${p(page.after)}`);
    const sql = `${CUSTOMER_SELECT} WHERE ${where.join(' AND ')} ORDER BY c.id
                 LIMIT ${p(page.limit + 1)} OFFSET ${p(page.offset ?? 0)}`;
    const rows: CustomerDbRow[] = await this.db.query(sql, params);
    return toPage(rows.map(toCustomer), page.limit);
  }

  /** How many customers match (for the legacy `total_pages`). */
  async count(filter: CustomerFilter): Promise<number> {
    const { where, params } = customerWhere(filter);
    const [row]: Array<{ n: number }> = await this.db.query(
      `SELECT count(*)::int AS n FROM customers c WHERE ${where.join(' AND ')}`,
      params,
    );
    return row.n;
  }

  async get(id: string): Promise<CustomerRow | null> {
    const rows: CustomerDbRow[] = await this.db.query(`${CUSTOMER_SELECT} WHERE c.id = $1 AND ${NOT_BEING_DELETED}`, [
      id,
    ]);
    return rows.length ? toCustomer(rows[0]) : null;
  }

  /** The customer's records, the primary one first. */
  async records(customerId: string): Promise<CustomerRecordRow[]> {
    const rows: {
      id: string;
      source_id: string;
      external_id: string;
      name: string | null;
      website_url: string | null;
      plan: string | null;
      size: number | null;
      industry: string | null;
      monthly_spend: string | null;
      user_count: number | null;
      lead_created_at: Date | null;
      free_trial_started_at: Date | null;
      custom: Record<string, unknown> | null;
      deleted_in_source_at: Date | null;
    }[] = await this.db.query(
      `SELECT r.id, r.source_id, r.external_id, r.name, r.website_url, r.plan, r.size, r.industry, r.monthly_spend,
              r.user_count, r.lead_created_at, r.free_trial_started_at, r.custom, r.deleted_in_source_at
         FROM customer_records r JOIN customers c ON c.id = r.customer_id
        WHERE r.customer_id = $1
        ORDER BY (r.id = c.primary_record_id) DESC, r.id`,
      [customerId],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      sourceId: r.source_id,
      externalId: r.external_id,
      name: r.name,
      websiteUrl: r.website_url,
      plan: r.plan,
      size: r.size,
      industry: r.industry,
      monthlySpend: r.monthly_spend === null ? null : Number(r.monthly_spend),
      userCount: r.user_count,
      leadCreatedAt: r.lead_created_at,
      freeTrialStartedAt: r.free_trial_started_at,
      custom: r.custom ?? {},
      deletedInSourceAt: r.deleted_in_source_at,
    }));
  }
}
