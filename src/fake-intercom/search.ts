import { HttpError, badRequest, parameterInvalid } from './errors';
import type { Json } from './render';
import type { FakeStore } from './store';
import { isVisible } from './store';
import { dayStart, nextDayStart } from './timezone';
import type { ContactRecord } from './types';

/**
 * POST /contacts/search: Intercom's query language, with its limits (2 levels of nesting, 15 filters per group),
 * per-type operator checks, day-granularity date matching, sorting and body-only cursor pagination.
 */

type FieldType = 'string' | 'integer' | 'float' | 'boolean' | 'date' | 'tag';
type Getter = (c: ContactRecord) => unknown;
interface Field {
  type: FieldType;
  get: Getter;
}
type Predicate = (c: ContactRecord) => boolean;

export const MAX_FILTERS_PER_GROUP = 15;
export const MAX_NESTING = 2;
export const MAX_PER_PAGE = 150;
const DEFAULT_PER_PAGE = 50;

const ALLOWED: Record<FieldType, string[]> = {
  string: ['=', '!=', 'IN', 'NIN', '~', '!~', '^', '$'],
  integer: ['=', '!=', 'IN', 'NIN', '<', '>', '<=', '>='],
  // `>=`/`<=` are documented as integer-only.
  float: ['=', '!=', 'IN', 'NIN', '<', '>'],
  boolean: ['=', '!=', 'IN', 'NIN'],
  date: ['=', '<', '>'],
  tag: ['=', '!='],
};
const ALL_OPERATORS = ['=', '!=', 'IN', 'NIN', '<', '>', '<=', '>=', '~', '!~', '^', '$'];

const STANDARD: Record<string, Field> = {};
const str = (name: string, get: Getter): void => void (STANDARD[name] = { type: 'string', get });
for (const key of [
  'id',
  'external_id',
  'role',
  'phone',
  'name',
  'language_override',
  'browser',
  'browser_version',
  'browser_language',
  'os',
] as const) {
  str(key, (c) => c[key]);
}
str('email', (c) => c.email);
str('email_domain', (c) => (c.email ? c.email.slice(c.email.indexOf('@') + 1) : null));
for (const key of ['country', 'region', 'city', 'country_code', 'continent_code'] as const) {
  str(`location.${key}`, (c) => c.location[key]);
}
STANDARD.owner_id = { type: 'integer', get: (c) => c.owner_id };
for (const key of ['has_hard_bounced', 'marked_email_as_spam', 'unsubscribed_from_emails'] as const) {
  STANDARD[key] = { type: 'boolean', get: (c) => c[key] };
}
for (const key of [
  'created_at',
  'updated_at',
  'signed_up_at',
  'last_seen_at',
  'last_replied_at',
  'last_contacted_at',
  'last_email_opened_at',
  'last_email_clicked_at',
] as const) {
  STANDARD[key] = { type: 'date', get: (c) => c[key] };
}
STANDARD.tag_id = { type: 'tag', get: (c) => c.tagIds };
// Seeded contacts are in no segment; the field is accepted as the 2.14 table documents it.
STANDARD.segment_id = { type: 'tag', get: () => [] };
// Fields of the 2.14 table the fake keeps no data for: always null (the mobile SDK fields, avatar).
for (const key of [
  'avatar',
  'ios_app_version',
  'ios_device',
  'ios_app_device',
  'ios_os_version',
  'ios_app_name',
  'ios_sdk_version',
  'android_app_version',
  'android_device',
  'android_app_name',
  'andoid_sdk_version',
  'android_sdk_version',
] as const) {
  str(key, () => null);
}
STANDARD.ios_last_seen_at = { type: 'date', get: () => null };
STANDARD.android_last_seen_at = { type: 'date', get: () => null };

export interface SearchContext {
  store: FakeStore;
  timezone: string;
  now: () => number;
  indexLagMs: number;
}

function resolveField(ctx: SearchContext, name: unknown): Field {
  if (typeof name !== 'string') throw parameterInvalid('field must be a string', 'field');
  const std = STANDARD[name];
  if (std) return std;
  if (name.startsWith('custom_attributes.')) {
    const attrName = name.slice('custom_attributes.'.length);
    const attr = ctx.store.attribute('contact', attrName);
    if (attr) return { type: attr.data_type, get: (c) => c.custom_attributes[attrName] ?? null };
  }
  throw parameterInvalid(`${name} is not a searchable field`, 'field');
}

/** Coerces a filter value to the field type; numbers may arrive as numeric strings (Intercom's own example). */
function coerce(type: FieldType, field: string, v: unknown): unknown {
  if (v === null) return null;
  switch (type) {
    case 'string':
    case 'tag':
      if (typeof v === 'string') return v;
      break;
    case 'integer':
    case 'date':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
      break;
    case 'float':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      break;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      break;
  }
  throw parameterInvalid(`Value ${JSON.stringify(v)} is not a valid ${type} for field ${field}`, field);
}

