/**
 * Named errors of the data layer. Each sets `name` so the HTTP error map and the state machine's
 * Retry/Catch can match them (`States.ErrorEquals: ["PlotUnavailableError"]`), and carries the facts a
 * caller needs to explain itself (the current holder, the current version, ...).
 */

import type { FieldIssue } from '#shared/errors.ts';

/**
 * Base class: every repository error is an instance of it. Each class names itself with a literal:
 * the Lambda bundles are minified, which renames classes, so `new.target.name` would not survive.
 */
export class RepositoryError extends Error {
  override readonly name: string = 'RepositoryError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A key part or a change was malformed (empty id, '#' in an id, a reserved attribute, ...): the caller's
 * mistake (a 400-class answer over HTTP), and nothing was written.
 */
export class InvalidRepositoryInputError extends RepositoryError {
  override readonly name: string = 'InvalidRepositoryInputError';
  /** The failing field in the shape of InputValidationError's, so an HTTP 400 lists it the same way. */
  readonly issues: FieldIssue[];
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
    this.issues = [{ path: field, rule, message: rule }];
  }
}

export class ZoneNotFoundError extends RepositoryError {
  override readonly name: string = 'ZoneNotFoundError';
  constructor(readonly zoneId: string) {
    super(`zone ${zoneId} does not exist`);
  }
}

export class PlotNotFoundError extends RepositoryError {
  override readonly name: string = 'PlotNotFoundError';
  constructor(readonly plotId: string) {
    super(`plot ${plotId} does not exist`);
  }
}

/** The plot cannot be held: it is held by another application, allocated, or otherwise not available. */
export class PlotUnavailableError extends RepositoryError {
  override readonly name: string = 'PlotUnavailableError';
  constructor(
    readonly plotId: string,
    readonly status: string | undefined,
    /** The application holding or allocated the plot, when one does. */
    readonly holderApplicationId: string | undefined,
  ) {
    super(
      `plot ${plotId} is not available (status ${status ?? 'unknown'}${
        holderApplicationId ? `, held by ${holderApplicationId}` : ''
      })`,
    );
  }
}

/** Allocation was asked for a plot this application does not hold. */
export class PlotNotHeldError extends RepositoryError {
  override readonly name: string = 'PlotNotHeldError';
  constructor(
    readonly plotId: string,
    readonly applicationId: string,
    readonly status: string | undefined,
    readonly holderApplicationId: string | undefined,
  ) {
    super(
      `plot ${plotId} is not held by application ${applicationId} (status ${status ?? 'unknown'}${
        holderApplicationId ? `, holder ${holderApplicationId}` : ''
      })`,
    );
  }
}

/** One application holds at most one plot at a time: release it before holding another. */
export class ApplicationHoldsAnotherPlotError extends RepositoryError {
  override readonly name: string = 'ApplicationHoldsAnotherPlotError';
  constructor(
    readonly applicationId: string,
    readonly heldPlotId: string | undefined,
    readonly allocatedPlotId: string | undefined,
  ) {
    super(
      allocatedPlotId
        ? `application ${applicationId} already has plot ${allocatedPlotId} allocated`
        : `application ${applicationId} already holds plot ${heldPlotId}`,
    );
  }
}

export class ApplicationNotFoundError extends RepositoryError {
  override readonly name: string = 'ApplicationNotFoundError';
  constructor(readonly applicationId: string) {
    super(`application ${applicationId} does not exist`);
  }
}

/**
 * An application with this id already exists with different content (a conflict: 409 over HTTP). A
 * retried create with the same content is not an error: it gets the stored application back.
 */
export class ApplicationExistsError extends RepositoryError {
  override readonly name: string = 'ApplicationExistsError';
  constructor(readonly applicationId: string) {
    super(`application ${applicationId} already exists with different content`);
  }
}

/** Optimistic concurrency: the application changed since the caller read it; nothing was written. */
export class StaleVersionError extends RepositoryError {
  override readonly name: string = 'StaleVersionError';
  constructor(
    readonly applicationId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | undefined,
  ) {
    super(
      `application ${applicationId} is at version ${actualVersion ?? 'unknown'}, not ${expectedVersion}: re-read and retry`,
    );
  }
}

/** The timeline is append-only: an event with this key already exists and was left untouched. */
export class TimelineEventExistsError extends RepositoryError {
  override readonly name: string = 'TimelineEventExistsError';
  constructor(
    readonly applicationId: string,
    readonly eventKey: string,
  ) {
    super(`timeline event ${eventKey} of application ${applicationId} already exists`);
  }
}

export class TaskNotFoundError extends RepositoryError {
  override readonly name: string = 'TaskNotFoundError';
  constructor(
    readonly applicationId: string,
    readonly taskId: string,
  ) {
    super(`task ${taskId} of application ${applicationId} does not exist`);
  }
}

/** A task's status moved since the caller read it (e.g. it was already decided). */
export class TaskStatusConflictError extends RepositoryError {
  override readonly name: string = 'TaskStatusConflictError';
  constructor(
    readonly taskId: string,
    readonly expectedStatus: string,
    readonly actualStatus: string | undefined,
  ) {
    super(`task ${taskId} is ${actualStatus ?? 'missing'}, not ${expectedStatus}`);
  }
}

/**
 * A task with this id already exists with different content (another role, due date, task token, ...).
 * A retried create with the same content is not an error: it gets the stored task back. It extends
 * TaskStatusConflictError ("expected absent, found existing"), which creating twice threw before.
 */
export class TaskExistsError extends TaskStatusConflictError {
  override readonly name: string = 'TaskExistsError';
  constructor(
    readonly applicationId: string,
    taskId: string,
  ) {
    super(taskId, 'absent', 'existing');
    this.message = `task ${taskId} of application ${applicationId} already exists with different content`;
  }
}

/** Concurrent transactions kept colliding on the same items after every retry: safe to retry later. */
export class TransactionContentionError extends RepositoryError {
  override readonly name: string = 'TransactionContentionError';
  constructor(
    readonly operation: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: still conflicting with concurrent transactions after ${attempts} attempts`, options);
  }
}

/** A ClientRequestToken was reused (within DynamoDB's 10 minutes) for a request that differs. */
export class IdempotencyKeyReusedError extends RepositoryError {
  override readonly name: string = 'IdempotencyKeyReusedError';
  constructor(
    readonly requestToken: string,
    options?: { cause?: unknown },
  ) {
    super(`request token ${requestToken} was already used for a different request`, options);
  }
}

/**
 * A page cursor that is not one this list handed out: malformed, altered, signed with another secret, or
 * from another list (another investor, inbox or timeline). A 400-class input error on the field
 * `cursor`; the rule says what is wrong without revealing the key layout. Nothing is queried.
 */
export class InvalidCursorError extends InvalidRepositoryInputError {
  override readonly name: string = 'InvalidCursorError';
  constructor(rule = 'must be a cursor returned by the previous page of this same list') {
    super('cursor', rule);
  }
}
