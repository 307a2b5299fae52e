/**
 * Parallel and inline Map: both run child frames (branches, iterations) with a copy of the outer variables,
 * so inner assignments never leak out; a failure aborts the siblings still running.
 */
import { StatesError } from '#local/sfn/contracts.ts';
import type { Frame, StateOutcome, StatesBlock, StepContext } from '../context.ts';
import { FrameAborted, JournalFailure } from '../context.ts';
import { compactJson, queryEvaluationError, runtimeError } from '../errors.ts';
import { isJsonataTemplate } from '../jsonata.ts';
import { resolvePathIn, resolvePayloadTemplate } from '../payload-template.ts';
import {
  errorOutput,
  finalError,
  jsonataField,
  jsonataFinish,
  jsonataText,
  jsonPathAssign,
  jsonPathInput,
  jsonPathResult,
  jsonTypeName,
  nextOf,
  pathScope,
  payloadTemplate,
  withRetryAndCatch,
} from './common.ts';

/** A controller for the children of one attempt, aborted with the parent frame. */
function childController(step: StepContext): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  const parent = step.frame.signal;
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return { controller, release: () => parent.removeEventListener('abort', onAbort) };
}

function childFrame(step: StepContext, suffix: string, block: StatesBlock, signal: AbortSignal): Frame {
  return {
    exec: step.exec,
    path: `${step.attemptKey}/${suffix}`,
    block,
    variables: { ...step.variables },
    signal,
  };
}

async function finishResult(step: StepContext, rawInput: unknown, result: unknown): Promise<StateOutcome> {
  if (step.queryLanguage === 'JSONata') {
    const { output, assigned } = await jsonataFinish(step, { input: rawInput, result }, result);
    return { output, next: nextOf(step), assigned };
  }
  const { output } = jsonPathResult(step, rawInput, result);
  return { output, next: nextOf(step), assigned: jsonPathAssign(step, step.state.Assign, result) };
}

// ---------------------------------------------------------------------------------------------------------
// Parallel

export async function runParallel(step: StepContext, input: unknown): Promise<StateOutcome> {
  return withRetryAndCatch(step, input, () => parallelAttempt(step, input));
}

async function parallelAttempt(step: StepContext, rawInput: unknown): Promise<StateOutcome> {
  const state = step.state;
  let branchInput: unknown;
  if (step.queryLanguage === 'JSONata') {
    branchInput =
      state.Arguments === undefined
        ? rawInput
        : await jsonataField(step, state.Arguments, 'Arguments', { input: rawInput });
  } else {
    const effective = jsonPathInput(step, rawInput);
    branchInput =
      state.Parameters === undefined
        ? effective
        : payloadTemplate(step, state.Parameters, effective, 'Parameters');
  }
  await step.flushMemos();
  await step.emit('ParallelStateStarted', {});

  const branches = (state.Branches as StatesBlock[] | undefined) ?? [];
  const { controller, release } = childController(step);
  const results: unknown[] = new Array(branches.length).fill(null);
  let failure: unknown;
  try {
    await Promise.all(
      branches.map(async (block, index) => {
        const frame = childFrame(step, `b${index}`, block, controller.signal);
        try {
          results[index] = await step.exec.runFrame(frame, block, branchInput);
        } catch (error) {
          if (error instanceof JournalFailure) {
            failure ??= error;
            controller.abort(new FrameAborted('the journal failed'));
            return;
          }
          if (failure === undefined && !(error instanceof FrameAborted && step.frame.signal.aborted)) {
            failure = error;
            controller.abort(new FrameAborted('a sibling branch failed'));
          }
        }
      }),
    );
  } finally {
    release();
  }
  if (failure instanceof JournalFailure) throw failure;
  if (step.frame.signal.aborted) throw new FrameAborted(step.frame.signal.reason);
  if (failure !== undefined) {
    await step.emit('ParallelStateFailed', {});
    if (failure instanceof StatesError) throw finalError(failure);
    throw failure;
  }
  await step.emit('ParallelStateSucceeded', {});
  return finishResult(step, rawInput, results);
}

