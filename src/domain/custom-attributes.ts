/**
 * Intercom data attribute types → stored values. Intercom sends dates of custom attributes as unix seconds;
 * the CRM keeps ISO timestamps. A value that does not fit its declared type is dropped rather than guessed.
 */
export type AttributeValue = string | number | boolean | null;

export function typeAttributeValue(value: unknown, dataType: string): AttributeValue | undefined {
  if (value === null || value === undefined) return null;
  switch (dataType) {
    case 'string':
      return typeof value === 'string' ? value : String(value);
    case 'integer': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? Math.trunc(n) : undefined;
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
    case 'date':
      return toIsoTimestamp(value) ?? undefined;
    default:
      return typeof value === 'object' ? JSON.stringify(value) : (value as AttributeValue);
  }
}

/** Intercom mixes unix seconds, unix milliseconds and ISO strings; all become ISO 8601 (UTC). */
export function toIsoTimestamp(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value > 1e12 ? value : value * 1000;
    return new Date(ms).toISOString();
  }
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^\d+$/.test(value)) return toIsoTimestamp(Number(value));
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return null;
}

/** Keeps only the selected attributes, each typed by its catalogue data type. */
export function selectCustomAttributes(
  raw: Record<string, unknown> | undefined,
  selected: readonly string[],
  dataTypes: ReadonlyMap<string, string>,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  if (!raw) return out;
  for (const name of selected) {
    if (!(name in raw)) continue;
    const typed = typeAttributeValue(raw[name], dataTypes.get(name) ?? 'string');
    if (typed !== undefined) out[name] = typed;
  }
  return out;
}
