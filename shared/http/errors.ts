/**
 * The HTTP layer's own named errors, and the one map from every named error (HTTP, domain, repository)
 * to its status. A handler throws; `httpHandler` turns what it threw into a problem response here and
 * nowhere else. An error whose name is not in the map is a bug: 500, with no internals in the body.
 */
import type { FieldIssue } from '../errors.ts';

// Each class names itself with a literal: the Lambda bundles are minified, so `new.target.name` or
// `constructor.name` would be a mangled identifier there and the error map would not find it.

/** No valid access token (missing, expired, wrong issuer or audience, an ID token instead). */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** The caller is known but their role or scope does not allow this route. */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

/** The object does not exist, or exists but the caller may not see that it does. */
export class ResourceNotFoundError extends Error {
  override readonly name = 'ResourceNotFoundError';
}

/** The body is over the API's limit (64 KiB). */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly limitBytes: number,
    readonly actualBytes: number,
  ) {
    super(`the body is ${actualBytes} bytes; the limit is ${limitBytes} bytes`);
  }
}

/** The body is not `application/json`. */
export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}

/**
 * Status of each named error. Domain errors are matched by `name`, so the workflow's errors
 * (`TaskAlreadyDecidedError`, ...) join with one line each and this module imports none of them.
 */
export const ERROR_STATUS: Readonly<Record<string, number>> = {
  // input
  InputValidationError: 400,
  InvalidRepositoryInputError: 400,
  InvalidCursorError: 400,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415,
  // who is asking
  UnauthorizedError: 401,
  ForbiddenError: 403,
  NotAllowedError: 403,
  // what they ask for
  ResourceNotFoundError: 404,
  ZoneNotFoundError: 404,
  PlotNotFoundError: 404,
  ApplicationNotFoundError: 404,
  TaskNotFoundError: 404,
  // conflicts with the current state
  ApplicationExistsError: 409,
  StaleVersionError: 409,
  TaskStatusConflictError: 409,
  TaskAlreadyDecidedError: 409,
  TaskExistsError: 409,
  TaskStateError: 409,
  ApplicationClosedError: 409,
  PlotUnavailableError: 409,
  PlotNotHeldError: 409,
  ApplicationHoldsAnotherPlotError: 409,
  TimelineEventExistsError: 409,
  IdempotencyKeyReusedError: 422,
  IdempotencyKeyConflictError: 422,
  // try again later
  TransactionContentionError: 503,
};

/** What a thrown error becomes: its status, a detail safe to show, and the failing fields of a 400. */
export function classifyError(error: unknown): { status: number; detail: string; errors?: FieldIssue[] } {
  if (error instanceof Error) {
    const status = ERROR_STATUS[error.name];
    if (status !== undefined) {
      const issues = (error as { issues?: FieldIssue[] }).issues;
      return { status, detail: error.message, ...(Array.isArray(issues) ? { errors: issues } : {}) };
    }
  }
  return { status: 500, detail: 'An unexpected error occurred; it has been logged.' };
}
