/**
 * A Task's result rides with the next durable write of its execution: the next Task's memos (its entered
 * time, read by its arguments) or the end, in one TransactWriteItems, on a real DynamoDB Local. And it is
 * durable before the next task is invoked, whether that task has memos of its own or not (then the
 * engine writes it before invoking).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { runExecution, validateDefinition } from '#local/sfn/asl/interpreter.ts';
import type { TaskInvocation } from '#local/sfn/contracts.ts';
import { RealClock } from '#local/sfn/runtime/clock.ts';
import { DynamoStore, engineTableNames } from '#local/sfn/runtime/dynamo-store.ts';
import { ExecutionEngine } from '#local/sfn/runtime/engine.ts';
import { decodeJournal, queryJournal } from '#local/sfn/runtime/journal.ts';
import { lambdaArn } from '../helpers/sfn-definitions.ts';
import { waiter } from '../helpers/until.ts';

let ddb: DynamoDbLocal;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await ddb?.stop();
});

const until = waiter({ intervalMs: 20, attempts: 1_500 });

/** Three tasks: the first two read their entered time (a memo written before they are invoked), the third reads nothing. */
const definition = {
  StartAt: 'One',
  States: {
    One: {
      Type: 'Task',
      Resource: lambdaArn('one'),
      Parameters: { 'at.$': '$$.State.EnteredTime' },
      ResultPath: '$.one',
      Next: 'Which',
    },
    Which: { Type: 'Choice', Choices: [{ Variable: '$.one', IsPresent: true, Next: 'Two' }], Default: 'Two' },
    Two: {
      Type: 'Task',
      Resource: lambdaArn('two'),
      Parameters: { 'at.$': '$$.State.EnteredTime' },
      ResultPath: '$.two',
      Next: 'Three',
    },
    Three: { Type: 'Task', Resource: lambdaArn('three'), ResultPath: '$.three', End: true },
  },
};

describe("an execution's journal writes on DynamoDB Local", () => {
  it("carries a Task's result in the next Task's memo write or the end, durable before the next task runs", async () => {
    const prefix = 'coalesce-';
    const client = localDynamoDbClient(ddb.endpoint);
    clients.push(client);
    // The engine's TransactWriteItems on the executions' journal, as sent.
    const transactions: Array<{ segments: number; creates: number }> = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = (args as { input: { TransactItems?: Array<Record<string, unknown>> } }).input;
        if (input.TransactItems) {
          transactions.push({
            segments: input.TransactItems.filter((i) => 'Update' in i).length,
            creates: input.TransactItems.filter((i) => 'Put' in i && !('Update' in i)).length,
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'countTransactions' },
    );
    const store = new DynamoStore(client, { prefix });
    await store.init();
    const doc = DynamoDBDocumentClient.from(client);
    const journalTable = engineTableNames(prefix).journal;
    // At each invocation: the steps the store holds for the execution (what a restarted engine would find).
    const durableAtInvoke: Record<string, string[]> = {};
    const engine = new ExecutionEngine({
      store,
      invoker: {
        validateResource: () => undefined,
        invoke: async (task: TaskInvocation) => {
          const name = task.resource.split(':').pop() ?? '';
          const items = await queryJournal(doc, journalTable, task.executionArn);
          durableAtInvoke[name] = [...decodeJournal(items).state.steps.keys()].sort();
          return name;
        },
      },
      clock: new RealClock(),
      runExecution,
      validateDefinition,
    });
    try {
      const { stateMachineArn } = await engine.createStateMachine({
        name: 'coalesce',
        definition: JSON.stringify(definition),
        roleArn: 'arn:aws:iam::000000000000:role/local',
      });
      const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'c1', input: '{}' });
      await until('the execution to end', async () => {
        await engine.idle();
        return (await store.getExecution(executionArn))?.status !== 'RUNNING';
      });
      const record = await store.getExecution(executionArn);
      expect(record?.status).toBe('SUCCEEDED');
      expect(JSON.parse(record?.output ?? '{}')).toEqual({ one: 'one', two: 'two', three: 'three' });

      // Every step before a task was durable when it was invoked (One's result /0, the Choice /1 with it;
      // Two's result /2 before Three, which has no memo of its own to carry it).
      expect(durableAtInvoke).toEqual({ one: [], two: ['/0', '/1'], three: ['/0', '/1', '/2'] });

      // StartExecution's record; One's memo; One's result with Two's memo; Two's result (before Three);
      // Three's result with the end. Each journal transaction holds one segment.
      const journalWrites = transactions.filter((t) => t.segments > 0);
      expect(transactions.filter((t) => t.segments === 0 && t.creates === 1)).toHaveLength(1);
      expect(journalWrites).toHaveLength(4);
      expect(journalWrites.every((t) => t.segments === 1)).toBe(true);

      // The history is whole and in order in the store.
      const history = await store.readHistory(executionArn);
      expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
      expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
      expect(history.filter((e) => e.type === 'TaskStateEntered')).toHaveLength(3);
    } finally {
      await engine.close();
    }
  }, 60_000);
});
