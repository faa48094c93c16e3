import {
  integerOrNull,
  isoTimestamp,
  MAX_ATTRIBUTE_TEXT,
  SAFE_INTEGER,
  storableText,
  type ValueChanges,
} from './storable-values';

/**
 * Intercom data attribute types → stored values. Intercom sends dates of custom attributes as unix seconds;
 * the CRM keeps ISO timestamps. A value that does not fit its declared type is dropped rather than guessed,
 * and every value is made storable (src/domain/storable-values.ts).
 */
export type AttributeValue = string | number | boolean | null;

export function typeAttributeValue(
  value: unknown,
  dataType: string,
  field = 'value',
  changes?: ValueChanges,
): AttributeValue | undefined {
  if (value === null || value === undefined) return null;
  switch (dataType) {
    case 'string':
      return storableText(typeof value === 'string' ? value : String(value), MAX_ATTRIBUTE_TEXT, field, changes);
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) return undefined;
      return integerOrNull(n, SAFE_INTEGER, field, changes) ?? undefined;
    }
    case 'float': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 1) return true;
      if (value === 'false' || value === 0) return false;
      return undefined;
    case 'date': {
      // An out-of-range date is noted by isoTimestamp; an unreadable one is a wrong-typed value.
      return isoTimestamp(value, field, changes) ?? undefined;
    }
    default:
      if (typeof value === 'string') return storableText(value, MAX_ATTRIBUTE_TEXT, field, changes);
      if (typeof value === 'object') return storableText(JSON.stringify(value), MAX_ATTRIBUTE_TEXT, field, changes);
      return value as AttributeValue;
  }
}

/** Intercom mixes unix seconds, unix milliseconds and ISO strings; all become ISO 8601 (UTC), null if unusable. */
export function toIsoTimestamp(value: unknown): string | null {
  return isoTimestamp(value);
}

/** Keeps only the selected attributes, each typed by its catalogue data type; a dropped value is noted. */
export function selectCustomAttributes(
  raw: unknown,
  selected: readonly string[],
  dataTypes: ReadonlyMap<string, string>,
  changes?: ValueChanges,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  const values = raw as Record<string, unknown>;
  for (const name of selected) {
    if (!Object.hasOwn(values, name)) continue;
    const field = `custom.${name}`;
    const noted = changes?.size ?? 0;
    const typed = typeAttributeValue(values[name], dataTypes.get(name) ?? 'string', field, changes);
    if (typed !== undefined) out[name] = typed;
    else if ((changes?.size ?? 0) === noted) changes?.note(field, 'wrong type, dropped'); // not already explained
  }
  return out;
}
