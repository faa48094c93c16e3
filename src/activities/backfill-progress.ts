import { RecordIssues } from '../db/repositories/record-issues';
import { rowsOf } from '../db/rows';
import type { ActivityDeps } from './deps';

export function createBackfillProgress(deps: ActivityDeps) {
  /** Updates the source's progress and answers with the database's clock. */
  async function stamp(sourceId: string, sql: string, params: unknown[] = []): Promise<{ iso: string; unix: number }> {
    const [row] = rowsOf<{ iso: string; unix: string }>(
      await deps.db.query(
        `UPDATE sources SET ${sql} WHERE id = $1
         RETURNING to_json(now())#>>'{}' AS iso, extract(epoch FROM now())::bigint AS unix`,
        [sourceId, ...params],
      ),
    );
    if (!row) throw new Error(`Source ${sourceId} not found`);
    return { iso: row.iso, unix: Number(row.unix) };
  }

  return {
    /** Resets the counters of a new backfill generation and records its start time. */
    async beginBackfill(sourceId: string, generation: number): Promise<{ startedAt: string }> {
      const { iso } = await stamp(
        sourceId,
        `progress = jsonb_build_object('generation', $2::int, 'pagesFetched', 0, 'contactsSkippedNoCompany', 0,
           'startedAt', to_jsonb(now()), 'finishedAt', null)`,
        [generation],
      );
      return { startedAt: iso };
    },

    /** The start of a reconciliation: the next one re-reads what changed since this moment. */
    async reconciliationStarted(sourceId: string): Promise<{ startedAt: number }> {
      const { unix } = await stamp(
        sourceId,
        `progress = progress || jsonb_build_object('reconcileStartedAt', to_jsonb(now()))`,
      );
      return { startedAt: unix };
    },

    /** Records the end of a backfill; having read everything again, it also settles the quarantine. */
    async finishBackfill(sourceId: string): Promise<{ finishedAt: string }> {
      const [source] = rowsOf<{ started_at: string | null }>(
        await deps.db.query(`SELECT progress->>'startedAt' AS started_at FROM sources WHERE id = $1`, [sourceId]),
      );
      if (source?.started_at) await new RecordIssues(deps.db).forgetUnseenSince(sourceId, source.started_at);
      const { iso } = await stamp(
        sourceId,
        `progress = progress || jsonb_build_object('finishedAt', to_jsonb(now())), last_synced_at = now()`,
      );
      return { finishedAt: iso };
    },
  };
}
