import type { EntityManager } from 'typeorm';
import type { MergeRules } from '../../domain/merge-rules';
import { REFRESH_CUSTOMERS_SQL } from './customer-sql';
import { lockCustomers, lockMatchKeys, lockRecords } from './merge-locks';
import { loadMergeRules } from './merge-rule-store';

/**
 * The merge automation in SQL, the one place that decides which customer a record belongs to and which record is
 * a customer's primary (the rules: src/domain/merge-rules.ts; test/integration/merge-cases.test.ts runs the shared
 * cases of test/helpers/merge-cases.ts through both). Every function takes the caller's transaction and the locks
 * of merge-locks.ts. Keys are indexed (migration 1764500000000): one index probe per rule and record, in one
 * statement per batch.
 */

const anyRule = (rules: MergeRules): boolean =>
  rules.enabled && (rules.matchOn.external_id || rules.matchOn.domain || rules.matchOn.company_name);

// Another source's record, already assigned, of another customer.
const CANDIDATE = `AND m.source_id <> n.source_id AND m.customer_id IS NOT NULL
           AND m.customer_id IS DISTINCT FROM n.customer_id`;

/**
 * Records that are matched: new ones (no customer yet), and updated ones alone in their customer that were never
 * unmerged by hand (merges are sticky: only an unmerge undoes a merge, and an unmerge is not undone by an update).
 */
const MATCHABLE = `(n.customer_id IS NULL OR (n.unmerged_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM customer_records o WHERE o.customer_id = n.customer_id AND o.id <> n.id)))`;

/**
 * For each matchable record n of `$1`, the customer of the best matching record of another source (rule priority,
 * then the oldest record), excluding n's own customer. $2..$4: external id, domain, company rules.
 * `OFFSET 0` keeps the candidates an index lookup per rule: without it the planner may walk the primary key in
 * id order to satisfy `ORDER BY id LIMIT 1`, a full scan whenever nothing matches (quadratic over a backfill).
 */
const MATCH_SQL = `
  SELECT n.id AS record_id, n.customer_id AS old_customer_id, best.customer_id AS target
    FROM customer_records n
    CROSS JOIN LATERAL (
      SELECT c.customer_id FROM (
        SELECT 1 AS prio, m.id, m.customer_id FROM customer_records m
         WHERE $2 AND n.external_id <> '' AND m.external_id = n.external_id ${CANDIDATE}
        UNION ALL
        SELECT 2, m.id, m.customer_id FROM customer_records m
         WHERE $3 AND n.website_domain IS NOT NULL AND m.website_domain = n.website_domain ${CANDIDATE}
        UNION ALL
        SELECT 3, m.id, m.customer_id FROM customer_records m
         WHERE $4 AND n.company ~ '[^ \\t\\n\\r\\f\\v]' AND m.company = n.company ${CANDIDATE}
        OFFSET 0
      ) c ORDER BY c.prio, c.id LIMIT 1
    ) best
   WHERE n.id = ANY($1::bigint[]) AND ${MATCHABLE}`;

interface MatchRow {
  record_id: string;
  old_customer_id: string | null;
  target: string;
}

/** Rank of a record for primary: a custom (billing) source's record first, then the oldest. */
const PRIMARY_ORDER = `(s.system = 'custom') DESC, r.id`;

/** A matched target can vanish before it is locked (merged away, emptied): then match again, at most this often. */
const MAX_MATCH_ROUNDS = 5;

/**
 * Places records the caller has just written (inserted or updated, and still row-locked): a new record joins the
 * customer of a matching record of another source under the enabled rules, else it gets a customer of its own;
 * an updated record alone in its customer that now matches joins that record's customer, and its old customer is
 * deleted. Then every customer the records belong to or left is recomputed. All records are of one source.
 */
