import type { DataSource, EntityManager } from 'typeorm';
import { DEFAULT_MERGE_RULES, type MergeRules } from '../../domain/merge-rules';

/** The merge automation's settings (`merge_rules`, one row; ChartMogul's default until it is saved). */

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
