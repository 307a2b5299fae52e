import { describe, expect, it } from 'vitest';
import { validateDefinition } from '#local/sfn/asl/interpreter.ts';
import { systemClock, TestClock } from '#local/sfn/asl/test-clock.ts';
import { StatesError } from '#local/sfn/contracts.ts';
import { FakeInvoker, hangingTask, lambda, run, settle, start } from './asl-interpreter-helpers.ts';

const fail = (error: string, cause = 'boom') => {
  throw new StatesError(error, cause);
};

describe('history events', () => {
  it('records entered/exited events in AWS shapes, with ids counting ExecutionStarted', async () => {
    const result = await run({
      definition: {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Result: { x: 1 }, Assign: { seen: true }, Next: 'B' },
          B: { Type: 'Succeed' },
        },
      },
      input: { in: 1 },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { x: 1 } });
    const history = result.journal.history();
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
    ]);
    expect(history[1]).toMatchObject({
      id: 2,
      details: {
        stateEnteredEventDetails: { name: 'A', input: '{"in":1}', inputDetails: { truncated: false } },
      },
    });
    expect(history[2]?.details).toEqual({
      stateExitedEventDetails: {
        name: 'A',
        output: '{"x":1}',
        outputDetails: { truncated: false },
        assignedVariables: { seen: 'true' },
        assignedVariablesDetails: { truncated: false },
      },
    });
  });

  it('records Task events for an optimised integration and Lambda events for a bare function ARN', async () => {
    const invoker = new FakeInvoker({ one: () => ({ Payload: 1 }), fn: () => 2 });
    const result = await run({
      definition: {
        StartAt: 'Opt',
        States: {
          Opt: lambda('one', { TimeoutSeconds: 30, ResultSelector: { 'v.$': '$.Payload' }, Next: 'Bare' }),
          Bare: { Type: 'Task', Resource: 'arn:aws:lambda:eu-west-1:111111111111:function:fn', End: true },
        },
      },
      input: { a: 1 },
      invoker,
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: 2 });
    const history = result.journal.history();
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
    ]);
    expect(history[2]?.details).toEqual({
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        region: 'eu-west-1',
        parameters: '{"FunctionName":"one","Payload":{"a":1}}',
        timeoutInSeconds: 30,
      },
    });
    expect(history[7]?.details).toEqual({
      lambdaFunctionScheduledEventDetails: {
        resource: 'arn:aws:lambda:eu-west-1:111111111111:function:fn',
        input: '{"v":1}',
        inputDetails: { truncated: false },
      },
    });
  });
});

describe('history of Map and Choice with variables (as AWS records them)', () => {
  it('lists iteration events around each iteration and assigned variables only where assigned', async () => {
    const result = await run({
      input: { condition: true },
      definition: {
        QueryLanguage: 'JSONata',
        StartAt: 'Choose',
        States: {
          Choose: {
            Type: 'Choice',
            Choices: [
              { Condition: '{% $states.input.condition %}', Next: 'Each', Assign: { picked: 'rule' } },
            ],
            Default: 'Each',
            Assign: { picked: 'default' },
          },
          Each: {
            Type: 'Map',
            Items: [1, 2],
            MaxConcurrency: 1,
            ItemProcessor: {
              StartAt: 'Inner',
              States: { Inner: { Type: 'Pass', Assign: { innerX: 42 }, End: true } },
            },
            Assign: {},
            End: true,
          },
        },
      },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: [1, 2] });
    const history = result.journal.history();
    expect(history.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'MapStateEntered',
      'MapStateStarted',
      'MapIterationStarted',
      'PassStateEntered',
      'PassStateExited',
      'MapIterationSucceeded',
      'MapIterationStarted',
      'PassStateEntered',
      'PassStateExited',
      'MapIterationSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
    ]);
    expect(history[2]?.details.stateExitedEventDetails).toMatchObject({
      assignedVariables: { picked: '"rule"' },
    });
    expect(history[4]?.details).toEqual({ mapStateStartedEventDetails: { length: 2 } });
    expect(history[9]?.details).toEqual({ mapIterationStartedEventDetails: { name: 'Each', index: 1 } });
    expect(history[7]?.details.stateExitedEventDetails).toMatchObject({
      assignedVariables: { innerX: '42' },
    });
    expect(history[14]?.details.stateExitedEventDetails).not.toHaveProperty('assignedVariables');
  });
});

