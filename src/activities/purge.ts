import { SourcePurge } from '../db/repositories/purge';
import type { ActivityDeps } from './deps';
import { activityContext } from './heartbeat';

const BATCH = 2000;

export function createPurge(deps: ActivityDeps) {
  const purge = new SourcePurge(deps.db);
  return {
    /**
     * "Delete This Source": removes everything the source brought, batch by batch with visible progress.
     * Idempotent: a retry after a crash continues with what is left.
     */
    async purgeSource(sourceId: string): Promise<Record<string, number>> {
      const ctx = activityContext();
      const summary = { contacts: 0, records: 0, customersDeleted: 0, customersKept: 0 };
      for (;;) {
        const n = await purge.deleteContacts(sourceId, BATCH);
        summary.contacts += n;
        await purge.reportProgress(sourceId, summary);
        ctx.heartbeat(summary);
        if (n < BATCH) break;
      }
      for (;;) {
        const r = await purge.deleteRecords(sourceId, BATCH);
        summary.records += r.records;
        summary.customersDeleted += r.customersDeleted;
        summary.customersKept += r.customersKept;
        await purge.reportProgress(sourceId, summary);
        ctx.heartbeat(summary);
        if (r.records < BATCH) break;
      }
      await purge.finish(sourceId, summary);
      deps.log.info({ sourceId, ...summary }, 'source purged');
      return summary;
    },
  };
}
