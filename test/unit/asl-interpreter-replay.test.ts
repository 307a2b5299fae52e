/**
 * Durability by replay: the memory journal is snapshotted while an execution is parked (in a Wait, waiting
 * for a task token, between retries, inside a Map, with a task in flight), the first run is abandoned as a
 * crashed process would be, and a fresh runExecution resumes from the snapshot.
 */
import { describe, expect, it } from 'vitest';
import type { MemoryJournal } from '#local/sfn/asl/memory-journal.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import type { RunOutcome } from '#local/sfn/contracts.ts';
import { StatesError } from '#local/sfn/contracts.ts';
import {
  FakeInvoker,
  lambda,
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

function types(journal: MemoryJournal): string[] {
  return journal.history().map((e) => e.type);
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

    const clock = new TestClock();
    const startedAt = clock.now();
    const first = start({ definition: waitBetweenTasks, invoker, clock });
    await clock.whenSleeping();
    const snapshot = await crash(first);

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
    const clock = new TestClock();
    const startedAt = clock.now();
    const first = start({ definition, invoker, clock });
    await clock.whenSleeping();
    const snapshot = await crash(first);

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
    const clock = new TestClock();
    const first = start({ definition, clock });
    await clock.whenSleeping();
    const snapshot = await crash(first);
    const later = new TestClock({ start: clock.now() + 5_000 });
    const outcome = await start({ definition, clock: later, journal: snapshot }).outcome;
    const exited = snapshot.history().find((e) => e.type === 'PassStateExited');
    const details = exited?.details.stateExitedEventDetails as
      | { assignedVariables: { greeting: string } }
      | undefined;
    const assigned = details?.assignedVariables.greeting ?? 'missing';
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: JSON.parse(assigned) });
  });
});
