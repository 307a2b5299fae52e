/**
 * Test doubles for the interpreter's unit tests: a scriptable invoker and a one-call runner.
 */

import { runExecution } from '#local/sfn/asl/interpreter.ts';
import { MemoryJournal } from '#local/sfn/asl/memory-journal.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import {
  type ExecutionContextObject,
  type ResourceInvoker,
  type RunOutcome,
  StatesError,
  type TaskInvocation,
} from '#local/sfn/contracts.ts';

export type TaskHandler = (task: TaskInvocation, call: number) => unknown | Promise<unknown>;

/** Routes each invocation to a handler by the payload's `FunctionName` (or the resource), counting calls. */
export class FakeInvoker implements ResourceInvoker {
  readonly calls: TaskInvocation[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly handlers: Record<string, TaskHandler>) {}

  validateResource(resource: string): string | undefined {
    return resource.startsWith('arn:aws:states:::lambda:invoke') || resource.startsWith('arn:aws:lambda:')
      ? undefined
      : `'${resource}' is not supported`;
  }

  async invoke(task: TaskInvocation): Promise<unknown> {
    this.calls.push(task);
    const name = this.nameOf(task);
    const handler = this.handlers[name];
    if (!handler) throw new StatesError('States.TaskFailed', `no handler for ${name}`);
    const call = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, call);
    return handler(task, call);
  }

  callsTo(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  private nameOf(task: TaskInvocation): string {
    const payload = task.payload as { FunctionName?: unknown } | null;
    if (payload && typeof payload === 'object' && typeof payload.FunctionName === 'string') {
      return payload.FunctionName;
    }
    return task.resource.split(':').pop() ?? task.resource;
  }
}

/** Resolves when the signal aborts, rejecting with its reason: a task that never finishes by itself. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A task that never finishes by itself and notes whether its invocation was aborted. */
export function hangingTask(): { handler: TaskHandler; aborted: () => boolean } {
  let aborted = false;
  return {
    handler: (task) => {
      task.signal.addEventListener('abort', () => {
        aborted = true;
      });
      return untilAborted(task.signal);
    },
    aborted: () => aborted,
  };
}

export function contextFor(input: unknown, clock: TestClock): ExecutionContextObject {
  return {
    Execution: {
      Id: 'arn:aws:states:eu-west-1:111111111111:execution:machine:run-1',
      Name: 'run-1',
      StartTime: new Date(clock.now()).toISOString(),
      RoleArn: 'arn:aws:iam::111111111111:role/sfn',
      Input: input,
      RedriveCount: 0,
    },
    StateMachine: { Id: 'arn:aws:states:eu-west-1:111111111111:stateMachine:machine', Name: 'machine' },
  };
}

export interface Started {
  outcome: Promise<RunOutcome>;
  journal: MemoryJournal;
  clock: TestClock;
  controller: AbortController;
}

/** Starts an execution (or resumes one when given a journal) and returns it without awaiting. */
export function start(options: {
  definition: Record<string, unknown>;
  input?: unknown;
  invoker?: ResourceInvoker;
  clock?: TestClock;
  journal?: MemoryJournal;
}): Started {
  const clock = options.clock ?? new TestClock({ auto: true });
  const journal = options.journal ?? new MemoryJournal();
  const controller = new AbortController();
  const input = options.input ?? {};
  const started =
    journal.eventCount() > 0
      ? Promise.resolve()
      : journal.appendEvent('execution#started', {
          type: 'ExecutionStarted',
          timestamp: clock.now(),
          details: {},
        });
  const outcome = started.then(() =>
    runExecution({
      definition: options.definition,
      input,
      context: contextFor(input, clock),
      journal,
      invoker: options.invoker ?? new FakeInvoker({}),
      clock,
      signal: controller.signal,
    }),
  );
  return { outcome, journal, clock, controller };
}

export async function run(
  options: Parameters<typeof start>[0],
): Promise<RunOutcome & { journal: MemoryJournal }> {
  const started = start(options);
  const outcome = await started.outcome;
  return { ...outcome, journal: started.journal };
}

/** Lets pending promise chains settle (a few macrotask turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export const lambda = (functionName: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: functionName, 'Payload.$': '$' },
  ...extra,
});
