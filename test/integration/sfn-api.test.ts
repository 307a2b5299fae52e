import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import type { StepFunctionsService } from '#local/sfn/index.ts';
import { startLocalStepFunctions } from '../helpers/sfn.ts';

const ROLE = 'arn:aws:iam::000000000000:role/local';
let ddb: DynamoDbLocal;
let service: StepFunctionsService;
let sfn: SFNClient;
const clock = new TestClock({ start: Date.UTC(2026, 0, 5) });

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  ({ service, sfn } = await startLocalStepFunctions(ddb, { clock }));
});

afterAll(async () => {
  sfn?.destroy();
  await service?.close();
  await ddb?.stop();
});

const PASS = JSON.stringify({
  StartAt: 'Hello',
  States: { Hello: { Type: 'Pass', Result: { greeting: 'xin chào' }, End: true } },
});
const WAIT_FOR_TOKEN = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    StartAt: 'Approve',
    States: {
      Approve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
        Parameters: {
          TopicArn: 'arn:aws:sns:ap-southeast-1:000000000000:approvals',
          'Message.$': '$$.Task.Token',
        },
        End: true,
        ...extra,
      },
    },
  });

let machines = 0;
async function machine(definition: string): Promise<string> {
  const out = await sfn.send(
    new CreateStateMachineCommand({ name: `m${++machines}`, definition, roleArn: ROLE }),
  );
  return out.stateMachineArn as string;
}