function compileFilter(ctx: SearchContext, node: Json): Predicate {
  const name = node.field as string;
  const field = resolveField(ctx, name);
  const op = node.operator;
  if (typeof op !== 'string' || !ALL_OPERATORS.includes(op)) {
    throw parameterInvalid(`Operator ${JSON.stringify(op)} is not supported`, name);
  }
  if (!ALLOWED[field.type].includes(op)) {
    throw parameterInvalid(
      `Operator ${op} is not supported for ${field.type === 'tag' ? 'tag_id' : `${field.type} field`} ${name}; allowed: ${ALLOWED[field.type].join(' ')}`,
      name,
    );
  }
  const get = field.get;
  if (op === 'IN' || op === 'NIN') {
    if (!Array.isArray(node.value)) throw parameterInvalid(`${op} requires an array value`, name);
    const set = new Set(node.value.map((v: unknown) => norm(coerce(field.type, name, v), name)));
    return op === 'IN' ? (c) => set.has(norm(get(c), name)) : (c) => !set.has(norm(get(c), name));
  }
  if (Array.isArray(node.value)) throw parameterInvalid(`${op} does not take an array value`, name);
  const value = coerce(field.type, name, node.value);
  if (value === null && op !== '=' && op !== '!=') throw parameterInvalid(`${op} requires a value`, name);

  if (value === null) {
    // `= null` / `!= null` test whether the attribute is set at all.
    return op === '=' ? (c) => isUnset(get(c)) : (c) => !isUnset(get(c));
  }
  if (field.type === 'tag') {
    const has: Predicate = (c) => (get(c) as string[]).includes(value as string);
    return op === '=' ? has : (c) => !has(c);
  }
  if (field.type === 'date') {
    // Day-indexed: = is the whole local day, > starts at the next midnight, < ends at that day's midnight.
    const sec = value as number;
    const from = dayStart(sec, ctx.timezone);
    const to = nextDayStart(sec, ctx.timezone);
    const num = (c: ContactRecord): number | null => get(c) as number | null;
    if (op === '=') return (c) => inRange(num(c), from, to);
    if (op === '>') return (c) => inRange(num(c), to, Infinity);
    return (c) => inRange(num(c), -Infinity, from);
  }
  switch (op) {
    case '=':
      return (c) => norm(get(c), name) === norm(value, name);
    case '!=':
      return (c) => norm(get(c), name) !== norm(value, name);
    case '>':
      return (c) => typeof get(c) === 'number' && (get(c) as number) > (value as number);
    case '<':
      return (c) => typeof get(c) === 'number' && (get(c) as number) < (value as number);
    case '>=':
      return (c) => typeof get(c) === 'number' && (get(c) as number) >= (value as number);
    case '<=':
      return (c) => typeof get(c) === 'number' && (get(c) as number) <= (value as number);
  }
  // Only email compares case-insensitively; every other string is matched as written.
  const needle = norm(value, name) as string;
  const hay = (c: ContactRecord): string | null => {
    const v = norm(get(c), name);
    return typeof v === 'string' ? v : null;
  };
  switch (op) {
    case '~':
      return (c) => hay(c)?.includes(needle) ?? false;
    case '!~':
      return (c) => !(hay(c)?.includes(needle) ?? false);
    case '^':
      return (c) => hay(c)?.startsWith(needle) ?? false;
    default:
      return (c) => hay(c)?.endsWith(needle) ?? false;
  }
}

function inRange(v: number | null, from: number, to: number): boolean {
  return v !== null && v >= from && v < to;
}

function isUnset(v: unknown): boolean {
  return v === null || v === undefined || (Array.isArray(v) && v.length === 0);
}

/** Emails compare case-insensitively in Intercom (they are stored lower-cased); other strings exactly. */
function norm(v: unknown, field: string): unknown {
  if (typeof v === 'string') return field === 'email' ? v.toLowerCase() : v;
  return v ?? null;
}

function compile(ctx: SearchContext, node: unknown, depth: number): Predicate {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw parameterInvalid('query must be an object', 'query');
  }
  const q = node as Json;
  if ('field' in q) return compileFilter(ctx, q);
  if (q.operator !== 'AND' && q.operator !== 'OR') {
    throw parameterInvalid('A query needs either a field or an operator of AND/OR', 'query');
  }
  if (depth > MAX_NESTING) {
    throw badRequest(`Query nesting is too deep: at most ${MAX_NESTING} levels of AND/OR are allowed`, 'query');
  }
  if (!Array.isArray(q.value) || q.value.length === 0) {
    throw parameterInvalid(`${q.operator} requires a non-empty array of filters`, 'query');
  }
  if (q.value.length > MAX_FILTERS_PER_GROUP) {
    throw badRequest(
      `Too many filters: ${q.value.length} in one ${q.operator} group, at most ${MAX_FILTERS_PER_GROUP} are allowed`,
      'query',
    );
  }
  const parts = q.value.map((child: unknown) => compile(ctx, child, depth + 1));
  return q.operator === 'AND' ? (c) => parts.every((p) => p(c)) : (c) => parts.some((p) => p(c));
}

