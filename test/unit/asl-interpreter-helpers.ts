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

/**
 * The crash-at-every-write fixture shared by the replay tests on the memory journal
 * (asl-interpreter-replay) and on DynamoDB Local (sfn-journal-replay): a UUID, a Parallel with a Map of
 * Lambda tasks and Waits beside a task-token wait that is busy once, a Choice and a Fail.
 */
export const REPLAY_DEFINITION = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'items.$': '$.items', 'id.$': 'States.UUID()' }, Next: 'Fan' },
    Fan: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              ItemsPath: '$.items',
              MaxConcurrency: 2,
              ItemProcessor: {
                StartAt: 'Double',
                States: {
                  Double: lambda('double', { OutputPath: '$.Payload', Next: 'Breathe' }),
                  Breathe: { Type: 'Wait', Seconds: 5, End: true },
                },
              },
              End: true,
            },
          },
        },
        {
          StartAt: 'Approve',
          States: {
            Approve: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: { FunctionName: 'approve', 'token.$': '$$.Task.Token' },
              Retry: [{ ErrorEquals: ['Busy'], IntervalSeconds: 3 }],
              Next: 'Decide',
            },
            Decide: {
              Type: 'Choice',
              Choices: [{ Variable: '$.approved', BooleanEquals: true, Next: 'Yes' }],
              Default: 'No',
            },
            Yes: { Type: 'Pass', Result: 'approved', End: true },
            No: { Type: 'Fail', Error: 'Rejected' },
          },
        },
      ],
      ResultSelector: { 'doubled.$': '$[0]', 'decision.$': '$[1]' },
      ResultPath: '$.result',
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};
export const REPLAY_INPUT = { items: [1, 2, 3] };

/** Deterministic tasks: `approve` is busy on its first attempt, and sends its token's answer once. */
export function replayInvoker(sent: Set<string>): FakeInvoker {
  return new FakeInvoker({
    double: (task) => ({ Payload: (task.payload as { Payload: number }).Payload * 2 }),
    approve: async (task) => {
      if (!task.stepKey.includes('@')) throw new StatesError('Busy', 'try later');
      await task.memo('lambda-invoked', () => {
        if (sent.has(task.taskToken as string)) throw new Error('the Lambda was invoked twice');
        sent.add(task.taskToken as string);
        return true;
      });
      return { approved: true };
    },
  });
}
