/**
 * Makes Intercom's values storable in PostgreSQL while keeping their meaning where possible. Intercom accepts
 * from its end users what PostgreSQL refuses (NUL characters, lone UTF-16 surrogates, a `size` above 2^31, a date
 * in year 30000, megabytes of text), and one such value must never fail a whole page. What cannot be kept is
 * dropped (null) rather than guessed; every change is noted so the source can say how many records were changed.
 */

/** Longest text kept in a record's or contact's own columns (some are indexed: a btree entry holds ~2.7 kB). */
export const MAX_COLUMN_TEXT = 800;
/** Longest text kept in a custom attribute value. */
export const MAX_ATTRIBUTE_TEXT = 10_000;
/** Appended to a truncated string, within its limit. */
export const TRUNCATION_MARKER = '…[truncated]';

/** PostgreSQL's `integer` columns. */
export const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 } as const;
/** `bigint` columns and integer attributes: the integers JSON and JavaScript carry exactly. */
export const SAFE_INTEGER = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } as const;

/** The dates kept: years 1 to 9999, what ISO 8601 writes with four digits and PostgreSQL reads back. */
const MIN_DATE_MS = -62_135_596_800_000; // 0001-01-01T00:00:00Z (Date.UTC maps years below 100 to 19xx)
const MAX_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export type ValueChange =
  | 'NUL removed'
  | 'lone surrogate removed'
  | 'truncated'
  | 'number out of range, dropped'
  | 'date out of range, dropped'
  | 'wrong type, dropped'
  | 'unreadable, dropped';

/** The changes made to one record's values, as "field: change" notes (one per field and change). */
export class ValueChanges {
  private readonly notes = new Set<string>();

  note(field: string, change: ValueChange): void {
    this.notes.add(`${field}: ${change}`);
  }

  get size(): number {
    return this.notes.size;
  }

  list(): string[] {
    return [...this.notes];
  }
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes NUL and lone surrogates and truncates (with a marker, never inside a surrogate pair). */
export function storableText(value: string, max: number, field: string, changes?: ValueChanges): string {
  let out = value;
  if (out.includes('\u0000')) {
    out = out.replaceAll('\u0000', '');
    changes?.note(field, 'NUL removed');
  }
  if (LONE_SURROGATE.test(out)) {
    LONE_SURROGATE.lastIndex = 0;
    out = out.replace(LONE_SURROGATE, '');
    changes?.note(field, 'lone surrogate removed');
  }
  LONE_SURROGATE.lastIndex = 0;
  if (out.length > max) {
    let cut = Math.max(0, max - TRUNCATION_MARKER.length);
    if (cut > 0 && /[\uD800-\uDBFF]/.test(out[cut - 1]!)) cut--; // keep a pair whole
    out = out.slice(0, cut) + TRUNCATION_MARKER;
    changes?.note(field, 'truncated');
  }
  return out;
}

/** A non-empty string, made storable; anything else is null (a non-string is noted as the wrong type). */
export function textOrNull(
  value: unknown,
  field: string,
  changes?: ValueChanges,
  max = MAX_COLUMN_TEXT,
): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') {
    changes?.note(field, 'wrong type, dropped');
    return null;
  }
  const text = storableText(value, max, field, changes);
  return text === '' ? null : text;
}

/** A finite number truncated to an integer within `range`; null otherwise (an out-of-range one is noted). */
export function integerOrNull(
  value: unknown,
  range: { min: number; max: number },
  field: string,
  changes?: ValueChanges,
): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    changes?.note(field, 'wrong type, dropped');
    return null;
  }
  const n = Math.trunc(value);
  if (n < range.min || n > range.max) {
    changes?.note(field, 'number out of range, dropped');
    return null;
  }
  return n === 0 ? 0 : n; // no -0
}

/**
 * Intercom mixes unix seconds, unix milliseconds and ISO strings; all become ISO 8601 (UTC). A date outside
 * years 1–9999 (e.g. 9e15, which JavaScript cannot even represent) is null and noted; an unreadable one is null.
 */
export function isoTimestamp(value: unknown, field?: string, changes?: ValueChanges): string | null {
  let ms: number;
  if (typeof value === 'number' && Number.isFinite(value)) {
    ms = Math.abs(value) > 1e12 ? value : value * 1000;
  } else if (typeof value === 'string' && value.trim() !== '') {
    if (/^\d+$/.test(value.trim())) return isoTimestamp(Number(value), field, changes);
    ms = Date.parse(value);
    if (Number.isNaN(ms)) return null;
  } else {
    return null;
  }
  if (!(ms >= MIN_DATE_MS && ms <= MAX_DATE_MS)) {
    if (field) changes?.note(field, 'date out of range, dropped');
    return null;
  }
  return new Date(ms).toISOString();
}
