import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_MERGE_RULES, type MergeRules } from '../../domain/merge-rules';
import { REFRESH_CUSTOMERS_SQL } from './customer-sql';

/**
 * The merge automation and manual merges in SQL (rules: src/domain/merge-rules.ts). Every function takes the
 * caller's transaction. Matching runs under one transaction-scoped advisory lock so two writers that arrive at
 * the same time (a backfill page and a billing customer) still see each other: the second one's match statement
 * runs after the first one committed. Keys are indexed (migration 1764500000000): one index probe per rule and
 * record, in one statement per batch.
 */

/** Serialises matching and merging across every process (transaction-scoped: released at commit/rollback). */
export const MERGE_LOCK_KEY = 727275;

export interface AssignOptions {
  /** Recompute the touched customers (default true). False when the caller refreshes them itself right after. */
  refresh?: boolean;
}

interface RulesRow {
  enabled: boolean;
  match_external_id: boolean;
  match_domain: boolean;
  match_company_name: boolean;
}

const toRules = (r: RulesRow | undefined): MergeRules =>
  r
    ? {
        enabled: r.enabled,
        matchOn: { external_id: r.match_external_id, domain: r.match_domain, company_name: r.match_company_name },
      }
    : DEFAULT_MERGE_RULES;

export async function loadMergeRules(q: EntityManager | DataSource): Promise<MergeRules> {
  const rows: RulesRow[] = await q.query(
    `SELECT enabled, match_external_id, match_domain, match_company_name FROM merge_rules WHERE id = 1`,
  );
  return toRules(rows[0]);
}

export async function saveMergeRules(q: EntityManager | DataSource, rules: MergeRules): Promise<MergeRules> {
  const rows: RulesRow[] = await q.query(
    `INSERT INTO merge_rules (id, enabled, match_external_id, match_domain, match_company_name, updated_at)
     VALUES (1, $1, $2, $3, $4, now())
     ON CONFLICT (id) DO UPDATE SET enabled = EXCLUDED.enabled, match_external_id = EXCLUDED.match_external_id,
       match_domain = EXCLUDED.match_domain, match_company_name = EXCLUDED.match_company_name, updated_at = now()
     RETURNING enabled, match_external_id, match_domain, match_company_name`,
    [rules.enabled, rules.matchOn.external_id, rules.matchOn.domain, rules.matchOn.company_name],
  );
  return toRules(rows[0]);
}

const anyRule = (rules: MergeRules): boolean =>
  rules.enabled && (rules.matchOn.external_id || rules.matchOn.domain || rules.matchOn.company_name);

