/**
 * Task: builds the payload, hands it to the runtime's ResourceInvoker, races it against TimeoutSeconds on
 * the injected clock, and records the Task* (or, for a bare Lambda ARN, Lambda*) events AWS shows.
 */
import { randomBytes } from 'node:crypto';
import { StatesError } from '#local/sfn/contracts.ts';
import type { StateOutcome, StepContext } from '../context.ts';
import { FrameAborted, isInterruption } from '../context.ts';
import {
  checkPayloadSize,
  finalError,
  jsonataField,
  jsonataFinish,
  jsonPathAssign,
  jsonPathInput,
  jsonPathResult,
  nextOf,
  numericField,
  payloadTemplate,
  withRetryAndCatch,
} from './common.ts';

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:/;

/** How a resource shows in history: `arn:aws:states:::lambda:invoke` → lambda / invoke. */
export function describeResource(resource: string, defaultRegion: string) {
  if (LAMBDA_ARN.test(resource)) {
    return {
      lambda: true,
      resourceType: 'lambda',
      resource,
      region: resource.split(':')[3] || defaultRegion,
    };
  }
  const parts = resource.split(':');
  const region = parts[3] || defaultRegion;
  const service = parts[5] ?? '';
  const action = parts.slice(6).join(':');
  return { lambda: false, resourceType: service, resource: action, region };
}

/** A task token: opaque, URL-safe, unguessable. */
function newTaskToken(): string {
  return randomBytes(48).toString('base64url');
}

const TIMED_OUT = Symbol('timed out');

export async function runTask(step: StepContext, input: unknown): Promise<StateOutcome> {
  return withRetryAndCatch(step, input, () => taskAttempt(step, input));
}

async function taskAttempt(step: StepContext, rawInput: unknown): Promise<StateOutcome> {
  const state = step.state;
  const { run, region } = step.exec;
  const resourceArn = state.Resource as string;
  const jsonata = step.queryLanguage === 'JSONata';
  // Durable with the step's other memos in one write (flushMemos below), before the task is invoked.
  step.taskToken = resourceArn.endsWith('.waitForTaskToken')
    ? step.memoBeforeEffect('token', newTaskToken)
    : undefined;

  const effective = jsonata ? rawInput : jsonPathInput(step, rawInput);
  let payload: unknown;
  if (jsonata) {
    payload =
      state.Arguments === undefined
        ? rawInput
        : await jsonataField(step, state.Arguments, 'Arguments', { input: rawInput });
  } else {
    payload =
      state.Parameters === undefined
        ? effective
        : payloadTemplate(step, state.Parameters, effective, 'Parameters');
  }
  const timeoutSeconds = await numericField(step, 'TimeoutSeconds', effective);
  const heartbeatSeconds = await numericField(step, 'HeartbeatSeconds', effective);
  let credentials: unknown;
  if (state.Credentials !== undefined) {
    credentials = jsonata
      ? await jsonataField(step, state.Credentials, 'Credentials', { input: rawInput })
      : payloadTemplate(step, state.Credentials, effective, 'Credentials');
  }
  // A token task's deadline must outlive a restart (its wait may be long): durable before the token goes
  // out. A synchronous task that did not finish before a crash runs again, with a new deadline.
  const dueAt = () => run.clock.now() + (timeoutSeconds ?? 0) * 1000;
  const timeoutAt =
    timeoutSeconds === undefined
      ? undefined
      : step.taskToken !== undefined
        ? step.memoBeforeEffect('timeoutAt', dueAt)
        : await step.memoDeferred('timeoutAt', dueAt);
  await step.flushMemos();

  const described = describeResource(resourceArn, region);
  const result = await invoke(step, {
    described,
    resourceArn,
    payload,
    timeoutAt,
    timeoutSeconds,
    heartbeatSeconds,
    credentials,
  });

  if (jsonata) {
    const { output, assigned } = await jsonataFinish(step, { input: rawInput, result }, result);
    return { output, next: nextOf(step), assigned };
  }
  const { output } = jsonPathResult(step, rawInput, result);
  const assigned = jsonPathAssign(step, state.Assign, result);
  return { output, next: nextOf(step), assigned };
}

interface InvokeSpec {
  described: ReturnType<typeof describeResource>;
  resourceArn: string;
  payload: unknown;
  timeoutAt: number | undefined;
  timeoutSeconds: number | undefined;
  heartbeatSeconds: number | undefined;
  credentials: unknown;
}

