/**
 * ASL runtime errors raised by the expression layer, with AWS's exact cause texts.
 *
 * Causes built here are the *detail* AWS prints; when a state fails, AWS prefixes it with the state and
 * the id of its StateEntered event, which the interpreter adds with `inState`.
 */
import { StatesError } from '#local/sfn/contracts.ts';

export { StatesError };

/** AWS prints compact JSON in causes (`undefined` prints as `null`). */
export function compactJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

export function runtimeError(cause: string): StatesError {
  return new StatesError('States.Runtime', cause);
}

export function queryEvaluationError(cause: string): StatesError {
  return new StatesError('States.QueryEvaluationError', cause);
}

/**
 * "An error occurred while executing the state 'S' (entered at the event id #2). <cause>" — the form of
 * every States.Runtime / States.QueryEvaluationError cause AWS reports for a failing state.
 */
export function inState(error: StatesError, stateName: string, enteredEventId: number): StatesError {
  return new StatesError(
    error.error,
    `An error occurred while executing the state '${stateName}' (entered at the event id #${enteredEventId}). ${error.cause ?? ''}`,
  );
}

/** Payload templates, CausePath, ErrorPath, ItemsPath...: a path with no value in the data it reads. */
export function pathNotFound(path: string, field: string, input: unknown): StatesError {
  return runtimeError(
    `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${compactJson(input)}'`,
  );
}

/** InputPath / OutputPath with no value: Jayway's message, e.g. "No results for path: $['a']". */
export function invalidPath(path: string, normalized: string): StatesError {
  return runtimeError(`Invalid path '${path}' : No results for path: ${normalized}`);
}

/** A JSONata expression that produced no value where one is required. */
export function jsonataReturnedNothing(expression: string, field: string): StatesError {
  return queryEvaluationError(
    `The JSONata expression '${expression}' specified for the field '${field}' returned nothing (undefined).`,
  );
}
