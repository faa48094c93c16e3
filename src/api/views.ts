import type { ContactRow } from '../db/repositories/contacts';
import type { CustomerRecordRow, CustomerRow, Page } from '../db/repositories/customers';
import { encodeCursor } from './schemas';
import type { SourceSummary } from '../db/repositories/sources';
import type { SourceStatusView } from '../workflows/messages';

/** JSON shapes of the API (ChartMogul's where it has one). */

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const systemLabel = (system: string): 'Intercom' | 'Custom' => (system === 'intercom' ? 'Intercom' : 'Custom');

export function dataSourceView(s: SourceSummary) {
  return {
    uuid: s.id,
    name: s.name,
    system: systemLabel(s.system),
    status: s.status,
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

export function customerView(c: CustomerRow) {
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
    status: c.status,
    'customer-since': null,
    lead_created_at: iso(c.leadCreatedAt),
    free_trial_started_at: iso(c.freeTrialStartedAt),
    city: c.city,
    state: null,
    country: c.country,
    zip: null,
    website_url: c.websiteUrl,
    mrr: 0,
    arr: 0,
    attributes: { tags: [] as string[], stripe: {}, clearbit: {}, custom: c.custom },
    address: { address_zip: null, city: c.city, state: null, country: c.country, zip: null },
  };
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
    position: 1,
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

/** ChartMogul's list shape: `entries`, an opaque `cursor` for the next page (null at the end) and `has_more`. */
export function pageView<T, V>(page: Page<T>, view: (row: T) => V) {
  return { entries: page.rows.map(view), cursor: encodeCursor(page.lastId, page.hasMore), has_more: page.hasMore };
}
