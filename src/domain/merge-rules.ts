/**
 * The merge automation (ChartMogul's "Automations", duplicates by External ID, Domain (website URL) and Company
 * name) as pure rules: which keys a customer record matches on, and which record of a merged customer is primary.
 *
 * Matching (as ChartMogul's merge automation does it; README "Merging customers"):
 * - A record created or updated is compared with the records of OTHER sources; it joins the customer of the
 *   first match (external id before domain before company name; among equals the oldest record), else it gets a
 *   customer of its own. Records of the same source never match each other directly.
 * - All comparisons are exact and case-sensitive, as ChartMogul's are: `Acme.com` and `acme.com` differ.
 * - External ID: the record's external id as written.
 * - Domain: the host of the website URL as written, without scheme, user info, port, path, query, fragment, a
 *   leading `www.` and a trailing dot. A value that is not a host name (no dot, whitespace inside, longer than 253
 *   characters) gives no domain. Free-mail domains (gmail.com, outlook.com, …, gmx.*) are ignored, whatever their
 *   case. Only the website counts, never the email's domain ("Domain (website URL)").
 * - Company name: the record's company as written; a blank one gives no key.
 * - An updated record is re-matched only while it is alone in its customer and was never unmerged by hand: merges
 *   are sticky (only an unmerge undoes them) and an unmerge is not undone by the next update.
 *
 * Primary record (whose fields win; see customer-sql.ts for the field-by-field fallback):
 * - Rank: a record of a custom (billing) source outranks an Intercom record (billing is the system of record);
 *   among records of equal rank the oldest (lowest record id) wins.
 * - A new customer's primary is its only record.
 * - When records join a customer by the automation, the primary becomes the best-ranked of the current primary
 *   and the joining records (so a billing record joining an Intercom customer becomes primary, and an Intercom
 *   record joining a billing customer does not).
 * - A manual merge keeps the `into` customer's primary (ChartMogul: the target's fields win).
 * - When the primary record leaves (unmerge, deletion of its source or of a custom customer), the best-ranked
 *   remaining record becomes primary.
 *
 * The SQL that applies these rules is src/db/repositories/merge-engine.ts. The shared cases of
 * test/helpers/merge-cases.ts are run through both: test/unit/merge-rules.test.ts here, and
 * test/integration/merge-cases.test.ts through the engine on PostgreSQL. The SQL twin of `websiteDomain` is the
 * IMMUTABLE function `crm_website_domain` of migration 1764500000000 (a generated column
 * `customer_records.website_domain`); test/integration/merge.test.ts checks they agree.
 */

export type MergeRule = 'external_id' | 'domain' | 'company_name';

/** The order in which rules pick the customer to join when a record matches several. */
export const MERGE_RULE_PRIORITY: readonly MergeRule[] = ['external_id', 'domain', 'company_name'];

export interface MergeRules {
  enabled: boolean;
  matchOn: Record<MergeRule, boolean>;
}

/** ChartMogul's default automation for new accounts: external IDs or domains. */
export const DEFAULT_MERGE_RULES: MergeRules = {
  enabled: true,
  matchOn: { external_id: true, domain: true, company_name: false },
};

/** Common mail providers: a website on one of them says nothing about the company. `gmx.*` is matched by prefix. */
export const FREE_MAIL_DOMAINS: readonly string[] = [
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'protonmail.com',
  'proton.me',
  'mail.com',
  'zoho.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'web.de',
];

const MAX_HOST_LENGTH = 253;
const EDGE_SPACE = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;
const SPACE = /[ \t\n\r\f\v]/;

export function isFreeMailDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  return FREE_MAIL_DOMAINS.includes(d) || d.startsWith('gmx.');
}

/**
 * The domain a website URL matches on, or null: `https://www.Acme.com:443/pricing?x#y` → `Acme.com`.
 * Keep in step with `crm_website_domain` (migration 1764500000000).
 */
