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
}

/** A merged customer with the identifiers of its records (the primary record's first). */
export interface CustomerRow {
  id: string;
  /** The primary record's numeric id, ChartMogul's integer `id`; null for a customer without records. */
  primaryRecordId: number | null;
  externalId: string | null;
  sourceId: string | null;
  externalIds: string[];
  sourceIds: string[];
  name: string | null;
  email: string | null;
  company: string | null;
  websiteUrl: string | null;
  country: string | null;
  city: string | null;
  leadCreatedAt: Date | null;
  freeTrialStartedAt: Date | null;
  status: string | null;
  custom: Record<string, unknown>;
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
}

interface CustomerDbRow {
  id: string;
  primary_id: string | null;
  primary_external_id: string | null;
  primary_source_id: string | null;
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

// The primary record is customers.primary_record_id when set, else the oldest record.
const CUSTOMER_SELECT = `
  SELECT c.id, c.name, c.email, c.company, c.website_url, c.country, c.city, c.lead_created_at,
         c.free_trial_started_at, c.status, c.custom,
         pr.id AS primary_id, pr.external_id AS primary_external_id, pr.source_id AS primary_source_id,
         agg.external_ids, agg.source_ids
    FROM customers c
    LEFT JOIN LATERAL (
      SELECT r.id, r.external_id, r.source_id FROM customer_records r
       WHERE r.customer_id = c.id
       ORDER BY (r.id = c.primary_record_id) DESC, r.id
       LIMIT 1
    ) pr ON true
    LEFT JOIN LATERAL (
      SELECT array_agg(r.external_id ORDER BY (r.id = c.primary_record_id) DESC, r.id) AS external_ids,
             array_agg(DISTINCT r.source_id) AS source_ids
        FROM customer_records r WHERE r.customer_id = c.id
    ) agg ON true`;

function toCustomer(r: CustomerDbRow): CustomerRow {
  const sourceIds = r.source_ids ?? [];
  // The primary record's source first, the others in a stable order.
  if (r.primary_source_id)
    sourceIds.sort((a, b) => Number(b === r.primary_source_id) - Number(a === r.primary_source_id));
  return {
    id: r.id,
    primaryRecordId: r.primary_id === null ? null : Number(r.primary_id),
    externalId: r.primary_external_id,
    sourceId: r.primary_source_id,
    externalIds: r.external_ids ?? [],
    sourceIds,
    name: r.name,
    email: r.email,
    company: r.company,
    websiteUrl: r.website_url,
    country: r.country,
    city: r.city,
    leadCreatedAt: r.lead_created_at,
    freeTrialStartedAt: r.free_trial_started_at,
    status: r.status,
    custom: r.custom ?? {},
  };
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
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (filter.sourceId !== undefined || filter.externalId !== undefined) {
      const conds = ['r.customer_id = c.id'];
      if (filter.sourceId !== undefined) conds.push(`r.source_id = ${p(filter.sourceId)}`);
      if (filter.externalId !== undefined) conds.push(`r.external_id = ${p(filter.externalId)}`);
      where.push(`EXISTS (SELECT 1 FROM customer_records r WHERE ${conds.join(' AND ')})`);
    }
    if (filter.email !== undefined) where.push(`lower(c.email) = lower(${p(filter.email)})`);
    if (filter.status !== undefined) where.push(`c.status = ${p(filter.status)}`);
    if (page.after !== undefined) where.push(`c.id > ${p(page.after)}`);
    const sql = `${CUSTOMER_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.id LIMIT ${p(page.limit + 1)}`;
    const rows: CustomerDbRow[] = await this.db.query(sql, params);
    return toPage(rows.map(toCustomer), page.limit);
  }

  async get(id: string): Promise<CustomerRow | null> {
    const rows: CustomerDbRow[] = await this.db.query(`${CUSTOMER_SELECT} WHERE c.id = $1`, [id]);
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