export async function lockMerges(tx: EntityManager): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock($1)`, [MERGE_LOCK_KEY]);
}

// Another source's record, already assigned, of another customer.
const CANDIDATE = `AND m.source_id <> n.source_id AND m.customer_id IS NOT NULL
           AND m.customer_id IS DISTINCT FROM n.customer_id`;

/**
 * For each record n of `$1` that passes `filter`, the customer of the best matching record of another source
 * (rule priority, then the oldest record), excluding n's own customer. $2..$4: external id, domain, company rules.
 * `OFFSET 0` keeps the candidates an index lookup per rule: without it the planner may walk the primary key in
 * id order to satisfy `ORDER BY id LIMIT 1`, a full scan whenever nothing matches (quadratic over a backfill).
 */
const matchSql = (filter: string) => `
  SELECT n.id AS record_id, n.customer_id AS old_customer_id, best.customer_id AS target
    FROM customer_records n
    CROSS JOIN LATERAL (
      SELECT c.customer_id FROM (
        SELECT 1 AS prio, m.id, m.customer_id FROM customer_records m
         WHERE $2 AND m.external_id = n.external_id ${CANDIDATE}
        UNION ALL
        SELECT 2, m.id, m.customer_id FROM customer_records m
         WHERE $3 AND n.website_domain IS NOT NULL AND m.website_domain = n.website_domain ${CANDIDATE}
        UNION ALL
        SELECT 3, m.id, m.customer_id FROM customer_records m
         WHERE $4 AND n.company ~ '[^ \\t\\n\\r\\f\\v]' AND m.company = n.company ${CANDIDATE}
        OFFSET 0
      ) c ORDER BY c.prio, c.id LIMIT 1
    ) best
   WHERE n.id = ANY($1::bigint[]) AND ${filter}`;

interface MatchRow {
  record_id: string;
  old_customer_id: string | null;
  target: string;
}

/** Moves the matched records to their targets; returns the matches. */
async function applyMatches(
  tx: EntityManager,
  recordIds: string[],
  rules: MergeRules,
  filter: string,
): Promise<MatchRow[]> {
  const matches: MatchRow[] = await tx.query(matchSql(filter), [
    recordIds,
    rules.matchOn.external_id,
    rules.matchOn.domain,
    rules.matchOn.company_name,
  ]);
  if (matches.length === 0) return [];
  await tx.query(
    `UPDATE customer_records r SET customer_id = m.target
       FROM jsonb_to_recordset($1::jsonb) AS m(record_id bigint, target text) WHERE r.id = m.record_id`,
    [JSON.stringify(matches.map((m) => ({ record_id: m.record_id, target: m.target })))],
  );
  await promoteJoiners(
    tx,
    matches.map((m) => m.record_id),
  );
  return matches;
}

/**
 * After records joined customers by the automation: each such customer's primary becomes the best-ranked of its
 * current primary (if still its record) and the joiners; custom (billing) first, then the oldest.
 */
async function promoteJoiners(tx: EntityManager, joinerIds: string[]): Promise<void> {
  await tx.query(
    `UPDATE customers c SET primary_record_id = best.id
       FROM (
         SELECT DISTINCT ON (r.customer_id) r.customer_id, r.id
           FROM customer_records r
           JOIN sources s ON s.id = r.source_id
           JOIN customers p ON p.id = r.customer_id
          WHERE r.customer_id IN (SELECT customer_id FROM customer_records WHERE id = ANY($1::bigint[]))
            AND (r.id = ANY($1::bigint[]) OR r.id = p.primary_record_id
                 OR NOT EXISTS (SELECT 1 FROM customer_records q WHERE q.id = p.primary_record_id AND q.customer_id = p.id))
          ORDER BY r.customer_id, (s.system = 'custom') DESC, r.id
       ) best
      WHERE c.id = best.customer_id AND c.primary_record_id IS DISTINCT FROM best.id`,
    [joinerIds],
  );
}

/**
 * Recomputes customers after their records changed: a customer without records is deleted; one whose primary
 * record is gone (or unset) takes the best-ranked remaining record; then every field from REFRESH_CUSTOMERS_SQL.
 */
export async function refreshCustomers(tx: EntityManager, customerIds: Iterable<string | null>): Promise<void> {
  const ids = [...new Set([...customerIds].filter((c): c is string => typeof c === 'string'))];
  if (ids.length === 0) return;
  await tx.query(
    `DELETE FROM customers c WHERE c.id = ANY($1)
       AND NOT EXISTS (SELECT 1 FROM customer_records r WHERE r.customer_id = c.id)`,
    [ids],
  );
  await tx.query(
    `UPDATE customers c SET primary_record_id = (
       SELECT r.id FROM customer_records r JOIN sources s ON s.id = r.source_id
        WHERE r.customer_id = c.id ORDER BY (s.system = 'custom') DESC, r.id LIMIT 1)
      WHERE c.id = ANY($1) AND NOT EXISTS (
        SELECT 1 FROM customer_records r WHERE r.id = c.primary_record_id AND r.customer_id = c.id)`,
    [ids],
  );
  await tx.query(REFRESH_CUSTOMERS_SQL, [ids]);
}

/**
 * Gives every record of `recordIds` that has no customer yet one: the customer of a matching record of another
 * source under the enabled rules, else a new customer with the record as primary.
 */
export async function assignCustomers(tx: EntityManager, recordIds: string[], opts: AssignOptions = {}): Promise<void> {
  if (recordIds.length === 0) return;
  const rules = await loadMergeRules(tx);
  let joined: MatchRow[] = [];
  if (anyRule(rules)) {
    await lockMerges(tx);
    joined = await applyMatches(tx, recordIds, rules, 'n.customer_id IS NULL');
  }
  // A top-level SELECT: TypeORM answers UPDATE and DELETE with [rows, count] instead of rows.
  const created: Array<{ id: string }> = await tx.query(
    `WITH lone AS (
       SELECT id FROM customer_records WHERE id = ANY($1::bigint[]) AND customer_id IS NULL ORDER BY id
     ), created AS (
       INSERT INTO customers (primary_record_id) SELECT id FROM lone RETURNING id, primary_record_id
     ), assigned AS (
       UPDATE customer_records r SET customer_id = created.id FROM created WHERE r.id = created.primary_record_id
     )
     SELECT id FROM created`,
    [recordIds],
  );
  if (opts.refresh !== false) await refreshCustomers(tx, [...joined.map((j) => j.target), ...created.map((c) => c.id)]);
}

/**
 * Re-matches records that were updated: a record alone in its customer (never merged, never unmerged by hand)
 * that now matches another source's record joins that record's customer; its old customer, now empty, is deleted.
 * Merged records stay where they are: only an unmerge undoes a merge.
 */
export async function rematch(tx: EntityManager, recordIds: string[], opts: AssignOptions = {}): Promise<void> {
  if (recordIds.length === 0) return;
  const rules = await loadMergeRules(tx);
  if (!anyRule(rules)) return;
  await lockMerges(tx);
  const moved = await applyMatches(
    tx,
    recordIds,
    rules,
    `n.customer_id IS NOT NULL AND n.unmerged_at IS NULL
     AND NOT EXISTS (SELECT 1 FROM customer_records o WHERE o.customer_id = n.customer_id AND o.id <> n.id)`,
  );
  if (moved.length === 0) return;
  const emptied = moved.map((m) => m.old_customer_id).filter((c): c is string => c !== null);
  if (opts.refresh === false) {
    await tx.query(
      `DELETE FROM customers c WHERE c.id = ANY($1)
         AND NOT EXISTS (SELECT 1 FROM customer_records r WHERE r.customer_id = c.id)`,
      [emptied],
    );
    return;
  }
  await refreshCustomers(tx, [...emptied, ...moved.map((m) => m.target)]);
}

export interface RecordRef {
  id: string;
  customerId: string;
}

/** Manual merge: every record of `fromCustomer` joins `intoCustomer`, whose primary stays; `from` is deleted. */
export async function mergeCustomers(tx: EntityManager, fromCustomer: string, intoCustomer: string): Promise<void> {
  await lockMerges(tx);
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

/**
 * Manual unmerge: `recordId` leaves its customer for a new one of its own and is not re-matched automatically
 * afterwards. Returns the new customer's id.
 */
export async function unmergeRecord(tx: EntityManager, recordId: string, fromCustomer: string): Promise<string> {
  await lockMerges(tx);
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

/** Deletes records (and their contacts) and recomputes or deletes the customers they leave. */
export async function deleteRecords(tx: EntityManager, recordIds: string[]): Promise<void> {
  if (recordIds.length === 0) return;
  await lockMerges(tx);
  const gone: Array<{ customer_id: string | null }> = await tx.query(
    `WITH gone AS (DELETE FROM customer_records WHERE id = ANY($1::bigint[]) RETURNING source_id, external_id, customer_id),
          contacts_gone AS (
            DELETE FROM contacts x USING gone WHERE x.source_id = gone.source_id AND x.company_external_id = gone.external_id
          )
     SELECT customer_id FROM gone`,
    [recordIds],
  );
  await refreshCustomers(
    tx,
    gone.map((g) => g.customer_id),
  );
}

const RETRYABLE = new Set(['40P01', '40001']);

/** Runs `work` in a transaction, retrying a few times on deadlock or serialization failure. */
export async function inMergeTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (err) {
      const e = err as { code?: string; driverError?: { code?: string } };
      const code = e?.code ?? e?.driverError?.code;
      if (attempt >= 4 || code === undefined || !RETRYABLE.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}

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

/** ChartMogul's merge and unmerge endpoints, each in one transaction under the merge lock. */
export class CustomerMerges {
  constructor(private readonly db: DataSource) {}

  /** Merges `from` into `into` (into's fields and uuid win); returns the surviving customer's id. */
  async merge(from: CustomerRef, into: CustomerRef): Promise<string> {
    return inMergeTransaction(this.db, async (tx) => {
      await lockMerges(tx);
      const fromId = await resolveCustomer(tx, from, 'from');
      const intoId = await resolveCustomer(tx, into, 'into');
      if (fromId === intoId) throw new MergeRejected('invalid', 'from', 'Cannot merge a customer into itself');
      await mergeCustomers(tx, fromId, intoId);
      return intoId;
    });
  }

  /** Moves the record (source, external id) of `customerUuid` to a new customer; returns the new customer's id. */
  async unmerge(customerUuid: string, dataSourceUuid: string, externalId: string): Promise<string> {
    return inMergeTransaction(this.db, async (tx) => {
      await lockMerges(tx);
      await resolveCustomer(tx, { customerUuid }, 'customer_uuid');
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
