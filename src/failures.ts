import { ApplicationFailure } from '@temporalio/common';

/**
 * The failure vocabulary: every business failure an activity or a workflow raises, all non-retryable (no retry can
 * fix them: they go back to the workflow, or to the API caller, at once), and the HTTP status each becomes when a
 * command is refused. Workflows, activities and the API import this module and nothing else for it; it is pure, so
 * the workflow sandbox can load it.
 */
export const FailureType = {
  /** A command that needs a connected source, before it is connected. */
  NotConnected: 'NotConnected',
  /** A command the source's state does not allow now (importing already, being deleted, …). */
  InvalidState: 'InvalidState',
  /** A selected custom attribute that Intercom does not have. */
  UnknownAttribute: 'UnknownAttribute',
  /** The selection could not be stored; nothing changed, the caller may try again. */
  SelectionNotSaved: 'SelectionNotSaved',
  /** Intercom rejected the token (revoked or invalid): the source needs a new one. */
  TokenRejected: 'TokenRejected',
  /** The token belongs to another Intercom workspace than the source's. */
  WorkspaceMismatch: 'WorkspaceMismatch',
  /** The source was deleted while the work ran. */
  SourceGone: 'SourceGone',
  /**
   * A deterministic failure (a bad record, a token that no key decrypts, a bug) that failed the same way a bounded
   * number of times: the workflow shows it as the source's last_error and tries again later by itself.
   */
  Stalled: 'Stalled',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Every failure type is a business failure: retrying the same call cannot change its answer. */
export const NON_RETRYABLE: FailureType[] = Object.values(FailureType);

/** The answer to a refused command; a Record over FailureType, so a new type cannot compile without its status. */
export const HTTP_STATUS: Record<FailureType, number> = {
  NotConnected: 409,
  InvalidState: 409,
  UnknownAttribute: 422,
  SelectionNotSaved: 503,
  TokenRejected: 409,
  WorkspaceMismatch: 409,
  SourceGone: 409,
  Stalled: 503,
};

export function isFailureType(type: unknown): type is FailureType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(HTTP_STATUS, type);
}

/** The ApplicationFailure behind an error (an activity's, or a child workflow's), if it is of one of `types`. */
export function failureOf(err: unknown, ...types: FailureType[]): ApplicationFailure | undefined {
  let cause: unknown = err;
  // An ActivityFailure or ChildWorkflowFailure wraps the failure that was raised.
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause !== undefined) {
    cause = cause.cause;
  }
  return cause instanceof ApplicationFailure && isFailureType(cause.type) && types.includes(cause.type)
    ? cause
    : undefined;
}

/** A failure of the vocabulary, non-retryable, optionally carrying where to resume (a cursor). */
export function failure(type: FailureType, message: string, resumeFrom?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: true,
    details: resumeFrom === undefined ? [] : [resumeFrom],
  });
}

/** A command the source workflow refused; the API answers HTTP_STATUS[type]. */
export class SourceCommandRejected extends Error {
  override name = 'SourceCommandRejected';
  constructor(
    readonly type: FailureType,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return HTTP_STATUS[this.type];
  }
}
