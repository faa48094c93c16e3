import { toIsoTimestamp } from '../domain/custom-attributes';
import { companyToRecord, contactToFields, embeddedCompanyIds } from '../domain/intercom-mapping';
import type { IntercomCompany, IntercomContact } from '../domain/intercom-types';
import { classifyTopic } from '../domain/webhook-topics';
import { ImportWrites, SourceDeletions } from '../db/repositories/import-writes';
import { WebhookInbox, type InboxRow } from '../db/repositories/webhook-inbox';
import { IntercomHttpError } from '../intercom/errors';
import { fetchAllContactCompanyIds } from '../intercom/pages';
import type { ActivityDeps } from './deps';
import { asActivityFailure, openIntercomSession, type IntercomSession } from './intercom-session';

const BATCH = 200;

/**
 * Live sync: applies the source's inbox in arrival order, a batch at a time. Every write compares Intercom's
 * updated_at, so duplicates and out-of-order deliveries change nothing; where a notification carries too
 * little (minimal deleted payloads, a contact with more than 10 companies), the current object is fetched.
 */
export function createLiveSync(deps: ActivityDeps) {
  const inbox = new WebhookInbox(deps.db);
  const writes = new ImportWrites(deps.db);
  const deletions = new SourceDeletions(deps.db);

  /**
   * The contact with all its companies. The payload is used when it is complete; otherwise the current contact
   * is fetched, so its company list and its updated_at belong together. Null when it no longer exists.
   */
  async function completeContact(
    session: IntercomSession,
    payload: IntercomContact,
  ): Promise<{ contact: IntercomContact; companyIds: string[] } | null> {
    try {
      const embedded = embeddedCompanyIds(payload);
      // As for companies, a tie on updated_at (one-second granularity) is decided by the current contact.
      const tie =
        payload.updated_at !== undefined &&
        (await writes.storedUpdatedAt(session.source.id, 'contact', payload.id)) === payload.updated_at;
      if (payload.companies && embedded.complete && !tie) return { contact: payload, companyIds: embedded.ids };
      const contact = await session.http.get<IntercomContact>(`/contacts/${encodeURIComponent(payload.id)}`);
      const current = embeddedCompanyIds(contact);
      const companyIds = current.complete ? current.ids : await fetchAllContactCompanyIds(session.http, contact.id);
      return { contact, companyIds };
    } catch (err) {
      if (err instanceof IntercomHttpError && err.status === 404) return null; // deleted since
      throw err;
    }
  }

  async function applyOne(session: IntercomSession, row: InboxRow, generation: number): Promise<void> {
    const notification = row.payload;
    const item = (notification.data?.item ?? {}) as Record<string, unknown>;
    const at = toIsoTimestamp(notification.created_at) ?? new Date().toISOString();
    const change = classifyTopic(row.topic);
    switch (change.kind) {
      case 'company_upsert': {
        let company = item as unknown as IntercomCompany;
        // Intercom's updated_at has one-second granularity: on a tie the order of two events is unknown, so the
        // current company decides.
        const stored = await writes.storedUpdatedAt(session.source.id, 'record', company.id);
        if (company.updated_at !== undefined && stored === company.updated_at) {
          company = await session.http.get<IntercomCompany>(`/companies/${encodeURIComponent(company.id)}`);
        }
        await writes.upsertCustomerRecords(
          session.source.id,
          [companyToRecord(company, session.attributes.company)],
          generation,
        );
        return;
      }
      case 'company_deleted':
        if (typeof item.id === 'string') await deletions.companyDeleted(session.source.id, item.id, at);
        return;
      case 'contact_deleted':
        if (typeof item.id === 'string') await deletions.contactDeleted(session.source.id, item.id, at);
        return;
      case 'contact_upsert':
      case 'company_contact_attached':
      case 'company_contact_detached': {
        // Attach and detach are contact changes: the contact's whole company list replaces the stored links.
        const payload = (change.kind === 'contact_upsert' ? item : item.contact) as IntercomContact | undefined;
        if (!payload?.id) return;
        const complete = await completeContact(session, payload);
        if (!complete) return;
        await writes.upsertContacts(session.source.id, [
          { contact: contactToFields(complete.contact, session.attributes.contact), companyIds: complete.companyIds },
        ]);
        return;
      }
      case 'ignored':
        return;
    }
  }

  return {
    /** Applies up to one batch of the inbox; `more` says whether rows are left. */
    async applyInbox(sourceId: string): Promise<{ applied: number; more: boolean }> {
      const rows = await inbox.pending(sourceId, BATCH);
      if (rows.length === 0) return { applied: 0, more: false };
      const session = await openIntercomSession(deps, sourceId);
      const generation = await deletions.currentGeneration(sourceId);
      const errors = new Map<string, string>();
      try {
        for (const row of rows) {
          try {
            await applyOne(session, row, generation);
          } catch (err) {
            // A notification Intercom no longer answers for is recorded and skipped; anything else is retried.
            if (err instanceof IntercomHttpError && err.status === 404) errors.set(row.notificationId, err.message);
            else throw err;
          }
        }
      } catch (err) {
        throw asActivityFailure(err);
      }
      await inbox.markProcessed(
        sourceId,
        rows.map((r) => r.notificationId),
        errors,
      );
      deps.metrics.recordsImported.inc({ kind: 'live_event' }, rows.length);
      return { applied: rows.length, more: rows.length === BATCH };
    },
  };
}
