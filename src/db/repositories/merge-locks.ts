import type { DataSource, EntityManager } from 'typeorm';
import type { MergeRules } from '../../domain/merge-rules';

/**
 * The locks that keep the merge automation right when writers run at the same time, without making unrelated
 * writers wait for each other. Every writer takes them in the same order, each kind in one sorted statement:
 *
 * 1. the customer records it writes or deletes (row locks: the upsert itself, or `FOR UPDATE`);
 * 2. the match keys of those records (transaction-scoped advisory locks, `lockMatchKeys`): two records that can
 *    match share a key, so of two writers that insert them at the same time the second waits, then matches
 *    against what the first committed (a backfill page and a billing customer arriving together still merge);
 * 3. the customers whose records it changes (`lockCustomers`, row locks on `customers`; its records' own customers,
 *    then those they match): joins, moves, deletions and the recomputation of one customer never interleave, so a
 *    customer is always recomputed from all its committed records. A matched customer that vanished before it was
 *    locked (merged away, emptied) makes the engine match again.
 *
 * Writers of different sources whose records share no key and no customer never wait for each other. A cycle is
 * still possible in rare cases (a manual merge locking records in id order while a page upserts them in external
 * id order); PostgreSQL detects it and `inMergeTransaction` retries the loser.
 */

/** The advisory lock class of match keys (two-int form: class, hash of the key). */
export const MATCH_KEY_LOCK_CLASS = 727275;

/**
 * Locks the match keys (external id, website domain, company name: those of the enabled rules) of the records
 * `recordIds`, which the caller has written. Returns how many distinct keys were locked.
 */
export async function lockMatchKeys(tx: EntityManager, recordIds: string[], rules: MergeRules): Promise<number> {
  const locked: unknown[] = await tx.query(
    `SELECT pg_advisory_xact_lock($2::int, k) FROM (
       SELECT DISTINCT hashtext(x.key) AS k
         FROM customer_records r
         CROSS JOIN LATERAL (VALUES
           (CASE WHEN $3 AND r.external_id <> '' THEN 'e:' || r.external_id END),
           (CASE WHEN $4 THEN 'd:' || r.website_domain END),
           (CASE WHEN $5 AND r.company ~ '[^ \\t\\n\\r\\f\\v]' THEN 'c:' || r.company END)
         ) AS x(key)
        WHERE r.id = ANY($1::bigint[]) AND x.key IS NOT NULL
        ORDER BY k
     ) keys`,
    [recordIds, MATCH_KEY_LOCK_CLASS, rules.matchOn.external_id, rules.matchOn.domain, rules.matchOn.company_name],
  );
  return locked.length;
}

/** Locks the records `recordIds` (in id order); returns their customers. */
export async function lockRecords(tx: EntityManager, recordIds: string[]): Promise<Array<string | null>> {
  const rows: Array<{ customer_id: string | null }> = await tx.query(
    `SELECT customer_id FROM customer_records WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
    [recordIds],
  );
  return rows.map((r) => r.customer_id);
}

/** Locks the customers `ids` (in id order); returns those that still exist. */
export async function lockCustomers(tx: EntityManager, ids: Iterable<string | null>): Promise<Set<string>> {
  const wanted = [...new Set([...ids].filter((c): c is string => typeof c === 'string'))];
  if (wanted.length === 0) return new Set();
  const rows: Array<{ id: string }> = await tx.query(
    `SELECT id FROM customers WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
    [wanted],
  );
  return new Set(rows.map((r) => r.id));
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
