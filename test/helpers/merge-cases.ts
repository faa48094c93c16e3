import {
  DEFAULT_MERGE_RULES,
  bestRecord,
  matchFor,
  primaryAfterJoin,
  rematches,
  type MergeRules,
} from '../../src/domain/merge-rules';

/**
 * Shared cases of the merge automation, run through the pure rules (test/unit/merge-rules.test.ts) and through the
 * SQL of the merge engine on PostgreSQL (test/integration/merge-cases.test.ts): both must end with `customers`.
 */

/** Three sources: two Intercom workspaces and a custom (billing) one. */
export const CASE_SOURCES = { intercom: 'intercom', intercom2: 'intercom', billing: 'custom' } as const;
export type CaseSource = keyof typeof CASE_SOURCES;

export interface CaseRecord {
  /** How the case names the record. */
  key: string;
  source: CaseSource;
  externalId: string;
  websiteUrl?: string | null;
  company?: string | null;
}

export type CaseStep =
  | { arrive: CaseRecord }
  | { update: string; websiteUrl?: string | null; company?: string | null }
  | { remove: string }
  | { rules: MergeRules };

export interface MergeCase {
  name: string;
  steps: CaseStep[];
  /** The customers at the end, each as its records' keys: the primary first, then the others oldest first. */
  customers: string[][];
}

const ALL_RULES: MergeRules = { enabled: true, matchOn: { external_id: true, domain: true, company_name: true } };
const OFF: MergeRules = { ...DEFAULT_MERGE_RULES, enabled: false };
const rec = (key: string, source: CaseSource, externalId: string, websiteUrl?: string, company?: string) => ({
  arrive: { key, source, externalId, websiteUrl: websiteUrl ?? null, company: company ?? null },
});

export const MERGE_CASES: MergeCase[] = [
  {
    name: 'billing first, then the Intercom company of the same domain: one customer, billing primary',
    steps: [
      rec('b1', 'billing', 'bill-1', 'http://acme.com/account'),
      rec('i1', 'intercom', '5f01', 'https://www.acme.com'),
    ],
    customers: [['b1', 'i1']],
  },
  {
    name: 'Intercom first, then billing of the same domain: billing joins and becomes primary',
    steps: [rec('i1', 'intercom', '5f01', 'https://www.acme.com'), rec('b1', 'billing', 'bill-1', 'acme.com')],
    customers: [['b1', 'i1']],
  },
  {
    name: 'external id outranks domain',
    steps: [
      rec('i1', 'intercom', 'X', 'a.example.com'),
      rec('i2', 'intercom2', 'Y', 'b.example.com'),
      rec('b1', 'billing', 'Y', 'a.example.com'),
    ],
    customers: [['i1'], ['b1', 'i2']],
  },
  {
    name: 'among equal matches the oldest record wins',
    steps: [
      { rules: OFF },
      rec('i1', 'intercom', '1', 'acme.com'),
      rec('i2', 'intercom2', '2', 'acme.com'),
      { rules: DEFAULT_MERGE_RULES },
      rec('b1', 'billing', '3', 'https://acme.com/'),
    ],
    customers: [['b1', 'i1'], ['i2']],
  },
  {
    name: 'domains are case-sensitive, free-mail hosts and records of the same source never match',
    steps: [
      rec('i1', 'intercom', '1', 'acme.com'),
      rec('b1', 'billing', '2', 'Acme.com'),
      rec('i2', 'intercom', '3', 'acme.com'),
      rec('i3', 'intercom', '4', 'https://gmail.com'),
      rec('b2', 'billing', '5', 'gmail.com'),
    ],
    customers: [['i1'], ['b1'], ['i2'], ['i3'], ['b2']],
  },
  {
    name: 'company names match only with the rule on, exactly, and never when blank',
    steps: [
      rec('i1', 'intercom', '1', undefined, 'Acme'),
      rec('b1', 'billing', '2', undefined, 'Acme'),
      { rules: ALL_RULES },
      rec('i2', 'intercom', '3', undefined, 'Beta'),
      rec('b2', 'billing', '4', undefined, 'Beta'),
      rec('b3', 'billing', '5', undefined, 'beta'),
      rec('i3', 'intercom', '6', undefined, '  '),
      rec('b4', 'billing', '7', undefined, '  '),
    ],
    customers: [['i1'], ['b1'], ['b2', 'i2'], ['b3'], ['i3'], ['b4']],
  },
  {
    name: 'nothing merges while the automation is off',
    steps: [{ rules: OFF }, rec('i1', 'intercom', 'X', 'acme.com'), rec('b1', 'billing', 'X', 'acme.com')],
    customers: [['i1'], ['b1']],
  },
  {
    name: 'an updated record alone in its customer is matched again',
    steps: [
      rec('i1', 'intercom', '1', 'acme.com'),
      rec('b1', 'billing', '2', 'other.org'),
      { update: 'b1', websiteUrl: 'https://acme.com' },
    ],
    customers: [['b1', 'i1']],
  },
  {
    name: 'a merged record stays where it is when it is updated (merges are sticky)',
    steps: [
      rec('i1', 'intercom', '1', 'acme.com'),
      rec('b1', 'billing', '2', 'acme.com'),
      rec('i2', 'intercom2', '3', 'beta.com'),
      { update: 'i1', websiteUrl: 'beta.com' },
    ],
    customers: [['b1', 'i1'], ['i2']],
  },
  {
    name: 'an Intercom record joining an Intercom customer does not take over: the oldest stays primary',
    steps: [
      rec('i1', 'intercom', '1', 'acme.com'),
      rec('i2', 'intercom2', '2', 'acme.com'),
      rec('b1', 'billing', '3', 'acme.com'),
    ],
    customers: [['b1', 'i1', 'i2']],
  },
  {
    name: 'when the primary leaves, the best-ranked remaining record takes over; an empty customer is deleted',
    steps: [
      rec('i1', 'intercom', '1', 'acme.com'),
      rec('i2', 'intercom2', '2', 'acme.com'),
      rec('b1', 'billing', '3', 'acme.com'),
      rec('i3', 'intercom', '4', 'beta.com'),
      rec('i4', 'intercom2', '5', 'beta.com'),
      rec('b2', 'billing', '6', 'solo.com'),
      { remove: 'b1' },
      { remove: 'i3' },
      { remove: 'b2' },
    ],
    customers: [['i1', 'i2'], ['i4']],
  },
];

