import { CancelledFailure } from '@temporalio/activity';
import { toIsoTimestamp } from '../domain/custom-attributes';
import { companyToRecord, contactToFields, embeddedCompanyIds, needsTagNames } from '../domain/intercom-mapping';
import type { IntercomCompany, IntercomContact } from '../domain/intercom-types';
import { fromWebhookItem, toSeconds, type WebhookObject } from '../domain/webhook-items';
import { classifyTopic } from '../domain/webhook-topics';
import { ImportWrites, SourceDeletions, type ContactLinks } from '../db/repositories/import-writes';
import { WebhookInbox, type InboxRow } from '../db/repositories/webhook-inbox';
import { IntercomHttpError } from '../intercom/errors';
import { fetchAllContactCompanyIds } from '../intercom/pages';
import type { ActivityDeps } from './deps';
import { activityContext } from './heartbeat';
import { openIntercomSession, type IntercomSession } from './intercom-session';

const BATCH = 200;
/** A drainer's batch: larger, since under a stream of webhooks the rows are there already. */
const DRAIN_BATCH = 500;
/** How long a drainer's lease holds without being renewed (a dead drainer's webhooks signal again after it). */
const DRAIN_LEASE_MS = 5_000;
/** How often a drainer looks at an empty inbox, and how long it waits for more before it lets go. */
const DRAIN_POLL_MS = 20;
const DRAIN_LINGER_MS = 1_000;

/**
 * The newest version of each object among consecutive notifications. Notifications carry updated_at in
 * milliseconds, which orders them among themselves; two versions with the same millisecond (or none) cannot be
 * ordered and are marked ambiguous. What is stored has second precision (REST reads have no more), so a
 * notification in the same second as the stored version is undecided too. Undecided objects are fetched: their
 * current state settles the order. `fetch` forces that for an object whatever its time (an unarchived contact).
 */
class LatestById<T extends { id: string }> {
  readonly items = new Map<string, { item: T; ms: number | null; ambiguous: boolean; fetch: boolean }>();

  add({ object, updatedMs }: WebhookObject, fetch = false): void {
    const item = object as unknown as T;
    const seen = this.items.get(item.id);
    const t = updatedMs ?? 0;
    const s = seen?.ms ?? 0;
    if (!seen || t > s)
      this.items.set(item.id, { item, ms: updatedMs, ambiguous: false, fetch: fetch || !!seen?.fetch });
    else if (t === s && JSON.stringify(seen.item) !== JSON.stringify(item)) seen.ambiguous = true;
    if (fetch && seen) seen.fetch = true;
  }

  /** Entries to fetch: ambiguous among themselves, in the same second as what is stored, or forced. */
  undecided(stored: Map<string, number>): Set<string> {
    const out = new Set<string>();
    for (const [id, { ms, ambiguous, fetch }] of this.items) {
      if (ambiguous || fetch || (ms !== null && stored.get(id) === toSeconds(ms))) out.add(id);
    }
    return out;
  }

  /** Entries forced to be fetched (they are current in Intercom if the fetch finds them). */
  forced(): Set<string> {
    return new Set([...this.items].filter(([, e]) => e.fetch).map(([id]) => id));
  }
}

/**
 * Live sync: applies the source's inbox in arrival order, a batch at a time, with one bulk write per run of
 * company or contact changes. Every write compares Intercom's updated_at, so duplicates and out-of-order
 * deliveries change nothing; where a notification carries too little (minimal deleted payloads, a contact with
 * more than 10 companies) or its order is unknown, the current object is fetched.
 */