interface SortSpec {
  get: Getter;
  desc: boolean;
}

function parseSort(ctx: SearchContext, raw: unknown): SortSpec | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object') throw parameterInvalid('sort must be an object', 'sort');
  const s = raw as Json;
  const field = resolveField(ctx, s.field);
  const order = s.order ?? 'ascending';
  if (order !== 'ascending' && order !== 'descending') {
    throw parameterInvalid("sort.order must be 'ascending' or 'descending'", 'sort');
  }
  return { get: field.get, desc: order === 'descending' };
}

type SortKey = string | number | boolean | null;

function sortKey(sort: SortSpec | undefined, c: ContactRecord): SortKey {
  if (!sort) return null;
  const v = sort.get(c);
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
}

/** Total order: by key (nulls last in either direction), then seq ascending as the tie-breaker. */
function compare(sort: SortSpec | undefined, ak: SortKey, aSeq: number, bk: SortKey, bSeq: number): number {
  if (sort && ak !== bk) {
    if (ak === null) return 1;
    if (bk === null) return -1;
    const r = ak < bk ? -1 : 1;
    return sort.desc ? -r : r;
  }
  return aSeq - bSeq;
}

interface Cursor {
  page: number;
  key: SortKey;
  seq: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.page, c.key, c.seq])).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const [page, key, seq] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [number, SortKey, number];
    if (typeof page !== 'number' || typeof seq !== 'number') throw new Error('shape');
    return { page, key, seq };
  } catch {
    throw parameterInvalid('starting_after is not a valid cursor', 'starting_after');
  }
}

type Matches = { c: ContactRecord; k: SortKey }[];

/**
 * Results the recent queries matched, so paging through 100k matches is not a scan and a sort per page. Several
 * are kept because a backfill pages through its `created_at` partitions side by side (8 queries interleaved).
 */
const CACHED_QUERIES = 16;

export class ContactSearch {
  private readonly cache = new Map<string, Matches>();

  constructor(private readonly ctx: SearchContext) {}

  search(body: Json): Json {
    const ctx = this.ctx;
    if (body.query === undefined) throw new HttpError(400, 'parameter_not_found', 'query is required', 'query');
    const predicate = compile(ctx, body.query, 1);
    const sort = parseSort(ctx, body.sort);
    const pagination = (body.pagination ?? {}) as Json;
    const perPage = pagination.per_page === undefined ? DEFAULT_PER_PAGE : pagination.per_page;
    if (typeof perPage !== 'number' || !Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      throw badRequest(`per_page must be an integer between 1 and ${MAX_PER_PAGE}`, 'per_page');
    }
    const after =
      typeof pagination.starting_after === 'string' && pagination.starting_after !== ''
        ? decodeCursor(pagination.starting_after)
        : undefined;

    const items = this.matches(body, predicate, sort);
    let start = 0;
    if (after) {
      // Binary search for the first item after the cursor position (search_after semantics: robust to changes).
      let lo = 0;
      let hi = items.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(sort, items[mid].k, items[mid].c.seq, after.key, after.seq) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const page = after ? after.page + 1 : 1;
    const slice = items.slice(start, start + perPage);
    const pages: Json = { type: 'pages', page, per_page: perPage, total_pages: Math.ceil(items.length / perPage) };
    if (start + perPage < items.length && slice.length > 0) {
      const last = slice[slice.length - 1];
      pages.next = { page: page + 1, starting_after: encodeCursor({ page, key: last.k, seq: last.c.seq }) };
    }
    return {
      type: 'list',
      data: slice.map((i) => ctx.store.contactJson(i.c, true)),
      total_count: items.length,
      pages,
    };
  }

  private matches(body: Json, predicate: Predicate, sort: SortSpec | undefined): Matches {
    const ctx = this.ctx;
    // Contacts created via the API within the lag window are not indexed yet.
    const cutoff = ctx.now() - ctx.indexLagMs;
    const slots = ctx.store.contactSlots();
    const hidden: number[] = [];
    if (ctx.indexLagMs > 0) {
      for (let i = slots.length - 1; i >= 0 && slots[i].createdAtMs > 0; i--) {
        if (slots[i].createdAtMs > cutoff) hidden.push(i);
      }
    }
    const key = JSON.stringify([body.query, body.sort ?? null, ctx.store.version, hidden]);
    const cached = this.cache.get(key);
    if (cached) {
      // Most recently used last: Map keeps insertion order, so the first key is the one to evict.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const hiddenSet = new Set(hidden);
    const items: Matches = [];
    for (const c of slots) {
      if (isVisible(c) && !hiddenSet.has(c.seq) && predicate(c)) items.push({ c, k: sortKey(sort, c) });
    }
    if (sort) items.sort((a, b) => compare(sort, a.k, a.c.seq, b.k, b.c.seq));
    this.cache.set(key, items);
    if (this.cache.size > CACHED_QUERIES) this.cache.delete(this.cache.keys().next().value as string);
    return items;
  }
}
