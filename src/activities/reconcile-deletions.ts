import { SourceDeletions } from '../db/repositories/import-writes';
import { IntercomHttpError } from '../intercom/errors';
import type { IntercomHttp } from '../intercom/http';
import { searchContacts } from '../intercom/pages';

/** Ids per search: one `id IN [...]` query answers for this many stored contacts at once. */
const IDS_PER_SEARCH = 100;

/**
 * Intercom drops a notification it could not deliver after one retry, and no listing shows what is gone, so a
 * reconciliation checks that the contacts stored for a source still exist: a search by id finds the visible ones
 * (merged, archived and deleted contacts are never in search), and each one missing is confirmed with a GET (a
 * contact created moments ago may not be indexed yet) before it is marked deleted. Returns how many were marked.
 */
export async function markVanishedContacts(
  deletions: SourceDeletions,
  http: IntercomHttp,
  sourceId: string,
  heartbeat: () => void,
): Promise<number> {
  let marked = 0;
  let after = '';
  for (;;) {
    const ids = await deletions.liveContactIds(sourceId, after, IDS_PER_SEARCH);
    if (ids.length === 0) return marked;
    after = ids[ids.length - 1];
    const page = await searchContacts(
      http,
      { field: 'id', operator: 'IN', value: ids },
      { perPage: Math.max(ids.length, 1) },
    );
    const found = new Set(page.data.map((c) => c.id));
    for (const id of ids.filter((i) => !found.has(i))) {
      if (await exists(http, `/contacts/${encodeURIComponent(id)}`)) continue;
      await deletions.contactDeleted(sourceId, id, new Date().toISOString());
      marked++;
    }
    heartbeat();
  }
}

async function exists(http: IntercomHttp, path: string): Promise<boolean> {
  try {
    await http.get(path);
    return true;
  } catch (err) {
    if (err instanceof IntercomHttpError && err.status === 404) return false;
    throw err;
  }
}
