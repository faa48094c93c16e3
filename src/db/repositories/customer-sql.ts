/**
 * Recomputes customers from their records (the rule of src/domain/merge-rules.ts, `customerFields`): every
 * display field comes from the primary record, falling back field by field to the other records (oldest first);
 * custom attributes are the union, the primary winning a clash. `$1` is an array of customer ids; the merge
 * engine (merge-engine.ts) runs it on customers it holds locked.
 */
const FALLBACK_FIELDS = [
  'name',
  'email',
  'company',
  'website_url',
  'country',
  'city',
  'state',
  'zip',
  'lead_created_at',
  'free_trial_started_at',
  'status',
];

export const REFRESH_CUSTOMERS_SQL = `
  UPDATE customers c SET
    ${FALLBACK_FIELDS.map((f) => `${f} = agg.${f}`).join(',\n    ')},
    custom = agg.custom,
    updated_at = now()
  FROM (
    SELECT r.customer_id,
      ${FALLBACK_FIELDS.map(
        (f) =>
          `(array_agg(r.${f} ORDER BY (r.id = p.primary_record_id) DESC, r.id) FILTER (WHERE r.${f} IS NOT NULL))[1] AS ${f}`,
      ).join(',\n      ')},
      jsonb_merge_agg(r.custom ORDER BY (r.id = p.primary_record_id), r.id DESC) AS custom
    FROM customer_records r JOIN customers p ON p.id = r.customer_id
    WHERE r.customer_id = ANY($1)
    GROUP BY r.customer_id
  ) agg
  WHERE c.id = agg.customer_id`;
