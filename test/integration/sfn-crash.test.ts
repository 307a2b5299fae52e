/**
 * Durability: a real engine process (local/sfn/runtime/serve-cli.ts) runs the fixture's crash machine and
 * is SIGKILLed while a Lambda task runs, in a Wait, inside Parallel and Map branches and while waiting for
 * a task token, then restarted on the same DynamoDB Local (a JVM of this test process, which survives).
 * Every time the execution resumes; at the end it has completed, finished tasks ran once (the Lambdas
 * count their invocations in DynamoDB), the Wait fired when due, and the token issued before the crashes
 * is still the one that completes the task.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, freePort } from '#local/dynamodb/launcher.ts';
import { startStepFunctions } from '#local/sfn/index.ts';
import { RealClock } from '#local/sfn/runtime/clock.ts';
import { DynamoStore } from '#local/sfn/runtime/dynamo-store.ts';
import { TokenRegistry } from '#local/sfn/runtime/tokens.ts';
import { localSfnClient, startFixtureDynamoDb, untilServing } from '../helpers/sfn.ts';
import { waiter } from '../helpers/until.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'sfn-crash-'));
let ddb: DynamoDbLocal;
let client: DynamoDBClient;
let sfn: SFNClient;
let port: number;
let env: Record<string, string>;
let tableName: string;
let engine: ChildProcess | undefined;
let crashMachine: string;

async function startEngine(): Promise<{ resumed: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/sfn/runtime/serve-cli.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  engine = child;
  return untilServing(child);
}

async function killEngine(): Promise<void> {
  const child = engine;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function calls(key: string): Promise<number> {
  const out = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { pk: { S: `calls#${key}` } } }),
  );
  return Number(out.Item?.calls?.N ?? '0');
}

const until = waiter({ intervalMs: 25, timeoutMs: 30_000, ignoreErrors: true });

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return out.events ?? [];
}

beforeAll(async () => {
  const fixture = await startFixtureDynamoDb(outdir);
  ({ ddb, client, tableName } = fixture);
  port = await freePort();
  env = {
    SFN_PORT: String(port),
    DYNAMODB_ENDPOINT: ddb.endpoint,
    TEMPLATE_PATH: fixture.synthesized.templatePath,
    ASSETS_DIR: fixture.synthesized.assetsDir,
    TABLE_NAMES: JSON.stringify(fixture.tableNames),
  };
  sfn = localSfnClient(`http://127.0.0.1:${port}`);
  crashMachine = 'arn:aws:states:ap-southeast-1:000000000000:stateMachine:fixture-crash';
});

afterAll(async () => {
  await killEngine();
  sfn?.destroy();
  client?.destroy();
  await ddb?.stop();
  rmSync(outdir, { recursive: true, force: true });
});

describe('an engine process killed at any moment', () => {
  it('resumes the execution after every kill and completes it without re-running finished tasks', async () => {
    await startEngine();
    const id = 'crash-1';
    const items = [`${id}-m1`, `${id}-m2`, `${id}-m3`];
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: crashMachine,
        name: id,
        input: JSON.stringify({ id, sleepMs: 1500, items }),
      }),
    );
    const arn = executionArn as string;

    // 1. While a Lambda task runs.
    await until('the slow task to start', async () => (await calls(`${id}-slow`)) >= 1);
    await killEngine();
    expect((await startEngine()).resumed).toBe(1);

    // 2. In a Wait (the slow task has finished by then).
    await until('the Wait state', async () => (await history(arn)).at(-1)?.type === 'WaitStateEntered');
    await killEngine();
    await startEngine();

    // 3. Inside a Parallel branch, while its task runs.
    await until('branch A to start', async () => (await calls(`${id}-branch-a`)) >= 1);
    await killEngine();
    await startEngine();

    // 4. Inside a Map iteration, while its task runs.
    await until('the first Map iteration to start', async () => (await calls(items[0] as string)) >= 1);
    await killEngine();
    // The second iteration runs beside the first (MaxConcurrency 2): read, with no engine running, whether
    // it had started. Started, it was in flight (its task sleeps) and runs once more; not started, once.
    const secondBeforeKill = await calls(items[1] as string);
    expect(secondBeforeKill).toBeLessThanOrEqual(1);
    await startEngine();

    // 5. While waiting for the task token.
    const token = await until('the task token', async () => {
      const item = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: `token#${id}` } } }),
      );
      return item.Item?.token?.S;
    });
    await killEngine();
    expect((await startEngine()).resumed).toBe(1);

    // The token issued before the crash completes the task after it.
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    const done = await until('the execution to end', async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect(done.status).toBe('SUCCEEDED');

    // Tasks killed in flight ran again; every task that had finished ran exactly once.
    expect(await calls(`${id}-slow`)).toBe(2);
    expect(await calls(`${id}-branch-a`)).toBe(2);
    expect(await calls(`${id}-branch-b`)).toBe(1);
    expect(await calls(items[0] as string)).toBe(2);
    expect(await calls(items[1] as string)).toBe(secondBeforeKill + 1);
    expect(await calls(items[2] as string)).toBe(1);
    expect(await calls(`${id}-after`)).toBe(1);

    // The Wait was entered once and fired no earlier than due, though the engine was down when it was.
    const events = await history(arn);
    const pauseEntered = events.filter(
      (e) => e.type === 'WaitStateEntered' && e.stateEnteredEventDetails?.name === 'Pause',
    );
    const pauseExited = events.find(
      (e) => e.type === 'WaitStateExited' && e.stateExitedEventDetails?.name === 'Pause',
    );
    expect(pauseEntered).toHaveLength(1);
    const waited = (pauseExited?.timestamp?.getTime() ?? 0) - (pauseEntered[0]?.timestamp?.getTime() ?? 0);
    expect(waited).toBeGreaterThanOrEqual(2000);
    // One history, ids in order, no duplicated events.
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'ExecutionSucceeded')).toHaveLength(1);
  }, 180_000);

  it('keeps a token answer sent before the engine resumes the execution', async () => {
    await killEngine();
    // An engine in this process plays the part of the crashed one: close() leaves executions RUNNING.
    const first = await startStepFunctions({
      port: 0,
      dynamodbEndpoint: ddb.endpoint,
      template: {
        templatePath: env.TEMPLATE_PATH as string,
        assetsDir: env.ASSETS_DIR as string,
        tableNames: JSON.parse(env.TABLE_NAMES as string),
      },
    });
    const id = 'crash-2';
    const { executionArn } = await first.engine.startExecution({
      stateMachineArn: crashMachine,
      name: id,
      input: JSON.stringify({ id, sleepMs: 0, items: [] }),
    });
    const token = await until('the task token', async () => {
      const item = await client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: `token#${id}` } } }),
      );
      return item.Item?.token?.S;
    });
    await first.close();
    // Answered while no engine drives the execution: the outcome is persisted with the token.
    const store = new DynamoStore(client);
    const registry = new TokenRegistry(
      store,
      new RealClock(),
      async (arn) => (await store.getExecution(arn))?.status === 'RUNNING',
    );
    await registry.sendSuccess(token, '{"approved":"while down"}');
    await startEngine();
    const done = await until('the execution to end', async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect({ status: done.status, error: done.error, cause: done.cause }).toEqual({ status: 'SUCCEEDED' });
    expect(JSON.parse(done.output as string).approval).toEqual({ approved: 'while down' });
  }, 120_000);

  it("times an execution out when its definition's TimeoutSeconds is due, across a restart", async () => {
    await killEngine();
    const first = await startStepFunctions({
      port: 0,
      dynamodbEndpoint: ddb.endpoint,
      tablePrefix: 'timeout-',
    });
    const { stateMachineArn } = await first.engine.createStateMachine({
      name: 'timeout-machine',
      definition: JSON.stringify({
        TimeoutSeconds: 2,
        StartAt: 'Hold',
        States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } },
      }),
      roleArn: 'arn:aws:iam::000000000000:role/local',
    });
    const { executionArn, startDate } = await first.engine.startExecution({ stateMachineArn });
    await first.close();
    const second = await startStepFunctions({
      port: 0,
      dynamodbEndpoint: ddb.endpoint,
      tablePrefix: 'timeout-',
    });
    try {
      expect(second.resumed).toBe(1);
      await second.engine.idle();
      const done = await second.engine.describeExecution({ executionArn });
      expect(done.status).toBe('TIMED_OUT');
      expect((done.stopDate ?? 0) - startDate).toBeGreaterThanOrEqual(2000);
      const events = (await second.engine.getExecutionHistory({ executionArn, reverseOrder: true })).events;
      expect(events[0]?.type).toBe('ExecutionTimedOut');
    } finally {
      await second.close();
    }
  }, 60_000);
});
