/**
 * ASL runtime errors raised by the expression layer, with AWS's exact cause texts.
 */
import { StatesError } from '#local/sfn/contracts.ts';

export { StatesError };

/** AWS prints compact JSON in causes. */
export function compactJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

export function runtimeError(cause: string): StatesError {
  return new StatesError('States.Runtime', cause);
}

export function intrinsicFailure(cause: string): StatesError {
  return new StatesError('States.IntrinsicFailure', cause);
}

export function queryEvaluationError(cause: string): StatesError {
  return new StatesError('States.QueryEvaluationError', cause);
}

/** "The JSONPath '$.x' specified for the field 'InputPath' could not be found in the input '{...}'" */
export function pathNotFound(path: string, field: string, input: unknown): StatesError {
  return runtimeError(
    `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${compactJson(input)}'`,
  );
}