export function websiteDomain(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  const host = url
    .replace(EDGE_SPACE, '')
    .replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '') // scheme
    .replace(/[/?#][^]*$/, '') // path, query, fragment
    .replace(/^[^]*@/, '') // user info
    .replace(/:[0-9]*$/, '') // port
    .replace(/^[wW]{3}\./, '')
    .replace(/\.$/, '');
  if (host === '' || host.length > MAX_HOST_LENGTH || !host.includes('.') || SPACE.test(host)) return null;
  if (isFreeMailDomain(host)) return null;
  return host;
}

/** A company name as it is compared: exactly as written; blank is none. */
export function companyKey(company: string | null | undefined): string | null {
  return company !== null && company !== undefined && /[^ \t\n\r\f\v]/.test(company) ? company : null;
}

export interface MergeKey {
  rule: MergeRule;
  value: string;
}

export interface MergeableRecord {
  externalId: string;
  websiteUrl?: string | null;
  company?: string | null;
}

/** The keys `record` matches other sources' records on under `rules`, in rule priority; none when disabled. */
export function mergeKeys(record: MergeableRecord, rules: MergeRules): MergeKey[] {
  if (!rules.enabled) return [];
  const keys: MergeKey[] = [];
  for (const rule of MERGE_RULE_PRIORITY) {
    if (!rules.matchOn[rule]) continue;
    const value =
      rule === 'external_id'
        ? record.externalId === ''
          ? null
          : record.externalId
        : rule === 'domain'
          ? websiteDomain(record.websiteUrl)
          : companyKey(record.company);
    if (value !== null) keys.push({ rule, value });
  }
  return keys;
}

/** The first rule (by priority) on which two records of different sources match, or null. */
export function matchingRule(
  a: MergeableRecord & { sourceId: string },
  b: MergeableRecord & { sourceId: string },
  rules: MergeRules,
): MergeRule | null {
  if (a.sourceId === b.sourceId) return null;
  const theirs = mergeKeys(b, rules);
  for (const key of mergeKeys(a, rules)) {
    if (theirs.some((k) => k.rule === key.rule && k.value === key.value)) return key.rule;
  }
  return null;
}

export type SourceSystemName = 'intercom' | 'custom';

export interface RankedRecord {
  /** The record id (bigserial: creation order). */
  id: number;
  system: SourceSystemName;
}

/** Negative when `a` should be primary over `b`: custom (billing) before Intercom, then the oldest. */
export function comparePrimary(a: RankedRecord, b: RankedRecord): number {
  const rank = (r: RankedRecord) => (r.system === 'custom' ? 0 : 1);
  return rank(a) - rank(b) || a.id - b.id;
}

/** The best-ranked record, or null for none. */
export function bestRecord<T extends RankedRecord>(records: readonly T[]): T | null {
  return records.reduce<T | null>((best, r) => (best === null || comparePrimary(r, best) < 0 ? r : best), null);
}

/**
 * The primary after `joining` records join a customer by the automation: the best-ranked of the current primary
 * (when it is still one of the customer's records) and the joiners.
 */
export function primaryAfterJoin<T extends RankedRecord>(current: T | null, joining: readonly T[]): T | null {
  return bestRecord(current ? [current, ...joining] : joining);
}

/**
 * The record whose customer `record` joins: among `candidates` (records of other customers), the first by rule
 * priority that matches, the oldest among equals; null when none matches.
 */
export function matchFor<T extends MergeableRecord & RankedRecord & { sourceId: string }>(
  record: MergeableRecord & { sourceId: string },
  candidates: readonly T[],
  rules: MergeRules,
): T | null {
  let best: { prio: number; candidate: T } | null = null;
  for (const candidate of candidates) {
    const rule = matchingRule(record, candidate, rules);
    if (rule === null) continue;
    const prio = MERGE_RULE_PRIORITY.indexOf(rule);
    if (best === null || prio < best.prio || (prio === best.prio && candidate.id < best.candidate.id))
      best = { prio, candidate };
  }
  return best?.candidate ?? null;
}

/** An updated record is matched again only while it is alone in its customer and was never unmerged by hand. */
export function rematches(customerSize: number, unmergedByHand: boolean): boolean {
  return customerSize === 1 && !unmergedByHand;
}
