import type { DataSource } from 'typeorm';
import { toPage, type Page, type PageRequest } from './customers';

/** A contact row with the customer it belongs to (through the customer record of its company). */
export interface ContactRow {
  id: string;
  sourceId: string;
  externalId: string;
  companyExternalId: string;
  customerId: string | null;
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
         x.phone, x.title, x.linked_in, x.twitter, x.custom, x.deleted_in_source_at
    FROM contacts x
    LEFT JOIN customer_records r ON r.source_id = x.source_id AND r.external_id = x.company_external_id`;

function toContact(r: ContactDbRow): ContactRow {
  return {
    id: r.id,
    sourceId: r.source_id,
    externalId: r.external_id,
    companyExternalId: r.company_external_id,
    customerId: r.customer_id,
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
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (filter.sourceId !== undefined) where.push(`x.source_id = ${p(filter.sourceId)}`);
    if (filter.email !== undefined) where.push(`lower(x.email) = lower(${p(filter.email)})`);
    if (filter.customerId !== undefined) where.push(`r.customer_id = ${p(filter.customerId)}`);
    if (filter.customerExternalId !== undefined) where.push(`x.company_external_id = ${p(filter.customerExternalId)}`);
    if (page.after !== undefined) where.push(`x.id > ${p(page.after)}`);
    const sql = `${CONTACT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY x.id LIMIT ${p(page.limit + 1)}`;
    const rows: ContactDbRow[] = await this.db.query(sql, params);
    return toPage(rows.map(toContact), page.limit);
  }
}
