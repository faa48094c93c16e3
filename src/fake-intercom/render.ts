import type { CompanyRecord, ContactRecord, DataAttributeRecord, TagRecord } from './types';

/**
 * Wire shapes. Companies omit unset optional keys and send `plan: {}` when there is none (as Intercom's examples
 * do); contacts send explicit nulls for unset standard fields (the POST /contacts example does).
 */

export type Json = Record<string, unknown>;

/** Embedded relation lists show at most this many items; `has_more` + `url` lead to the rest. */
export const EMBED_LIMIT = 10;

export function renderCompany(
  c: CompanyRecord,
  appId: string,
  userCount: number,
  tags: readonly TagRecord[] = [],
): Json {
  const out: Json = { type: 'company', company_id: c.company_id, id: c.id, app_id: appId, name: c.name };
  if (c.remote_created_at !== undefined) out.remote_created_at = c.remote_created_at;
  out.created_at = c.created_at;
  out.updated_at = c.updated_at;
  if (c.last_request_at !== undefined) out.last_request_at = c.last_request_at;
  if (c.size !== undefined) out.size = c.size;
  if (c.website !== undefined) out.website = c.website;
  if (c.industry !== undefined) out.industry = c.industry;
  out.monthly_spend = c.monthly_spend;
  out.session_count = c.session_count;
  out.user_count = userCount;
  out.tags = {
    type: 'tag.list',
    tags: (c.tagIds ?? []).map((id) => ({ type: 'tag', id, name: tags.find((t) => t.id === id)?.name ?? id })),
  };
  out.segments = { type: 'segment.list', segments: [] };
  out.plan = c.plan ? { type: 'plan', id: c.plan.id, name: c.plan.name } : {};
  out.custom_attributes = { ...c.custom_attributes };
  return out;
}

function embedded(contactId: string, ids: string[], itemType: string, itemPath: string, listPath: string): Json {
  return {
    type: 'list',
    data: ids.slice(0, EMBED_LIMIT).map((id) => ({ type: itemType, id, url: `/${itemPath}/${id}` })),
    url: `/contacts/${contactId}/${listPath}`,
    total_count: ids.length,
    has_more: ids.length > EMBED_LIMIT,
  };
}

/**
 * `forSearch` drops the keys that search hits lack in real Intercom (subscription types, utm_*, referrer,
 * enabled_push_messaging), so consumers that rely on them notice against the fake too.
 */
export function renderContact(c: ContactRecord, appId: string, forSearch = false): Json {
  const out: Json = {
    type: 'contact',
    id: c.id,
    workspace_id: appId,
    external_id: c.external_id,
    role: c.role,
    // The OA schema types email as a non-nullable string; Intercom sends "" for contacts without one.
    email: c.email ?? '',
  };
  if (c.email) out.email_domain = c.email.slice(c.email.indexOf('@') + 1);
  Object.assign(out, {
    phone: c.phone,
    name: c.name,
    avatar: null,
    owner_id: c.owner_id,
    social_profiles: { type: 'list', data: [] },
    has_hard_bounced: c.has_hard_bounced,
    marked_email_as_spam: c.marked_email_as_spam,
    unsubscribed_from_emails: c.unsubscribed_from_emails,
    created_at: c.created_at,
    updated_at: c.updated_at,
    signed_up_at: c.signed_up_at,
    last_seen_at: c.last_seen_at,
    last_replied_at: c.last_replied_at,
    last_contacted_at: c.last_contacted_at,
    last_email_opened_at: c.last_email_opened_at,
    last_email_clicked_at: c.last_email_clicked_at,
    language_override: c.language_override,
    browser: c.browser,
    browser_version: c.browser_version,
    browser_language: c.browser_language,
    os: c.os,
    location: { type: 'location', ...c.location },
    android_app_name: null,
    android_app_version: null,
    android_device: null,
    android_os_version: null,
    android_sdk_version: null,
    android_last_seen_at: null,
    ios_app_name: null,
    ios_app_version: null,
    ios_device: null,
    ios_os_version: null,
    ios_sdk_version: null,
    ios_last_seen_at: null,
    custom_attributes: { ...c.custom_attributes },
    tags: embedded(c.id, c.tagIds, 'tag', 'tags', 'tags'),
    notes: embedded(c.id, c.noteIds, 'note', 'notes', 'notes'),
    companies: embedded(c.id, c.companyIds, 'company', 'companies', 'companies'),
  });
  if (!forSearch) {
    const subscriptions = {
      type: 'list',
      data: [],
      url: `/contacts/${c.id}/subscriptions`,
      total_count: 0,
      has_more: false,
    };
    Object.assign(out, {
      opted_out_subscription_types: subscriptions,
      opted_in_subscription_types: { ...subscriptions },
      utm_campaign: null,
      utm_content: null,
      utm_medium: null,
      utm_source: null,
      utm_term: null,
      referrer: null,
      enabled_push_messaging: null,
    });
  }
  return out;
}

