/**
 * Durability by replay: the memory journal is snapshotted while an execution is parked (in a Wait, waiting
 * for a task token, between retries, inside a Map, with a task in flight), the first run is abandoned as a
 * crashed process would be, and a fresh runExecution resumes from the snapshot.
 */
import { describe, expect, it } from 'vitest';
import { MemoryJournal } from '#local/sfn/asl/memory-journal.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import type { HistoryEventInput, RunOutcome, StepRecord } from '#local/sfn/contracts.ts';
import { StatesError } from '#local/sfn/contracts.ts';
import {
  FakeInvoker,
  lambda,
  REPLAY_DEFINITION,
  REPLAY_INPUT,
  replayInvoker,
  run,
  type Started,
  settle,
  start,
  untilAborted,
} from './asl-interpreter-helpers.ts';

/** Abandons a run as a crash would: nothing it does afterwards reaches the snapshot. */
async function crash(started: Started): Promise<MemoryJournal> {
  const snapshot = started.journal.snapshot();
  started.controller.abort(new Error('process killed'));
  await started.outcome.catch(() => undefined);
  return snapshot;
}

/**
 * Starts a run on a clock that stands still, waits until it first sleeps (a Wait, a retry backoff) and
 * crashes it there; `startedAt` is the clock's time throughout.
 */
async function crashWhenSleeping(
  options: Omit<Parameters<typeof start>[0], 'clock'>,
): Promise<{ snapshot: MemoryJournal; startedAt: number }> {
  const clock = new TestClock();
  const startedAt = clock.now();
  const first = start({ ...options, clock });
  await clock.whenSleeping();
  return { snapshot: await crash(first), startedAt };
}

function types(journal: MemoryJournal): string[] {
  return journal.history().map((e) => e.type);
}

/** The steps a resumed run invoked again although they had finished before the crash (retries count as their step). */
function rerunFinished(invoker: FakeInvoker, finished: Set<string>): string[] {
  return invoker.calls.map((c) => c.stepKey.replace(/@\d+$/, '')).filter((k) => finished.has(k));
}

async function finish(started: Started, clock: TestClock): Promise<RunOutcome> {
  for (;;) {
    const settled = await Promise.race([started.outcome, settle(3).then(() => undefined)]);
    if (settled) return settled;
    const due = clock.nextDue();
    if (due !== undefined) clock.setTime(due);
  }
}

