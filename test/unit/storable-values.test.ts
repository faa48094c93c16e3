import { selectCustomAttributes, toIsoTimestamp, typeAttributeValue } from '../../src/domain/custom-attributes';
import { companyToRecord, contactToFields, embeddedCompanyIds } from '../../src/domain/intercom-mapping';
import { importSelectionSchema, MAX_SELECTED_ATTRIBUTES } from '../../src/domain/source';
import {
  INT32,
  integerOrNull,
  isoTimestamp,
  MAX_ATTRIBUTE_TEXT,
  MAX_COLUMN_TEXT,
  storableText,
  TRUNCATION_MARKER,
  ValueChanges,
} from '../../src/domain/storable-values';
import type { IntercomCompany, IntercomContact } from '../../src/domain/intercom-types';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('storable text', () => {
  it('removes NUL and lone surrogates, keeps real pairs, and notes each change', () => {
    const changes = new ValueChanges();
    expect(storableText('Ac\u0000me \uD83D\uDE00 \uD800x\uDC00', 100, 'name', changes)).toBe('Acme \uD83D\uDE00 x');
    expect(changes.list()).toEqual(['name: NUL removed', 'name: lone surrogate removed']);
  });

  it('truncates long text with a marker, within the limit and never inside a surrogate pair', () => {
    const changes = new ValueChanges();
    const out = storableText('x'.repeat(100_000), MAX_COLUMN_TEXT, 'name', changes);
    expect(out).toHaveLength(MAX_COLUMN_TEXT);
    expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(changes.list()).toEqual(['name: truncated']);
    const emoji = '\uD83D\uDE00'.repeat(1000);
    const cut = storableText(emoji, 101, 'name');
    expect(LONE_SURROGATE.test(cut)).toBe(false);
    expect(cut.length).toBeLessThanOrEqual(101);
  });

  it('leaves ordinary text alone and notes nothing', () => {
    const changes = new ValueChanges();
    expect(storableText('Zoë Łukasz 東京', 100, 'name', changes)).toBe('Zoë Łukasz 東京');
    expect(changes.size).toBe(0);
  });
});

describe('storable numbers and dates', () => {
  it('drops integers outside the column range', () => {
    const changes = new ValueChanges();
    expect(integerOrNull(2 ** 31, INT32, 'size', changes)).toBeNull();
    expect(integerOrNull(2 ** 31 - 1, INT32, 'size', changes)).toBe(2 ** 31 - 1);
    expect(integerOrNull(-7.9, INT32, 'size', changes)).toBe(-7);
    expect(changes.list()).toEqual(['size: number out of range, dropped']);
  });

  it.each([9e15, 253402300800, '+275760-09-13T00:00:00Z', -62135596801])(
    'drops the date %p (outside years 1–9999)',
    (v) => {
      const changes = new ValueChanges();
      expect(isoTimestamp(v, 'created_at', changes)).toBeNull();
      expect(changes.list()).toEqual(['created_at: date out of range, dropped']);
    },
  );

  it('keeps the edges of the range and never throws', () => {
    expect(isoTimestamp(253402300799)).toBe('9999-12-31T23:59:59.000Z');
    expect(isoTimestamp('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(toIsoTimestamp(9e15)).toBeNull();
    expect(toIsoTimestamp(Number.MAX_VALUE)).toBeNull();
  });
});

describe('mapping poison values', () => {
  const attributes = {
    names: ['renewal', 'seats', 'notes', 'big'],
    dataTypes: new Map([
      ['renewal', 'date'],
      ['seats', 'integer'],
      ['notes', 'string'],
      ['big', 'integer'],
    ]),
  };

  it('makes every value of a company storable and lists what changed', () => {
    const record = companyToRecord(
      {
        type: 'company',
        id: 'c1',
        name: 'Acme\u0000 Inc',
        size: 2 ** 31,
        monthly_spend: 1e300,
        website: 'https://acme.example\uD800',
        created_at: 9e15,
        updated_at: 1700000000,
        plan: 'not an object' as never,
        custom_attributes: { renewal: 9e15, seats: 'many', notes: 'n'.repeat(100_000), big: 2 ** 60 },
      } as IntercomCompany,
      attributes,
    );
    expect(record).toMatchObject({
      name: 'Acme Inc',
      company: 'Acme Inc',
      size: null,
      monthlySpend: null,
      websiteUrl: 'https://acme.example',
      leadCreatedAt: null,
      plan: null,
      sourceUpdatedAt: '2023-11-14T22:13:20.000Z',
    });
    expect(record.custom.renewal).toBeUndefined();
    expect(record.custom.seats).toBeUndefined();
    expect(record.custom.big).toBeUndefined();
    expect(record.custom.notes).toHaveLength(MAX_ATTRIBUTE_TEXT);
    expect(record.sanitized?.sort()).toEqual(
      [
        'created_at: date out of range, dropped',
        'custom.big: number out of range, dropped',
        'custom.notes: truncated',
        'custom.renewal: date out of range, dropped',
        'custom.seats: wrong type, dropped',
        'monthly_spend: number out of range, dropped',
        'name: NUL removed',
        'size: number out of range, dropped',
        'website: lone surrogate removed',
      ].sort(),
    );
  });

  it('reads a contact of the wrong shape without throwing', () => {
    const contact = {
      type: 'contact',
      id: 'k1',
      name: 42,
      email: 'a\u0000@example.com',
      social_profiles: { data: 'nope' },
      companies: { data: 'nope' },
      custom_attributes: ['not', 'an', 'object'],
    } as unknown as IntercomContact;
    const fields = contactToFields(contact, attributes);
    expect(fields).toMatchObject({ firstName: null, email: 'a@example.com', linkedIn: null, custom: {} });
    expect(fields.sanitized).toEqual(['name: wrong type, dropped', 'email: NUL removed']);
    expect(embeddedCompanyIds(contact)).toEqual({ ids: [], complete: true });
  });

  it('an ordinary record has nothing to note', () => {
    const record = companyToRecord({ type: 'company', id: 'c2', name: 'Fine', size: 12 }, attributes);
    expect(record.sanitized).toEqual([]);
  });

  it('keeps the typing of attributes as it was', () => {
    expect(typeAttributeValue('12.7', 'integer')).toBe(12);
    expect(selectCustomAttributes({ n: 'many' }, ['n'], new Map([['n', 'integer']]))).toEqual({});
  });
});

describe('import selection bounds', () => {
  it('refuses too many attributes, too long names and NUL', () => {
    const many = Array.from({ length: MAX_SELECTED_ATTRIBUTES + 1 }, (_, i) => `a${i}`);
    expect(importSelectionSchema.safeParse({ custom_attributes: { company: many } }).success).toBe(false);
    expect(importSelectionSchema.safeParse({ custom_attributes: { company: ['x'.repeat(256)] } }).success).toBe(false);
    expect(importSelectionSchema.safeParse({ custom_attributes: { contact: ['a\u0000b'] } }).success).toBe(false);
    expect(importSelectionSchema.safeParse({ custom_attributes: { contact: many.slice(1) } }).success).toBe(true);
  });
});