describe('Retry', () => {
  it('waits IntervalSeconds × BackoffRate^n between attempts, capped by MaxDelaySeconds', async () => {
    const clock = new TestClock({ auto: true });
    const invoker = new FakeInvoker({ flaky: (_t, call) => (call < 4 ? fail('Flaky') : 'ok') });
    const result = await run({
      clock,
      invoker,
      definition: {
        StartAt: 'T',
        States: {
          T: lambda('flaky', {
            Retry: [
              {
                ErrorEquals: ['Flaky'],
                IntervalSeconds: 2,
                BackoffRate: 3,
                MaxDelaySeconds: 10,
                MaxAttempts: 5,
              },
            ],
            End: true,
          }),
        },
      },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: 'ok' });
    expect(invoker.callsTo('flaky')).toBe(4);
    expect(clock.sleeps.map((s) => (s.until - s.from) / 1000)).toEqual([2, 6, 10]);
  });

  it('gives up after MaxAttempts and fails with the last error', async () => {
    const invoker = new FakeInvoker({ bad: () => fail('Bad', 'still bad') });
    const result = await run({
      invoker,
      definition: {
        StartAt: 'T',
        States: { T: lambda('bad', { Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }], End: true }) },
      },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Bad', cause: 'still bad' });
    expect(invoker.callsTo('bad')).toBe(3);
  });

  it('does not retry when MaxAttempts is 0', async () => {
    const invoker = new FakeInvoker({ bad: () => fail('Bad') });
    const result = await run({
      invoker,
      definition: {
        StartAt: 'T',
        States: { T: lambda('bad', { Retry: [{ ErrorEquals: ['Bad'], MaxAttempts: 0 }], End: true }) },
      },
    });
    expect(result.status).toBe('FAILED');
    expect(invoker.callsTo('bad')).toBe(1);
  });

  it('uses only the first matching retrier, and States.TaskFailed matches custom errors', async () => {
    const clock = new TestClock({ auto: true });
    const invoker = new FakeInvoker({ bad: () => fail('Custom') });
    await run({
      clock,
      invoker,
      definition: {
        StartAt: 'T',
        States: {
          T: lambda('bad', {
            Retry: [
              { ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1, IntervalSeconds: 7 },
              { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
            ],
            End: true,
          }),
        },
      },
    });
    expect(invoker.callsTo('bad')).toBe(2);
    expect(clock.sleeps.map((s) => s.until - s.from)).toEqual([7000]);
  });

  it('never retries nor catches States.Runtime, even with States.ALL', async () => {
    const result = await run({
      definition: {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Parallel',
            Branches: [{ StartAt: 'P', States: { P: { Type: 'Pass', InputPath: '$.missing', End: true } } }],
            Retry: [{ ErrorEquals: ['States.ALL'] }],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Succeed' },
        },
      },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect((result as { cause: string }).cause).toContain("An error occurred while executing the state 'P'");
  });

  it('draws full jitter between 0 and the computed delay', async () => {
    const clock = new TestClock({ auto: true });
    const invoker = new FakeInvoker({ flaky: (_t, call) => (call < 3 ? fail('Flaky') : 'ok') });
    await run({
      clock,
      invoker,
      definition: {
        StartAt: 'T',
        States: {
          T: lambda('flaky', {
            Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 4, JitterStrategy: 'FULL' }],
            End: true,
          }),
        },
      },
    });
    const delays = clock.sleeps.map((s) => s.until - s.from);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThanOrEqual(4000);
    expect(delays[1]).toBeLessThanOrEqual(8000);
    expect(delays.every((d) => d >= 0)).toBe(true);
  });

  it('exposes the attempt number as $$.State.RetryCount', async () => {
    const invoker = new FakeInvoker({ flaky: (t, call) => (call < 3 ? fail('Flaky') : t.payload) });
    const result = await run({
      invoker,
      definition: {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'flaky', 'retry.$': '$$.State.RetryCount' },
            Retry: [{ ErrorEquals: ['Flaky'] }],
            End: true,
          },
        },
      },
    });
    expect(result).toMatchObject({ output: { FunctionName: 'flaky', retry: 2 } });
  });
});

