import type { ContactRow } from '../db/repositories/contacts';
import type { CustomerRecordRow, CustomerRow } from '../db/repositories/customers';
import type { SourceSummary } from '../db/repositories/sources';
import type { SourceStatusView } from '../workflows/messages';

/** JSON shapes of the API (ChartMogul's where it has one). */

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const systemLabel = (system: string): 'Intercom' | 'Custom' => (system === 'intercom' ? 'Intercom' : 'Custom');

/**
 * ChartMogul's data source `status` words (`never_imported`, `import_complete`, `idle`, as its clients' fixtures
 * have them) for our lifecycle; `import_in_progress` stands for a running backfill or re-sync. The lifecycle itself
 * is in `lifecycle_status`.
 */
export function chartmogulSourceStatus(s: Pick<SourceSummary, 'system' | 'status'>): string {
  if (s.system !== 'intercom') return 'idle';
  switch (s.status) {
    case 'importing':
    case 'resyncing':
      return 'import_in_progress';
    case 'live':
      return 'import_complete';
    case 'needs_reconnect':
      // Nothing runs until a new token is given: idle, with the data of the last import (if any) kept.
      return 'idle';
    case 'deleting':
    case 'deleted':
      return 'deleted';
    default:
      return 'never_imported';
  }
}

export function dataSourceView(s: SourceSummary) {
  return {
    uuid: s.id,
    name: s.name,
    system: systemLabel(s.system),
    status: chartmogulSourceStatus(s),
    lifecycle_status: s.status,
    created_at: iso(s.createdAt),
    region: s.region,
    workspace_id: s.workspaceId,
    last_synced_at: iso(s.lastSyncedAt),
    last_error: s.lastError,
    progress: {
      companies_imported: s.progress.companiesImported,
      contacts_imported: s.progress.contactsImported,
      contacts_skipped_no_company: s.progress.contactsSkippedNoCompany,
      pages_fetched: s.progress.pagesFetched,
      started_at: s.progress.startedAt,
      finished_at: s.progress.finishedAt,
    },
  };
}

export function statusView(v: SourceStatusView) {
  return {
    uuid: v.sourceId,
    status: v.status,
    generation: v.generation,
    last_error: v.lastError,
    backfill: v.backfill
      ? { started_at: v.backfill.startedAt, finished_at: v.backfill.finishedAt, pages_fetched: v.backfill.pagesFetched }
      : null,
  };
}

const INTERCOM_APP_HOSTS: Record<string, string> = {
  US: 'https://app.intercom.com',
  EU: 'https://app.eu.intercom.com',
  AU: 'https://app.au.intercom.com',
};

/** Where the primary record lives in its system: the Intercom company's page; none for a custom source. */
function billingSystemUrl(c: CustomerRow): string | null {
  if (c.sourceSystem !== 'intercom' || !c.sourceWorkspaceId) return null;
  const host = INTERCOM_APP_HOSTS[(c.sourceRegion ?? 'US').toUpperCase()] ?? INTERCOM_APP_HOSTS.US;
  return `${host}/a/apps/${encodeURIComponent(c.sourceWorkspaceId)}/companies/${encodeURIComponent(c.externalId)}`;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });

/** ChartMogul's `address.country` is the country's English name ("United States"); the flat `country` its code. */
export function countryName(code: string | null): string | null {
  if (!code) return null;
  try {
    return regionNames.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

/**
 * ChartMogul's customer object. `mrr`/`arr` are 0 and `currency` the account's default (USD): this service has no
 * billing data. `chartmogul-url` is the customer's page in /app; `billing-system-type` is "Intercom" or, for a
 * custom source, ChartMogul's "ImportApi".
 */
export function customerView(c: CustomerRow, publicUrl: string) {
  return {
    id: c.primaryRecordId,
    uuid: c.id,
    external_id: c.externalId,
    external_ids: c.externalIds,
    data_source_uuid: c.sourceId,
    data_source_uuids: c.sourceIds,
    name: c.name ?? '',
    email: c.email ?? '',
    company: c.company ?? '',
    status: c.status ?? '',
    'customer-since': null,
    lead_created_at: iso(c.leadCreatedAt),
    free_trial_started_at: iso(c.freeTrialStartedAt),
    city: c.city,
    state: c.state,
    country: c.country,
    zip: c.zip,
    website_url: c.websiteUrl,
    mrr: 0,
    arr: 0,
    'billing-system-url': billingSystemUrl(c),
    'chartmogul-url': `${publicUrl}/app/customers/${encodeURIComponent(c.id)}`,
    'billing-system-type': c.sourceSystem === 'intercom' ? 'Intercom' : 'ImportApi',
    currency: 'USD',
    'currency-sign': '$',
    owner: null,
    attributes: attributesView(c),
    address: { address_zip: c.zip, city: c.city, state: c.state, country: countryName(c.country) },
  };
}

/** `attributes` of a customer, also `GET /v1/customers/{uuid}/attributes`. */
export function attributesView(c: Pick<CustomerRow, 'tags' | 'custom'>) {
  return { tags: c.tags, stripe: {}, clearbit: {}, custom: c.custom };
}

export function customerRecordView(r: CustomerRecordRow) {
  return {
    source_id: r.sourceId,
    external_id: r.externalId,
    name: r.name,
    website_url: r.websiteUrl,
    plan: r.plan,
    size: r.size,
    industry: r.industry,
    monthly_spend: r.monthlySpend,
    user_count: r.userCount,
    lead_created_at: iso(r.leadCreatedAt),
    free_trial_started_at: iso(r.freeTrialStartedAt),
    custom: r.custom,
    deleted_in_source_at: iso(r.deletedInSourceAt),
  };
}

export function contactView(c: ContactRow) {
  return {
    uuid: c.id,
    customer_uuid: c.customerId,
    customer_external_id: c.companyExternalId,
    data_source_uuid: c.sourceId,
    external_id: c.externalId,
    position: c.position,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    phone: c.phone,
    title: c.title,
    linked_in: c.linkedIn,
    twitter: c.twitter,
    notes: null,
    custom: c.custom,
    deleted_in_source_at: iso(c.deletedInSourceAt),
  };
}
