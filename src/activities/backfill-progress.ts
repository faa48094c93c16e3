import type { ActivityDeps } from './deps';

export function createBackfillProgress(deps: ActivityDeps) {
  return {
    /** Resets the counters of a new backfill generation and records its start time (the database's clock). */
    async beginBackfill(sourceId: string, generation: number): Promise<{ startedAt: string }> {
      const [row] = await deps.db.query(
        `UPDATE sources SET progress = jsonb_build_object('generation', $2::int, 'pagesFetched', 0,
           'contactsSkippedNoCompany', 0, 'startedAt', to_jsonb(now()), 'finishedAt', null)
         WHERE id = $1 RETURNING progress->>'startedAt' AS started_at`,
        [sourceId, generation],
      );
      return { startedAt: row?.started_at ?? new Date().toISOString() };
    },

    /** The database's clock at the start of a reconciliation: the next one re-reads from here. */
    async reconciliationStarted(sourceId: string): Promise<{ startedAt: number }> {
      const [row] = await deps.db.query(
        `UPDATE sources SET progress = progress || jsonb_build_object('reconcileStartedAt', to_jsonb(now()))
         WHERE id = $1 RETURNING extract(epoch FROM now())::bigint AS started_at`,
        [sourceId],
      );
      return { startedAt: Number(row?.started_at ?? Math.floor(Date.now() / 1000)) };
    },

    async finishBackfill(sourceId: string): Promise<{ finishedAt: string }> {
      const [row] = await deps.db.query(
        `UPDATE sources SET progress = progress || jsonb_build_object('finishedAt', to_jsonb(now())), last_synced_at = now()
         WHERE id = $1 RETURNING progress->>'finishedAt' AS finished_at`,
        [sourceId],
      );
      return { finishedAt: row?.finished_at ?? new Date().toISOString() };
    },
  };
}