describe('Catch', () => {
  it('puts the error object at ResultPath and goes to Next', async () => {
    const invoker = new FakeInvoker({ bad: () => fail('Oops', 'it broke') });
    const result = await run({
      invoker,
      input: { keep: 1 },
      definition: {
        StartAt: 'T',
        States: {
          T: lambda('bad', {
            Catch: [{ ErrorEquals: ['Oops'], ResultPath: '$.error', Next: 'After' }],
            End: true,
          }),
          After: { Type: 'Pass', End: true },
        },
      },
    });
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { keep: 1, error: { Error: 'Oops', Cause: 'it broke' } },
    });
    expect(result.journal.history().map((e) => e.type)).toContain('TaskFailed');
  });

  it('shapes a JSONata catch with Output and Assign over $states.errorOutput', async () => {
    const invoker = new FakeInvoker({ bad: () => fail('Oops', 'it broke') });
    const result = await run({
      invoker,
      input: { order: 7 },
      definition: {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Arguments: { FunctionName: 'bad' },
            Catch: [
              {
                ErrorEquals: ['States.ALL'],
                Output: { order: '{% $states.input.order %}', why: '{% $states.errorOutput.Error %}' },
                Assign: { lastCause: '{% $states.errorOutput.Cause %}' },
                Next: 'After',
              },
            ],
            End: true,
          },
          After: {
            Type: 'Pass',
            Output: { got: '{% $states.input %}', cause: '{% $lastCause %}' },
            End: true,
          },
        },
      },
    });
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { got: { order: 7, why: 'Oops' }, cause: 'it broke' },
    });
  });

  it('catches a failed Parallel branch by its error name', async () => {
    const result = await run({
      definition: {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'BranchBroke', Cause: 'why' } } },
              { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 100, End: true } } },
            ],
            Catch: [{ ErrorEquals: ['BranchBroke'], Next: 'Handled' }],
            End: true,
          },
          Handled: { Type: 'Pass', End: true },
        },
      },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { Error: 'BranchBroke', Cause: 'why' } });
    const types = result.journal.history().map((e) => e.type);
    expect(types).toContain('ParallelStateFailed');
    expect(types).not.toContain('WaitStateExited');
  });
  it('gives Catch an empty Cause when the failure named none', async () => {
    const result = await run({
      definition: {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'NoCause' } } }],
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.err', Next: 'Done' }],
            End: true,
          },
          Done: { Type: 'Succeed' },
        },
      },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { err: { Error: 'NoCause', Cause: '' } } });
  });
});

describe('JSONPath Assign', () => {
  it('reads the raw task result, before ResultSelector', async () => {
    const invoker = new FakeInvoker({ f: () => ({ Payload: { id: 42 }, StatusCode: 200 }) });
    const result = await run({
      invoker,
      definition: {
        StartAt: 'T',
        States: {
          T: lambda('f', {
            ResultSelector: { 'selected.$': '$.Payload.id' },
            Assign: { 'status.$': '$.StatusCode' },
            Next: 'Show',
          }),
          Show: { Type: 'Pass', Parameters: { 'status.$': '$status', 'in.$': '$' }, End: true },
        },
      },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { status: 200, in: { selected: 42 } } });
  });
});

