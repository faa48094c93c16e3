import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { NON_RETRYABLE } from '../failures';

/**
 * How long an import activity may go without a heartbeat before Temporal gives its work to another worker.
 * Longer than the longest single Intercom call (INTERCOM_CALL_TIMEOUT_MS, 60 s, in src/intercom/http.ts), and
 * every wait inside a call heartbeats every second besides, so a slow Intercom never times an attempt out and
 * never makes it start again from the same cursor. Only a dead worker goes this long without a heartbeat.
 */
export const DEFAULT_HEARTBEAT_TIMEOUT: Duration = '90 seconds';

/** Short bookkeeping activities (status, catalogue, selection). */
export const shortActivity: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/**
 * Long page-by-page import activities, and the live inbox. They heartbeat after every committed page and during
 * every wait: a dead worker is noticed within the heartbeat timeout and the retry resumes from the last heartbeated
 * cursor, and a delete's cancellation reaches them within seconds. WAIT_CANCELLATION_COMPLETED so a delete's purge
 * never races a page still being written.
 */
export function importActivity(heartbeatTimeout: Duration = DEFAULT_HEARTBEAT_TIMEOUT): ActivityOptions {
  return {
    startToCloseTimeout: '24 hours',
    heartbeatTimeout,
    retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}
