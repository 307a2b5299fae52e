/**
 * The engine at scale, on DynamoDB Local through `@aws-sdk/client-sfn`: ListExecutions reads an index
 * (by state machine, by status, newest first) and pages with AWS's nextToken; listing the RUNNING
 * executions at start is a Query, never a Scan; GetExecutionHistory pages from the last event id sent,
 * so a running execution's new events neither repeat nor skip one; and a history that reaches 25,000
 * events fails the execution as AWS does.
 */
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import type { ExecutionStatus } from '#local/sfn/contracts.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';
import { DynamoStore, engineTableNames } from '#local/sfn/runtime/dynamo-store.ts';
import { localSfnClient, startLocalStepFunctions } from '../helpers/sfn.ts';
import { waiter } from '../helpers/until.ts';

const ROLE = 'arn:aws:iam::000000000000:role/local';
const STATUSES: ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
let ddb: DynamoDbLocal;
let service: StepFunctionsService;
let sfn: SFNClient;
const clock = new TestClock({ start: Date.UTC(2026, 0, 5) });

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  ({ service, sfn } = await startLocalStepFunctions(ddb, { clock, tablePrefix: 'scale-' }));
});

afterAll(async () => {
  sfn?.destroy();
  await service?.close();
  await ddb?.stop();
});

