/**
 * Named errors of the human steps (approvals, information requests, withdrawal, clearance waits). Each sets
 * `name`, so the HTTP error map and the state machine's Retry/Catch match them by name.
 *
 * Two kinds:
 * - errors a caller of a domain operation gets (`TaskAlreadyDecidedError`, `NotAllowedError`, ...);
 * - errors that end a wait in the workflow (`Application.Rejected`, `Application.Withdrawn`,
 *   `Approval.Expired`, `Clearance.Disputed`, `Clearance.WaitExpired`): a Lambda throws them, or a domain
 *   operation fails the waiting token with their name; WF's Catch turns them into the compensation.
 */

/** Error names the approval and clearance fragments fail with (WF's Catch handles them). */
export const WAIT_ERRORS = {
  rejected: 'Application.Rejected',
  withdrawn: 'Application.Withdrawn',
  expired: 'Approval.Expired',
  disputed: 'Clearance.Disputed',
  clearanceExpired: 'Clearance.WaitExpired',
  /** Internal to the approval fragment: the investor answered, the stage re-reads its clock at once. */
  resumed: 'Approval.Resumed',
} as const;

export type WaitErrorName = (typeof WAIT_ERRORS)[keyof typeof WAIT_ERRORS];

/** Ends a wait: thrown by a wait's Lambda, its `name` is the Step Functions error name. */
export class WaitEndedError extends Error {
  constructor(
    override readonly name: WaitErrorName,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `Application.Withdrawn` for a step that finds the application already withdrawn: its message is the
 * investor's own reason, as when the withdrawal fails the parked token, so the closed application records
 * the same reason whichever of the two racing paths ends the execution.
 */
export function withdrawnError(applicationId: string, app: object | undefined): WaitEndedError {
  const withdrawal = (app as { withdrawal?: { reason?: unknown } } | undefined)?.withdrawal;
  const reason = withdrawal?.reason;
  return new WaitEndedError(
    WAIT_ERRORS.withdrawn,
    typeof reason === 'string' && reason ? reason : `application ${applicationId} was withdrawn`,
  );
}

/** Another decision on this task won (or the task was withdrawn or expired first): nothing was changed. */
export class TaskAlreadyDecidedError extends Error {
  override readonly name = 'TaskAlreadyDecidedError';
  constructor(
    readonly taskId: string,
    readonly status: string | undefined,
  ) {
    super(`task ${taskId} is already ${status ?? 'closed'}: the decision was not recorded`);
  }
}

/** The caller's role or scope does not allow this operation on this task or application. */
export class NotAllowedError extends Error {
  override readonly name = 'NotAllowedError';
  constructor(
    readonly operation: string,
    readonly reason: string,
  ) {
    super(`${operation}: not allowed (${reason})`);
  }
}

/** The task is not in a state this operation applies to (e.g. answering a request nobody made). */
export class TaskStateError extends Error {
  override readonly name = 'TaskStateError';
  constructor(
    readonly taskId: string,
    readonly status: string,
    readonly expected: string,
  ) {
    super(`task ${taskId} is ${status}, not ${expected}`);
  }
}

/** The application is already closed (allocated, rejected, failed): it can no longer be withdrawn. */
export class ApplicationClosedError extends Error {
  override readonly name = 'ApplicationClosedError';
  constructor(
    readonly applicationId: string,
    readonly status: string,
  ) {
    super(`application ${applicationId} is ${status}: it can no longer be withdrawn`);
  }
}
