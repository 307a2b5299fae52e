/**
 * What every state shares: input/output processing in both query languages, Assign, the error prefix AWS
 * puts on evaluation errors, and Retry/Catch.
 */
import { PAYLOAD_LIMIT_BYTES, StatesError } from '#local/sfn/contracts.ts';
import type { StateDef, StateOutcome, StepContext } from '../context.ts';
import { FrameAborted, isInterruption, persisted } from '../context.ts';
import { isJsonataTemplate, type JsonataBindings, resolveJsonataTemplate } from '../jsonata.ts';
import { writeResultPath } from '../jsonpath.ts';
import { applyInputOutputPath, resolvePathIn, resolvePayloadTemplate } from '../payload-template.ts';

/** Errors that already carry their final cause (task failures, Fail states, failed branches). */
const finalErrors = new WeakSet<StatesError>();

export function finalError(error: StatesError): StatesError {
  finalErrors.add(error);
  return error;
}

export function isFinalError(error: unknown): boolean {
  return error instanceof StatesError && finalErrors.has(error);
}

/** AWS's States.DataLimitExceeded when a state's input or output (JSON text) exceeds 256 KiB. */
export function checkPayloadSize(text: string, subject: string, what: 'a result' | 'an input'): void {
  if (text.length > PAYLOAD_LIMIT_BYTES / 4 && Buffer.byteLength(text, 'utf8') > PAYLOAD_LIMIT_BYTES) {
    throw finalError(
      new StatesError(
        'States.DataLimitExceeded',
        what === 'a result'
          ? `The state/task '${subject}' returned a result with a size exceeding the maximum number of bytes service limit.`
          : `The state/task '${subject}' received an input with a size exceeding the maximum number of bytes service limit.`,
      ),
    );
  }
}

/** Throws FrameAborted when the frame's signal has fired (StopExecution, a sibling branch failed). */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new FrameAborted(signal.reason);
}

/** The state to go to after this one: its `Next`, or null for an `End` state. */
export function nextOf(step: StepContext): string | null {
  return step.state.End === true ? null : ((step.state.Next as string | undefined) ?? null);
}

/** The error object Catch hands on: `{ Error, Cause }`, empty strings when the failure named none (as AWS). */
export function errorOutput(error: StatesError): Record<string, unknown> {
  return { Error: error.error ?? '', Cause: error.cause ?? '' };
}

// ---------------------------------------------------------------------------------------------------------
// JSONPath

export function pathScope(step: StepContext, input: unknown, context = step.contextObject()) {
  return { input, context, variables: step.variables, sources: step.sources };
}

export function jsonPathInput(step: StepContext, rawInput: unknown): unknown {
  return applyInputOutputPath(rawInput, step.state.InputPath as string | null | undefined, {
    context: step.contextObject(),
    variables: step.variables,
    sources: step.sources,
  });
}

export function jsonPathOutput(step: StepContext, value: unknown): unknown {
  return applyInputOutputPath(value, step.state.OutputPath as string | null | undefined, {
    context: step.contextObject(),
    variables: step.variables,
    sources: step.sources,
  });
}

export function payloadTemplate(
  step: StepContext,
  template: unknown,
  input: unknown,
  fieldName: string,
): unknown {
  return resolvePayloadTemplate(template, { ...pathScope(step, input), fieldName });
}

/** ResultSelector, then ResultPath over the raw input, then OutputPath. */
export function jsonPathResult(
  step: StepContext,
  rawInput: unknown,
  result: unknown,
): { selected: unknown; output: unknown } {
  const selector = step.state.ResultSelector;
  const selected =
    selector === undefined ? result : payloadTemplate(step, selector, result, 'ResultSelector');
  const withResult = writeResultPath(rawInput, step.state.ResultPath as string | null | undefined, selected);
  return { selected, output: jsonPathOutput(step, withResult) };
}