describe('resuming from the journal', () => {
  const waitBetweenTasks = {
    StartAt: 'First',
    States: {
      First: lambda('first', { ResultSelector: { 'first.$': '$' }, Next: 'Pause' }),
      Pause: { Type: 'Wait', Seconds: 60, Next: 'Second' },
      Second: lambda('second', { ResultPath: '$.second', End: true }),
    },
  };

  it('does not run finished tasks again and waits only for what remains of a Wait', async () => {
    const invoker = new FakeInvoker({ first: () => 'one', second: () => 'two' });
    const reference = await run({
      definition: waitBetweenTasks,
      invoker: new FakeInvoker({ first: () => 'one', second: () => 'two' }),
    });

    const { snapshot, startedAt } = await crashWhenSleeping({ definition: waitBetweenTasks, invoker });

    const later = new TestClock({ start: startedAt + 40_000 });
    const resumed = start({ definition: waitBetweenTasks, invoker, clock: later, journal: snapshot });
    await later.whenSleeping();
    expect(later.nextDue()).toBe(startedAt + 60_000);
    later.advance(20_000);
    const outcome = await resumed.outcome;

    expect(outcome).toEqual({ status: 'SUCCEEDED', output: { first: 'one', second: 'two' } });
    expect(outcome).toEqual({ status: reference.status, output: (reference as { output: unknown }).output });
    expect(invoker.callsTo('first')).toBe(1);
    expect(invoker.callsTo('second')).toBe(1);
    expect(types(snapshot)).toEqual(types(reference.journal));
  });

  it('keeps the task token of a pending waitForTaskToken task and does not invoke its Lambda twice', async () => {
    let lambdaInvocations = 0;
    const tokenTask = (onToken: (token: string) => unknown) =>
      new FakeInvoker({
        notify: async (task) => {
          await task.memo('lambda-invoked', () => {
            lambdaInvocations++;
            return true;
          });
          return onToken(task.taskToken as string);
        },
      });
    const definition = {
      StartAt: 'Approve',
      States: {
        Approve: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'notify', Payload: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    };
    const tokens: string[] = [];
    const first = start({
      definition,
      invoker: tokenTask((token) => {
        tokens.push(token);
        return new Promise(() => {});
      }),
    });
    await settle();
    const snapshot = await crash(first);

    const resumed = start({
      definition,
      journal: snapshot,
      invoker: tokenTask((token) => {
        tokens.push(token);
        return { approvedWith: token };
      }),
    });
    const outcome = await resumed.outcome;
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: { approvedWith: tokens[0] } });
    expect(lambdaInvocations).toBe(1);
    expect(types(snapshot).filter((t) => t === 'TaskScheduled')).toHaveLength(1);
  });

  it('invokes a task that was in flight again, with the same generated values and no duplicate events', async () => {
    const payloads: unknown[] = [];
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'work', 'id.$': 'States.UUID()', 'at.$': '$$.State.EnteredTime' },
          OutputPath: '$.id',
          End: true,
        },
      },
    };
    const first = start({
      definition,
      invoker: new FakeInvoker({
        work: (task) => {
          payloads.push(task.payload);
          return untilAborted(task.signal);
        },
      }),
    });
    await settle();
    const snapshot = await crash(first);
    const resumed = start({
      definition,
      journal: snapshot,
      clock: new TestClock({ start: Date.UTC(2024, 0, 1, 0, 5), auto: true }),
      invoker: new FakeInvoker({
        work: (task) => {
          payloads.push(task.payload);
          return task.payload;
        },
      }),
    });
    const outcome = await resumed.outcome;
    expect(payloads).toHaveLength(2);
    expect(payloads[1]).toEqual(payloads[0]);
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: (payloads[0] as { id: string }).id });
    expect(types(snapshot)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
    ]);
  });

  it('resumes a retry backoff where it was, without another attempt in between', async () => {
    const invoker = new FakeInvoker({
      flaky: (_t, call) => (call === 1 ? Promise.reject(new StatesError('Flaky')) : 'ok'),
    });
    const definition = {
      StartAt: 'T',
      States: { T: lambda('flaky', { Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 30 }], End: true }) },
    };
    const { snapshot, startedAt } = await crashWhenSleeping({ definition, invoker });

    const later = new TestClock({ start: startedAt + 10_000 });
    const resumed = start({ definition, invoker, clock: later, journal: snapshot });
    await later.whenSleeping();
    expect(later.nextDue()).toBe(startedAt + 30_000);
    later.advance(20_000);
    expect(await resumed.outcome).toEqual({ status: 'SUCCEEDED', output: 'ok' });
    expect(invoker.callsTo('flaky')).toBe(2);
  });

  it('replays finished Map iterations and Parallel branches instead of running them again', async () => {
    const invoker = new FakeInvoker({
      work: (task) => ({ Payload: (task.payload as { Payload: number }).Payload * 10 }),
    });
    const definition = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'M',
              States: {
                M: {
                  Type: 'Map',
                  MaxConcurrency: 1,
                  ItemProcessor: {
                    StartAt: 'Work',
                    States: {
                      Work: lambda('work', { OutputPath: '$.Payload', Next: 'Rest' }),
                      Rest: { Type: 'Wait', Seconds: 10, End: true },
                    },
                  },
                  End: true,
                },
              },
            },
            { StartAt: 'Quick', States: { Quick: { Type: 'Pass', Result: 'quick', End: true } } },
          ],
          End: true,
        },
      },
    };
    const clock = new TestClock();
    const first = start({ definition, invoker, clock, input: [1, 2, 3] });
    await clock.whenSleeping();
    clock.advance(10_000);
    await settle();
    await clock.whenSleeping();
    expect(invoker.callsTo('work')).toBe(2);
    const snapshot = await crash(first);

    const later = new TestClock({ start: clock.now() });
    const resumed = start({ definition, invoker, clock: later, journal: snapshot, input: [1, 2, 3] });
    const outcome = await finish(resumed, later);
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: [[10, 20, 30], 'quick'] });
    expect(invoker.callsTo('work')).toBe(3);
    expect(types(snapshot).filter((t) => t === 'MapIterationStarted')).toHaveLength(3);
    expect(types(snapshot).filter((t) => t === 'PassStateEntered')).toHaveLength(1);
  });

  it('numbers events in causes as an uninterrupted run would', async () => {
    const definition = {
      StartAt: 'Pause',
      States: {
        Pause: { Type: 'Wait', Seconds: 10, Next: 'Broken' },
        Broken: { Type: 'Pass', InputPath: '$.missing', End: true },
      },
    };
    const { snapshot, startedAt } = await crashWhenSleeping({ definition });
    const later = new TestClock({ start: startedAt + 10_000 });
    const outcome = await start({ definition, clock: later, journal: snapshot }).outcome;
    expect(outcome).toEqual({
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'Broken' (entered at the event id #4). Invalid path '$.missing' : No results for path: $['missing']",
    });
  });

  it('restores variables assigned before the crash', async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { greeting: '{% $uuid() %}' }, Next: 'Pause' },
        Pause: { Type: 'Wait', Seconds: 5, Next: 'Use' },
        Use: { Type: 'Pass', Output: '{% $greeting %}', End: true },
      },
    };
    const { snapshot, startedAt } = await crashWhenSleeping({ definition });
    const later = new TestClock({ start: startedAt + 5_000 });
    const outcome = await start({ definition, clock: later, journal: snapshot }).outcome;
    const exited = snapshot.history().find((e) => e.type === 'PassStateExited');
    const details = exited?.details.stateExitedEventDetails as
      | { assignedVariables: { greeting: string } }
      | undefined;
    const assigned = details?.assignedVariables.greeting ?? 'missing';
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: JSON.parse(assigned) });
  });
});

