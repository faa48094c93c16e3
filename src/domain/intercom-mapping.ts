import type { AttributeValue } from './custom-attributes';
import { selectCustomAttributes, toIsoTimestamp } from './custom-attributes';
import type { IntercomCompany, IntercomContact } from './intercom-types';

/** ChartMogul has no "Trial" status: an imported Intercom company is a lead until it pays in a billing source. */
export const INTERCOM_RECORD_STATUS = 'New Lead';

export interface CustomerRecordFields {
  externalId: string;
  name: string | null;
  company: string | null;
  email: string | null;
  websiteUrl: string | null;
  plan: string | null;
  size: number | null;
  industry: string | null;
  monthlySpend: number | null;
  userCount: number | null;
  leadCreatedAt: string | null;
  freeTrialStartedAt: string | null;
  status: string;
  custom: Record<string, AttributeValue>;
  /** The company's Intercom tags (names, sorted): the customer's `attributes.tags`; undefined = not in the item. */
  tags?: string[];
  sourceUpdatedAt: string | null;
}

export interface ContactFields {
  externalId: string;
  role: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  linkedIn: string | null;
  twitter: string | null;
  custom: Record<string, AttributeValue>;
  sourceCreatedAt: string | null;
  sourceUpdatedAt: string | null;
}

export interface AttributeSelection {
  names: readonly string[];
  dataTypes: ReadonlyMap<string, string>;
}

const intOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : null);
const textOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * An Intercom company becomes a customer record. Its Intercom `id` is the external id (company_id is optional
 * and user-defined). The date the company was created in Intercom is both the free-trial and the lead-created date.
 */
export function companyToRecord(
  company: IntercomCompany,
  attributes: AttributeSelection,
  tagNames?: ReadonlyMap<string, string>,
): CustomerRecordFields {
  const createdAt = toIsoTimestamp(company.created_at);
  const name = textOrNull(company.name);
  const plan = company.plan && 'name' in company.plan ? textOrNull(company.plan.name) : null;
  return {
    externalId: company.id,
    name,
    company: name,
    email: null,
    websiteUrl: textOrNull(company.website),
    plan,
    size: intOrNull(company.size),
    industry: textOrNull(company.industry),
    monthlySpend: intOrNull(company.monthly_spend),
    userCount: intOrNull(company.user_count),
    leadCreatedAt: createdAt,
    freeTrialStartedAt: createdAt,
    status: INTERCOM_RECORD_STATUS,
    custom: selectCustomAttributes(company.custom_attributes, attributes.names, attributes.dataTypes),
    tags: companyTagNames(company, tagNames),
    sourceUpdatedAt: toIsoTimestamp(company.updated_at),
  };
}

/** True when the company names its tags only by id (a webhook item): GET /tags gives the names. */
export const needsTagNames = (company: IntercomCompany): boolean => !company.tags && (company.tag_ids ?? []).length > 0;

/**
 * The company's tag names: REST companies list them; webhook items carry only `tag_ids`, named through `tagNames`
 * (GET /tags). An id without a name (a tag deleted meanwhile) is left out. Undefined when the item says nothing
 * about tags (the stored ones stay).
 */
export function companyTagNames(
  company: IntercomCompany,
  tagNames?: ReadonlyMap<string, string>,
): string[] | undefined {
  if (!company.tags?.tags && !Array.isArray(company.tag_ids)) return undefined;
  const named = company.tags?.tags
    ? company.tags.tags.map((t) => t.name ?? tagNames?.get(t.id))
    : (company.tag_ids ?? []).map((id) => tagNames?.get(id));
  return [...new Set(named.filter((n): n is string => typeof n === 'string' && n !== ''))].sort();
}

/** Splits "Zoë Łukasz 東京" into first "Zoë" and last "Łukasz 東京". */
export function splitName(name: string | null | undefined): { firstName: string | null; lastName: string | null } {
  const trimmed = (name ?? '').trim();
  if (!trimmed) return { firstName: null, lastName: null };
  const i = trimmed.indexOf(' ');
  return i < 0
    ? { firstName: trimmed, lastName: null }
    : { firstName: trimmed.slice(0, i), lastName: trimmed.slice(i + 1).trim() };
}

function socialUrl(contact: IntercomContact, network: string): string | null {
  const profile = contact.social_profiles?.data?.find((p) => p.name?.toLowerCase() === network);
  return textOrNull(profile?.url);
}

export function contactToFields(contact: IntercomContact, attributes: AttributeSelection): ContactFields {
  return {
    externalId: contact.id,
    role: contact.role ?? null,
    ...splitName(contact.name),
    email: textOrNull(contact.email),
    phone: textOrNull(contact.phone),
    linkedIn: socialUrl(contact, 'linkedin'),
    twitter: socialUrl(contact, 'twitter'),
    custom: selectCustomAttributes(contact.custom_attributes, attributes.names, attributes.dataTypes),
    sourceCreatedAt: toIsoTimestamp(contact.created_at),
    sourceUpdatedAt: toIsoTimestamp(contact.updated_at),
  };
}

/** The contact's companies as embedded in the object; `complete` is false when Intercom capped the list (10). */
export function embeddedCompanyIds(contact: IntercomContact): { ids: string[]; complete: boolean } {
  const list = contact.companies;
  const ids = (list?.data ?? []).map((c) => c.id);
  const complete = !list?.has_more && (list?.total_count === undefined || list.total_count <= ids.length);
  return { ids, complete };
}
