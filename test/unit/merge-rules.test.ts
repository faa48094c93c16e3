import {
  DEFAULT_MERGE_RULES,
  bestRecord,
  comparePrimary,
  companyKey,
  isFreeMailDomain,
  matchingRule,
  mergeKeys,
  primaryAfterJoin,
  websiteDomain,
  type MergeRules,
  type RankedRecord,
} from '../../src/domain/merge-rules';
import { DOMAIN_CASES } from '../helpers/domain-cases';
import { MERGE_CASES, runCaseOnRules, sortedCustomers } from '../helpers/merge-cases';

const rules = (matchOn: Partial<MergeRules['matchOn']>, enabled = true): MergeRules => ({
  enabled,
  matchOn: { external_id: false, domain: false, company_name: false, ...matchOn },
});

describe('websiteDomain', () => {
  it.each(DOMAIN_CASES)('%j → %j', (url, expected) => {
    expect(websiteDomain(url)).toBe(expected);
  });

  it('is undefined-safe', () => {
    expect(websiteDomain(undefined)).toBeNull();
  });
});

describe('isFreeMailDomain', () => {
  it('knows the common providers, in any case, and gmx.* by prefix', () => {
    for (const d of ['gmail.com', 'Gmail.com', 'outlook.com', 'hotmail.com', 'yahoo.com', 'icloud.com', 'aol.com'])
      expect(isFreeMailDomain(d)).toBe(true);
    for (const d of ['protonmail.com', 'gmx.de', 'gmx.net', 'GMX.at']) expect(isFreeMailDomain(d)).toBe(true);
    for (const d of ['acme.com', 'gmail.acme.com', 'gmx-acme.com']) expect(isFreeMailDomain(d)).toBe(false);
  });
});

describe('companyKey', () => {
  it('keeps the name exactly as written; blank is no key', () => {
    expect(companyKey('Acme GmbH')).toBe('Acme GmbH');
    expect(companyKey(' Acme ')).toBe(' Acme ');
    expect(companyKey('   ')).toBeNull();
    expect(companyKey('')).toBeNull();
    expect(companyKey(null)).toBeNull();
  });
});

describe('mergeKeys', () => {
  const record = { externalId: 'cus-1', websiteUrl: 'https://www.acme.com/', company: 'Acme' };

  it('gives external id and domain by default (ChartMogul default automation), company name off', () => {
    expect(mergeKeys(record, DEFAULT_MERGE_RULES)).toEqual([
      { rule: 'external_id', value: 'cus-1' },
      { rule: 'domain', value: 'acme.com' },
    ]);
  });

  it('gives every enabled rule in priority order, and nothing when the automation is off', () => {
    const all = rules({ external_id: true, domain: true, company_name: true });
    expect(mergeKeys(record, all).map((k) => k.rule)).toEqual(['external_id', 'domain', 'company_name']);
    expect(mergeKeys(record, { ...all, enabled: false })).toEqual([]);
    expect(mergeKeys(record, rules({}))).toEqual([]);
    expect(mergeKeys(record, rules({ company_name: true }))).toEqual([{ rule: 'company_name', value: 'Acme' }]);
  });

  it('leaves out keys the record does not have, and free-mail websites', () => {
    const all = rules({ external_id: true, domain: true, company_name: true });
    expect(mergeKeys({ externalId: 'x', websiteUrl: 'https://gmail.com', company: '  ' }, all)).toEqual([
      { rule: 'external_id', value: 'x' },
    ]);
    expect(mergeKeys({ externalId: 'x' }, rules({ domain: true, company_name: true }))).toEqual([]);
  });

  it('never derives the domain from the email', () => {
    const withEmail = { externalId: 'x', websiteUrl: null, company: null, email: 'ceo@acme.com' };
    expect(mergeKeys(withEmail, rules({ domain: true }))).toEqual([]);
  });
});

