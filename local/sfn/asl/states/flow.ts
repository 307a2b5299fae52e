/**
 * The states that only move data and control: Pass, Wait, Choice, Succeed, Fail.
 */
import { StatesError } from '#local/sfn/contracts.ts';
import { evaluateChoiceRule } from '../choice.ts';
import type { StateOutcome, StepContext } from '../context.ts';
import { compactJson, queryEvaluationError, runtimeError } from '../errors.ts';
import { writeResultPath } from '../jsonpath.ts';
import { resolvePathIn, resolvePathOrIntrinsic } from '../payload-template.ts';
import {
  finalError,
  jsonataField,
  jsonataFinish,
  jsonataText,
  jsonPathAssign,
  jsonPathInput,
  jsonPathOutput,
  jsonTypeName,
  nextOf,
  pathScope,
  payloadTemplate,
  sleep,
} from './common.ts';

export async function runPass(step: StepContext, input: unknown): Promise<StateOutcome> {
  const state = step.state;
  if (step.queryLanguage === 'JSONata') {
    const { output, assigned } = await jsonataFinish(step, { input }, input);
    return { output, next: nextOf(step), assigned };
  }
  const effective = jsonPathInput(step, input);
  let result: unknown;
  if (Object.hasOwn(state, 'Result')) result = state.Result;
  else if (state.Parameters !== undefined)
    result = payloadTemplate(step, state.Parameters, effective, 'Parameters');
  else result = effective;
  const assigned = jsonPathAssign(step, state.Assign, result);
  const output = jsonPathOutput(
    step,
    writeResultPath(input, state.ResultPath as string | null | undefined, result),
  );
  return { output, next: nextOf(step), assigned };
}

export async function runSucceed(step: StepContext, input: unknown): Promise<StateOutcome> {
  if (step.queryLanguage === 'JSONata') {
    const { output } = await jsonataFinish(step, { input }, input);
    return { output, next: null };
  }
  return { output: jsonPathOutput(step, jsonPathInput(step, input)), next: null };
}

export async function runFail(step: StepContext, input: unknown): Promise<never> {
  const state = step.state;
  let error: unknown;
  let cause: unknown;
  if (step.queryLanguage === 'JSONata') {
    error = state.Error === undefined ? undefined : await jsonataField(step, state.Error, 'Error', { input });
    cause = state.Cause === undefined ? undefined : await jsonataField(step, state.Cause, 'Cause', { input });
  } else {
    const scope = pathScope(step, input);
    error =
      typeof state.ErrorPath === 'string'
        ? resolvePathOrIntrinsic(state.ErrorPath, { ...scope, fieldName: 'ErrorPath' })
        : state.Error;
    cause =
      typeof state.CausePath === 'string'
        ? resolvePathOrIntrinsic(state.CausePath, { ...scope, fieldName: 'CausePath' })
        : state.Cause;
  }
  const text = (value: unknown) =>
    value === undefined || value === null
      ? undefined
      : typeof value === 'string'
        ? value
        : compactJson(value);
  // A Fail state without Error fails the execution with no error name, as on AWS.
  throw finalError(new StatesError(text(error) as string, text(cause)));
}

export async function runChoice(step: StepContext, input: unknown): Promise<StateOutcome> {
  const state = step.state;
  const choices = (state.Choices as Record<string, unknown>[] | undefined) ?? [];
  if (step.queryLanguage === 'JSONata') {
    for (const rule of choices) {
      const condition = await jsonataField(step, rule.Condition, 'Condition', { input });
      if (typeof condition !== 'boolean') {
        throw queryEvaluationError(
          `The JSONata expression '${jsonataText(rule.Condition)}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonTypeName(condition)}' for value: ${compactJson(condition)}`,
        );
      }
      if (condition) {
        const { output, assigned } = await jsonataFinish(step, { input }, input, rule);
        return { output, next: rule.Next as string, assigned };
      }
    }
    if (typeof state.Default !== 'string') throw noChoiceMatched(step);
    const { output, assigned } = await jsonataFinish(step, { input }, input);
    return { output, next: state.Default, assigned };
  }
  const effective = jsonPathInput(step, input);
  const scope = { input: effective, context: step.contextObject(), variables: step.variables };
  let next: string | undefined;
  let assign: unknown;
  for (const rule of choices) {
    if (evaluateChoiceRule(rule, scope)) {
      next = rule.Next as string;
      assign = rule.Assign;
      break;
    }
  }
  if (next === undefined) {
    if (typeof state.Default !== 'string') throw noChoiceMatched(step);
    next = state.Default;
    assign = state.Assign;
  }
  const assigned = jsonPathAssign(step, assign, effective);
  return { output: jsonPathOutput(step, effective), next, assigned };
}

