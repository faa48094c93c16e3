import type { Duration } from '@temporalio/common';
import { RecordIssues } from '../db/repositories/record-issues';
import { SourceProgressWrites } from '../db/repositories/source-progress';
import type { ActivityDeps } from './deps';

export function createBackfillProgress(deps: ActivityDeps) {
  const progress = new SourceProgressWrites(deps.db);
  return {
    /** Resets the counters of a new backfill generation and records its start time. */
    async beginBackfill(sourceId: string, generation: number): Promise<{ startedAt: string }> {
      return { startedAt: await progress.backfillStarted(sourceId, generation) };
    },

    /**
     * The start of a reconciliation: the next one re-reads what changed since this moment. Also tells the workflow
     * the worker's RECONCILE_INTERVAL, so a changed setting reaches sources that are already running.
     */
    async reconciliationStarted(sourceId: string): Promise<{ startedAt: number; reconcileInterval?: Duration }> {
      return { startedAt: await progress.reconciliationStarted(sourceId), reconcileInterval: deps.reconcileInterval };
    },

    /** Records the end of a backfill; having read everything again, it also settles the quarantine. */
    async finishBackfill(sourceId: string): Promise<{ finishedAt: string }> {
      const startedAt = await progress.backfillStartedAt(sourceId);
      if (startedAt) await new RecordIssues(deps.db).forgetUnseenSince(sourceId, startedAt);
      return { finishedAt: await progress.backfillFinished(sourceId) };
    },
  };
}