export async function placeRecords(tx: EntityManager, recordIds: string[]): Promise<void> {
  if (recordIds.length === 0) return;
  const rules = await loadMergeRules(tx);
  const matching = anyRule(rules);
  if (matching) await lockMatchKeys(tx, recordIds, rules);
  const current: Array<{ customer_id: string }> = await tx.query(
    `SELECT DISTINCT customer_id FROM customer_records WHERE id = ANY($1::bigint[]) AND customer_id IS NOT NULL`,
    [recordIds],
  );
  // The records' own customers first: they cannot vanish (the records are ours), and once they are held whether a
  // record is alone in its customer cannot change under the match.
  const locked = await lockCustomers(
    tx,
    current.map((c) => c.customer_id),
  );
  let matches: MatchRow[] = [];
  for (let round = 1; matching; round++) {
    matches = await tx.query(MATCH_SQL, [
      recordIds,
      rules.matchOn.external_id,
      rules.matchOn.domain,
      rules.matchOn.company_name,
    ]);
    const targets = matches.map((m) => m.target).filter((t) => !locked.has(t));
    if (targets.length === 0) break;
    const present = await lockCustomers(tx, targets);
    for (const t of present) locked.add(t);
    if (targets.every((t) => present.has(t))) break;
    if (round >= MAX_MATCH_ROUNDS) throw new Error('The customers these records match keep changing: try again');
  }
  if (matches.length > 0) {
    await tx.query(
      `UPDATE customer_records r SET customer_id = m.target
         FROM jsonb_to_recordset($1::jsonb) AS m(record_id bigint, target text) WHERE r.id = m.record_id`,
      [JSON.stringify(matches.map((m) => ({ record_id: m.record_id, target: m.target })))],
    );
    await promoteJoiners(
      tx,
      matches.map((m) => m.record_id),
    );
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
  await refreshCustomers(tx, [
    ...current.map((c) => c.customer_id),
    ...matches.map((m) => m.target),
    ...created.map((c) => c.id),
  ]);
}

/**
 * After records joined customers by the automation: each such customer's primary becomes the best-ranked of its
 * current primary (if still its record) and the joiners.
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
          ORDER BY r.customer_id, ${PRIMARY_ORDER}
       ) best
      WHERE c.id = best.customer_id AND c.primary_record_id IS DISTINCT FROM best.id`,
    [joinerIds],
  );
}

/**
 * Recomputes customers (locked by the caller) after their records changed: a customer without records is
 * deleted; one whose primary record is gone (or unset) takes the best-ranked remaining record; then every field
 * from REFRESH_CUSTOMERS_SQL. Returns how many customers were deleted.
 */
export async function refreshCustomers(tx: EntityManager, customerIds: Iterable<string | null>): Promise<number> {
  const ids = [...new Set([...customerIds].filter((c): c is string => typeof c === 'string'))];
  if (ids.length === 0) return 0;
  const deleted: unknown[] = await tx.query(
    `WITH deleted AS (
       DELETE FROM customers c WHERE c.id = ANY($1)
          AND NOT EXISTS (SELECT 1 FROM customer_records r WHERE r.customer_id = c.id) RETURNING 1
     ) SELECT 1 FROM deleted`,
    [ids],
  );
  await tx.query(
    `UPDATE customers c SET primary_record_id = (
       SELECT r.id FROM customer_records r JOIN sources s ON s.id = r.source_id
        WHERE r.customer_id = c.id ORDER BY ${PRIMARY_ORDER} LIMIT 1)
      WHERE c.id = ANY($1) AND NOT EXISTS (
        SELECT 1 FROM customer_records r WHERE r.id = c.primary_record_id AND r.customer_id = c.id)`,
    [ids],
  );
  await tx.query(REFRESH_CUSTOMERS_SQL, [ids]);
  return deleted.length;
}

export interface DeletedRecords {
  records: number;
  customersDeleted: number;
  /** Customers that lost records and kept others (of other sources: the merge fallback). */
  customersKept: number;
}

/**
 * Deletes records (and their contacts), then recomputes the customers they leave: a customer left without
 * records is deleted, one that keeps records of other sources falls back to them (a new primary if it lost its own).
 */
export async function deleteRecords(tx: EntityManager, recordIds: string[]): Promise<DeletedRecords> {
  if (recordIds.length === 0) return { records: 0, customersDeleted: 0, customersKept: 0 };
  const customers = await lockRecords(tx, recordIds);
  await lockCustomers(tx, customers);
  const gone: Array<{ customer_id: string | null }> = await tx.query(
    `WITH gone AS (DELETE FROM customer_records WHERE id = ANY($1::bigint[]) RETURNING source_id, external_id, customer_id),
          contacts_gone AS (
            DELETE FROM contacts x USING gone WHERE x.source_id = gone.source_id AND x.company_external_id = gone.external_id
          )
     SELECT customer_id FROM gone`,
    [recordIds],
  );
  const left = new Set(gone.map((g) => g.customer_id).filter((c): c is string => c !== null));
  const customersDeleted = await refreshCustomers(tx, left);
  return { records: gone.length, customersDeleted, customersKept: left.size - customersDeleted };
}
