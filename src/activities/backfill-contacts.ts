import {
  balancePartitions,
  dayOf,
  noonOf,
  partitionQuery,
  probeBuckets,
  type ContactPartition,
  type SearchFilter,
} from '../domain/contact-partitions';
import { contactToFields, embeddedCompanyIds } from '../domain/intercom-mapping';
import type { IntercomContact } from '../domain/intercom-types';
import { ImportWrites, SourceDeletions, type ContactLinks } from '../db/repositories/import-writes';
import { SourceProgressWrites } from '../db/repositories/source-progress';
import type { IntercomHttp } from '../intercom/http';
import { fetchAllContactCompanyIds, nextCursor, searchContacts } from '../intercom/pages';
import type { ActivityDeps } from './deps';
import { activityContext } from './heartbeat';
import { ProgressBuffer } from './progress-buffer';
import { markVanishedContacts } from './reconcile-deletions';
import { openIntercomSession, type IntercomSession } from './intercom-session';

interface PartitionCursor {
  startingAfter?: string;
  pages: number;
  contacts: number;
  skipped: number;
}

const PROBE_BUCKETS_PER_PARTITION = 4;

interface SearchImportResult {
  pages: number;
  contacts: number;
  skipped: number;
}

export function createContactBackfill(deps: ActivityDeps) {
  const writes = new ImportWrites(deps.db);
  const progressWrites = new SourceProgressWrites(deps.db);
  const deletions = new SourceDeletions(deps.db);

  /** Resolves every company of each contact (over 10 needs its own request), writes the page, counts skips. */
  async function writeContactPage(
    sourceId: string,
    session: IntercomSession,
    contacts: IntercomContact[],
    countSkips: boolean,
    progress: ProgressBuffer,
  ) {
    const items: ContactLinks[] = [];
    let skipped = 0;
    await Promise.all(
      contacts.map(async (contact) => {
        const embedded = embeddedCompanyIds(contact);
        const companyIds = embedded.complete ? embedded.ids : await fetchAllContactCompanyIds(session.http, contact.id);
        if (companyIds.length === 0) skipped++;
        items.push({ contact: contactToFields(contact, session.attributes.contact), companyIds });
      }),
    );
    const written = await writes.upsertContacts(sourceId, items);
    await progress.add({ pagesFetched: 1, contactsSkippedNoCompany: countSkips ? skipped : 0 });
    deps.metrics.pagesFetched.inc({ endpoint: 'contacts/search' });
    deps.metrics.recordsImported.inc({ kind: 'contact' }, written);
    return { written, skipped };
  }

  async function importSearch(
    sourceId: string,
    query: SearchFilter,
    resumeFrom: unknown,
    countSkips: boolean,
  ): Promise<SearchImportResult> {
    const ctx = activityContext();
    const session = await openIntercomSession(deps, sourceId);
    const cursor: PartitionCursor = ctx.resumeFrom<PartitionCursor>() ??
      (resumeFrom as PartitionCursor | undefined) ?? { pages: 0, contacts: 0, skipped: 0 };
    const progress = new ProgressBuffer(progressWrites, sourceId);
    // Search cursors are stateless, so the next page is fetched while this one is written; the heartbeated
    // cursor only moves once a page is committed, so a resumed attempt re-reads at most what was in flight.
    const fetchPage = (startingAfter: string | undefined) => {
      const page = searchContacts(session.http, query, { startingAfter });
      page.catch(() => undefined);
      return page;
    };
    try {
      let next = fetchPage(cursor.startingAfter);
      for (;;) {
        const page = await next;
        const after = nextCursor(page);
        if (after) next = fetchPage(after);
        if (page.data.length > 0) {
          const { written, skipped } = await writeContactPage(sourceId, session, page.data, countSkips, progress);
          cursor.contacts += written;
          cursor.skipped += skipped;
        }
        cursor.pages++;
        cursor.startingAfter = after;
        ctx.heartbeat(cursor);
        if (!after) break;
      }
      return { pages: cursor.pages, contacts: cursor.contacts, skipped: cursor.skipped };
    } finally {
      await progress.flush().catch(() => undefined);
    }
  }

  async function firstCreatedAt(http: IntercomHttp, order: 'ascending' | 'descending') {
    const page = await searchContacts(
      http,
      { field: 'created_at', operator: '>', value: 0 },
      {
        perPage: 1,
        sort: { field: 'created_at', order },
      },
    );
    return { createdAt: page.data[0]?.created_at, total: page.total_count ?? page.data.length };
  }

  return {
    /**
     * Splits the contacts into up to `partitions` created_at ranges of similar size: finds the oldest and newest
     * contact, counts a few day buckets (one small search each), and groups them.
     */
    async planContactPartitions(sourceId: string, partitions: number): Promise<ContactPartition[]> {
      const session = await openIntercomSession(deps, sourceId);
      const oldest = await firstCreatedAt(session.http, 'ascending');
      const newest = await firstCreatedAt(session.http, 'descending');
      if (oldest.createdAt === undefined || newest.createdAt === undefined || partitions <= 1) {
        return [{ fromDay: null, toDay: null }];
      }
      const buckets = probeBuckets(
        dayOf(oldest.createdAt),
        dayOf(newest.createdAt),
        partitions * PROBE_BUCKETS_PER_PARTITION,
      );
      const counted = await Promise.all(
        buckets.map(async (b) => {
          const page = await searchContacts(session.http, partitionQuery(b), { perPage: 1 });
          return { ...b, count: page.total_count ?? 0 };
        }),
      );
      return balancePartitions(counted, partitions);
    },

    /** Imports one created_at partition page by page, heartbeating the search cursor after each committed page. */
    importContactPartition(
      sourceId: string,
      partition: ContactPartition,
      resumeFrom?: unknown,
      opts: { countSkips?: boolean } = {},
    ): Promise<SearchImportResult> {
      return importSearch(sourceId, partitionQuery(partition), resumeFrom, opts.countSkips ?? true);
    },

    /**
     * Reconciliation: every contact updated since `sinceUnix`, re-read with a day of overlap because Intercom
     * matches dates by calendar day. Older data never overwrites newer, so re-reading is harmless. Then the
     * stored contacts that no longer exist in Intercom (deleted, archived or merged away while a notification
     * was lost) are marked deleted.
     */
    /**
     * The hourly reconciliation between daily full ones: only the contacts updated since `sinceUnix` (with the
     * same day of overlap), without the sweep for vanished contacts, which reads every stored contact.
     */
    async reconcileRecentContacts(
      sourceId: string,
      sinceUnix: number,
      resumeFrom?: unknown,
    ): Promise<SearchImportResult> {
      const query = { field: 'updated_at', operator: '>', value: noonOf(dayOf(sinceUnix) - 1) };
      return importSearch(sourceId, query, resumeFrom, false);
    },

    async reconcileContacts(sourceId: string, sinceUnix: number, resumeFrom?: unknown): Promise<SearchImportResult> {
      const query = { field: 'updated_at', operator: '>', value: noonOf(dayOf(sinceUnix) - 1) };
      const result = await importSearch(sourceId, query, resumeFrom, false);
      const ctx = activityContext();
      const session = await openIntercomSession(deps, sourceId);
      const marked = await markVanishedContacts(deletions, session.http, sourceId, () => ctx.heartbeat(result));
      if (marked > 0) deps.log.info({ sourceId, contacts: marked }, 'contacts gone from Intercom marked deleted');
      return result;
    },
  };
}
