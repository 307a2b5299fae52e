/**
 * A write DynamoDB Local acknowledged and then lost with its JVM. DynamoDB Local answers a write before
 * its SQLite COMMIT has run (the commit is queued to its database thread), so a JVM SIGKILLed right after
 * the answer may lose a write it acknowledged. Here a real supervised JVM, with its data on disk, is
 * killed the moment it has answered an engine write (each write of a two-task execution in turn: the
 * StartExecution record, the first Task's result (written before the second is invoked), the second's
 * with the end); the supervisor starts it again on the
 * same data. Every time the execution ends as the uninterrupted one did, with the same history, each
 * task run once (the tasks count in this process, which does not die).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  localDynamoDbClient,
  type SupervisedDynamoDbLocal,
  superviseDynamoDbLocal,
} from '#local/dynamodb/launcher.ts';
import { runExecution, validateDefinition } from '#local/sfn/asl/interpreter.ts';
import type { TaskInvocation } from '#local/sfn/contracts.ts';
import { RealClock } from '#local/sfn/runtime/clock.ts';
import { DynamoStore } from '#local/sfn/runtime/dynamo-store.ts';
import { ExecutionEngine } from '#local/sfn/runtime/engine.ts';
import { TWO_TASKS_AROUND_A_PASS } from '../helpers/sfn-definitions.ts';
import { waiter } from '../helpers/until.ts';

const root = mkdtempSync(join(tmpdir(), 'sfn-ack-kill-'));
const logLines: string[] = [];
let ddb: SupervisedDynamoDbLocal;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  ddb = await superviseDynamoDbLocal({
    dataDir: join(root, 'data'),
    log: (line) => logLines.push(line),
    // One death per case, on purpose.
    maxQuickDeaths: 50,
  });
}, 120_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await ddb?.stop();
  rmSync(root, { recursive: true, force: true });
});

const isWrite = (input: Record<string, unknown>) =>
  'TransactItems' in input || 'RequestItems' in input || 'Item' in input || 'UpdateExpression' in input;
const engineWrite = (input: Record<string, unknown>) =>
  isWrite(input) && !String(input.TableName ?? '').endsWith('state-machines');

/** Counts the engine's writes; SIGKILLs the JVM as soon as write number `killAt` has been answered. */
interface KillPlan {
  killAt?: number;
  writes: number;
  kills: number;
}

function killingClient(plan: KillPlan): DynamoDBClient {
  const client = localDynamoDbClient(ddb.endpoint);
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = (args as { input: Record<string, unknown> }).input;
      const out = await next(args);
      if (engineWrite(input) && ++plan.writes === plan.killAt && ddb.pid !== undefined) {
        plan.kills++;
        process.kill(ddb.pid, 'SIGKILL');
      }
      return out;
    },
    { step: 'initialize', name: 'killAfterAnswer' },
  );
  clients.push(client);
  return client;
}

const definition = TWO_TASKS_AROUND_A_PASS;

const until = waiter({ intervalMs: 50, attempts: 1_200 });

/** One case: its own tables, an engine whose tasks count their runs, the execution run to its end. */
async function runCase(prefix: string, plan: KillPlan) {
  const calls = { one: 0, two: 0 };
  const handlers: Record<string, (task: TaskInvocation) => unknown> = {
    one: () => ++calls.one,
    two: () => ++calls.two,
  };
  const store = new DynamoStore(killingClient(plan), { prefix });
  await store.init();
  const engine = new ExecutionEngine({
    store,
    invoker: {
      validateResource: () => undefined,
      invoke: async (task: TaskInvocation) => handlers[task.resource.split(':').pop() ?? '']?.(task),
    },
    clock: new RealClock(),
    runExecution,
    validateDefinition,
  });
  try {
    const { stateMachineArn } = await engine.createStateMachine({
      name: 'acknowledged',
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::000000000000:role/local',
    });
    // As an SDK client would: StartExecution sent again, with the same name, while it fails.
    let started: { executionArn: string } | undefined;
    await until('StartExecution to be answered', async () => {
      started = await engine
        .startExecution({ stateMachineArn, name: 'once', input: '{}' })
        .catch(() => undefined);
      return started !== undefined;
    });
    const executionArn = (started as { executionArn: string }).executionArn;
    await until('the execution to end', async () => {
      await engine.idle();
      return (await store.getExecution(executionArn).catch(() => undefined))?.status !== 'RUNNING';
    });
    const record = await store.getExecution(executionArn);
    const history = (await store.readHistory(executionArn)).map((e) => e.type);
    return { calls, status: record?.status, output: record?.output, history };
  } finally {
    await engine.close();
  }
}

describe('a write DynamoDB Local acknowledged, its JVM killed right after the answer', () => {
  it('is never taken as kept: the execution ends as the uninterrupted one, each task once', async () => {
    const reference: KillPlan = { writes: 0, kills: 0 };
    const expected = await runCase('ref-', reference);
    expect(expected).toMatchObject({ status: 'SUCCEEDED', calls: { one: 1, two: 1 } });
    expect(expected.output).toBe(JSON.stringify({ one: 1, between: 'between', two: 1 }));
    // StartExecution's record, the first Task's result (before the second is invoked), the second's with
    // the end: each is a kill point below.
    expect(reference.writes).toBeGreaterThanOrEqual(3);

    for (let killAt = 1; killAt <= reference.writes; killAt++) {
      const restarts = ddb.restarts;
      const plan: KillPlan = { killAt, writes: 0, kills: 0 };
      const outcome = await runCase(`k${killAt}-`, plan);
      expect({ killAt, kills: plan.kills, ...outcome }).toEqual({ killAt, kills: 1, ...expected });
      await until('the JVM to be restarted', () => ddb.restarts > restarts);
    }
    expect(logLines.filter((l) => /was killed by SIGKILL/.test(l)).length).toBe(reference.writes);
  }, 300_000);
});