describe('Task timeouts and heartbeats', () => {
  it('fails with States.Timeout after TimeoutSeconds and aborts the invocation', async () => {
    const clock = new TestClock();
    const slow = hangingTask();
    const invoker = new FakeInvoker({ slow: slow.handler });
    const started = start({
      clock,
      invoker,
      definition: { StartAt: 'T', States: { T: lambda('slow', { TimeoutSeconds: 10, End: true }) } },
    });
    await clock.whenSleeping();
    expect(invoker.calls[0]?.timeoutAt).toBe(clock.now() + 10_000);
    clock.advance(9_999);
    await settle();
    expect(slow.aborted()).toBe(false);
    clock.advance(1);
    const outcome = await started.outcome;
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(slow.aborted()).toBe(true);
    expect(started.journal.history().map((e) => e.type)).toContain('TaskTimedOut');
  });

  it('takes TimeoutSecondsPath and HeartbeatSecondsPath from the input and hands the heartbeat to the invoker', async () => {
    const invoker = new FakeInvoker({ ok: () => 'done' });
    await run({
      invoker,
      input: { t: 60, h: 5 },
      definition: {
        StartAt: 'T',
        States: {
          T: lambda('ok', { TimeoutSecondsPath: '$.t', HeartbeatSecondsPath: '$.h', End: true }),
        },
      },
    });
    expect(invoker.calls[0]?.heartbeatSeconds).toBe(5);
    expect(invoker.calls[0]?.timeoutAt).toBeDefined();
  });

  it('lets a States.Timeout retrier handle a missed heartbeat', async () => {
    const invoker = new FakeInvoker({
      beat: (_t, call) => (call === 1 ? fail('States.HeartbeatTimeout', '') : 'alive'),
    });
    const result = await run({
      invoker,
      definition: {
        StartAt: 'T',
        States: {
          T: lambda('beat', { HeartbeatSeconds: 5, Retry: [{ ErrorEquals: ['States.Timeout'] }], End: true }),
        },
      },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: 'alive' });
  });
});

describe('task tokens', () => {
  it('hands one token to the invoker and exposes it as $$.Task.Token and $states.context.Task.Token', async () => {
    let release: (value: unknown) => void = () => {};
    const invoker = new FakeInvoker({
      wait: () =>
        new Promise((resolve) => {
          release = resolve;
        }),
    });
    const started = start({
      invoker,
      definition: {
        StartAt: 'Path',
        States: {
          Path: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: 'wait', Payload: { 'token.$': '$$.Task.Token' } },
            Next: 'Ata',
          },
          Ata: {
            Type: 'Task',
            QueryLanguage: 'JSONata',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Arguments: { FunctionName: 'wait', Payload: { token: '{% $states.context.Task.Token %}' } },
            End: true,
          },
        },
      },
    });
    await settle();
    const first = invoker.calls[0];
    expect(first?.taskToken).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect((first?.payload as { Payload: { token: string } } | undefined)?.Payload.token).toBe(
      first?.taskToken,
    );
    release({ from: 'callback' });
    await settle();
    const second = invoker.calls[1];
    expect((second?.payload as { Payload: { token: string } } | undefined)?.Payload.token).toBe(
      second?.taskToken,
    );
    expect(second?.taskToken).not.toBe(first?.taskToken);
    release({ done: true });
    expect(await started.outcome).toMatchObject({ status: 'SUCCEEDED', output: { done: true } });
  });
});