describe('matchingRule', () => {
  const all = rules({ external_id: true, domain: true, company_name: true });
  const billing = { sourceId: 'ds_billing', externalId: 'b-1', websiteUrl: 'acme.com', company: 'Acme' };

  it('matches another source on the first rule by priority', () => {
    expect(matchingRule(billing, { ...billing, sourceId: 'ds_intercom' }, all)).toBe('external_id');
    expect(matchingRule(billing, { ...billing, sourceId: 'ds_intercom', externalId: '5f00' }, all)).toBe('domain');
    expect(
      matchingRule(billing, { sourceId: 'ds_intercom', externalId: '5f00', websiteUrl: null, company: 'Acme' }, all),
    ).toBe('company_name');
  });

  it('is case-sensitive, never matches within a source, and respects the enabled rules', () => {
    const intercom = {
      sourceId: 'ds_intercom',
      externalId: '5f00',
      websiteUrl: 'https://www.ACME.com',
      company: 'ACME',
    };
    expect(matchingRule(billing, intercom, all)).toBeNull();
    expect(matchingRule(billing, { ...billing }, all)).toBeNull();
    const sameDomain = { sourceId: 'ds_intercom', externalId: '5f00', websiteUrl: 'https://acme.com', company: 'Acme' };
    expect(matchingRule(billing, sameDomain, rules({ external_id: true }))).toBeNull();
    expect(matchingRule(billing, sameDomain, DEFAULT_MERGE_RULES)).toBe('domain');
    expect(matchingRule(billing, sameDomain, { ...all, enabled: false })).toBeNull();
  });

  it('does not match two records that both lack a key', () => {
    const a = { sourceId: 'a', externalId: 'x1', websiteUrl: 'https://gmail.com', company: '' };
    const b = { sourceId: 'b', externalId: 'x2', websiteUrl: 'https://gmail.com', company: '' };
    expect(matchingRule(a, b, all)).toBeNull();
  });
});

describe('primary record', () => {
  const intercomOld: RankedRecord = { id: 1, system: 'intercom' };
  const intercomNew: RankedRecord = { id: 5, system: 'intercom' };
  const billingOld: RankedRecord = { id: 3, system: 'custom' };
  const billingNew: RankedRecord = { id: 9, system: 'custom' };

  it('ranks a custom (billing) record over an Intercom one, then the oldest', () => {
    expect(comparePrimary(billingNew, intercomOld)).toBeLessThan(0);
    expect(comparePrimary(intercomOld, intercomNew)).toBeLessThan(0);
    expect(comparePrimary(billingOld, billingNew)).toBeLessThan(0);
    expect(bestRecord([intercomNew, intercomOld, billingNew, billingOld])).toBe(billingOld);
    expect(bestRecord([])).toBeNull();
  });

  it('is stable: the same set gives the same primary in any order', () => {
    const set = [intercomNew, billingNew, intercomOld, billingOld];
    for (let i = 0; i < set.length; i++) {
      const rotated = [...set.slice(i), ...set.slice(0, i)];
      expect(bestRecord(rotated)).toBe(billingOld);
      expect(bestRecord([...rotated].reverse())).toBe(billingOld);
    }
  });

  it('after a join: a billing joiner takes over an Intercom primary, an Intercom joiner does not', () => {
    expect(primaryAfterJoin(intercomOld, [billingNew])).toBe(billingNew);
    expect(primaryAfterJoin(billingNew, [intercomOld])).toBe(billingNew);
    expect(primaryAfterJoin(intercomNew, [intercomOld])).toBe(intercomOld);
    expect(primaryAfterJoin(null, [intercomNew, intercomOld])).toBe(intercomOld);
  });
});

describe('shared merge cases (also run through the SQL engine by test/integration/merge-cases.test.ts)', () => {
  it.each(MERGE_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(sortedCustomers(runCaseOnRules(c))).toEqual(sortedCustomers(c.customers));
  });
});
