import type { DataSource } from 'typeorm';
import { rowsOf } from '../rows';
import { deleteRecords, type DeletedRecords } from './merge-engine';
import { inMergeTransaction } from './merge-locks';
import { purgeProgress } from './source-progress';

/**
 * Permanent deletion of a source, in batches small enough to heartbeat between. The merge engine deletes the
 * records: a customer left without records is deleted; a customer that still has records of other sources (a
 * merge) gets a new primary record if it lost its own, and is recomputed from what remains: the merge fallback.
 */
export class SourcePurge {
  constructor(private readonly db: DataSource) {}

  async deleteContacts(sourceId: string, batch: number): Promise<number> {
    const rows = rowsOf(
      await this.db.query(
        `DELETE FROM contacts WHERE id IN (SELECT id FROM contacts WHERE source_id = $1 LIMIT $2) RETURNING 1`,
        [sourceId, batch],
      ),
    );
    return rows.length;
  }

  /** Deletes a batch of the source's records through the merge engine, under its locks. */
  async deleteRecords(sourceId: string, batch: number): Promise<DeletedRecords> {
    return inMergeTransaction(this.db, async (tx) => {
      const ids: Array<{ id: string }> = await tx.query(
        `SELECT id FROM customer_records WHERE source_id = $1 LIMIT $2`,
        [sourceId, batch],
      );
      return deleteRecords(
        tx,
        ids.map((r) => r.id),
      );
    });
  }

  /** The rest (catalogue, inbox, quarantine, token), then the source is marked deleted: its name may be used again. */
  async finish(sourceId: string, summary: Record<string, number>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM attribute_definitions WHERE source_id = $1`, [sourceId]);
      await tx.query(`DELETE FROM webhook_inbox WHERE source_id = $1`, [sourceId]);
      await tx.query(`DELETE FROM quarantined_records WHERE source_id = $1`, [sourceId]);
      await tx.query(`DELETE FROM credentials WHERE source_id = $1`, [sourceId]);
      await purgeProgress(tx, sourceId, { ...summary, done: true }, { deleted: true });
    });
  }

  async reportProgress(sourceId: string, purge: Record<string, number>): Promise<void> {
    await purgeProgress(this.db.manager, sourceId, purge);
  }
}
