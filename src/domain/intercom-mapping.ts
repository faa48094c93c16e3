import type { AttributeValue } from './custom-attributes';
import { selectCustomAttributes } from './custom-attributes';
import type { IntercomCompany, IntercomContact } from './intercom-types';
import { INT32, integerOrNull, isoTimestamp, SAFE_INTEGER, textOrNull, ValueChanges } from './storable-values';

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
  /** What was changed to make the values storable ("field: change"); empty when nothing was. */
  sanitized?: string[];
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
  /** What was changed to make the values storable ("field: change"); empty when nothing was. */
  sanitized?: string[];
}

export interface AttributeSelection {
  names: readonly string[];
  dataTypes: ReadonlyMap<string, string>;
}

const objectOrEmpty = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * An Intercom company becomes a customer record. Its Intercom `id` is the external id (company_id is optional
 * and user-defined). The date the company was created in Intercom is both the free-trial and the lead-created date.
 * Every value is made storable; the id is kept as it is (it is the record's identity).
 */
export function companyToRecord(
  company: IntercomCompany,
  attributes: AttributeSelection,
  tagNames?: ReadonlyMap<string, string>,
): CustomerRecordFields {
  const changes = new ValueChanges();
  const createdAt = isoTimestamp(company.created_at, 'created_at', changes);
  const name = textOrNull(company.name, 'name', changes);
  const plan = objectOrEmpty(company.plan);
  return {
    externalId: company.id,
    name,
    company: name,
    email: null,
    websiteUrl: textOrNull(company.website, 'website', changes),
    plan: textOrNull(plan.name, 'plan', changes),
    size: integerOrNull(company.size, INT32, 'size', changes),
    industry: textOrNull(company.industry, 'industry', changes),
    monthlySpend: integerOrNull(company.monthly_spend, SAFE_INTEGER, 'monthly_spend', changes),
    userCount: integerOrNull(company.user_count, INT32, 'user_count', changes),
    leadCreatedAt: createdAt,
    freeTrialStartedAt: createdAt,
    status: INTERCOM_RECORD_STATUS,
    custom: selectCustomAttributes(company.custom_attributes, attributes.names, attributes.dataTypes, changes),
    tags: companyTagNames(company, tagNames, changes),
    sourceUpdatedAt: isoTimestamp(company.updated_at, 'updated_at', changes),
    sanitized: changes.list(),
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
  changes?: ValueChanges,
): string[] | undefined {
  if (!company.tags?.tags && !Array.isArray(company.tag_ids)) return undefined;
  const named = company.tags?.tags
    ? company.tags.tags.map((t) => t.name ?? tagNames?.get(t.id))
    : (company.tag_ids ?? []).map((id) => tagNames?.get(id));
  const storable = named.map((n) => textOrNull(n, 'tags', changes));
  return [...new Set(storable.filter((n): n is string => n !== null))].sort();
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

function socialUrl(contact: IntercomContact, network: string, changes: ValueChanges): string | null {
  const profiles = objectOrEmpty(contact.social_profiles).data;
  if (!Array.isArray(profiles)) return null;
  const profile = profiles.find(
    (p: unknown) => typeof objectOrEmpty(p).name === 'string' && (p as { name: string }).name.toLowerCase() === network,
  ) as { url?: unknown } | undefined;
  return textOrNull(profile?.url, network, changes);
}

export function contactToFields(contact: IntercomContact, attributes: AttributeSelection): ContactFields {
  const changes = new ValueChanges();
  const role = textOrNull(contact.role, 'role', changes);
  return {
    externalId: contact.id,
    role,
    ...splitName(textOrNull(contact.name, 'name', changes)),
    email: textOrNull(contact.email, 'email', changes),
    phone: textOrNull(contact.phone, 'phone', changes),
    linkedIn: socialUrl(contact, 'linkedin', changes),
    twitter: socialUrl(contact, 'twitter', changes),
    custom: selectCustomAttributes(contact.custom_attributes, attributes.names, attributes.dataTypes, changes),
    sourceCreatedAt: isoTimestamp(contact.created_at, 'created_at', changes),
    sourceUpdatedAt: isoTimestamp(contact.updated_at, 'updated_at', changes),
    sanitized: changes.list(),
  };
}

/** The contact's companies as embedded in the object; `complete` is false when Intercom capped the list (10). */
export function embeddedCompanyIds(contact: IntercomContact): { ids: string[]; complete: boolean } {
  const list = contact.companies;
  const data = Array.isArray(list?.data) ? list.data : [];
  const ids = data.map((c) => objectOrEmpty(c).id).filter((id): id is string => typeof id === 'string');
  const complete = !list?.has_more && (list?.total_count === undefined || list.total_count <= ids.length);
  return { ids, complete };
}
