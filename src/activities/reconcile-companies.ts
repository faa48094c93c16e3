import { companyToRecord } from '../domain/intercom-mapping';
import { ImportWrites } from '../db/repositories/import-writes';
import { IntercomHttpError } from '../intercom/errors';
import { fetchActiveCompaniesPage } from '../intercom/pages';
import type { ActivityDeps } from './deps';
import { activityContext } from './heartbeat';
import { openIntercomSession } from './intercom-session';

const PER_PAGE = 50;

/**
 * The hourly reconciliation of companies between daily full scrolls. Intercom has no "companies updated since"
 * listing (no company search; `POST /companies/list` sorts by last_request_at, omits companies without users and
 * stops at 10,000), so this re-reads the companies whose users were active since the last reconciliation, newest
 * first, and stops at the first one older: what changes with activity (user counts, sessions, last seen) costs a
 * few pages. Edits to a quiet company reach us by webhook, or at the latest with the daily full scroll.
 */
export function createCompanyReconcile(deps: ActivityDeps) {
  const writes = new ImportWrites(deps.db);
  return {
    async reconcileActiveCompanies(
      sourceId: string,
      generation: number,
      sinceUnix: number,
    ): Promise<{ pages: number; records: number }> {
      const ctx = activityContext();
      const session = await openIntercomSession(deps, sourceId);
      let pages = 0;
      let records = 0;
      for (let page = 1; ; page++) {
        let list;
        try {
          list = await fetchActiveCompaniesPage(session.http, page, PER_PAGE);
        } catch (err) {
          if (err instanceof IntercomHttpError && err.status === 400) break; // past 10,000: the full scroll's job
          throw err;
        }
        pages++;
        const active = list.data.filter(
          (c) => ((c as { last_request_at?: number | null }).last_request_at ?? 0) >= sinceUnix,
        );
        if (active.length > 0) {
          records += await writes.upsertCustomerRecords(
            sourceId,
            active.map((c) => companyToRecord(c, session.attributes.company)),
            generation,
          );
        }
        ctx.keepAlive();
        if (active.length < list.data.length || list.data.length < PER_PAGE) break;
      }
      return { pages, records };
    },
  };
}