describe('Map', () => {
  const evenFails = (tolerance: Record<string, unknown>) => ({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemProcessor: {
          StartAt: 'C',
          States: {
            C: {
              Type: 'Choice',
              Choices: [{ Variable: '$.n', NumericGreaterThan: 2, Next: 'Bad' }],
              Default: 'Ok',
            },
            Bad: { Type: 'Fail', Error: 'TooBig' },
            Ok: { Type: 'Pass', End: true },
          },
        },
        ...tolerance,
        End: true,
      },
    },
  });
  const items = [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }];

  it('succeeds while failures stay within ToleratedFailureCount', async () => {
    const result = await run({ definition: evenFails({ ToleratedFailureCount: 2 }), input: items });
    expect(result.status).toBe('SUCCEEDED');
    expect((result as { output: unknown[] }).output.slice(0, 2)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('fails with States.ExceedToleratedFailureThreshold beyond the tolerated percentage', async () => {
    const result = await run({ definition: evenFails({ ToleratedFailurePercentage: 25 }), input: items });
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
  });

  it('fails with the iteration error when nothing is tolerated', async () => {
    const result = await run({ definition: evenFails({}), input: items });
    expect(result).toMatchObject({ status: 'FAILED', error: 'TooBig' });
    expect(result.journal.history().map((e) => e.type)).toContain('MapIterationFailed');
  });

  it('never runs more iterations at once than MaxConcurrency', async () => {
    let running = 0;
    let peak = 0;
    const invoker = new FakeInvoker({
      work: async () => {
        running++;
        peak = Math.max(peak, running);
        await settle(2);
        running--;
        return 'ok';
      },
    });
    const result = await run({
      invoker,
      input: [1, 2, 3, 4, 5, 6, 7],
      definition: {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            MaxConcurrency: 2,
            ItemProcessor: { StartAt: 'W', States: { W: lambda('work', { End: true }) } },
            End: true,
          },
        },
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(invoker.callsTo('work')).toBe(7);
    expect(peak).toBe(2);
  });
});

describe('variables', () => {
  it('lets branches read outer variables while keeping their own assignments inside', async () => {
    const result = await run({
      definition: {
        QueryLanguage: 'JSONata',
        StartAt: 'Init',
        States: {
          Init: { Type: 'Pass', Assign: { x: 1, y: 'outer' }, Next: 'P' },
          P: {
            Type: 'Parallel',
            Branches: [
              {
                StartAt: 'B',
                States: {
                  B: { Type: 'Pass', Assign: { y: 'inner', z: '{% $x + 1 %}' }, Next: 'B2' },
                  B2: { Type: 'Pass', Output: { y: '{% $y %}', z: '{% $z %}' }, End: true },
                },
              },
            ],
            Next: 'After',
          },
          After: { Type: 'Pass', Output: { branch: '{% $states.input[0] %}', y: '{% $y %}' }, End: true },
        },
      },
    });
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { branch: { y: 'inner', z: 2 }, y: 'outer' },
    });
  });

  it('evaluates every Assign expression with the values from before the state', async () => {
    const result = await run({
      definition: {
        QueryLanguage: 'JSONata',
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Assign: { a: 1, b: 10 }, Next: 'B' },
          B: { Type: 'Pass', Assign: { a: '{% $b %}', b: '{% $a %}' }, Output: '{% [$a, $b] %}', Next: 'C' },
          C: { Type: 'Pass', Output: '{% [$a, $b] %}', End: true },
        },
      },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: [10, 1] });
  });
});

describe('StopExecution', () => {
  it('rejects promptly with the reason and aborts a pending invocation', async () => {
    const hang = hangingTask();
    const invoker = new FakeInvoker({ hang: hang.handler });
    const started = start({
      invoker,
      clock: new TestClock(),
      definition: {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'T', States: { T: lambda('hang', { End: true }) } },
              { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } },
            ],
            End: true,
          },
        },
      },
    });
    await started.clock.whenSleeping();
    await settle();
    const reason = new Error('stopped by the user');
    started.controller.abort(reason);
    await expect(started.outcome).rejects.toBe(reason);
    expect(hang.aborted()).toBe(true);
    expect(started.clock.pending()).toBe(0);
  });
});

