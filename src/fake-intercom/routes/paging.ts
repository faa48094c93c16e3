import { badRequest, parameterInvalid } from '../errors';

/** Shared query-string paging helpers. Intercom rejects per_page above 150 rather than clamping. */
export const MAX_PER_PAGE = 150;

export function intParam(raw: unknown, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) throw parameterInvalid(`${name} must be an integer`, name);
  const n = Number(raw);
  if (n < min || n > max) {
    throw badRequest(`${name} must be between ${min} and ${max}`, name);
  }
  return n;
}

export function perPageParam(raw: unknown, fallback: number): number {
  return intParam(raw, 'per_page', fallback, 1, MAX_PER_PAGE);
}

/** Opaque cursor: base64url JSON of [page, position]. */
export function encodeCursor(page: number, position: number | string): string {
  return Buffer.from(JSON.stringify([page, position])).toString('base64url');
}

export function decodeCursor(raw: unknown): { page: number; position: number | string } | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const [page, position] = JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof page === 'number' && (typeof position === 'number' || typeof position === 'string')) {
      return { page, position };
    }
  } catch {
    // fall through to the error below
  }
  throw parameterInvalid('starting_after is not a valid cursor', 'starting_after');
}