async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  await service.engine.idle();
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** The token the execution's task published (the sns:publish outbox entry's message). */
async function tokenOf(executionArn: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const entry = (await service.store.listOutbox()).find((e) => e.executionArn === executionArn);
    if (entry) return (entry.message as { Message: string }).Message;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no task token published by ${executionArn}`);
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

describe('state machines through the Step Functions API', () => {
  it('creates, describes, lists and deletes a state machine', async () => {
    const created = await sfn.send(
      new CreateStateMachineCommand({ name: 'greeter', definition: PASS, roleArn: ROLE }),
    );
    expect(created.stateMachineArn).toBe('arn:aws:states:ap-southeast-1:000000000000:stateMachine:greeter');
    expect(created.creationDate).toBeInstanceOf(Date);
    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }),
    );
    expect(described).toMatchObject({
      name: 'greeter',
      status: 'ACTIVE',
      definition: PASS,
      roleArn: ROLE,
      type: 'STANDARD',
    });
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.name)).toContain('greeter');
    await sfn.send(new DeleteStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    const gone = await errorOf(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
    );
    expect(gone.name).toBe('StateMachineDoesNotExist');
  });

  it('answers an identical CreateStateMachine with the existing machine and refuses a different one', async () => {
    const first = await sfn.send(
      new CreateStateMachineCommand({ name: 'twice', definition: PASS, roleArn: ROLE }),
    );
    const again = await sfn.send(
      new CreateStateMachineCommand({ name: 'twice', definition: PASS, roleArn: ROLE }),
    );
    expect(again.stateMachineArn).toBe(first.stateMachineArn);
    const other = await errorOf(
      sfn.send(new CreateStateMachineCommand({ name: 'twice', definition: WAIT_FOR_TOKEN(), roleArn: ROLE })),
    );
    expect(other.name).toBe('StateMachineAlreadyExists');
  });

  it('refuses a definition that is not JSON, an unsupported resource and a bad name', async () => {
    const notJson = await errorOf(
      sfn.send(new CreateStateMachineCommand({ name: 'bad', definition: '{', roleArn: ROLE })),
    );
    expect(notJson.name).toBe('InvalidDefinition');
    const unsupported = JSON.stringify({
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
    });
    const refused = await errorOf(
      sfn.send(new CreateStateMachineCommand({ name: 'sqs', definition: unsupported, roleArn: ROLE })),
    );
    expect(refused.name).toBe('InvalidDefinition');
    expect(refused.message).toContain('arn:aws:states:::sqs:sendMessage');
    const badName = await errorOf(
      sfn.send(new CreateStateMachineCommand({ name: 'has space', definition: PASS, roleArn: ROLE })),
    );
    expect(badName.name).toBe('InvalidName');
  });

  it('answers malformed requests with ValidationException and malformed ARNs with InvalidArn', async () => {
    const noRole = await errorOf(
      sfn.send(
        new CreateStateMachineCommand({
          name: 'x',
          definition: PASS,
          roleArn: undefined as unknown as string,
        }),
      ),
    );
    expect(noRole.name).toBe('ValidationException');
    const badArn = await errorOf(sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' })));
    expect(badArn.name).toBe('InvalidArn');
    const noSuch = await errorOf(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: 'arn:aws:states:ap-southeast-1:000000000000:execution:nope:nope',
        }),
      ),
    );
    expect(noSuch.name).toBe('ExecutionDoesNotExist');
  });
});

describe('executions through the Step Functions API', () => {
  it('runs an execution to its output', async () => {
    const arn = await machine(PASS);
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'run-1', input: '{}' }),
    );
    expect(started.executionArn).toBe('arn:aws:states:ap-southeast-1:000000000000:execution:m1:run-1');
    const done = await finished(started.executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ greeting: 'xin chào' });
    expect(done.startDate?.getTime()).toBe(clock.now());
    expect(done.stopDate).toBeInstanceOf(Date);
  });

  it('returns the same execution for the same name and input while it runs, and refuses otherwise', async () => {
    const arn = await machine(WAIT_FOR_TOKEN());
    const input = JSON.stringify({ application: 'A-1' });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'A-1', input }));
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'A-1', input }));
    expect(again.executionArn).toBe(first.executionArn);
    const otherInput = await errorOf(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: 'A-1', input: '{"application":"A-2"}' }),
      ),
    );
    expect(otherInput.name).toBe('ExecutionAlreadyExists');
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: await tokenOf(first.executionArn as string), output: '{}' }),
    );
    expect((await finished(first.executionArn as string)).status).toBe('SUCCEEDED');
    const afterEnd = await errorOf(
      sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'A-1', input })),
    );
    expect(afterEnd.name).toBe('ExecutionAlreadyExists');
  });

  it('refuses input that is not JSON and a machine that does not exist', async () => {
    const arn = await machine(PASS);
    const bad = await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{nope' })));
    expect(bad.name).toBe('InvalidExecutionInput');
    const missing = await errorOf(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: 'arn:aws:states:ap-southeast-1:000000000000:stateMachine:none',
        }),
      ),
    );
    expect(missing.name).toBe('StateMachineDoesNotExist');
  });

  it('lists executions by status, a page at a time', async () => {
    const arn = await machine(PASS);
    for (let i = 0; i < 5; i++)
      await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: `e${i}` }));
    await service.engine.idle();
    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 3 }));
    expect(first.executions).toHaveLength(3);
    expect(first.nextToken).toBeDefined();
    const second = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 3, nextToken: first.nextToken }),
    );
    expect(second.executions).toHaveLength(2);
    expect(second.nextToken).toBeUndefined();
    const names = [...(first.executions ?? []), ...(second.executions ?? [])].map((e) => e.name).sort();
    expect(names).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions).toEqual([]);
  });

  it('records the history with AWS event types, in order, forwards and backwards', async () => {
    const arn = await machine(PASS);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"a":1}' }),
    );
    await finished(executionArn as string);
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const events = history.events ?? [];
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events[0]?.executionStartedEventDetails?.input).toBe('{"a":1}');
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }),
    );
    expect(reversed.events?.[0]?.type).toBe('ExecutionSucceeded');
    expect(reversed.nextToken).toBeDefined();
    const withoutData = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );
    expect(withoutData.events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
  });

  it('stops an execution: ABORTED, an ExecutionAborted event, and its task token refused', async () => {
    const arn = await machine(WAIT_FOR_TOKEN());
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const token = await tokenOf(executionArn as string);
    await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Withdrawn', cause: 'investor withdrew' }),
    );
    const done = await finished(executionArn as string);
    expect(done.status).toBe('ABORTED');
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(history.events?.[0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Withdrawn', cause: 'investor withdrew' },
    });
    const late = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(late.name).toBe('TaskDoesNotExist');
  });

  it('describes an execution that ended here as the store holds it: succeeded, failed, stopped', async () => {
    const fail = JSON.stringify({
      StartAt: 'No',
      States: { No: { Type: 'Fail', Error: 'Refused', Cause: 'zone full' } },
    });
    const arns: string[] = [];
    for (const definition of [PASS, fail]) {
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: await machine(definition) }),
      );
      arns.push(started.executionArn as string);
    }
    const waiting = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: await machine(WAIT_FOR_TOKEN()) }),
    );
    await tokenOf(waiting.executionArn as string);
    await sfn.send(new StopExecutionCommand({ executionArn: waiting.executionArn, error: 'Withdrawn' }));
    arns.push(waiting.executionArn as string);
    await service.engine.idle();
    const seen = new Set<string>();
    for (const executionArn of arns) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const stored = await service.store.getExecution(executionArn);
      seen.add(String(described.status));
      expect({
        status: described.status,
        output: described.output,
        error: described.error,
        cause: described.cause,
        input: described.input,
        startDate: described.startDate?.getTime(),
        stopDate: described.stopDate?.getTime(),
      }).toEqual({
        status: stored?.status,
        output: stored?.output,
        error: stored?.error,
        cause: stored?.cause,
        input: stored?.input,
        startDate: stored?.startDate,
        stopDate: stored?.stopDate,
      });
    }
    expect([...seen].sort()).toEqual(['ABORTED', 'FAILED', 'SUCCEEDED']);
  });

  it('times an execution out after the definition TimeoutSeconds', async () => {
    const definition = JSON.parse(WAIT_FOR_TOKEN()) as Record<string, unknown>;
    const arn = await machine(JSON.stringify({ ...definition, TimeoutSeconds: 60 }));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    await tokenOf(executionArn as string);
    clock.advance(61_000);
    const done = await finished(executionArn as string);
    expect(done.status).toBe('TIMED_OUT');
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(history.events?.[0]?.type).toBe('ExecutionTimedOut');
  });
});

describe('task tokens through the Step Functions API', () => {
  it('completes a waiting task with SendTaskSuccess and refuses the token afterwards', async () => {
    const arn = await machine(WAIT_FOR_TOKEN());
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const token = await tokenOf(executionArn as string);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    const done = await finished(executionArn as string);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ approved: true });
    const again = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(again.name).toBe('TaskDoesNotExist');
  });

  it('fails a waiting task with SendTaskFailure', async () => {
    const arn = await machine(WAIT_FOR_TOKEN());
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const token = await tokenOf(executionArn as string);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: token, error: 'Rejected', cause: 'zone board said no' }),
    );
    const done = await finished(executionArn as string);
    expect(done).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'zone board said no' });
  });

  it('tells a malformed token from an unknown one, and refuses output that is not JSON', async () => {
    for (const taskToken of ['not a token', 'abc']) {
      const malformed = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' })));
      expect(malformed.name).toBe('InvalidToken');
    }
    const unknown = await errorOf(
      sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'AAAAbbbbCCCCddddEEEEffffGGGGhhhh' })),
    );
    expect(unknown.name).toBe('TaskDoesNotExist');
    const arn = await machine(WAIT_FOR_TOKEN());
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const token = await tokenOf(executionArn as string);
    const badOutput = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{' })));
    expect(badOutput.name).toBe('InvalidOutput');
    await sfn.send(new StopExecutionCommand({ executionArn }));
  });

  it('keeps a task alive while heartbeats arrive and times it out when they stop', async () => {
    const arn = await machine(WAIT_FOR_TOKEN({ HeartbeatSeconds: 10 }));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const token = await tokenOf(executionArn as string);
    clock.advance(8_000);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    clock.advance(8_000);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    clock.advance(10_001);
    const done = await finished(executionArn as string);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    const late = await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
    expect(late.name).toBe('TaskTimedOut');
  });

  it('answers TaskTimedOut for a token whose task timed out', async () => {
    const arn = await machine(WAIT_FOR_TOKEN({ TimeoutSeconds: 30 }));
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn }));
    const token = await tokenOf(executionArn as string);
    clock.advance(31_000);
    const done = await finished(executionArn as string);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const late = await errorOf(sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Late' })));
    expect(late.name).toBe('TaskTimedOut');
  });
});
