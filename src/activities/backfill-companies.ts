import { companyToRecord } from '../domain/intercom-mapping';
import { ImportWrites, SourceDeletions } from '../db/repositories/import-writes';
import { SourceProgressWrites } from '../db/repositories/source-progress';
import { IntercomHttpError } from '../intercom/errors';
import type { IntercomHttp } from '../intercom/http';
import { fetchScrollPage, type ScrollPage } from '../intercom/pages';
import type { ActivityDeps } from './deps';
import { activityContext } from './heartbeat';
import { ProgressBuffer } from './progress-buffer';
import { openIntercomSession } from './intercom-session';

export interface CompaniesCursor {
  scrollParam?: string;
  pages: number;
  records: number;
  restarts: number;
  /** A resumed scroll may have lost the pages in flight when the last attempt died: read everything once more. */
  fullPassPending?: boolean;
  /** Database time when the first attempt started: companies not written since are gone from Intercom. */
  passStartedAt?: string;
}

const SCROLL_LOCK_WAIT_MS = 5_000;
/**
 * Scroll restarts in a row without a page in between before the error goes to Temporal, whose retry waits with
 * backoff (and resumes from the heartbeated cursor): an Intercom answering only 5xx is not asked in a tight loop.
 */
const RESTARTS_IN_A_ROW = 3;

/** Starts fetching a scroll page now; its failure is handled where it is awaited. */
function prefetch(http: IntercomHttp, scrollParam: string | undefined): Promise<ScrollPage> {
  const page = fetchScrollPage(http, scrollParam);
  page.catch(() => undefined);
  return page;
}

/**
 * Imports every company through the scroll API (the only listing that includes companies without contacts).
 * The next page is fetched while the current one is written, so the scroll, the backfill's longest stream,
 * runs at the speed of Intercom rather than of Intercom plus PostgreSQL.
 *
 * Intercom's scroll moves on at every call and cannot go back, so a page fetched but not written when a worker
 * dies cannot be asked for again. A resumed attempt therefore finishes the old scroll (which frees the
 * workspace's single scroll lock) and then reads all companies once more; a lost or expired scroll is restarted
 * from the beginning. Upserts are idempotent, so re-reading costs time, never correctness: nothing is skipped.
 * Another scroll holding the lock (another app's) is waited out.
 */
export function createCompanyBackfill(deps: ActivityDeps) {
  const writes = new ImportWrites(deps.db);
  const progressWrites = new SourceProgressWrites(deps.db);
  const deletions = new SourceDeletions(deps.db);
  return {
    async importCompanies(
      sourceId: string,
      generation: number,
      resumeFrom?: unknown,
    ): Promise<{ pages: number; records: number; restarts: number }> {
      const ctx = activityContext();
      const session = await openIntercomSession(deps, sourceId);
      const resumed = ctx.resumeFrom<CompaniesCursor>() ?? (resumeFrom as CompaniesCursor | undefined);
      const cursor: CompaniesCursor = resumed
        ? { ...resumed, fullPassPending: resumed.fullPassPending || resumed.scrollParam !== undefined }
        : { pages: 0, records: 0, restarts: 0 };
      cursor.passStartedAt ??= await deletions.databaseNow();
      const restart = () => {
        cursor.scrollParam = undefined;
        cursor.restarts++;
        ctx.heartbeat(cursor);
        return prefetch(session.http, undefined);
      };
      const progress = new ProgressBuffer(progressWrites, sourceId);
      let failedInARow = 0;
      try {
        let next = prefetch(session.http, cursor.scrollParam);
        for (;;) {
          let page: ScrollPage;
          try {
            page = await next;
          } catch (err) {
            if (!(err instanceof IntercomHttpError)) throw err;
            if (err.status === 400 && err.code === 'scroll_exists') {
              deps.log.info({ sourceId }, 'companies scroll is locked by another scroll; waiting for it to expire');
              ctx.heartbeat(cursor);
              await ctx.sleep(SCROLL_LOCK_WAIT_MS);
              next = prefetch(session.http, cursor.scrollParam);
              continue;
            }
            if (err.status === 404 || err.status >= 500) {
              if (++failedInARow > RESTARTS_IN_A_ROW) throw err;
              deps.log.warn(
                { sourceId, status: err.status },
                'companies scroll lost; restarting it from the beginning',
              );
              cursor.fullPassPending = false; // the restart is the full pass
              next = restart();
              continue;
            }
            throw err;
          }
          failedInARow = 0;
          const nextParam = page.data.length > 0 ? (page.scroll_param ?? undefined) : undefined;
          if (nextParam) next = prefetch(session.http, nextParam);
          if (page.data.length > 0) {
            const records = page.data.map((c) => companyToRecord(c, session.attributes.company));
            cursor.records += await writes.upsertCustomerRecords(sourceId, records, generation);
            cursor.pages++;
            await progress.add({ pagesFetched: 1 });
            deps.metrics.pagesFetched.inc({ endpoint: 'companies/scroll' });
            deps.metrics.recordsImported.inc({ kind: 'customer_record' }, records.length);
          }
          cursor.scrollParam = nextParam;
          ctx.heartbeat(cursor);
          if (nextParam) continue;
          // The end of this scroll (a zero-company workspace ends on its first page).
          if (!cursor.fullPassPending) break;
          cursor.fullPassPending = false;
          next = restart();
        }
        // Every company was read: those not written since the pass started no longer exist in Intercom.
        const vanished = await deletions.companiesNotSeenSince(sourceId, cursor.passStartedAt);
        if (vanished > 0)
          deps.log.info({ sourceId, companies: vanished }, 'companies gone from Intercom marked deleted');
        return { pages: cursor.pages, records: cursor.records, restarts: cursor.restarts };
      } finally {
        await progress.flush().catch(() => undefined);
      }
    },
  };
}