let machines = 0;
async function machine(definition: object): Promise<string> {
  const out = await sfn.send(
    new CreateStateMachineCommand({
      name: `scale${++machines}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    }),
  );
  return out.stateMachineArn as string;
}

/** Ends as the input says: waits for a task token (RUNNING), succeeds, or fails. */
const BY_INPUT = {
  StartAt: 'Which',
  States: {
    Which: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.end', StringEquals: 'hold', Next: 'Hold' },
        { Variable: '$.end', StringEquals: 'fail', Next: 'Broken' },
      ],
      Default: 'Done',
    },
    Hold: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
      Parameters: { TopicArn: 'arn:aws:sns:ap-southeast-1:000000000000:t', 'Message.$': '$$.Task.Token' },
      End: true,
    },
    Broken: { Type: 'Fail', Error: 'Broken', Cause: 'asked to' },
    Done: { Type: 'Succeed' },
  },
};

/** Every page of ListExecutions, following nextToken. */
async function listAll(stateMachineArn: string, maxResults: number, statusFilter?: ExecutionStatus) {
  const names: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, maxResults, statusFilter, nextToken }),
    );
    const items = page.executions ?? [];
    // AWS never sends an empty page with a token, nor a page over maxResults.
    expect(items.length).toBeLessThanOrEqual(maxResults);
    if (page.nextToken) expect(items.length).toBe(maxResults);
    names.push(...items.map((e) => e.name as string));
    nextToken = page.nextToken;
    pages++;
  } while (nextToken && pages < 1000);
  return names;
}

describe('ListExecutions', () => {
  it('pages through every status filter with nextToken, newest first, each execution once', async () => {
    const arn = await machine(BY_INPUT);
    const other = await machine(BY_INPUT);
    // The model: name → status it must end in, in start order (the clock moves 1 s between starts).
    const ends = ['hold', 'ok', 'fail', 'hold', 'ok', 'ok', 'hold', 'fail', 'ok', 'hold', 'ok'];
    const model: Array<{ name: string; status: ExecutionStatus }> = [];
    for (const [i, end] of ends.entries()) {
      const name = `x${String(i).padStart(2, '0')}`;
      await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify({ end }) }),
      );
      // Another machine's executions, started in between, must never show up.
      await sfn.send(new StartExecutionCommand({ stateMachineArn: other, input: JSON.stringify({ end }) }));
      model.push({ name, status: end === 'hold' ? 'RUNNING' : end === 'fail' ? 'FAILED' : 'SUCCEEDED' });
      clock.advance(1000);
    }
    await until('the started executions listed as RUNNING', async () => {
      const running = await listAll(arn, 1000, 'RUNNING');
      return running.length === model.filter((m) => m.status === 'RUNNING').length;
    });
    const newestFirst = [...model].reverse();

    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.option(fc.constantFrom(...STATUSES), { nil: undefined }),
        async (maxResults, status) => {
          const expected = newestFirst.filter((m) => !status || m.status === status).map((m) => m.name);
          expect(await listAll(arn, maxResults, status)).toEqual(expected);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses a nextToken that was altered or belongs to another query, naming InvalidToken', async () => {
    const arn = await machine(BY_INPUT);
    for (let i = 0; i < 3; i++) {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, input: '{"end":"ok"}' }),
      );
      await settled(executionArn);
      clock.advance(1000);
    }
    const first = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1 }));
    const token = first.nextToken as string;
    expect(token).toBeDefined();
    // Another filter than the token's query.
    await expect(
      sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: arn,
          maxResults: 1,
          statusFilter: 'FAILED',
          nextToken: token,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    // One character changed.
    const altered = `${token.slice(0, 5)}${token[5] === 'A' ? 'B' : 'A'}${token.slice(6)}`;
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1, nextToken: altered })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    // An offset, as the engine used to hand out.
    await expect(
      sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: arn,
          maxResults: 1,
          nextToken: Buffer.from('1').toString('base64url'),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('lists from the indexes: no Scan of the executions table, for ListExecutions or the resume', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    const commands: Array<{ command: string; table: unknown }> = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push({
          command: context.commandName ?? '?',
          table: (args.input as { TableName?: unknown }).TableName,
        });
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    try {
      const store = new DynamoStore(client, { prefix: 'scale-' });
      const arn = await machine(BY_INPUT);
      await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"end":"hold"}' }));
      await until('one execution RUNNING', async () => (await listAll(arn, 10, 'RUNNING')).length === 1);
      commands.length = 0;
      const running = await store.listRunningExecutions();
      expect(running.some((r) => r.stateMachineArn === arn)).toBe(true);
      const page = await store.listExecutions({ stateMachineArn: arn, status: 'RUNNING', limit: 10 });
      expect(page.items).toHaveLength(1);
      const all = await store.listExecutions({ stateMachineArn: arn, limit: 10 });
      expect(all.items).toHaveLength(1);
      const executions = engineTableNames('scale-').executions;
      expect(commands.filter((c) => c.table === executions).map((c) => c.command)).toEqual([
        'QueryCommand',
        'QueryCommand',
        'QueryCommand',
      ]);
    } finally {
      client.destroy();
    }
  });
});

describe('an executions table from before the indexes (data kept in DATA_DIR)', () => {
  it('gets its indexes and its executions their index keys at init, so they are listed and resumed', async () => {
    const client = localDynamoDbClient(ddb.endpoint);
    try {
      const table = engineTableNames('legacy-').executions;
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'executionArn', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'executionArn', KeyType: 'HASH' }],
        }),
      );
      const machineArn = 'arn:aws:states:ap-southeast-1:000000000000:stateMachine:legacy';
      const old = (name: string, status: ExecutionStatus, startDate: number) => ({
        executionArn: `arn:aws:states:ap-southeast-1:000000000000:execution:legacy:${name}`,
        stateMachineArn: machineArn,
        stateMachineName: 'legacy',
        name,
        status: { S: status },
        startDate,
      });
      for (const [name, status, startDate] of [
        ['old-1', 'RUNNING', 1_000],
        ['old-2', 'SUCCEEDED', 2_000],
      ] as const) {
        const r = old(name, status, startDate);
        await client.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              executionArn: { S: r.executionArn },
              stateMachineArn: { S: r.stateMachineArn },
              stateMachineName: { S: r.stateMachineName },
              name: { S: r.name },
              status: r.status,
              startDate: { N: String(r.startDate) },
              input: { S: '{}' },
              definition: { S: '{}' },
              roleArn: { S: ROLE },
            },
          }),
        );
      }
      const store = new DynamoStore(client, { prefix: 'legacy-' });
      await store.init();
      expect((await store.listRunningExecutions()).map((r) => r.name)).toEqual(['old-1']);
      const page = await store.listExecutions({ stateMachineArn: machineArn, limit: 10 });
      expect(page.items.map((r) => r.name)).toEqual(['old-2', 'old-1']);
      // A second init finds nothing left to do.
      await store.init();
      expect((await store.listRunningExecutions()).map((r) => r.name)).toEqual(['old-1']);
    } finally {
      client.destroy();
    }
  });
});

const until = waiter({ intervalMs: 25, timeoutMs: 20_000 });

/** Waits until each execution has left RUNNING (others, held at a task token, stay RUNNING). */
async function settled(...executionArns: Array<string | undefined>): Promise<void> {
  for (const executionArn of executionArns) {
    await until(
      `${executionArn} ended`,
      async () => (await service.engine.describeExecution({ executionArn })).status !== 'RUNNING',
    );
  }
}

async function tokenOf(executionArn: string): Promise<string> {
  let token: string | undefined;
  await until(`the task token of ${executionArn} in the outbox`, async () => {
    const entry = (await service.store.listOutbox()).find((e) => e.executionArn === executionArn);
    token = (entry?.message as { Message?: string } | undefined)?.Message;
    return token !== undefined;
  });
  return token as string;
}

describe('GetExecutionHistory', () => {
  it('pages backwards from the last event id sent while the execution keeps appending events', async () => {
    const arn = await machine(BY_INPUT);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: arn, input: '{"end":"hold"}' }),
    );
    const token = await tokenOf(executionArn as string);
    const first = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
    );
    const firstIds = (first.events ?? []).map((e) => e.id);
    expect(firstIds).toHaveLength(2);
    // The execution goes on: new events are appended after the first page was read.
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await settled(executionArn);
    const rest: HistoryEvent[] = [];
    let nextToken = first.nextToken;
    while (nextToken) {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2, nextToken }),
      );
      rest.push(...(page.events ?? []));
      nextToken = page.nextToken;
    }
    const ids = [...firstIds, ...rest.map((e) => e.id)];
    // Each id once, counting down to 1 from where the first page stopped: no repeat, no gap.
    const top = firstIds[0] as number;
    expect(ids).toEqual(Array.from({ length: top }, (_, i) => top - i));
  });

  it('pages forwards through a whole history and refuses a token of another execution', async () => {
    const arn = await machine(BY_INPUT);
    const started = await Promise.all(
      ['ok', 'fail'].map((end) =>
        sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify({ end }) })),
      ),
    );
    const [a, b] = started.map((s) => s.executionArn as string);
    await settled(a, b);
    const whole = (await sfn.send(new GetExecutionHistoryCommand({ executionArn: a }))).events ?? [];
    for (const maxResults of [1, 2, 3, whole.length, whole.length + 1]) {
      const ids: Array<number | undefined> = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn: a, maxResults, nextToken }),
        );
        ids.push(...(page.events ?? []).map((e) => e.id));
        nextToken = page.nextToken;
      } while (nextToken);
      expect(ids).toEqual(whole.map((e) => e.id));
    }
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: a, maxResults: 1 }));
    await expect(
      sfn.send(new GetExecutionHistoryCommand({ executionArn: b, maxResults: 1, nextToken: page.nextToken })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(
      sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: a,
          maxResults: 1,
          reverseOrder: true,
          nextToken: page.nextToken,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
  });
});

describe('the 25,000-event history limit', () => {
  it('fails a looping execution with event 25,000 as ExecutionFailed, States.Runtime, as AWS does', async () => {
    // In memory: the limit is the engine's, and 25,000 events are quicker to reach there.
    const memory = await startStepFunctions({ port: 0, inMemory: true });
    const client = localSfnClient(memory.endpoint);
    try {
      const out = await client.send(
        new CreateStateMachineCommand({
          name: 'spin',
          roleArn: ROLE,
          definition: JSON.stringify({
            StartAt: 'Loop',
            States: {
              Loop: { Type: 'Pass', Result: { spin: true }, Next: 'Again' },
              Again: {
                Type: 'Choice',
                Choices: [{ Variable: '$.spin', BooleanEquals: true, Next: 'Loop' }],
                Default: 'Done',
              },
              Done: { Type: 'Succeed' },
            },
          }),
        }),
      );
      const { executionArn } = await client.send(
        new StartExecutionCommand({ stateMachineArn: out.stateMachineArn }),
      );
      await memory.engine.idle();
      const described = await memory.engine.describeExecution({ executionArn });
      const cause = 'The execution reached the maximum number of history events (25000).';
      expect({ status: described.status, error: described.error, cause: described.cause }).toEqual({
        status: 'FAILED',
        error: 'States.Runtime',
        cause,
      });
      const last = await client.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
      );
      const [end, before] = last.events ?? [];
      expect(end).toMatchObject({
        id: 25_000,
        previousEventId: 24_999,
        type: 'ExecutionFailed',
        executionFailedEventDetails: { error: 'States.Runtime', cause },
      });
      expect(before?.id).toBe(24_999);
      expect(before?.type).not.toBe('ExecutionFailed');
    } finally {
      client.destroy();
      await memory.close();
    }
  }, 120_000);
});