interface PlacedRecord extends CaseRecord {
  id: number;
  sourceId: string;
  system: 'intercom' | 'custom';
  customer: number;
}

/** Runs a case through the pure rules of src/domain/merge-rules.ts; returns the customers as `customers` lists them. */
export function runCaseOnRules(c: MergeCase): string[][] {
  let rules = DEFAULT_MERGE_RULES;
  const records = new Map<string, PlacedRecord>();
  const primaries = new Map<number, string>();
  let nextId = 1;
  let nextCustomer = 1;
  const members = (customer: number) => [...records.values()].filter((r) => r.customer === customer);
  const join = (r: PlacedRecord, target: PlacedRecord) => {
    r.customer = target.customer;
    const current = records.get(primaries.get(target.customer)!)!;
    primaries.set(target.customer, primaryAfterJoin(current, [r])!.key);
  };
  for (const step of c.steps) {
    if ('rules' in step) rules = step.rules;
    else if ('arrive' in step) {
      const r: PlacedRecord = {
        ...step.arrive,
        id: nextId++,
        sourceId: step.arrive.source,
        system: CASE_SOURCES[step.arrive.source],
        customer: 0,
      };
      const target = matchFor(r, [...records.values()], rules);
      records.set(r.key, r);
      if (target) join(r, target);
      else {
        r.customer = nextCustomer++;
        primaries.set(r.customer, r.key);
      }
    } else if ('update' in step) {
      const r = records.get(step.update)!;
      if (step.websiteUrl !== undefined) r.websiteUrl = step.websiteUrl;
      if (step.company !== undefined) r.company = step.company;
      if (!rematches(members(r.customer).length, false)) continue;
      const target = matchFor(
        r,
        [...records.values()].filter((o) => o.customer !== r.customer),
        rules,
      );
      if (target) {
        primaries.delete(r.customer);
        join(r, target);
      }
    } else {
      const r = records.get(step.remove)!;
      records.delete(r.key);
      const left = members(r.customer);
      if (left.length === 0) primaries.delete(r.customer);
      else if (primaries.get(r.customer) === r.key) primaries.set(r.customer, bestRecord(left)!.key);
    }
  }
  return [...primaries.entries()].map(([customer, primary]) => [
    primary,
    ...members(customer)
      .filter((r) => r.key !== primary)
      .sort((a, b) => a.id - b.id)
      .map((r) => r.key),
  ]);
}

/** Customers in a comparable order. */
export const sortedCustomers = (customers: string[][]): string[][] =>
  [...customers].sort((a, b) => a[0].localeCompare(b[0]));
