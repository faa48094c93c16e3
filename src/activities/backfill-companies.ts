import { companyToRecord } from '../domain/intercom-mapping';
import { ImportWrites } from '../db/repositories/import-writes';
import { IntercomHttpError } from '../intercom/errors';
import { fetchScrollPage } from '../intercom/pages';
import type { ActivityDeps } from './deps';
import { activityContext } from './heartbeat';
import { asActivityFailure, openIntercomSession } from './intercom-session';

export interface CompaniesCursor {
  scrollParam?: string;
  pages: number;
  records: number;
  restarts: number;
}

const SCROLL_LOCK_WAIT_MS = 5_000;

/**
 * Imports every company through the scroll API, writing each page before asking for the next and
 * heartbeating the scroll param, so a new attempt continues the same scroll while it is alive.
 * A lost or expired scroll is restarted from the beginning (upserts are idempotent): never skipped.
 * Another scroll holding the workspace lock (ours from a crashed attempt, or another app's) is waited out.
 */
export function createCompanyBackfill(deps: ActivityDeps) {
  const writes = new ImportWrites(deps.db);
  return {
    async importCompanies(
      sourceId: string,
      generation: number,
      resumeFrom?: unknown,
    ): Promise<{ pages: number; records: number; restarts: number }> {
      const ctx = activityContext();
      const session = await openIntercomSession(deps, sourceId);
      const cursor: CompaniesCursor = ctx.resumeFrom<CompaniesCursor>() ??
        (resumeFrom as CompaniesCursor | undefined) ?? { pages: 0, records: 0, restarts: 0 };
      try {
        for (;;) {
          let page;
          try {
            page = await fetchScrollPage(session.http, cursor.scrollParam);
          } catch (err) {
            if (!(err instanceof IntercomHttpError)) throw err;
            if (err.status === 400 && err.code === 'scroll_exists') {
              deps.log.info({ sourceId }, 'companies scroll is locked by another scroll; waiting for it to expire');
              ctx.heartbeat(cursor);
              await ctx.sleep(SCROLL_LOCK_WAIT_MS);
              continue;
            }
            if (err.status === 404 || err.status >= 500) {
              deps.log.warn(
                { sourceId, status: err.status },
                'companies scroll lost; restarting it from the beginning',
              );
              cursor.scrollParam = undefined;
              cursor.restarts++;
              ctx.heartbeat(cursor);
              continue;
            }
            throw err;
          }
          if (page.data.length === 0) break; // the end (a zero-company workspace ends on its first page)
          const records = page.data.map((c) => companyToRecord(c, session.attributes.company));
          cursor.records += await writes.upsertCustomerRecords(sourceId, records, generation);
          cursor.pages++;
          cursor.scrollParam = page.scroll_param ?? undefined;
          await writes.addProgress(sourceId, { pagesFetched: 1 });
          deps.metrics.pagesFetched.inc({ endpoint: 'companies/scroll' });
          deps.metrics.recordsImported.inc({ kind: 'customer_record' }, records.length);
          ctx.heartbeat(cursor);
          if (!cursor.scrollParam) break;
        }
        return { pages: cursor.pages, records: cursor.records, restarts: cursor.restarts };
      } catch (err) {
        throw asActivityFailure(err, cursor);
      }
    },
  };
}