async function invoke(step: StepContext, spec: InvokeSpec): Promise<unknown> {
  const { run } = step.exec;
  const { described } = spec;
  const frameSignal = step.frame.signal;
  const parameters = JSON.stringify(spec.payload ?? null);

  if (described.lambda) {
    const scheduled: Record<string, unknown> = {
      resource: spec.resourceArn,
      input: parameters,
      inputDetails: { truncated: false },
    };
    if (spec.timeoutSeconds !== undefined) scheduled.timeoutInSeconds = spec.timeoutSeconds;
    await step.emit('LambdaFunctionScheduled', { lambdaFunctionScheduledEventDetails: scheduled });
    await step.emit('LambdaFunctionStarted', {});
  } else {
    const scheduled: Record<string, unknown> = {
      resourceType: described.resourceType,
      resource: described.resource,
      region: described.region,
      parameters,
    };
    if (spec.timeoutSeconds !== undefined) scheduled.timeoutInSeconds = spec.timeoutSeconds;
    if (spec.heartbeatSeconds !== undefined) scheduled.heartbeatInSeconds = spec.heartbeatSeconds;
    if (spec.credentials !== undefined) scheduled.taskCredentials = spec.credentials;
    await step.emit('TaskScheduled', { taskScheduledEventDetails: scheduled });
    await step.emit('TaskStarted', {
      taskStartedEventDetails: { resourceType: described.resourceType, resource: described.resource },
    });
  }

  const controller = new AbortController();
  const timerController = new AbortController();
  // One listener both aborts the invocation and ends the race when the execution is stopped.
  let stop: (reason: unknown) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => undefined);
  const onFrameAbort = () => {
    controller.abort(frameSignal.reason);
    stop(new FrameAborted(frameSignal.reason));
  };
  if (frameSignal.aborted) onFrameAbort();
  else frameSignal.addEventListener('abort', onFrameAbort, { once: true });
  let invokerEvents = 0;
  try {
    const invocation = (async () =>
      run.invoker.invoke({
        executionArn: run.context.Execution.Id,
        stateName: step.name,
        stepKey: step.attemptKey,
        resource: spec.resourceArn,
        payload: spec.payload,
        taskToken: step.taskToken,
        timeoutAt: spec.timeoutAt,
        heartbeatSeconds: spec.heartbeatSeconds,
        credentials: spec.credentials,
        signal: controller.signal,
        emit: (event) => step.emit(event.type, event.details, `invoker${invokerEvents++}`),
        memo: (name, compute) => step.memo(`invoker:${name}`, compute),
      }))();
    invocation.catch(() => undefined);
    const racers: Promise<unknown>[] = [invocation, stopped];
    if (spec.timeoutAt !== undefined) {
      const timer = run.clock.sleepUntil(spec.timeoutAt, timerController.signal).then(() => TIMED_OUT);
      timer.catch(() => undefined);
      racers.push(timer);
    }
    const winner = await Promise.race(racers);
    if (winner === TIMED_OUT) {
      controller.abort(new StatesError('States.Timeout'));
      throw new StatesError('States.Timeout');
    }
    const result = winner === undefined ? null : winner;
    const output = JSON.stringify(result);
    // Too big a result fails the task as on AWS, before it reaches a step record or an event.
    checkPayloadSize(output, spec.resourceArn, 'a result');
    if (described.lambda) {
      await step.emit('LambdaFunctionSucceeded', {
        lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } },
      });
    } else {
      await step.emit('TaskSucceeded', {
        taskSucceededEventDetails: {
          resourceType: described.resourceType,
          resource: described.resource,
          output,
          outputDetails: { truncated: false },
        },
      });
    }
    return result;
  } catch (thrown) {
    if (isInterruption(thrown)) throw thrown;
    if (frameSignal.aborted) throw new FrameAborted(frameSignal.reason);
    const error =
      thrown instanceof StatesError
        ? thrown
        : new StatesError('States.TaskFailed', thrown instanceof Error ? thrown.message : String(thrown));
    await emitFailure(step, described, error);
    throw finalError(error);
  } finally {
    timerController.abort();
    frameSignal.removeEventListener('abort', onFrameAbort);
  }
}

async function emitFailure(
  step: StepContext,
  described: ReturnType<typeof describeResource>,
  error: StatesError,
): Promise<void> {
  const timedOut = error.error === 'States.Timeout' || error.error === 'States.HeartbeatTimeout';
  const detail: Record<string, unknown> = { error: error.error };
  if (error.cause !== undefined) detail.cause = error.cause;
  if (described.lambda) {
    const type = timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed';
    const key = timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails';
    await step.emit(type, { [key]: detail });
    return;
  }
  const type = timedOut ? 'TaskTimedOut' : 'TaskFailed';
  const key = timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails';
  await step.emit(type, {
    [key]: { resourceType: described.resourceType, resource: described.resource, ...detail },
  });
}