export function createLiveSync(deps: ActivityDeps) {
  const inbox = new WebhookInbox(deps.db);
  const writes = new ImportWrites(deps.db);
  const deletions = new SourceDeletions(deps.db);

  /** GET of the current object; null when Intercom no longer has it. */
  async function current<T>(session: IntercomSession, path: string): Promise<T | null> {
    try {
      return await session.http.get<T>(path);
    } catch (err) {
      if (err instanceof IntercomHttpError && err.status === 404) return null;
      throw err;
    }
  }

  async function workspaceTagNames(session: IntercomSession): Promise<Map<string, string>> {
    const list = await session.http.get<{ data?: Array<{ id: string; name: string }> }>('/tags');
    return new Map((list.data ?? []).map((t) => [t.id, t.name]));
  }

  async function flushCompanies(session: IntercomSession, batch: LatestById<IntercomCompany>, generation: number) {
    if (batch.items.size === 0) return;
    const ids = [...batch.items.keys()];
    const undecided = batch.undecided(await writes.storedUpdatedAt(session.source.id, 'record', ids));
    const companies = await Promise.all(
      [...batch.items.values()].map(({ item }) =>
        undecided.has(item.id) ? current<IntercomCompany>(session, `/companies/${encodeURIComponent(item.id)}`) : item,
      ),
    );
    const found = companies.filter((c): c is IntercomCompany => c !== null);
    // Webhook items name their tags by id only: one GET /tags names them all.
    const tagNames = found.some(needsTagNames) ? await workspaceTagNames(session) : undefined;
    const records = found.map((c) => companyToRecord(c, session.attributes.company, tagNames));
    await writes.upsertCustomerRecords(session.source.id, records, generation);
    batch.items.clear();
  }

  /** Each contact with all its companies; fetched when the payload is incomplete or its order undecided. */
  async function flushContacts(session: IntercomSession, batch: LatestById<IntercomContact>) {
    if (batch.items.size === 0) return;
    const ids = [...batch.items.keys()];
    const undecided = batch.undecided(await writes.storedUpdatedAt(session.source.id, 'contact', ids));
    const forced = batch.forced();
    const revived: string[] = [];
    const items = await Promise.all(
      [...batch.items.values()].map(async ({ item }): Promise<ContactLinks | null> => {
        const embedded = embeddedCompanyIds(item);
        if (item.companies && embedded.complete && !undecided.has(item.id)) {
          return { contact: contactToFields(item, session.attributes.contact), companyIds: embedded.ids };
        }
        const contact = await current<IntercomContact>(session, `/contacts/${encodeURIComponent(item.id)}`);
        if (!contact) return null;
        // Read just now: the contact exists, whatever deletion or archive was recorded before.
        if (forced.has(item.id)) revived.push(contact.id);
        const listed = embeddedCompanyIds(contact);
        const companyIds = listed.complete ? listed.ids : await fetchAllContactCompanyIds(session.http, contact.id);
        return { contact: contactToFields(contact, session.attributes.contact), companyIds };
      }),
    );
    if (revived.length > 0) await deletions.contactRevived(session.source.id, revived);
    await writes.upsertContacts(
      session.source.id,
      items.filter((i): i is ContactLinks => i !== null),
    );
    batch.items.clear();
  }

  async function applyBatch(session: IntercomSession, rows: InboxRow[], generation: number): Promise<void> {
    const companies = new LatestById<IntercomCompany>();
    const contacts = new LatestById<IntercomContact>();
    const { keepAlive } = activityContext();
    const flush = async () => {
      keepAlive(); // between bulk writes too, so a long batch is never mistaken for a dead worker
      await flushCompanies(session, companies, generation);
      await flushContacts(session, contacts);
    };
    for (const row of rows) {
      const item = (row.payload.data?.item ?? {}) as Record<string, unknown>;
      const change = classifyTopic(row.topic);
      switch (change.kind) {
        case 'company_upsert': {
          const company = fromWebhookItem(item);
          if (company) companies.add(company);
          break;
        }
        case 'contact_upsert':
        case 'contact_unarchived':
        case 'company_contact_attached':
        case 'company_contact_detached': {
          // Attach and detach are contact changes: the contact's whole company list replaces the stored links.
          const link = change.kind === 'company_contact_attached' || change.kind === 'company_contact_detached';
          const contact = fromWebhookItem(link ? item.contact : item);
          if (contact) contacts.add(contact, change.kind === 'contact_unarchived');
          break;
        }
        case 'contact_merged': {
          // The survivor is written as any update; the absorbed contact is the same person: its rows go.
          const survivor = fromWebhookItem(item);
          if (survivor) contacts.add(survivor);
          const from = item.merged_from as { id?: unknown } | undefined;
          if (typeof from?.id === 'string' && from.id !== survivor?.object.id) {
            await flush();
            await deletions.contactMergedAway(session.source.id, from.id);
          }
          break;
        }
        case 'company_deleted':
        case 'contact_deleted': {
          // Deletes keep their place in the order: what came before is written first. Deletion items carry no
          // updated_at; the notification's created_at orders them against the versions stored.
          await flush();
          if (typeof item.id !== 'string') break;
          const at = toIsoTimestamp(row.payload.created_at) ?? new Date().toISOString();
          if (change.kind === 'company_deleted') await deletions.companyDeleted(session.source.id, item.id, at);
          else await deletions.contactDeleted(session.source.id, item.id, at);
          break;
        }
        case 'ping':
        case 'ignored':
          break;
      }
    }
    await flush();
  }

  /**
   * Applies up to `limit` of the oldest pending rows (after `afterSeq`) with an open session; how many it applied
   * and the highest `seq` among them.
   */
  async function applyPending(
    sourceId: string,
    session: IntercomSession,
    limit: number,
    afterSeq = 0,
  ): Promise<{ n: number; lastSeq: number }> {
    const rows = await inbox.pending(sourceId, limit, afterSeq);
    if (rows.length === 0) return { n: 0, lastSeq: 0 };
    const generation = session.source.progress.generation; // the generation the last backfill wrote
    await applyBatch(session, rows, generation);
    await inbox.markProcessed(
      sourceId,
      rows.map((r) => r.notificationId),
    );
    deps.metrics.recordsImported.inc({ kind: 'live_event' }, rows.length);
    return { n: rows.length, lastSeq: rows[rows.length - 1].seq };
  }

  return {
    /**
     * Applies up to one batch of the inbox; `more` says whether rows are left, `reconcileGap` that notifications
     * were left out while the inbox was full (the workflow then reconciles).
     */
    async applyInbox(sourceId: string): Promise<{ applied: number; more: boolean; reconcileGap?: boolean }> {
      activityContext().keepAlive();
      if ((await inbox.pending(sourceId, 1)).length === 0)
        return { applied: 0, more: false, reconcileGap: await inbox.takeOverflow(sourceId) };
      const session = await openIntercomSession(deps, sourceId);
      const { n: applied } = await applyPending(sourceId, session, BATCH);
      return { applied, more: applied === BATCH, reconcileGap: await inbox.takeOverflow(sourceId) };
    },

    /**
     * Live sync's drainer: holds the inbox lease (so the webhook endpoint stops signalling the workflow) and
     * applies the inbox as it fills, polling it, for up to `forMs`. It ends early once the inbox has stayed empty
     * for `lingerMs`: then it lets go of the lease and takes a last look, for rows stored before the release
     * that were not signalled. At the end of its time it keeps the lease and answers `more`: the workflow calls it
     * again, or continues as new and the next run calls it at once, with no signal storm in between.
     */
    async drainInbox(
      sourceId: string,
      opts: { forMs: number; lingerMs?: number },
    ): Promise<{ applied: number; more: boolean; reconcileGap?: boolean }> {
      const ctx = activityContext();
      const lingerMs = opts.lingerMs ?? DRAIN_LINGER_MS;
      const startedAt = Date.now();
      let session: IntercomSession | undefined;
      let applied = 0;
      let heldAt = 0;
      let idleSince: number | null = null;
      // Polls read after the last row applied; a look from the start every lease renewal picks up rows that
      // committed after a later one was read.
      let cursor = 0;
      for (;;) {
        let from = cursor;
        if (Date.now() - heldAt > DRAIN_LEASE_MS / 3) {
          heldAt = Date.now();
          await inbox.holdDrainer(sourceId, DRAIN_LEASE_MS, cursor);
          from = 0;
        }
        ctx.keepAlive();
        // A delete cancels the drain: stop between batches (the rows applied so far are marked processed).
        if (ctx.signal?.aborted) throw new CancelledFailure('The inbox drain was cancelled');
        session ??= await openIntercomSession(deps, sourceId);
        const { n, lastSeq } = await applyPending(sourceId, session, DRAIN_BATCH, from);
        applied += n;
        cursor = Math.max(cursor, lastSeq);
        // Out of time while rows keep coming: keep the lease for the next call (or the next run).
        if (Date.now() - startedAt >= opts.forMs && n > 0)
          return { applied, more: true, reconcileGap: await inbox.takeOverflow(sourceId) };
        if (Date.now() - startedAt >= opts.forMs) break;
        // A full batch means a backlog: the next one at once. Otherwise wait a poll, so that under a stream each
        // batch carries a poll's worth of rows rather than one or two.
        if (n === DRAIN_BATCH) {
          idleSince = null;
          continue;
        }
        if (n > 0) idleSince = null;
        else idleSince ??= Date.now();
        if (idleSince !== null && Date.now() - idleSince >= lingerMs) break;
        await ctx.sleep(DRAIN_POLL_MS);
      }
      await inbox.releaseDrainer(sourceId);
      for (let i = 0; i < 5; i++) {
        const { n } = await applyPending(sourceId, session, DRAIN_BATCH);
        applied += n;
        if (n < DRAIN_BATCH) return { applied, more: false, reconcileGap: await inbox.takeOverflow(sourceId) };
      }
      return { applied, more: true, reconcileGap: await inbox.takeOverflow(sourceId) };
    },
  };
}