describe('Wait', () => {
  it('waits until a Timestamp and for SecondsPath seconds', async () => {
    const clock = new TestClock({ auto: true });
    const startedAt = clock.now();
    const result = await run({
      clock,
      input: { s: 30 },
      definition: {
        StartAt: 'A',
        States: {
          A: { Type: 'Wait', SecondsPath: '$.s', Next: 'B' },
          B: { Type: 'Wait', Timestamp: '2024-01-02T00:00:00Z', End: true },
        },
      },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(clock.sleeps.map((s) => s.until)).toEqual([
      startedAt + 30_000,
      Date.parse('2024-01-02T00:00:00Z'),
    ]);
  });
});

describe('validateDefinition', () => {
  const invoker = new FakeInvoker({});

  it('accepts a valid definition', () => {
    expect(
      validateDefinition(
        { StartAt: 'A', States: { A: lambda('f', { Next: 'B' }), B: { Type: 'Succeed' } } },
        invoker,
      ),
    ).toEqual([]);
  });

  it('reports a missing StartAt, an unknown Next and a state without Next or End', () => {
    const problems = validateDefinition({
      States: { A: { Type: 'Pass', Next: 'Nowhere' }, B: { Type: 'Pass' } },
    });
    expect(problems).toContain('SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /');
    expect(problems).toContain("MISSING_TRANSITION_TARGET: Missing 'Next' target: Nowhere at /States/A/Next");
    expect(
      problems.some((p) => p.includes("'Next' field or an 'End' field") && p.endsWith('/States/B')),
    ).toBe(true);
  });

  it('reports unreachable states and bad targets inside branches', () => {
    const problems = validateDefinition({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', Next: 'Y' } } }],
          End: true,
        },
        Orphan: { Type: 'Succeed' },
      },
    });
    expect(problems).toContain(
      "MISSING_TRANSITION_TARGET: Missing 'Next' target: Y at /States/P/Branches[0]/States/X/Next",
    );
    expect(problems).toContain(
      'MISSING_TRANSITION_TARGET: State "Orphan" is not reachable. at /States/Orphan',
    );
  });

  it('refuses JSONPath fields in JSONata states and JSONata fields in JSONPath states', () => {
    const problems = validateDefinition({
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', QueryLanguage: 'JSONata', InputPath: '$.x', Next: 'B' },
        B: { Type: 'Pass', Output: {}, End: true },
      },
    });
    expect(problems.some((p) => p.includes("'InputPath'") && p.endsWith('/States/A/InputPath'))).toBe(true);
    expect(problems.some((p) => p.includes("'Output'") && p.endsWith('/States/B/Output'))).toBe(true);
  });

  it('names the state and the resource the invoker refuses', () => {
    const problems = validateDefinition(
      {
        StartAt: 'Send',
        States: { Send: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
      },
      invoker,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("state 'Send'");
    expect(problems[0]).toContain('arn:aws:states:::sqs:sendMessage');
  });

  it('refuses malformed paths and template values in JSONPath states', () => {
    const problems = validateDefinition({
      StartAt: 'A',
      States: {
        A: {
          Type: 'Pass',
          InputPath: 'no-dollar',
          ResultPath: '$.items[*]',
          Parameters: { 'ok.$': '$$.Execution.Id', 'var.$': '$myVar.field', 'bad.$': 'States.Nope(' },
          End: true,
        },
      },
    });
    expect(problems).toHaveLength(3);
    expect(problems.some((p) => p.endsWith('/States/A/InputPath'))).toBe(true);
    expect(problems.some((p) => p.endsWith('/States/A/ResultPath'))).toBe(true);
    expect(problems.some((p) => p.includes("'bad.$'") && p.endsWith('/States/A/Parameters/bad.$'))).toBe(
      true,
    );
  });

  it('refuses fields a state type does not have, and distributed Map fields', () => {
    const problems = validateDefinition({
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', Seconds: 1, Resource: 'x', Next: 'M' },
        M: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject' },
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    });
    expect(problems).toEqual([
      "SCHEMA_VALIDATION_FAILED: Field 'Resource' is not supported by Wait states at /States/W/Resource",
      "SCHEMA_VALIDATION_FAILED: Field 'ItemReader' belongs to distributed Maps, which this engine does not run at /States/M/ItemReader",
    ]);
  });

  it('refuses JSONata that does not parse and JSONPath choice rules without exactly one operator', () => {
    const problems = validateDefinition({
      StartAt: 'Check',
      States: {
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.n', NumericEquals: 1, StringEquals: 'x', Next: 'Ata' }],
          Default: 'Ata',
        },
        Ata: {
          Type: 'Pass',
          QueryLanguage: 'JSONata',
          Output: { bad: '{% $states.input. %}' },
          Next: 'Pick',
        },
        Pick: {
          Type: 'Choice',
          QueryLanguage: 'JSONata',
          Choices: [{ Condition: '{% true %}', Variable: '$.n', Next: 'Done' }],
        },
        Done: { Type: 'Succeed' },
      },
    });
    expect(problems).toHaveLength(3);
    expect(problems).toContain(
      "SCHEMA_VALIDATION_FAILED: The field 'Variable' is not supported in a JSONata choice rule at /States/Pick/Choices[0]/Variable",
    );
    expect(problems.some((p) => p.endsWith('/States/Check/Choices[0]'))).toBe(true);
    expect(
      problems.some(
        (p) => p.startsWith('INVALID_JSONATA_EXPRESSION') && p.endsWith('/States/Ata/Output/bad'),
      ),
    ).toBe(true);
  });

  it('requires States.ALL to be alone and in the last retrier', () => {
    const problems = validateDefinition({
      StartAt: 'T',
      States: {
        T: lambda('f', {
          Retry: [{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['X', 'States.ALL'] }],
          End: true,
        }),
      },
    });
    expect(problems.filter((p) => p.includes('States.ALL'))).toHaveLength(2);
  });
});

