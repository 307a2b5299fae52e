/**
 * Two engine processes (local/sfn/runtime/serve-cli.ts) on one DynamoDB Local, as with a second
 * `npm start` on the same data or a restart racing a slow shutdown: each execution is driven by one
 * engine at a time (a lease, taken with a conditional write and renewed while driving), so no task runs
 * twice; when the holder dies, the other engine takes its executions over and finishes them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DynamoDbLocal,
  freePort,
  localDynamoDbClient,
  startDynamoDbLocal,
} from '#local/dynamodb/launcher.ts';
import { localSfnClient, untilServing } from '../helpers/sfn.ts';
import { waiter } from '../helpers/until.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const COUNTS = 'two-engines-counts';
let ddb: DynamoDbLocal;
let client: DynamoDBClient;
const children: ChildProcess[] = [];
const sdkClients: SFNClient[] = [];

interface Engine {
  child: ChildProcess;
  sfn: SFNClient;
  resumed: number;
}

async function startEngine(): Promise<Engine> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/sfn/runtime/serve-cli.ts'], {
    cwd: repoRoot,
    env: { ...process.env, SFN_PORT: String(port), DYNAMODB_ENDPOINT: ddb.endpoint, SFN_LEASE_MS: '3000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const { resumed } = await untilServing(child);
  const sfn = localSfnClient(`http://127.0.0.1:${port}`);
  sdkClients.push(sfn);
  return { child, sfn, resumed };
}

async function kill(engine: Engine): Promise<void> {
  const { child } = engine;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const until = waiter({ intervalMs: 50, timeoutMs: 60_000, ignoreErrors: true });

async function calls(key: string): Promise<number> {
  const out = await client.send(new GetItemCommand({ TableName: COUNTS, Key: { pk: { S: key } } }));
  return Number(out.Item?.calls?.N ?? '0');
}

/** A task that counts its runs in DynamoDB, per execution and state. */
const count = (slot: string, next: string | undefined) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::dynamodb:updateItem',
  Parameters: {
    TableName: COUNTS,
    Key: { pk: { 'S.$': `States.Format('{}#${slot}', $$.Execution.Name)` } },
    UpdateExpression: 'ADD calls :one',
    ExpressionAttributeValues: { ':one': { N: '1' } },
  },
  ResultPath: null,
  ...(next ? { Next: next } : { End: true }),
});

const DEFINITION = {
  StartAt: 'First',
  States: {
    First: count('first', 'Hold'),
    // Engines are killed while executions wait here: long enough that none has reached Second (an
    // in-flight task, which a takeover rightly runs again) by the time the kill lands on a loaded machine.
    Hold: { Type: 'Wait', Seconds: 6, Next: 'Second' },
    Second: count('second', undefined),
  },
};

async function startAll(engine: Engine, stateMachineArn: string, prefix: string, n: number) {
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const arns: string[] = [];
  for (const name of names) {
    const out = await engine.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: '{}' }));
    arns.push(out.executionArn as string);
  }
  return { names, arns };
}

async function waitingInHold(sfn: SFNClient, arns: string[]): Promise<boolean> {
  for (const executionArn of arns) {
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 100 }));
    if (!events.some((e) => e.type === 'WaitStateEntered')) return false;
  }
  return true;
}

async function expectFinishedOnce(sfn: SFNClient, names: string[], arns: string[]) {
  for (const [i, executionArn] of arns.entries()) {
    const done = await until(`${executionArn} to end`, async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(await calls(`${names[i]}#first`), `${names[i]} first`).toBe(1);
    expect(await calls(`${names[i]}#second`), `${names[i]} second`).toBe(1);
    const { events = [] } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }),
    );
    expect(events.map((e) => e.id)).toEqual(events.map((_, j) => j + 1));
    expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'TaskSucceeded')).toHaveLength(2);
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  }
}

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  client = localDynamoDbClient(ddb.endpoint);
  await client.send(
    new CreateTableCommand({
      TableName: COUNTS,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
}, 60_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const sfn of sdkClients) sfn.destroy();
  client?.destroy();
  await ddb?.stop();
});

describe('two engine processes on one store', () => {
  it('never drive one execution together, and the survivor finishes what the dead one held', async () => {
    const a = await startEngine();
    const { stateMachineArn } = await a.sfn.send(
      new CreateStateMachineCommand({
        name: 'two-engines',
        definition: JSON.stringify(DEFINITION),
        roleArn: 'arn:aws:iam::000000000000:role/local',
      }),
    );
    const machine = stateMachineArn as string;

    // 1. A second engine starts while the first drives executions: it takes none of them.
    const first = await startAll(a, machine, 'both-alive', 4);
    await until('the first batch to wait', () => waitingInHold(a.sfn, first.arns));
    const b = await startEngine();
    expect(b.resumed).toBe(0);
    await expectFinishedOnce(b.sfn, first.names, first.arns);

    // 2. The first engine dies mid-execution: the second takes its executions over and finishes them.
    const second = await startAll(a, machine, 'a-dies', 4);
    await until('the second batch to wait', () => waitingInHold(b.sfn, second.arns));
    await kill(a);
    await expectFinishedOnce(b.sfn, second.names, second.arns);
    await kill(b);
  }, 180_000);
});
