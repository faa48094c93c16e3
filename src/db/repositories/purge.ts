import type { DataSource } from 'typeorm';
import { rowsOf } from '../rows';
import { REFRESH_CUSTOMERS_SQL } from './customer-sql';

/**
 * Permanent deletion of a source, in batches small enough to heartbeat between. A customer left without
 * records is deleted; a customer that still has records of other sources (a merge) gets a new primary
 * record if it lost its own, and is recomputed from what remains: the merge fallback.
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

  async deleteRecords(
    sourceId: string,
    batch: number,
  ): Promise<{ records: number; customersDeleted: number; customersKept: number }> {
    return this.db.transaction(async (tx) => {
      const gone = rowsOf<{ customer_id: string | null }>(
        await tx.query(
          `DELETE FROM customer_records WHERE id IN (SELECT id FROM customer_records WHERE source_id = $1 LIMIT $2)
           RETURNING customer_id`,
          [sourceId, batch],
        ),
      );
      const customerIds = [...new Set(gone.map((g) => g.customer_id).filter((c): c is string => c !== null))];
      if (customerIds.length === 0) return { records: gone.length, customersDeleted: 0, customersKept: 0 };
      const deleted = rowsOf(
        await tx.query(
          `DELETE FROM customers c WHERE c.id = ANY($1)
             AND NOT EXISTS (SELECT 1 FROM customer_records r WHERE r.customer_id = c.id) RETURNING 1`,
          [customerIds],
        ),
      );
      // Customers that lost their primary record take the next one by the merge rule (src/domain/merge-rules.ts):
      // a custom (billing) source's record first, then the oldest.
      await tx.query(
        `UPDATE customers c SET primary_record_id = (
           SELECT r.id FROM customer_records r JOIN sources s ON s.id = r.source_id
           WHERE r.customer_id = c.id ORDER BY (s.system = 'custom') DESC, r.id LIMIT 1)
         WHERE c.id = ANY($1) AND NOT EXISTS (SELECT 1 FROM customer_records r WHERE r.id = c.primary_record_id)`,
        [customerIds],
      );
      await tx.query(REFRESH_CUSTOMERS_SQL, [customerIds]);
      return {
        records: gone.length,
        customersDeleted: deleted.length,
        customersKept: customerIds.length - deleted.length,
      };
    });
  }

  /** The rest (catalogue, inbox, quarantine, token), then the source is marked deleted: its name may be used again. */
  async finish(sourceId: string, summary: Record<string, number>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM attribute_definitions WHERE source_id = $1`, [sourceId]);
      await tx.query(`DELETE FROM webhook_inbox WHERE source_id = $1`, [sourceId]);
      await tx.query(`DELETE FROM quarantined_records WHERE source_id = $1`, [sourceId]);
      await tx.query(`DELETE FROM credentials WHERE source_id = $1`, [sourceId]);
      await tx.query(
        `UPDATE sources SET deleted_at = now(), status = 'deleted', settings = NULL, workspace_id = NULL,
           progress = progress || jsonb_build_object('purge', $2::jsonb) WHERE id = $1`,
        [sourceId, JSON.stringify({ ...summary, done: true })],
      );
    });
  }

  async reportProgress(sourceId: string, purge: Record<string, number>): Promise<void> {
    await this.db.query(
      `UPDATE sources SET progress = progress || jsonb_build_object('purge', $2::jsonb) WHERE id = $1`,
      [sourceId, JSON.stringify(purge)],
    );
  }
}
