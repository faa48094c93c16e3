/**
 * Intercom's notifications carry objects in a different shape than its REST API: every `*_at` inside `data.item`
 * is an ISO-8601 string with milliseconds (`2026-01-10T04:39:55.465+00:00`) where REST has unix seconds, and unset
 * fields are explicit nulls (`plan: null`). An item is brought to the REST shape the mapping reads, truncating
 * timestamps to the second, so that what is stored compares with REST reads at the precision both have; the
 * milliseconds are kept apart to order the notifications among themselves.
 */
export interface WebhookObject {
  /** The object in REST shape (unix seconds). */
  object: Record<string, unknown> & { id: string };
  /** updated_at in ms when the notification had it (ISO-ms), else the seconds × 1000; null when absent. */
  updatedMs: number | null;
}

/** Milliseconds of an ISO string or of unix seconds/ms; null when it is neither. */
export function timestampMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e12 ? value : value * 1000;
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^\d+$/.test(value)) return timestampMs(Number(value));
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** The object of a notification in REST shape, or null when it has no id. */
export function fromWebhookItem(item: unknown): WebhookObject | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
  const raw = item as Record<string, unknown>;
  if (typeof raw.id !== 'string' || raw.id === '') return null;
  const object: Record<string, unknown> & { id: string } = { id: raw.id };
  for (const [key, value] of Object.entries(raw)) {
    if (value === null) continue; // Intercom's REST omits unset keys
    if (key.endsWith('_at') && typeof value === 'string') {
      const ms = timestampMs(value);
      if (ms !== null) object[key] = Math.floor(ms / 1000);
      continue;
    }
    object[key] = value;
  }
  return { object, updatedMs: timestampMs(raw.updated_at) };
}

/** Seconds of a millisecond timestamp: what REST would show for it. */
export const toSeconds = (ms: number): number => Math.floor(ms / 1000);
