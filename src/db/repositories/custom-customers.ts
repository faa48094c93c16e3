import type { DataSource, EntityManager } from 'typeorm';
import { deleteRecords, placeRecords } from './merge-engine';
import { inMergeTransaction } from './merge-locks';

/** The fields of a custom (billing) source's customer that ChartMogul's Import API writes. */
export interface CustomRecordInput {
  name?: string | null;
  email?: string | null;
  company?: string | null;
  websiteUrl?: string | null;
  country?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  leadCreatedAt?: string | null;
  freeTrialStartedAt?: string | null;
}

const COLUMNS: Record<keyof CustomRecordInput, string> = {
  name: 'name',
  email: 'email',
  company: 'company',
  websiteUrl: 'website_url',
  country: 'country',
  city: 'city',
  state: 'state',
  zip: 'zip',
  leadCreatedAt: 'lead_created_at',
  freeTrialStartedAt: 'free_trial_started_at',
};

/** A custom-source customer is a lead until billing data says otherwise (no subscriptions are modelled here). */
export const CUSTOM_RECORD_STATUS = 'New Lead';

/** Returned when the external id is taken in that source. */
export class ExternalIdTaken extends Error {
  override name = 'ExternalIdTaken';
}

/** The customer has no record in a live custom source (its records come from Intercom only). */
export class NoCustomRecord extends Error {
  override name = 'NoCustomRecord';
}

/**
 * Writes of custom sources' customers (ChartMogul's Import API), each in one transaction: the record first (a row
 * lock), then the merge engine places it or deletes it under its locks (merge-locks.ts).
 */
export class CustomCustomerWrites {
  constructor(private readonly db: DataSource) {}

  /** Creates the record and assigns it a customer by the merge automation; returns the customer id. */
  async create(
    sourceId: string,
    externalId: string,
    fields: CustomRecordInput,
    custom: Record<string, unknown>,
  ): Promise<string> {
    return inMergeTransaction(this.db, async (tx) => {
      const cols = (Object.keys(COLUMNS) as Array<keyof CustomRecordInput>).filter((k) => fields[k] !== undefined);
      const params: unknown[] = [sourceId, externalId, JSON.stringify(custom), CUSTOM_RECORD_STATUS];
      const values = cols.map((k) => {
        params.push(fields[k]);
        return `$${params.length}`;
      });
      const rows: Array<{ id: string }> = await tx.query(
        `INSERT INTO customer_records (source_id, external_id, custom, status, source_updated_at${cols
          .map((k) => `, ${COLUMNS[k]}`)
          .join('')})
         VALUES ($1, $2, $3::jsonb, $4, now()${values.map((v) => `, ${v}`).join('')})
         ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id`,
        params,
      );
      if (rows.length === 0) throw new ExternalIdTaken(externalId);
      await placeRecords(tx, [rows[0].id]);
      return customerOf(tx, rows[0].id);
    });
  }

  /**
   * Updates the customer's record in a custom source (the primary one if several, or the one of `sourceId`):
   * the given fields, and custom attributes key by key. The record is then re-matched. Returns the customer id.
   */
  async update(
    customerId: string,
    sourceId: string | undefined,
    fields: CustomRecordInput,
    custom: Record<string, unknown> | undefined,
  ): Promise<string> {
    return inMergeTransaction(this.db, async (tx) => {
      const [record] = await customRecords(tx, customerId, sourceId);
      if (!record) throw new NoCustomRecord(customerId);
      const sets = ['updated_at = now()', 'source_updated_at = now()'];
      const params: unknown[] = [record.id];
      for (const k of Object.keys(COLUMNS) as Array<keyof CustomRecordInput>) {
        if (fields[k] === undefined) continue;
        params.push(fields[k]);
        sets.push(`${COLUMNS[k]} = $${params.length}`);
      }
      if (custom !== undefined) {
        params.push(JSON.stringify(custom));
        sets.push(`custom = custom || $${params.length}::jsonb`);
      }
      await tx.query(`UPDATE customer_records SET ${sets.join(', ')} WHERE id = $1`, params);
      await placeRecords(tx, [record.id]);
      return customerOf(tx, record.id);
    });
  }

  /**
   * Deletes the customer's records in custom sources (and their contacts). The customer is deleted when nothing is
   * left, else recomputed from its other records (the merge fallback). Returns whether the customer still exists.
   */
  async delete(customerId: string): Promise<boolean> {
    return inMergeTransaction(this.db, async (tx) => {
      const records = await customRecords(tx, customerId, undefined);
      if (records.length === 0) throw new NoCustomRecord(customerId);
      await deleteRecords(
        tx,
        records.map((r) => r.id),
      );
      const left: unknown[] = await tx.query(`SELECT 1 FROM customers WHERE id = $1`, [customerId]);
      return left.length > 0;
    });
  }
}

/** The customer's records in live custom sources, the primary first, then the oldest. */
async function customRecords(
  tx: EntityManager,
  customerId: string,
  sourceId: string | undefined,
): Promise<Array<{ id: string }>> {
  return tx.query(
    `SELECT r.id FROM customer_records r
       JOIN sources s ON s.id = r.source_id AND s.system = 'custom' AND s.deleted_at IS NULL
       JOIN customers c ON c.id = r.customer_id
      WHERE r.customer_id = $1 AND ($2::text IS NULL OR r.source_id = $2)
      ORDER BY (r.id = c.primary_record_id) DESC, r.id
      FOR UPDATE OF r`,
    [customerId, sourceId ?? null],
  );
}

async function customerOf(tx: EntityManager, recordId: string): Promise<string> {
  const [row]: Array<{ customer_id: string }> = await tx.query(
    `SELECT customer_id FROM customer_records WHERE id = $1`,
    [recordId],
  );
  return row.customer_id;
}