// ---------------------------------------------------------------------------------------------------------
// Map

const INLINE_MAP_CONCURRENCY = 40;

export async function runMap(step: StepContext, input: unknown): Promise<StateOutcome> {
  return withRetryAndCatch(step, input, () => mapAttempt(step, input));
}

/** Integer fields of a Map (MaxConcurrency, ToleratedFailureCount...), literal, `...Path` or JSONata. */
async function mapNumber(step: StepContext, field: string, input: unknown): Promise<number | undefined> {
  const state = step.state;
  const literal = state[field];
  if (step.queryLanguage === 'JSONata') {
    if (literal === undefined) return undefined;
    if (typeof literal === 'number') return literal;
    const value = await jsonataField(step, literal, field, { input });
    const n = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw queryEvaluationError(
        `The JSONata expression '${jsonataText(literal)}' specified for the field '${field}' returned an unexpected result type. Expected 'number', but was '${jsonTypeName(value)}' for value: ${compactJson(value)}`,
      );
    }
    return n;
  }
  if (typeof literal === 'number') return literal;
  const pathField = `${field}Path`;
  const path = state[pathField];
  if (typeof path !== 'string') return undefined;
  const value = resolvePathIn(path, { ...pathScope(step, input), fieldName: pathField });
  const integer =
    typeof value === 'number' && Number.isInteger(value)
      ? value
      : typeof value === 'string' && /^-?\d+$/.test(value.trim())
        ? Number(value)
        : undefined;
  const isPercentage = field === 'ToleratedFailurePercentage';
  if (isPercentage && typeof value === 'number') return value;
  if (integer === undefined) {
    throw runtimeError(
      `The ${pathField} field refers to value ${compactJson(value)} which is not a valid integer: ${path}`,
    );
  }
  return integer;
}

async function mapItems(step: StepContext, rawInput: unknown, effective: unknown): Promise<unknown[]> {
  const state = step.state;
  if (step.queryLanguage === 'JSONata') {
    if (state.Items === undefined) {
      if (!Array.isArray(rawInput)) {
        throw queryEvaluationError(`Map state input must be an array but was: ${compactJson(rawInput)}`);
      }
      return rawInput;
    }
    const items = await jsonataField(step, state.Items, 'Items', { input: rawInput });
    if (Array.isArray(items)) return items;
    const expression = isJsonataTemplate(state.Items) ? jsonataText(state.Items) : compactJson(state.Items);
    if (
      typeof items === 'function' ||
      (typeof items === 'object' && items !== null && '_jsonata_lambda' in items)
    ) {
      throw queryEvaluationError(
        `The JSONata expression '${expression}' specified for the field 'Items' returned an unsupported result type.`,
      );
    }
    throw queryEvaluationError(
      `The JSONata expression '${expression}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${jsonTypeName(items)}' for value: ${compactJson(items)}`,
    );
  }
  const itemsPath = state.ItemsPath;
  const items =
    typeof itemsPath === 'string'
      ? resolvePathIn(itemsPath, { ...pathScope(step, effective), fieldName: 'ItemsPath' })
      : effective;
  if (!Array.isArray(items)) {
    throw runtimeError(`Map state input must be an array but was: ${compactJson(items)}`);
  }
  return items;
}

async function iterationInputs(
  step: StepContext,
  rawInput: unknown,
  effective: unknown,
  items: unknown[],
): Promise<unknown[]> {
  const state = step.state;
  const selector = state.ItemSelector ?? state.Parameters;
  if (selector === undefined) return items;
  const inputs: unknown[] = [];
  for (const [index, item] of items.entries()) {
    const context = step.contextObject({ mapItem: { Index: index, Value: item } });
    if (step.queryLanguage === 'JSONata') {
      inputs.push(await jsonataField(step, selector, 'ItemSelector', { input: rawInput, context }));
    } else {
      const fieldName = state.ItemSelector !== undefined ? 'ItemSelector' : 'Parameters';
      inputs.push(
        resolvePayloadTemplate(selector, {
          input: effective,
          context,
          variables: step.variables,
          sources: step.sources,
          fieldName,
        }),
      );
    }
  }
  return inputs;
}

