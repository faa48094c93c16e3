import { CancelledFailure } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/activity';
import { failure, FailureType } from '../failures';
import { IntercomAuthError, IntercomHttpError } from '../intercom/errors';
import { activityContext } from './heartbeat';

/**
 * How many attempts a deterministic failure gets before it stops being retried and the workflow is told (it then
 * shows the reason as the source's last_error and tries again later). Transient failures retry without limit.
 */
export const DETERMINISTIC_ATTEMPTS = 5;

/** PostgreSQL SQLSTATEs that a retry fixes: connection lost, server restarting, deadlock, serialization, resources. */
const TRANSIENT_PG = /^(08|53|57P0|40001|40P01|55P03|58)/;
/** Node's network errors (a refused or reset connection, DNS, a timeout). */
const TRANSIENT_NET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
/** node-postgres and TypeORM say "the connection went away" only in words. */
const TRANSIENT_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|terminating connection|Driver not Connected/i;

/** Whether a failure is one a retry can fix (network, Intercom 5xx/429, PostgreSQL going away, deadlock). */
export function isTransient(err: unknown): boolean {
  if (err instanceof IntercomHttpError) return err.retryable;
  const e = err as { code?: unknown; driverError?: { code?: unknown }; cause?: unknown; message?: unknown };
  const code = e?.driverError?.code ?? e?.code;
  if (typeof code === 'string' && (TRANSIENT_PG.test(code) || TRANSIENT_NET.has(code))) return true;
  if (typeof e?.message === 'string' && TRANSIENT_MESSAGE.test(e.message)) return true;
  if (err instanceof TypeError && e.message === 'fetch failed') return true;
  return e?.cause !== undefined && e.cause !== err && isTransient(e.cause);
}

/**
 * What an activity's error becomes for Temporal, the one place that decides it:
 * - a cancellation (a delete) stays a cancellation;
 * - failures of the vocabulary pass unchanged;
 * - a rejected token becomes TokenRejected (the workflow asks for a new one), carrying the last heartbeated cursor;
 * - transient failures are retried by Temporal with backoff, without limit;
 * - anything else is deterministic: retried DETERMINISTIC_ATTEMPTS times (it may have been transient after all),
 *   then Stalled with its reason and cursor, so the workflow can show it and the source keeps serving the rest.
 */
export function toActivityFailure(err: unknown): unknown {
  const ctx = activityContext();
  if (ctx.signal?.aborted) return ctx.signal.reason instanceof CancelledFailure ? ctx.signal.reason : err;
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  const cursor = ctx.lastDetails();
  if (err instanceof IntercomAuthError) {
    return failure(
      FailureType.TokenRejected,
      'Intercom rejected the access token (revoked or invalid): connect the source again',
      cursor,
    );
  }
  if (isTransient(err) || ctx.attempt < DETERMINISTIC_ATTEMPTS) return err;
  const reason = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return failure(
    FailureType.Stalled,
    `Failed ${ctx.attempt} times with the same error: ${reason.slice(0, 500)}. It is retried by itself every few ` +
      'minutes; re-sync or connect the source again to retry now.',
    cursor,
  );
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** Wraps every activity so its errors go through toActivityFailure (once, instead of a try/catch in each). */
export function withFailureVocabulary<T extends Record<string, AnyActivity>>(activities: T): T {
  const wrapped: Record<string, AnyActivity> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw toActivityFailure(err);
      }
    };
  }
  return wrapped as T;
}