export function renderDataAttribute(a: DataAttributeRecord): Json {
  const out: Json = { type: 'data_attribute' };
  if (a.id !== undefined) out.id = a.id;
  Object.assign(out, {
    name: a.name,
    full_name: a.full_name,
    label: a.label,
    description: a.description,
    data_type: a.data_type,
  });
  if (a.options) out.options = [...a.options];
  Object.assign(out, {
    api_writable: a.api_writable,
    ui_writable: a.ui_writable,
    messenger_writable: a.messenger_writable,
    custom: a.custom,
    archived: a.archived,
    model: a.model,
  });
  if (a.created_at !== undefined) out.created_at = a.created_at;
  if (a.updated_at !== undefined) out.updated_at = a.updated_at;
  if (a.admin_id !== undefined) out.admin_id = a.admin_id;
  return out;
}

// ---------------------------------------------------------------- webhook items (what Intercom really sends)

/** Unix seconds (with the ms of the change when known) as Intercom's webhook ISO string: `…T04:39:55.465+00:00`. */
export function isoMs(seconds: number | null | undefined, ms?: number): string | null {
  if (seconds === null || seconds === undefined) return null;
  const at = ms !== undefined && Math.floor(ms / 1000) === seconds ? ms : seconds * 1000;
  return new Date(at).toISOString().replace('Z', '+00:00');
}

const CONTACT_TIMESTAMPS = [
  'created_at',
  'updated_at',
  'signed_up_at',
  'last_seen_at',
  'last_replied_at',
  'last_contacted_at',
  'last_email_opened_at',
  'last_email_clicked_at',
  'android_last_seen_at',
  'ios_last_seen_at',
] as const;

/**
 * A company inside `data.item`: ISO-ms timestamps, explicit nulls for unset fields, `plan: null` without a plan,
 * `tag_ids` instead of the REST `tags`/`segments` lists.
 */
export function webhookCompany(c: CompanyRecord, appId: string, userCount: number): Json {
  return {
    type: 'company',
    id: c.id,
    company_id: c.company_id,
    app_id: appId,
    name: c.name,
    remote_created_at: isoMs(c.remote_created_at),
    created_at: isoMs(c.created_at, c.createdAtMs),
    updated_at: isoMs(c.updated_at, c.updatedAtMs),
    last_request_at: isoMs(c.last_request_at),
    size: c.size ?? null,
    website: c.website ?? null,
    industry: c.industry ?? null,
    monthly_spend: c.monthly_spend,
    session_count: c.session_count,
    user_count: userCount,
    plan: c.plan ? { type: 'plan', id: c.plan.id, name: c.plan.name } : null,
    tag_ids: [...(c.tagIds ?? [])],
    custom_attributes: { ...c.custom_attributes },
  };
}

/** The company as `company.contact.attached/detached` carry it: `plan_id` instead of `plan`. */
export function webhookLinkCompany(c: CompanyRecord, appId: string, userCount: number): Json {
  const { plan: _plan, ...rest } = webhookCompany(c, appId, userCount);
  return { ...rest, plan_id: c.plan?.id ?? null };
}

/** The full contact with ISO-ms timestamps (the REST shape otherwise). */
export function webhookContact(c: ContactRecord, appId: string): Json {
  const out = renderContact(c, appId);
  for (const key of CONTACT_TIMESTAMPS) {
    const v = out[key] as number | null | undefined;
    const ms =
      key === 'updated_at' ? c.updatedAtMs : key === 'created_at' && c.createdAtMs > 0 ? c.createdAtMs : undefined;
    out[key] = isoMs(v, ms);
  }
  return out;
}