async function mapAttempt(step: StepContext, rawInput: unknown): Promise<StateOutcome> {
  const state = step.state;
  const effective = step.queryLanguage === 'JSONata' ? rawInput : jsonPathInput(step, rawInput);
  const items = await mapItems(step, rawInput, effective);
  const maxConcurrency = (await mapNumber(step, 'MaxConcurrency', effective)) ?? 0;
  const toleratedCount = await mapNumber(step, 'ToleratedFailureCount', effective);
  const toleratedPercentage = await mapNumber(step, 'ToleratedFailurePercentage', effective);
  const inputs = await iterationInputs(step, rawInput, effective, items);
  const processor = (state.ItemProcessor ?? state.Iterator) as StatesBlock;
  await step.flushMemos();
  await step.emit('MapStateStarted', { mapStateStartedEventDetails: { length: items.length } });

  const { controller, release } = childController(step);
  const results: unknown[] = new Array(items.length).fill(null);
  let failures = 0;
  let failure: unknown;
  let next = 0;
  const tolerates = (count: number) => {
    if (toleratedCount === undefined && toleratedPercentage === undefined) return count === 0;
    if (toleratedCount !== undefined && count > toleratedCount) return false;
    if (toleratedPercentage !== undefined && (count * 100) / items.length > toleratedPercentage) return false;
    return true;
  };
  const iterationEvent = (frame: Frame, type: string, index: number) =>
    step.appendEvent(`${frame.path}#${type}`, {
      type,
      timestamp: step.exec.run.clock.now(),
      details: {
        [`${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`]: { name: step.name, index },
      },
    });

  const worker = async () => {
    while (next < items.length && !controller.signal.aborted) {
      const index = next++;
      const frame = childFrame(step, `i${index}`, processor, controller.signal);
      await iterationEvent(frame, 'MapIterationStarted', index);
      try {
        results[index] = await step.exec.runFrame(frame, processor, inputs[index]);
        await iterationEvent(frame, 'MapIterationSucceeded', index);
      } catch (error) {
        if (error instanceof JournalFailure) {
          failure ??= error;
          controller.abort(new FrameAborted('the journal failed'));
          return;
        }
        if (error instanceof FrameAborted) {
          await iterationEvent(frame, 'MapIterationAborted', index);
          continue;
        }
        await iterationEvent(frame, 'MapIterationFailed', index);
        failures++;
        results[index] = error instanceof StatesError ? errorOutput(error) : null;
        if (!tolerates(failures) && failure === undefined) {
          failure =
            toleratedCount === undefined && toleratedPercentage === undefined
              ? error
              : finalError(
                  new StatesError(
                    'States.ExceedToleratedFailureThreshold',
                    'The specified tolerated failure threshold was exceeded',
                  ),
                );
          controller.abort(new FrameAborted('the Map state failed'));
        }
      }
    }
  };
  // Unbounded inline Maps run at most 40 iterations at a time, as on AWS.
  const limit = maxConcurrency > 0 ? maxConcurrency : INLINE_MAP_CONCURRENCY;
  const workers = Math.min(limit, items.length);
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    release();
  }
  if (failure instanceof JournalFailure) throw failure;
  if (step.frame.signal.aborted) throw new FrameAborted(step.frame.signal.reason);
  if (failure !== undefined) {
    await step.emit('MapStateFailed', {});
    if (failure instanceof StatesError) throw finalError(failure);
    throw failure;
  }
  await step.emit('MapStateSucceeded', {});
  return finishResult(step, rawInput, results);
}