/** A journal that keeps a copy of itself after every write: each copy is a possible crash point. */
class RecordingJournal extends MemoryJournal {
  readonly snapshots: MemoryJournal[] = [];
  override async putStep(key: string, record: StepRecord): Promise<void> {
    await super.putStep(key, record);
    this.snapshots.push(this.snapshot());
  }
  override async putMemo(key: string, value: unknown): Promise<void> {
    await super.putMemo(key, value);
    this.snapshots.push(this.snapshot());
  }
  override async appendEvent(key: string, event: HistoryEventInput): Promise<void> {
    await super.appendEvent(key, event);
    this.snapshots.push(this.snapshot());
  }
}

describe('a crash after any journal write', () => {
  const definition = REPLAY_DEFINITION;
  const input = REPLAY_INPUT;
  const invoker = replayInvoker;

  it('resumes to the same output and history, never re-running a finished step', async () => {
    const journal = new RecordingJournal();
    const sent = new Set<string>();
    const reference = await run({ definition, input, journal, invoker: invoker(sent) });
    expect(reference).toMatchObject({ status: 'SUCCEEDED' });
    const referenceOutput = (reference as { output: unknown }).output;
    const referenceKeys = types(journal).sort();
    expect(journal.snapshots.length).toBeGreaterThan(50);

    for (const [index, snapshot] of journal.snapshots.entries()) {
      const finished = new Set(snapshot.stepKeys());
      const resumedInvoker = invoker(new Set());
      const outcome = await start({ definition, input, journal: snapshot, invoker: resumedInvoker }).outcome;
      // A UUID drawn by a step that had not finished is drawn again; once recorded it never changes.
      const expectedId = finished.has('/0') ? (referenceOutput as { id: string }).id : expect.any(String);
      expect(outcome, `crash after write ${index}`).toEqual({
        status: 'SUCCEEDED',
        output: { ...(referenceOutput as object), id: expectedId },
      });
      expect(rerunFinished(resumedInvoker, finished), `crash after write ${index}`).toEqual([]);
      expect(types(snapshot).sort(), `crash after write ${index}`).toEqual(referenceKeys);
    }
  });
});

