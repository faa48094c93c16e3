import type { DataSource, EntityManager } from 'typeorm';
import { refreshCustomers } from './merge-engine';
import { inMergeTransaction, lockCustomers } from './merge-locks';

/**
 * ChartMogul's manual merge and unmerge (`POST /v1/customers/merges`, `/unmerges`), each in one transaction that
 * holds the records and customers it changes (merge-locks.ts).
 */

/** A customer named either by its uuid or by one of its records (source and external id), as ChartMogul does. */
export type CustomerRef = { customerUuid: string } | { dataSourceUuid: string; externalId: string };

/** Why a manual merge or unmerge cannot be done: `missing` (404) or `invalid` (422), about `field`. */
export class MergeRejected extends Error {
  override name = 'MergeRejected';
  constructor(
    readonly kind: 'missing' | 'invalid',
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

async function resolveCustomer(tx: EntityManager, ref: CustomerRef, field: string): Promise<string> {
  if ('customerUuid' in ref) {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM customers WHERE id = $1`, [ref.customerUuid]);
    if (rows.length === 0) throw new MergeRejected('missing', field, `No customer with uuid ${ref.customerUuid}`);
    return ref.customerUuid;
  }
  const rows: Array<{ customer_id: string | null }> = await tx.query(
    `SELECT r.customer_id FROM customer_records r JOIN sources s ON s.id = r.source_id AND s.deleted_at IS NULL
      WHERE r.source_id = $1 AND r.external_id = $2`,
    [ref.dataSourceUuid, ref.externalId],
  );
  if (rows.length === 0 || rows[0].customer_id === null) {
    throw new MergeRejected(
      'missing',
      field,
      `No customer with external id ${ref.externalId} in data source ${ref.dataSourceUuid}`,
    );
  }
  return rows[0].customer_id;
}

/**
 * Resolves customers and locks their records, then the customers themselves; resolves again in case one changed
 * meanwhile (a record moved by another writer, a customer deleted), until what is locked is what was named.
 */
async function resolveAndLock(tx: EntityManager, refs: Array<[CustomerRef, string]>): Promise<string[]> {
  for (let round = 1; ; round++) {
    const ids: string[] = [];
    for (const [ref, field] of refs) ids.push(await resolveCustomer(tx, ref, field));
    await tx.query(`SELECT 1 FROM customer_records WHERE customer_id = ANY($1) ORDER BY id FOR UPDATE`, [ids]);
    const present = await lockCustomers(tx, ids);
    const again: string[] = [];
    for (const [ref, field] of refs) again.push(await resolveCustomer(tx, ref, field));
    if (ids.every((id, i) => present.has(id) && again[i] === id)) return ids;
    if (round >= 5) throw new Error('These customers keep changing while they are merged: try again');
  }
}

/** Manual merge: every record of `fromCustomer` joins `intoCustomer`, whose primary stays; `from` is deleted. */
async function mergeCustomers(tx: EntityManager, fromCustomer: string, intoCustomer: string): Promise<void> {
  // Pin into's primary first, so the refresh cannot pick one of the newcomers instead.
  await refreshCustomers(tx, [intoCustomer]);
  // Tags and custom attributes set through the API belong to the customer: both sides' are kept, into's win.
  await tx.query(
    `UPDATE customers i SET api_tags = ARRAY(SELECT DISTINCT t FROM unnest(i.api_tags || f.api_tags) AS t ORDER BY t),
            api_custom = f.api_custom || i.api_custom
       FROM customers f WHERE i.id = $2 AND f.id = $1`,
    [fromCustomer, intoCustomer],
  );
  await tx.query(`UPDATE customer_records SET customer_id = $2 WHERE customer_id = $1`, [fromCustomer, intoCustomer]);
  await refreshCustomers(tx, [fromCustomer, intoCustomer]);
}

/** Manual unmerge: `recordId` leaves for a new customer of its own and is not re-matched automatically afterwards. */
async function unmergeRecord(tx: EntityManager, recordId: string, fromCustomer: string): Promise<string> {
  const [created]: Array<{ id: string }> = await tx.query(
    `INSERT INTO customers (primary_record_id) VALUES ($1) RETURNING id`,
    [recordId],
  );
  await tx.query(`UPDATE customer_records SET customer_id = $2, unmerged_at = now() WHERE id = $1`, [
    recordId,
    created.id,
  ]);
  await refreshCustomers(tx, [fromCustomer, created.id]);
  return created.id;
}

export class CustomerMerges {
  constructor(private readonly db: DataSource) {}

  /** Merges `from` into `into` (into's fields and uuid win); returns the surviving customer's id. */
  async merge(from: CustomerRef, into: CustomerRef): Promise<string> {
    return inMergeTransaction(this.db, async (tx) => {
      const [fromId, intoId] = await resolveAndLock(tx, [
        [from, 'from'],
        [into, 'into'],
      ]);
      if (fromId === intoId) throw new MergeRejected('invalid', 'from', 'Cannot merge a customer into itself');
      await mergeCustomers(tx, fromId, intoId);
      return intoId;
    });
  }

  /** Moves the record (source, external id) of `customerUuid` to a new customer; returns the new customer's id. */
  async unmerge(customerUuid: string, dataSourceUuid: string, externalId: string): Promise<string> {
    return inMergeTransaction(this.db, async (tx) => {
      await resolveAndLock(tx, [[{ customerUuid }, 'customer_uuid']]);
      const records: Array<{ id: string; customer_id: string | null }> = await tx.query(
        `SELECT id, customer_id FROM customer_records WHERE source_id = $1 AND external_id = $2`,
        [dataSourceUuid, externalId],
      );
      if (records.length === 0) {
        throw new MergeRejected(
          'missing',
          'external_id',
          `No customer with external id ${externalId} in data source ${dataSourceUuid}`,
        );
      }
      if (records[0].customer_id !== customerUuid) {
        throw new MergeRejected(
          'invalid',
          'external_id',
          `The record ${externalId} of data source ${dataSourceUuid} does not belong to customer ${customerUuid}`,
        );
      }
      const others: unknown[] = await tx.query(`SELECT 1 FROM customer_records WHERE customer_id = $1 AND id <> $2`, [
        customerUuid,
        records[0].id,
      ]);
      if (others.length === 0) {
        throw new MergeRejected(
          'invalid',
          'customer_uuid',
          `Customer ${customerUuid} has no other record: there is nothing to unmerge`,
        );
      }
      return unmergeRecord(tx, records[0].id, customerUuid);
    });
  }
}
