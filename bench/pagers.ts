import {
  balancePartitions,
  dayOf,
  partitionQuery,
  probeBuckets,
  type ContactPartition,
  type SearchFilter,
} from '../src/domain/contact-partitions';
import { embeddedCompanyIds } from '../src/domain/intercom-mapping';
import type { IntercomContact } from '../src/domain/intercom-types';
import { IntercomHttp } from '../src/intercom/http';
import { fetchAllContactCompanyIds, fetchScrollPage, nextCursor, searchContacts } from '../src/intercom/pages';
import { WorkspaceRateLimiter } from '../src/intercom/rate-limiter';

/**
 * Reference pagers for the backfill benchmark. They fetch and discard: no database, no Temporal. Both use our
 * real Intercom client (src/intercom) so the requests are byte-for-byte the ones the backfill sends.
 *
 * - `barePager`: the ceiling. Exactly the backfill's requests with the backfill's concurrency: one companies scroll
 *   alongside the contact partitions (planned the way planContactPartitions plans them, then paged in parallel,
 *   with GET /contacts/{id}/companies for contacts whose embedded list is capped), then the catch-up partition.
 * - `sequentialPager`: one cursor at a time, the way Airbyte's source-intercom and Singer's tap-intercom page:
 *   the companies scroll, then one POST /contacts/search sorted by updated_at ascending, per_page 150, following
 *   starting_after, fetching the companies of capped contacts inline.
 */

export interface PagerResult {
  seconds: number;
  companiesSeconds: number;
  contactsSeconds: number;
  companies: number;
  contacts: number;
  /** One per (contact, company) link: the rows the backfill writes into `contacts`. */
  contactRows: number;
  contactsWithoutCompany: number;
  /** companies + contactRows: comparable with the backfill's records. */
  records: number;
}

/** Same as activities/backfill-contacts.ts: day buckets probed per partition when planning. */
const PROBE_BUCKETS_PER_PARTITION = 4;

class Tally {
  readonly companyIds = new Set<string>();
  /** contact id → number of companies (a contact read twice counts once, as the upsert makes it). */
  readonly contacts = new Map<string, number>();

  result(started: number, companiesDone: number, contactsDone: number): PagerResult {
    let rows = 0;
    let without = 0;
    for (const n of this.contacts.values()) {
      rows += n;
      if (n === 0) without++;
    }
    return {
      seconds: (Math.max(companiesDone, contactsDone) - started) / 1000,
      companiesSeconds: (companiesDone - started) / 1000,
      contactsSeconds: (contactsDone - started) / 1000,
      companies: this.companyIds.size,
      contacts: this.contacts.size,
      contactRows: rows,
      contactsWithoutCompany: without,
      records: this.companyIds.size + rows,
    };
  }
}

function client(baseUrl: string, token: string): IntercomHttp {
  return new IntercomHttp({ baseUrl, token, limiter: new WorkspaceRateLimiter() });
}

/** The companies scroll to its end (the empty page), as importCompanies reads it. */
async function scrollCompanies(http: IntercomHttp, tally: Tally): Promise<void> {
  let param: string | undefined;
  for (;;) {
    const page = await fetchScrollPage(http, param);
    if (page.data.length === 0) return;
    for (const c of page.data) tally.companyIds.add(c.id);
    param = page.scroll_param ?? undefined;
    if (!param) return;
  }
}

/** One page of contacts: capped company lists are completed in parallel, as writeContactPage does. */
async function resolvePage(http: IntercomHttp, contacts: IntercomContact[], tally: Tally): Promise<void> {
  await Promise.all(
    contacts.map(async (contact) => {
      const embedded = embeddedCompanyIds(contact);
      const ids = embedded.complete ? embedded.ids : await fetchAllContactCompanyIds(http, contact.id);
      tally.contacts.set(contact.id, ids.length);
    }),
  );
}

async function pageSearch(
  http: IntercomHttp,
  query: SearchFilter,
  tally: Tally,
  sort?: { field: string; order: 'ascending' | 'descending' },
): Promise<void> {
  let startingAfter: string | undefined;
  for (;;) {
    const page = await searchContacts(http, query, { startingAfter, sort });
    if (page.data.length > 0) await resolvePage(http, page.data, tally);
    startingAfter = nextCursor(page);
    if (!startingAfter) return;
  }
}

/** planContactPartitions without the database: oldest, newest, day-bucket counts, balanced partitions. */
async function planPartitions(http: IntercomHttp, partitions: number): Promise<ContactPartition[]> {
  const first = async (order: 'ascending' | 'descending') => {
    const page = await searchContacts(
      http,
      { field: 'created_at', operator: '>', value: 0 },
      { perPage: 1, sort: { field: 'created_at', order } },
    );
    return page.data[0]?.created_at;
  };
  const oldest = await first('ascending');
  const newest = await first('descending');
  if (oldest === undefined || newest === undefined || partitions <= 1) return [{ fromDay: null, toDay: null }];
  const buckets = probeBuckets(dayOf(oldest), dayOf(newest), partitions * PROBE_BUCKETS_PER_PARTITION);
  const counted = await Promise.all(
    buckets.map(async (b) => {
      const page = await searchContacts(http, partitionQuery(b), { perPage: 1 });
      return { ...b, count: page.total_count ?? 0 };
    }),
  );
  return balancePartitions(counted, partitions);
}

export async function barePager(opts: { baseUrl: string; token: string; partitions: number }): Promise<PagerResult> {
  const http = client(opts.baseUrl, opts.token);
  const tally = new Tally();
  const started = Date.now();
  let companiesDone = started;
  let contactsDone = started;
  await Promise.all([
    scrollCompanies(http, tally).then(() => (companiesDone = Date.now())),
    (async () => {
      const partitions = await planPartitions(http, opts.partitions);
      await Promise.all(partitions.map((p) => pageSearch(http, partitionQuery(p), tally)));
      // The backfill's catch-up read of contacts created since the day before it started.
      const recent: ContactPartition = { fromDay: dayOf(started / 1000) - 1, toDay: null };
      await pageSearch(http, partitionQuery(recent), tally);
      contactsDone = Date.now();
    })(),
  ]);
  return tally.result(started, companiesDone, contactsDone);
}

export async function sequentialPager(opts: { baseUrl: string; token: string }): Promise<PagerResult> {
  const http = client(opts.baseUrl, opts.token);
  const tally = new Tally();
  const started = Date.now();
  await scrollCompanies(http, tally);
  const companiesDone = Date.now();
  // tap-intercom's query: updated_at >= bookmark (here the epoch), sorted by updated_at.
  const query: SearchFilter = {
    operator: 'OR',
    value: [
      { field: 'updated_at', operator: '>', value: 0 },
      { field: 'updated_at', operator: '=', value: 0 },
    ],
  };
  let startingAfter: string | undefined;
  for (;;) {
    const page = await searchContacts(http, query, {
      startingAfter,
      sort: { field: 'updated_at', order: 'ascending' },
    });
    // One request at a time: capped company lists are fetched one after the other.
    for (const contact of page.data) {
      const embedded = embeddedCompanyIds(contact);
      const ids = embedded.complete ? embedded.ids : await fetchAllContactCompanyIds(http, contact.id);
      tally.contacts.set(contact.id, ids.length);
    }
    startingAfter = nextCursor(page);
    if (!startingAfter) break;
  }
  const contactsDone = Date.now();
  return tally.result(started, companiesDone, contactsDone);
}
