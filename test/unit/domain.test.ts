import { balancePartitions, dayOf, noonOf, partitionQuery, probeBuckets } from '../../src/domain/contact-partitions';
import { selectCustomAttributes, toIsoTimestamp, typeAttributeValue } from '../../src/domain/custom-attributes';
import {
  companyTagNames,
  companyToRecord,
  contactToFields,
  embeddedCompanyIds,
  needsTagNames,
  splitName,
} from '../../src/domain/intercom-mapping';
import { importSelectionSchema, unknownAttributes } from '../../src/domain/source';
import { classifyTopic } from '../../src/domain/webhook-topics';

describe('Intercom company → customer record', () => {
  const attributes = {
    names: ['seats', 'renewal'],
    dataTypes: new Map([
      ['seats', 'integer'],
      ['renewal', 'date'],
    ]),
  };

  it('uses the Intercom created_at as both the free-trial and the lead-created date, status New Lead', () => {
    const record = companyToRecord(
      { type: 'company', id: 'c1', name: 'Acme', created_at: 1700000000, updated_at: 1700000500, plan: {} },
      attributes,
    );
    expect(record.freeTrialStartedAt).toBe('2023-11-14T22:13:20.000Z');
    expect(record.leadCreatedAt).toBe(record.freeTrialStartedAt);
    expect(record.status).toBe('New Lead');
    expect(record.plan).toBeNull();
    expect(record.externalId).toBe('c1');
  });

  it('keeps only the selected custom attributes, typed', () => {
    const record = companyToRecord(
      { type: 'company', id: 'c2', custom_attributes: { seats: '12.7', renewal: 1700000000, secret: 'x' } },
      attributes,
    );
    expect(record.custom).toEqual({ seats: 12, renewal: '2023-11-14T22:13:20.000Z' });
  });
});

describe('attribute typing', () => {
  it.each([
    ['string', 42, '42'],
    ['integer', '7', 7],
    ['float', '2.5', 2.5],
    ['boolean', 'true', true],
    ['boolean', 0, false],
    ['date', 1700000000, '2023-11-14T22:13:20.000Z'],
    ['date', 1700000000000, '2023-11-14T22:13:20.000Z'],
  ])('%s %p → %p', (type, value, expected) => {
    expect(typeAttributeValue(value, type)).toEqual(expected);
  });

  it('drops a value that does not fit its type instead of guessing', () => {
    expect(typeAttributeValue('many', 'integer')).toBeUndefined();
    expect(selectCustomAttributes({ n: 'many' }, ['n'], new Map([['n', 'integer']]))).toEqual({});
    expect(toIsoTimestamp('not a date')).toBeNull();
  });
});

