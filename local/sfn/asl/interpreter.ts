/**
 * The ASL interpreter: runs (or resumes) one execution against its journal.
 *
 * Durability by replay: each state instance is a step with a deterministic key. A step already in the
 * journal is not executed again: its recorded output, transition and assigned variables are applied as they
 * were. Only the step that was running when the process died runs again, with its memoized token, due time
 * and random values. Events are appended under deterministic keys, so re-running a step does not duplicate
 * them.
 *
 * Events: the interpreter emits every state-level event (<Type>StateEntered/Exited), the task events
 * (TaskScheduled, TaskStarted, TaskSucceeded, TaskFailed, TaskTimedOut; LambdaFunctionScheduled/Started/
 * Succeeded/Failed/TimedOut for a bare Lambda ARN), ParallelStateStarted/Succeeded/Failed, MapStateStarted/
 * Succeeded/Failed and MapIterationStarted/Succeeded/Failed/Aborted. The invoker adds its own through
 * `TaskInvocation.emit` (TaskSubmitted for token tasks); the runtime emits the Execution* events.
 */
import {
  type ExecutionJournal,
  type ExecutionRun,
  type RunOutcome,
  StatesError,
  type StepRecord,
} from '#local/sfn/contracts.ts';
import {
  type ExecContext,
  type Frame,
  FrameAborted,
  isInterruption,
  persisted,
  type QueryLanguage,
  type StateDef,
  type StateOutcome,
  type StatesBlock,
  StepContext,
} from './context.ts';
import { runMap, runParallel } from './states/branching.ts';
import { checkPayloadSize, finalError, inStateError, throwIfAborted } from './states/common.ts';
import { runChoice, runFail, runPass, runSucceed, runWait } from './states/flow.ts';
import { runTask } from './states/task.ts';

export { JournalFailure } from './context.ts';
export { validateDefinition } from './definition.ts';

type StateHandler = (step: StepContext, input: unknown) => Promise<StateOutcome>;

const HANDLERS: Record<string, StateHandler> = {
  Pass: runPass,
  Task: runTask,
  Choice: runChoice,
  Wait: runWait,
  Succeed: runSucceed,
  Fail: runFail,
  Parallel: runParallel,
  Map: runMap,
};

/** Runs an execution to its end (or resumes it from its journal). Rejects with the reason when stopped. */
export async function runExecution(run: ExecutionRun): Promise<RunOutcome> {
  const definition = run.definition as unknown as StatesBlock & { QueryLanguage?: QueryLanguage };
  const exec: ExecContext = {
    run,
    journal: run.journal,
    queryLanguage: definition.QueryLanguage ?? 'JSONPath',
    region: regionOf(run.context.StateMachine.Id),
    lastEventId: recordedEvents(run.journal),
    runFrame,
  };
  const frame: Frame = { exec, path: '', block: definition, variables: {}, signal: run.signal };
  try {
    const output = await runFrame(frame, definition, run.input);
    return { status: 'SUCCEEDED', output };
  } catch (error) {
    if (run.signal.aborted) throw run.signal.reason ?? error;
    if (error instanceof StatesError) {
      const outcome: RunOutcome = { status: 'FAILED', error: error.error };
      if (error.cause !== undefined) outcome.cause = error.cause;
      return outcome;
    }
    throw error;
  }
}

/** Events already in the journal (the runtime's ExecutionStarted at least), so ids in causes match AWS. */
function recordedEvents(journal: ExecutionJournal): number {
  return Math.max(journal.eventCount(), 1);
}

function regionOf(arn: string): string {
  return arn.split(':')[3] || 'us-east-1';
}