/** JSONPath Assign: `$` is the state's raw result, before ResultSelector (its effective input when it has none). */
export function jsonPathAssign(
  step: StepContext,
  assign: unknown,
  value: unknown,
): Record<string, unknown> | undefined {
  if (assign === undefined) return undefined;
  return payloadTemplate(step, assign, value, 'Assign') as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------
// JSONata

export function jsonataBindings(
  step: StepContext,
  states: { input: unknown; result?: unknown; errorOutput?: unknown; context?: unknown },
  fieldName: string,
): JsonataBindings {
  return {
    states: { ...states, context: states.context ?? step.contextObject() },
    variables: step.variables,
    sources: step.sources,
    fieldName,
  };
}

/** Evaluates a JSONata-capable field: a `{% %}` string, or an object/array holding some. */
export async function jsonataField(
  step: StepContext,
  value: unknown,
  fieldName: string,
  states: { input: unknown; result?: unknown; errorOutput?: unknown; context?: unknown },
): Promise<unknown> {
  return resolveJsonataTemplate(value, jsonataBindings(step, states, fieldName));
}

export async function jsonataAssign(
  step: StepContext,
  assign: unknown,
  states: { input: unknown; result?: unknown; errorOutput?: unknown },
): Promise<Record<string, unknown> | undefined> {
  if (assign === undefined) return undefined;
  const value = await jsonataField(step, assign, 'Assign', states);
  return (value ?? {}) as Record<string, unknown>;
}

/** JSONata Output (default: `defaultOutput`) and Assign, both seeing the variables from before the state. */
export async function jsonataFinish(
  step: StepContext,
  states: { input: unknown; result?: unknown },
  defaultOutput: unknown,
  fields: Record<string, unknown> = step.state,
): Promise<{ output: unknown; assigned: Record<string, unknown> | undefined }> {
  const assigned = await jsonataAssign(step, fields.Assign, states);
  const output =
    fields.Output === undefined ? defaultOutput : await jsonataField(step, fields.Output, 'Output', states);
  return { output, assigned };
}

/** Reads a numeric field that may be a literal, a `...Path` (JSONPath) or a `{% %}` expression (JSONata). */
export async function numericField(
  step: StepContext,
  field: string,
  input: unknown,
): Promise<number | undefined> {
  const state = step.state;
  const literal = state[field];
  if (step.queryLanguage === 'JSONata') {
    if (literal === undefined) return undefined;
    const value = await jsonataField(step, literal, field, { input });
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new StatesError(
        'States.QueryEvaluationError',
        `The JSONata expression '${jsonataText(literal)}' specified for the field '${field}' returned an unexpected result type. Expected 'number', but was '${jsonTypeName(value)}' for value: ${JSON.stringify(value) ?? 'null'}`,
      );
    }
    return value;
  }
  if (literal !== undefined) return literal as number;
  const pathField = `${field}Path`;
  const path = state[pathField];
  if (typeof path !== 'string') return undefined;
  const value = resolvePathIn(path, { ...pathScope(step, input), fieldName: pathField });
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new StatesError(
      'States.Runtime',
      `The ${pathField} parameter does not reference a positive integer: ${path} == ${JSON.stringify(value) ?? 'null'}`,
    );
  }
  return value;
}

export function jsonataText(value: unknown): string {
  if (isJsonataTemplate(value)) return value.slice(2, -2).trim();
  return JSON.stringify(value) ?? 'null';
}

export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// ---------------------------------------------------------------------------------------------------------
// Retry and Catch

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
  Output?: unknown;
  Assign?: unknown;
}

/** Retry state of a step, memoized so a resumed execution keeps counting where it was. */
interface RetryMemo {
  attempt: number;
  counts: number[];
  dueAt?: number;
}

/**
 * Errors no retrier or catcher handles: States.Runtime always fails the execution. (The docs also list
 * States.DataLimitExceeded, but AWS's recorded histories show States.ALL catching it.)
 */
const UNCATCHABLE = new Set(['States.Runtime']);

const TIMEOUTS = new Set(['States.Timeout', 'States.HeartbeatTimeout']);

/** Whether an ErrorEquals list names this error, with the wildcard rules of the States language. */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (UNCATCHABLE.has(error)) return false;
  for (const name of errorEquals) {
    if (name === error || name === 'States.ALL') return true;
    // States.TaskFailed matches every error but the timeouts; States.Timeout also covers missed heartbeats.
    if (name === 'States.TaskFailed' && !TIMEOUTS.has(error)) return true;
    if (name === 'States.Timeout' && error === 'States.HeartbeatTimeout') return true;
  }
  return false;
}

