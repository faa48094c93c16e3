/**
 * Calendar-day boundaries in the workspace timezone. Intercom's contact search indexes dates by day, so `=`, `>`
 * and `<` on a date field compare against local midnights, not the exact second.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Throws RangeError for an unknown zone, which is what we want at startup. */
export function assertTimezone(tz: string): void {
  formatter(tz);
}

function localParts(tz: string, ms: number): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { y: parts.year, m: parts.month, d: parts.day, h: parts.hour, mi: parts.minute, s: parts.second };
}

/** Offset (local - UTC) in ms at the given instant. */
function offsetMs(tz: string, ms: number): number {
  const p = localParts(tz, ms);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - (ms - (((ms % 1000) + 1000) % 1000));
}

/** UTC seconds of local midnight starting the calendar day y-m-d (m is 1-based; overflowing d is normalised). */
function localMidnight(tz: string, y: number, m: number, d: number): number {
  const guess = Date.UTC(y, m - 1, d);
  let t = guess - offsetMs(tz, guess);
  // A DST change between the guess and the real midnight shifts the offset; one correction settles it.
  const corrected = guess - offsetMs(tz, t);
  if (corrected !== t) t = corrected;
  return Math.floor(t / 1000);
}

/** Start (inclusive) of the local day containing `sec`. */
export function dayStart(sec: number, tz: string): number {
  if (tz === 'UTC') return Math.floor(sec / 86400) * 86400;
  const p = localParts(tz, sec * 1000);
  return localMidnight(tz, p.y, p.m, p.d);
}

/** Start of the local day after the one containing `sec`. */
export function nextDayStart(sec: number, tz: string): number {
  if (tz === 'UTC') return Math.floor(sec / 86400) * 86400 + 86400;
  const p = localParts(tz, sec * 1000);
  return localMidnight(tz, p.y, p.m, p.d + 1);
}