/** Runs one frame from StartAt to its end; returns its output or throws the error it failed with. */
async function runFrame(frame: Frame, block: StatesBlock, input: unknown): Promise<unknown> {
  const { journal } = frame.exec;
  let name = block.StartAt;
  let current = input;
  for (let seq = 0; ; seq++) {
    throwIfAborted(frame.signal);
    const key = `${frame.path}/${seq}`;
    let record = journal.getStep(key);
    if (!record) {
      const executed = await executeStep(frame, key, name, current);
      record = executed.record;
      await persisted(journal.putStep(key, record, executed.deferred ? { deferred: true } : undefined));
    }
    if (record.assigned) Object.assign(frame.variables, record.assigned);
    if (record.failure) {
      throw finalError(new StatesError(record.failure.error, record.failure.cause));
    }
    if (record.next === null) return record.output;
    name = record.next;
    current = record.output;
  }
}

const OUTPUT_DETAILS = { truncated: false };

/**
 * States whose outcome replay can recompute from their input and variables alone, unless they drew a
 * UUID, a random number or the time, or read the context object: their step need not be durable before
 * the run goes on (a Parallel or Map only composes its children, which are journalled on their own).
 */
const RECOMPUTABLE = new Set(['Pass', 'Choice', 'Succeed', 'Fail', 'Parallel', 'Map']);

async function executeStep(
  frame: Frame,
  key: string,
  name: string,
  input: unknown,
): Promise<{ record: StepRecord; deferred: boolean }> {
  const state: StateDef | undefined = frame.block.States[name];
  if (!state) {
    const cause = `The state '${name}' is not defined in the state machine`;
    return {
      record: { output: null, next: null, failure: { error: 'States.Runtime', cause } },
      deferred: true,
    };
  }
  const type = String(state.Type);
  const handler = HANDLERS[type];
  const step = new StepContext(frame, key, name, state);
  const deferred = () => RECOMPUTABLE.has(type) && !step.nondeterministic;
  const inputText = JSON.stringify(input ?? null);
  try {
    checkPayloadSize(inputText, name, 'an input');
  } catch (error) {
    const failure = error as StatesError;
    return {
      record: { output: null, next: null, failure: { error: failure.error, cause: failure.cause ?? '' } },
      deferred: deferred(),
    };
  }
  await step.emit(
    `${type}StateEntered`,
    { stateEnteredEventDetails: { name, input: inputText, inputDetails: OUTPUT_DETAILS } },
    'entered',
  );
  try {
    if (!handler) throw new StatesError('States.Runtime', `Unsupported state type '${type}'`);
    const outcome = await handler(step, input);
    const outputText = JSON.stringify(outcome.output ?? null);
    checkPayloadSize(outputText, name, 'a result');
    const exited: Record<string, unknown> = {
      name,
      output: outputText,
      outputDetails: OUTPUT_DETAILS,
    };
    // AWS lists assignedVariables only when the state assigned something (an empty Assign shows none).
    if (outcome.assigned && Object.keys(outcome.assigned).length > 0) {
      exited.assignedVariables = Object.fromEntries(
        Object.entries(outcome.assigned).map(([k, v]) => [k, JSON.stringify(v ?? null)]),
      );
      exited.assignedVariablesDetails = OUTPUT_DETAILS;
    }
    await step.emit(`${type}StateExited`, { stateExitedEventDetails: exited }, 'exited');
    const record: StepRecord = { output: outcome.output ?? null, next: outcome.next };
    if (outcome.assigned) record.assigned = outcome.assigned;
    return { record, deferred: deferred() };
  } catch (error) {
    if (isInterruption(error)) throw error;
    if (frame.signal.aborted) throw new FrameAborted(frame.signal.reason);
    const failure =
      error instanceof StatesError
        ? inStateError(step, error)
        : inStateError(
            step,
            new StatesError('States.Runtime', error instanceof Error ? error.message : String(error)),
          );
    const recorded: { error: string; cause?: string } = { error: failure.error };
    if (failure.cause !== undefined) recorded.cause = failure.cause;
    return { record: { output: null, next: null, failure: recorded }, deferred: deferred() };
  }
}