/** Delay before the next attempt, in ms: IntervalSeconds × BackoffRate^n, capped, with optional full jitter. */
export function retryDelayMs(retrier: Retrier, retriesSoFar: number, random: () => number): number {
  const interval = retrier.IntervalSeconds ?? 1;
  const rate = retrier.BackoffRate ?? 2;
  let seconds = interval * rate ** retriesSoFar;
  if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
  if (retrier.JitterStrategy === 'FULL') seconds = random() * seconds;
  return Math.round(seconds * 1000);
}

function wrapUnknown(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StatesError('States.Runtime', message);
}

/** Adds AWS's "An error occurred while executing the state ..." prefix to the state's own evaluation errors. */
export function inStateError(step: StepContext, error: StatesError): StatesError {
  if (finalErrors.has(error)) return error;
  const cause = `An error occurred while executing the state '${step.name}' (entered at the event id #${step.enteredEventId}). ${error.cause ?? ''}`;
  return new StatesError(error.error, cause);
}

/**
 * Runs a state body under its Retry and Catch. `attemptFn` is one attempt; retries wait on the injected clock.
 * Returns the state's outcome, or a caught error's outcome.
 */
export async function withRetryAndCatch(
  step: StepContext,
  rawInput: unknown,
  attemptFn: () => Promise<StateOutcome>,
  onAttemptFailed?: (error: StatesError) => Promise<void>,
): Promise<StateOutcome> {
  const state = step.state;
  const retriers = (state.Retry as Retrier[] | undefined) ?? [];
  const catchers = (state.Catch as Catcher[] | undefined) ?? [];
  const memoKey = `${step.key}:retry`;
  const memo: RetryMemo = (step.journal.getMemo(memoKey) as RetryMemo | undefined) ?? {
    attempt: 0,
    counts: retriers.map(() => 0),
  };
  const { clock } = step.exec.run;
  for (;;) {
    step.attempt = memo.attempt;
    if (memo.dueAt !== undefined) await sleep(step, memo.dueAt);
    let failure: StatesError;
    try {
      return await attemptFn();
    } catch (error) {
      if (isInterruption(error)) throw error;
      if (step.frame.signal.aborted) throw new FrameAborted(step.frame.signal.reason);
      failure = inStateError(step, wrapUnknown(error));
    }
    if (onAttemptFailed) await onAttemptFailed(failure);
    const index = retriers.findIndex((r) => errorMatches(r.ErrorEquals, failure.error));
    const retrier = index >= 0 ? retriers[index] : undefined;
    if (retrier && (memo.counts[index] ?? 0) < (retrier.MaxAttempts ?? 3)) {
      const retriesSoFar = memo.counts[index] ?? 0;
      const delay = retryDelayMs(retrier, retriesSoFar, Math.random);
      memo.counts[index] = retriesSoFar + 1;
      memo.attempt++;
      memo.dueAt = clock.now() + delay;
      await persisted(step.journal.putMemo(memoKey, memo));
      continue;
    }
    const catcher = catchers.find((c) => errorMatches(c.ErrorEquals, failure.error));
    if (!catcher) throw finalError(failure);
    return caught(step, rawInput, catcher, failure);
  }
}

async function caught(
  step: StepContext,
  rawInput: unknown,
  catcher: Catcher,
  failure: StatesError,
): Promise<StateOutcome> {
  const errorOut = errorOutput(failure);
  try {
    if (step.queryLanguage === 'JSONata') {
      const states = { input: rawInput, errorOutput: errorOut };
      const assigned = await jsonataAssign(step, catcher.Assign, states);
      const output =
        catcher.Output === undefined ? errorOut : await jsonataField(step, catcher.Output, 'Output', states);
      return { output, next: catcher.Next, assigned };
    }
    const assigned = jsonPathAssign(step, catcher.Assign, errorOut);
    const output = writeResultPath(rawInput, catcher.ResultPath, errorOut);
    return { output, next: catcher.Next, assigned };
  } catch (error) {
    if (isInterruption(error)) throw error;
    throw finalError(inStateError(step, wrapUnknown(error)));
  }
}

/** Sleeps on the injected clock; aborting the frame turns into FrameAborted. */
export async function sleep(step: StepContext, until: number): Promise<void> {
  const signal = step.frame.signal;
  throwIfAborted(signal);
  try {
    await step.exec.run.clock.sleepUntil(until, signal);
  } catch (error) {
    if (signal.aborted) throw new FrameAborted(signal.reason);
    throw error;
  }
}

export type { StateDef };
