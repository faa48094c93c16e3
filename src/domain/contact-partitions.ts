/**
 * Contacts are imported in parallel partitions of created_at, searched by day (Intercom matches dates by
 * calendar day in the workspace's timezone: `>` starts at the next midnight, `<` ends at that day's midnight).
 * Partitions are contiguous ranges of day numbers; neighbours share their boundary value, so whatever the
 * workspace's timezone, every contact falls in exactly one partition. The first has no lower bound and the
 * last no upper bound, so contacts older or newer than the probe are never missed.
 */
export interface ContactPartition {
  /** First and last day number (days since the epoch) covered; null = unbounded. */
  fromDay: number | null;
  toDay: number | null;
}

const DAY_S = 86_400;

export const dayOf = (unixSeconds: number): number => Math.floor(unixSeconds / DAY_S);

/** Noon UTC of a day: inside that calendar day for any timezone within ±12 h. */
export const noonOf = (day: number): number => day * DAY_S + DAY_S / 2;

export type SearchFilter =
  { field: string; operator: string; value: unknown } | { operator: 'AND' | 'OR'; value: SearchFilter[] };

export function partitionQuery(p: ContactPartition): SearchFilter {
  const filters: SearchFilter[] = [];
  if (p.fromDay !== null) filters.push({ field: 'created_at', operator: '>', value: noonOf(p.fromDay - 1) });
  if (p.toDay !== null) filters.push({ field: 'created_at', operator: '<', value: noonOf(p.toDay + 1) });
  // An unbounded partition still needs a query: every contact has created_at > 0.
  if (filters.length === 0) return { field: 'created_at', operator: '>', value: 0 };
  return filters.length === 1 ? filters[0] : { operator: 'AND', value: filters };
}

/** Splits [firstDay, lastDay] into `buckets` equal spans of days, for counting. */
export function probeBuckets(firstDay: number, lastDay: number, buckets: number): ContactPartition[] {
  const span = lastDay - firstDay + 1;
  const n = Math.max(1, Math.min(buckets, span));
  const out: ContactPartition[] = [];
  for (let i = 0; i < n; i++) {
    const from = firstDay + Math.floor((i * span) / n);
    const to = firstDay + Math.floor(((i + 1) * span) / n) - 1;
    out.push({ fromDay: from, toDay: to });
  }
  return out;
}

/**
 * Groups counted buckets into at most `partitions` contiguous partitions of roughly equal size, then opens
 * the outer ends so nothing before the first or after the last probed day is missed.
 */
export function balancePartitions(
  buckets: Array<ContactPartition & { count: number }>,
  partitions: number,
): ContactPartition[] {
  if (buckets.length === 0) return [{ fromDay: null, toDay: null }];
  const total = buckets.reduce((s, b) => s + b.count, 0);
  const target = Math.max(1, total / Math.max(1, partitions));
  const out: ContactPartition[] = [];
  let current: ContactPartition | null = null;
  let acc = 0;
  for (const b of buckets) {
    if (!current) current = { fromDay: b.fromDay, toDay: b.toDay };
    current.toDay = b.toDay;
    acc += b.count;
    if (acc >= target && out.length < partitions - 1) {
      out.push(current);
      current = null;
      acc = 0;
    }
  }
  if (current) out.push(current);
  out[0] = { ...out[0], fromDay: null };
  out[out.length - 1] = { ...out[out.length - 1], toDay: null };
  return out;
}