describe('contacts', () => {
  it('splits unicode names at the first space', () => {
    expect(splitName('Zoë Łukasz 東京')).toEqual({ firstName: 'Zoë', lastName: 'Łukasz 東京' });
    expect(splitName('  Madonna ')).toEqual({ firstName: 'Madonna', lastName: null });
    expect(splitName(null)).toEqual({ firstName: null, lastName: null });
  });

  it('knows when Intercom capped the embedded company list at 10', () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}` }));
    expect(embeddedCompanyIds({ type: 'contact', id: 'a', companies: { data: ten, has_more: true } }).complete).toBe(
      false,
    );
    expect(embeddedCompanyIds({ type: 'contact', id: 'a', companies: { data: ten, total_count: 12 } }).complete).toBe(
      false,
    );
    expect(embeddedCompanyIds({ type: 'contact', id: 'a', companies: { data: ten, total_count: 10 } }).complete).toBe(
      true,
    );
  });

  it('reads LinkedIn and Twitter from social profiles', () => {
    const fields = contactToFields(
      {
        type: 'contact',
        id: 'p',
        social_profiles: {
          data: [
            { name: 'LinkedIn', url: 'https://linkedin.com/in/p' },
            { name: 'Twitter', url: 'https://x.com/p' },
          ],
        },
      },
      { names: [], dataTypes: new Map() },
    );
    expect(fields).toMatchObject({ linkedIn: 'https://linkedin.com/in/p', twitter: 'https://x.com/p' });
  });
});

describe('contact partitions', () => {
  it('cover every day exactly once, open at both ends, whatever the counts', () => {
    const buckets = probeBuckets(19000, 19700, 32).map((b, i) => ({ ...b, count: i % 5 === 0 ? 1000 : 3 }));
    const parts = balancePartitions(buckets, 8);
    expect(parts.length).toBeLessThanOrEqual(8);
    expect(parts[0].fromDay).toBeNull();
    expect(parts[parts.length - 1].toDay).toBeNull();
    for (let i = 1; i < parts.length; i++) expect(parts[i].fromDay).toBe((parts[i - 1].toDay as number) + 1);
  });

  it('searches by day: > the noon of the day before, < the noon of the day after', () => {
    expect(partitionQuery({ fromDay: 10, toDay: 12 })).toEqual({
      operator: 'AND',
      value: [
        { field: 'created_at', operator: '>', value: noonOf(9) },
        { field: 'created_at', operator: '<', value: noonOf(13) },
      ],
    });
    expect(dayOf(noonOf(42))).toBe(42);
    expect(partitionQuery({ fromDay: null, toDay: null })).toEqual({ field: 'created_at', operator: '>', value: 0 });
  });
});

describe('selection and webhook topics', () => {
  it('rejects attributes that are not custom, live attributes of the catalogue', () => {
    const selection = importSelectionSchema.parse({
      custom_attributes: { company: ['seats', 'name', 'old'], contact: [] },
    });
    const catalogue = [
      { model: 'company' as const, name: 'seats', label: null, dataType: 'integer', custom: true, archived: false },
      { model: 'company' as const, name: 'name', label: null, dataType: 'string', custom: false, archived: false },
      { model: 'company' as const, name: 'old', label: null, dataType: 'string', custom: true, archived: true },
    ];
    expect(unknownAttributes(selection, catalogue)).toEqual(['company.name', 'company.old']);
    expect(() => importSelectionSchema.parse({ companies: 'yes' })).toThrow();
  });

  it.each([
    ['company.updated', 'company_upsert'],
    ['company.deleted', 'company_deleted'],
    ['company.contact.detached', 'company_contact_detached'],
    ['contact.lead.created', 'contact_upsert'],
    ['contact.user.updated', 'contact_upsert'],
    ['contact.archived', 'contact_deleted'],
    ['conversation.user.created', 'ignored'],
  ])('%s → %s', (topic, kind) => {
    expect(classifyTopic(topic).kind).toBe(kind);
  });
});

describe('Intercom company tags → attributes.tags', () => {
  const base = { type: 'company' as const, id: 'c1' };
  const names = new Map([
    ['1', 'vip'],
    ['2', 'beta'],
  ]);

  it('takes the names of a REST company, sorted and unique', () => {
    const company = {
      ...base,
      tags: {
        tags: [
          { id: '1', name: 'vip' },
          { id: '2', name: 'beta' },
          { id: '1', name: 'vip' },
        ],
      },
    };
    expect(companyTagNames(company)).toEqual(['beta', 'vip']);
    expect(needsTagNames(company)).toBe(false);
    expect(companyToRecord(company, { names: [], dataTypes: new Map() }).tags).toEqual(['beta', 'vip']);
  });

  it('names the tag_ids of a webhook item through GET /tags, leaving out ids without a name', () => {
    const item = { ...base, tag_ids: ['2', '1', '9'] };
    expect(needsTagNames(item)).toBe(true);
    expect(companyTagNames(item, names)).toEqual(['beta', 'vip']);
    expect(needsTagNames({ ...base, tag_ids: [] })).toBe(false);
    expect(companyTagNames({ ...base, tag_ids: [] })).toEqual([]);
    // An item that says nothing about tags keeps the stored ones.
    expect(companyTagNames({ ...base, tag_ids: null })).toBeUndefined();
    expect(companyTagNames(base)).toBeUndefined();
  });
});
