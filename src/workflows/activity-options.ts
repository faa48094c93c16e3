import { ActivityCancellationType, ApplicationFailure, type ActivityOptions } from '@temporalio/workflow';
import { ActivityFailure } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { FailureType } from './messages';

/** Failures no retry can fix: they go back to the workflow at once. */
export const NON_RETRYABLE = [FailureType.TokenRejected, FailureType.SourceGone, FailureType.UnknownAttribute];

/** Short bookkeeping activities (status, catalogue, selection). */
export const shortActivity: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/**
 * Long page-by-page import activities. They heartbeat after every committed page: a dead worker is noticed
 * within the heartbeat timeout and the retry resumes from the last heartbeated cursor. WAIT_CANCELLATION_COMPLETED
 * so a delete's purge never races a page still being written.
 */
export function importActivity(heartbeatTimeout: Duration): ActivityOptions {
  return {
    startToCloseTimeout: '24 hours',
    heartbeatTimeout,
    retry: { initialInterval: '1s', maximumInterval: '30s', nonRetryableErrorTypes: NON_RETRYABLE },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}

/** The ApplicationFailure behind an activity failure, if it is of one of the given types. */
export function applicationFailureOf(err: unknown, ...types: string[]): ApplicationFailure | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.type && types.includes(cause.type) ? cause : undefined;
}
