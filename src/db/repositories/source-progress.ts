import type { DataSource, EntityManager } from 'typeorm';
import { rowsOf } from '../rows';

/**
 * `sources.progress`: what the running source reports about its work, for the API and the app. This module is its
 * only writer; `readSourceProgress` its only reader.
 */
export interface StoredProgress {
  /** The backfill generation the counters belong to (the generation the last backfill wrote). */
  generation: number;
  pagesFetched: number;
  contactsSkippedNoCompany: number;
  /** The database's clock (ISO) at the start and end of the current backfill. */
  startedAt: string | null;
  finishedAt: string | null;
  /** The database's clock (ISO) at the start of the last reconciliation. */
  reconcileStartedAt: string | null;
  /** A permanent delete's counts so far (`done` once the source is gone). */
  purge: Record<string, number | boolean> | null;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The stored JSON as a `StoredProgress`; missing or mistyped fields read as zero or null. */
export function readSourceProgress(json: unknown): StoredProgress {
  const p = (json && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  return {
    generation: num(p.generation),
    pagesFetched: num(p.pagesFetched),
    contactsSkippedNoCompany: num(p.contactsSkippedNoCompany),
    startedAt: str(p.startedAt),
    finishedAt: str(p.finishedAt),
    reconcileStartedAt: str(p.reconcileStartedAt),
    purge: p.purge && typeof p.purge === 'object' ? (p.purge as StoredProgress['purge']) : null,
  };
}

/** The writes of `sources.progress`, each answering with the database's clock where the workflow needs it. */
export class SourceProgressWrites {
  constructor(private readonly db: DataSource) {}

  /** Updates the source's row and answers with the database's clock. */
  private async stamp(sourceId: string, set: string, params: unknown[] = []): Promise<{ iso: string; unix: number }> {
    const [row] = rowsOf<{ iso: string; unix: string }>(
      await this.db.query(
        `UPDATE sources SET ${set} WHERE id = $1
         RETURNING to_json(now())#>>'{}' AS iso, extract(epoch FROM now())::bigint AS unix`,
        [sourceId, ...params],
      ),
    );
    if (!row) throw new Error(`Source ${sourceId} not found`);
    return { iso: row.iso, unix: Number(row.unix) };
  }

  /** Resets the counters for a new backfill generation and records its start. */
  async backfillStarted(sourceId: string, generation: number): Promise<string> {
    const { iso } = await this.stamp(
      sourceId,
      `progress = jsonb_build_object('generation', $2::int, 'pagesFetched', 0, 'contactsSkippedNoCompany', 0,
         'startedAt', to_jsonb(now()), 'finishedAt', null)`,
      [generation],
    );
    return iso;
  }

  /** Records the end of a backfill (and the source's last sync). */
  async backfillFinished(sourceId: string): Promise<string> {
    const { iso } = await this.stamp(
      sourceId,
      `progress = progress || jsonb_build_object('finishedAt', to_jsonb(now())), last_synced_at = now()`,
    );
    return iso;
  }

  /** Records the start of a reconciliation; answers with it in unix seconds. */
  async reconciliationStarted(sourceId: string): Promise<number> {
    const { unix } = await this.stamp(
      sourceId,
      `progress = progress || jsonb_build_object('reconcileStartedAt', to_jsonb(now()))`,
    );
    return unix;
  }

  /** The current backfill's start, as stored. */
  async backfillStartedAt(sourceId: string): Promise<string | null> {
    const [row] = rowsOf<{ progress: unknown }>(
      await this.db.query(`SELECT progress FROM sources WHERE id = $1`, [sourceId]),
    );
    return row ? readSourceProgress(row.progress).startedAt : null;
  }

  /** Adds to the page and skipped-contact counters. */
  async addCounts(sourceId: string, delta: { pagesFetched?: number; contactsSkippedNoCompany?: number }) {
    await this.db.query(
      `UPDATE sources SET progress = progress
         || jsonb_build_object('pagesFetched', COALESCE((progress->>'pagesFetched')::int, 0) + $2::int)
         || jsonb_build_object('contactsSkippedNoCompany', COALESCE((progress->>'contactsSkippedNoCompany')::int, 0) + $3::int)
       WHERE id = $1`,
      [sourceId, delta.pagesFetched ?? 0, delta.contactsSkippedNoCompany ?? 0],
    );
  }

  /** A permanent delete's counts so far. */
  async purgeProgress(sourceId: string, purge: Record<string, number>): Promise<void> {
    await purgeProgress(this.db.manager, sourceId, purge);
  }
}

/** A permanent delete's counts, inside the caller's transaction (the purge's last step marks the source deleted). */
export async function purgeProgress(
  tx: EntityManager,
  sourceId: string,
  purge: Record<string, number | boolean>,
  opts: { deleted?: boolean } = {},
): Promise<void> {
  const deleted = opts.deleted ? `deleted_at = now(), status = 'deleted', settings = NULL, workspace_id = NULL,` : '';
  await tx.query(
    `UPDATE sources SET ${deleted} progress = progress || jsonb_build_object('purge', $2::jsonb) WHERE id = $1`,
    [sourceId, JSON.stringify(purge)],
  );
}