describe('a crash after any journal write (JSONata, variables, Catch)', () => {
  const definition = {
    QueryLanguage: 'JSONata',
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Assign: { total: 0, runId: '{% $uuid() %}' }, Next: 'Sum' },
      Sum: {
        Type: 'Map',
        Items: '{% $states.input.values %}',
        ItemSelector: { value: '{% $states.context.Map.Item.Value %}', run: '{% $runId %}' },
        ItemProcessor: {
          StartAt: 'Square',
          States: {
            Square: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Arguments: { FunctionName: 'square', Payload: '{% $states.input.value %}' },
              Assign: { local: '{% $states.result.Payload %}' },
              Output: '{% $local ?? $states.result.Payload %}',
              End: true,
            },
          },
        },
        Assign: { total: '{% $sum($states.result) %}' },
        Next: 'Check',
      },
      Check: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'check', Payload: '{% $total %}' },
        Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 2, MaxAttempts: 1 }],
        Catch: [
          {
            ErrorEquals: ['States.ALL'],
            Assign: { failure: '{% $states.errorOutput.Error %}' },
            Output: { total: '{% $total %}', run: '{% $runId %}' },
            Next: 'Report',
          },
        ],
        Next: 'Report',
      },
      Report: {
        Type: 'Pass',
        Output: { total: '{% $total %}', failure: '{% $failure %}', run: '{% $runId %}' },
        End: true,
      },
    },
  };
  const input = { values: [1, 2, 3, 4] };
  const tasks = () =>
    new FakeInvoker({
      square: (task) => {
        const n = (task.payload as { Payload: number }).Payload;
        return { Payload: n * n };
      },
      check: () => {
        throw new StatesError('Flaky', 'always');
      },
    });

  it('resumes every crash point to the same output, replaying variables as recorded', async () => {
    const journal = new RecordingJournal();
    const reference = await run({ definition, input, journal, invoker: tasks() });
    expect(reference).toMatchObject({ status: 'SUCCEEDED', output: { total: 30, failure: 'Flaky' } });
    const referenceOutput = (reference as { output: { run: string } }).output;
    const referenceTypes = types(journal).sort();
    for (const [index, snapshot] of journal.snapshots.entries()) {
      const finished = new Set(snapshot.stepKeys());
      const invoker = tasks();
      const outcome = await start({ definition, input, journal: snapshot, invoker }).outcome;
      const expectedRun = finished.has('/0') ? referenceOutput.run : expect.any(String);
      expect(outcome, `crash after write ${index}`).toEqual({
        status: 'SUCCEEDED',
        output: { ...referenceOutput, run: expectedRun },
      });
      expect(rerunFinished(invoker, finished), `crash after write ${index}`).toEqual([]);
      expect(types(snapshot).sort(), `crash after write ${index}`).toEqual(referenceTypes);
    }
  });
});

describe('a journal that cannot write', () => {
  class BrokenJournal extends MemoryJournal {
    private left: number;
    constructor(writesBeforeFailure: number) {
      super();
      this.left = writesBeforeFailure;
    }
    override async putStep(key: string, record: StepRecord): Promise<void> {
      if (this.left-- <= 0) throw new Error('store unavailable');
      await super.putStep(key, record);
    }
  }

  it('stops the run as a crash instead of failing the execution', async () => {
    const definition = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', End: true } } },
            {
              StartAt: 'M',
              States: {
                M: {
                  Type: 'Map',
                  ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
                  End: true,
                },
              },
            },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Succeed' },
      },
    };
    for (const writes of [0, 1, 2, 3]) {
      const outcome = start({ definition, input: [1, 2], journal: new BrokenJournal(writes) }).outcome;
      await expect(outcome, `after ${writes} writes`).rejects.toMatchObject({ name: 'JournalFailure' });
    }
  });
});