function noChoiceMatched(step: StepContext): StatesError {
  return new StatesError('States.NoChoiceMatched', `No Matches! in state '${step.name}'`);
}

export async function runWait(step: StepContext, input: unknown): Promise<StateOutcome> {
  const state = step.state;
  const jsonata = step.queryLanguage === 'JSONata';
  const effective = jsonata ? input : jsonPathInput(step, input);
  const dueAt = await step.memo('due', () => waitDueAt(step, effective), false);
  // The entered time must survive a crash during the wait if the state's output can show it.
  await step.flushMemos();
  await sleep(step, dueAt);
  if (jsonata) {
    const { output, assigned } = await jsonataFinish(step, { input }, input);
    return { output, next: nextOf(step), assigned };
  }
  const assigned = jsonPathAssign(step, state.Assign, effective);
  return { output: jsonPathOutput(step, effective), next: nextOf(step), assigned };
}

async function waitDueAt(step: StepContext, input: unknown): Promise<number> {
  const state = step.state;
  const now = step.exec.run.clock.now();
  if (step.queryLanguage === 'JSONata') {
    if (state.Seconds !== undefined) {
      const seconds = await jsonataField(step, state.Seconds, 'Seconds', { input });
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
        throw queryEvaluationError(
          `The JSONata expression '${jsonataText(state.Seconds)}' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '${jsonTypeName(seconds)}' for value: ${compactJson(seconds)}`,
        );
      }
      return now + seconds * 1000;
    }
    const timestamp = await jsonataField(step, state.Timestamp, 'Timestamp', { input });
    return parseTimestamp(timestamp, 'Timestamp', jsonataText(state.Timestamp), true);
  }
  if (typeof state.Seconds === 'number') return now + state.Seconds * 1000;
  if (typeof state.Timestamp === 'string')
    return parseTimestamp(state.Timestamp, 'Timestamp', state.Timestamp, false);
  const scope = pathScope(step, input);
  if (typeof state.SecondsPath === 'string') {
    const path = state.SecondsPath;
    const value = resolvePathIn(path, { ...scope, fieldName: 'SecondsPath' });
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw runtimeError(
        `The SecondsPath parameter cannot be parsed as a long value: ${path} == ${typeof value === 'number' ? value : compactJson(value)}`,
      );
    }
    if (value < 0)
      throw runtimeError(`The SecondsPath parameter references a negative value: ${path} == ${value}`);
    return now + value * 1000;
  }
  if (typeof state.TimestampPath === 'string') {
    const value = resolvePathIn(state.TimestampPath, { ...scope, fieldName: 'TimestampPath' });
    return parseTimestamp(value, 'TimestampPath', state.TimestampPath, false);
  }
  throw runtimeError('A Wait state needs one of Seconds, Timestamp, SecondsPath or TimestampPath');
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function parseTimestamp(value: unknown, field: string, source: string, jsonata: boolean): number {
  const ms = typeof value === 'string' && ISO_TIMESTAMP.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    const text = `The ${field} parameter does not reference a valid ISO-8601 extended offset date-time format string: ${source} == ${compactJson(value)}`;
    throw jsonata ? queryEvaluationError(text) : runtimeError(text);
  }
  return ms;
}
