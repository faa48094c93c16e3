import type { DataSource } from 'typeorm';
import { toPage, type Page, type PageRequest } from './customers';

/** A contact row with the customer it belongs to (through the customer record of its company). */
export interface ContactRow {
  id: string;
  sourceId: string;
  externalId: string;
  companyExternalId: string;
  customerId: string | null;
  /** The contact's order on its customer (1-based, by contact id, as the customer's contact list is ordered). */
  position: number | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  title: string | null;
  linkedIn: string | null;
  twitter: string | null;
  custom: Record<string, unknown>;
  deletedInSourceAt: Date | null;
}

export interface ContactFilter {
  sourceId?: string;
  email?: string;
  customerId?: string;
  customerExternalId?: string;
}

interface ContactDbRow {
  id: string;
  source_id: string;
  external_id: string;
  company_external_id: string;
  customer_id: string | null;
  position: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  title: string | null;
  linked_in: string | null;
  twitter: string | null;
  custom: Record<string, unknown> | null;
  deleted_in_source_at: Date | null;
}

const CONTACT_SELECT = `
  SELECT x.id, x.source_id, x.external_id, x.company_external_id, r.customer_id, x.first_name, x.last_name, x.email,
         x.phone, x.title, x.linked_in, x.twitter, x.custom, x.deleted_in_source_at,
         CASE WHEN r.customer_id IS NOT NULL THEN (
           SELECT count(*) FROM customer_records r2
             JOIN contacts x2 ON x2.source_id = r2.source_id AND x2.company_external_id = r2.external_id
            WHERE r2.customer_id = r.customer_id AND x2.id <= x.id) END AS position
    FROM contacts x
    LEFT JOIN customer_records r ON r.source_id = x.source_id AND r.external_id = x.company_external_id`;

// Contacts of a source being deleted have left the reads with their source.
const NOT_BEING_DELETED = `NOT EXISTS (SELECT 1 FROM sources s WHERE s.id = x.source_id AND s.delete_requested_at IS NOT NULL)`;

function toContact(r: ContactDbRow): ContactRow {
  return {
    id: r.id,
    sourceId: r.source_id,
    externalId: r.external_id,
    companyExternalId: r.company_external_id,
    customerId: r.customer_id,
    position: r.position === null ? null : Number(r.position),
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    phone: r.phone,
    title: r.title,
    linkedIn: r.linked_in,
    twitter: r.twitter,
    custom: r.custom ?? {},
    deletedInSourceAt: r.deleted_in_source_at,
  };
}

/** Read access to contacts: plain SQL, keyset pagination on `contacts.id`. */
export class ContactRepository {
  constructor(private readonly db: DataSource) {}

  async list(filter: ContactFilter, page: PageRequest): Promise<Page<ContactRow>> {
    const { where, params, p } = contactWhere(filter);
    if (page.after !== undefined) where.push(`x.id > ${p(page.after)}`);
    const sql = `${CONTACT_SELECT} WHERE ${where.join(' AND ')} ORDER BY x.id
                 LIMIT ${p(page.limit + 1)} OFFSET ${p(page.offset ?? 0)}`;
    const rows: ContactDbRow[] = await this.db.query(sql, params);
    return toPage(rows.map(toContact), page.limit);
  }

  /** How many contacts match (for the legacy `total_pages`). */
  async count(filter: ContactFilter): Promise<number> {
    const { where, params } = contactWhere(filter);
    const [row]: Array<{ n: number }> = await this.db.query(
      `SELECT count(*)::int AS n FROM contacts x
         LEFT JOIN customer_records r ON r.source_id = x.source_id AND r.external_id = x.company_external_id
        WHERE ${where.join(' AND ')}`,
      params,
    );
    return row.n;
  }

  async get(id: string): Promise<ContactRow | null> {
    const rows: ContactDbRow[] = await this.db.query(`${CONTACT_SELECT} WHERE x.id = $1 AND ${NOT_BEING_DELETED}`, [
      id,
    ]);
    return rows.length ? toContact(rows[0]) : null;
  }
}

function contactWhere(filter: ContactFilter) {
  const where: string[] = [NOT_BEING_DELETED];
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (filter.sourceId !== undefined) where.push(`x.source_id = ${p(filter.sourceId)}`);
  if (filter.email !== undefined) where.push(`lower(x.email) = lower(${p(filter.email)})`);
  if (filter.customerId !== undefined) where.push(`r.customer_id = ${p(filter.customerId)}`);
  if (filter.customerExternalId !== undefined) where.push(`x.company_external_id = ${p(filter.customerExternalId)}`);
  return { where, params, p };
}