describe('clocks', () => {
  it('systemClock resolves a time already past at once and rejects with the reason when aborted', async () => {
    await expect(systemClock.sleepUntil(Date.now() - 1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const sleeping = systemClock.sleepUntil(Date.now() + 60_000, controller.signal);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
  });

  it('TestClock wakes sleepers in due order only when advanced past their time', async () => {
    const clock = new TestClock({ start: 0 });
    const woken: string[] = [];
    void clock.sleepUntil(2_000).then(() => woken.push('late'));
    void clock.sleepUntil(1_000).then(() => woken.push('early'));
    clock.advance(999);
    await settle(1);
    expect(woken).toEqual([]);
    clock.advance(5_000);
    await settle(1);
    expect(woken).toEqual(['early', 'late']);
    expect(clock.sleeps).toEqual([
      { from: 0, until: 2_000 },
      { from: 0, until: 1_000 },
    ]);
  });

  it('TestClock in auto mode gives real work idleMs before leaping past a timeout', async () => {
    const clock = new TestClock({ auto: true, idleMs: 50 });
    const invoker = new FakeInvoker({
      io: async () => {
        await settle(10);
        return 'answered';
      },
    });
    const result = await run({
      clock,
      invoker,
      definition: { StartAt: 'T', States: { T: lambda('io', { TimeoutSeconds: 1, End: true }) } },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: 'answered' });
  });

  it("gives JSONata's $now() the injected clock", async () => {
    const clock = new TestClock({ start: Date.parse('2030-05-06T07:08:09.000Z'), auto: true });
    const result = await run({
      clock,
      definition: {
        QueryLanguage: 'JSONata',
        StartAt: 'P',
        States: { P: { Type: 'Pass', Output: '{% $now() %}', End: true } },
      },
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '2030-05-06T07:08:09.000Z' });
  });

  it('TestClock in auto mode jumps to the next due sleeper when nothing else is running', async () => {
    const clock = new TestClock({ start: 0, auto: true });
    await clock.sleepUntil(86_400_000);
    expect(clock.now()).toBe(86_400_000);
  });
});
