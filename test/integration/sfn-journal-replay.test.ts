/**
 * Durability by replay on the production journal (DynamoDB Local): the store goes down at the 1st,
 * 2nd, ... Nth journal write of an execution (a middleware on the real client refuses every write from
 * then on), the run stops as a crash would, and a fresh run resumes from what DynamoDB holds. Every
 * resume reaches the output of an uninterrupted run, never runs a finished step again, and ends with the
 * same history.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { runExecution } from '#local/sfn/asl/interpreter.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import type { RunOutcome } from '#local/sfn/contracts.ts';
import { DynamoStore, engineTableNames } from '#local/sfn/runtime/dynamo-store.ts';
import { decodeJournal, queryJournal } from '#local/sfn/runtime/journal.ts';
import type { StoredJournal } from '#local/sfn/runtime/store.ts';
import {
  contextFor,
  type FakeInvoker,
  REPLAY_DEFINITION,
  REPLAY_INPUT,
  replayInvoker,
} from '../unit/asl-interpreter-helpers.ts';

let ddb: DynamoDbLocal;
let client: DynamoDBClient;
let store: DynamoStore;
/** The execution whose writes are refused, and from which write on (1-based); Infinity: none. */
const faults = { arn: '', failFrom: Number.POSITIVE_INFINITY, writes: 0 };
const PREFIX = 'replay-';

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  client = localDynamoDbClient(ddb.endpoint);
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = (
        args as { input: { TransactItems?: Array<{ Update?: { Key?: { executionArn?: string } } }> } }
      ).input;
      const arn = input.TransactItems?.[0]?.Update?.Key?.executionArn;
      if (arn !== undefined && arn === faults.arn && ++faults.writes >= faults.failFrom) {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
      }
      return next(args);
    },
    { step: 'initialize', name: 'refuseFromWriteN' },
  );
  store = new DynamoStore(client, { prefix: PREFIX, journalAttempts: 1 });
  await store.init();
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await ddb?.stop();
});

const definition = REPLAY_DEFINITION;
const input = REPLAY_INPUT;
const invoker = () => replayInvoker(new Set<string>());

async function newExecution(name: string): Promise<string> {
  const executionArn = `arn:aws:states:ap-southeast-1:000000000000:execution:replay:${name}`;
  await store.createExecution({
    executionArn,
    stateMachineArn: 'arn:aws:states:ap-southeast-1:000000000000:stateMachine:replay',
    stateMachineName: 'replay',
    name,
    status: 'RUNNING',
    startDate: Date.now(),
    input: JSON.stringify(input),
    definition: JSON.stringify(definition),
    roleArn: 'arn:aws:iam::000000000000:role/local',
    leaseOwner: 'test',
    leaseExpiry: Date.now() + 3_600_000,
    journalSeq: 0,
  });
  return executionArn;
}

/** Runs (or resumes) the execution on its DynamoDB journal; resolves once everything is durable. */
async function runOn(journal: StoredJournal, tasks: FakeInvoker): Promise<RunOutcome> {
  const clock = new TestClock({ auto: true });
  await journal.appendEvent('execution/started', {
    type: 'ExecutionStarted',
    timestamp: clock.now(),
    details: {},
  });
  const outcome = await runExecution({
    definition,
    input,
    context: contextFor(input, clock),
    journal,
    invoker: tasks,
    clock,
    signal: new AbortController().signal,
  });
  await journal.flush();
  return outcome;
}

const types = (events: Array<{ type: string }>) => events.map((e) => e.type).sort();

describe('the DynamoDB journal, with the store going down at any write', () => {
  it('resumes every crash point to the same output and history, never re-running a finished step', async () => {
    const referenceArn = await newExecution('reference');
    const reference = await runOn(
      await store.openJournal(referenceArn, { owner: 'test', fresh: true }),
      invoker(),
    );
    expect(reference).toMatchObject({ status: 'SUCCEEDED' });
    const referenceOutput = (reference as { output: { id: string } }).output;
    const referenceTypes = types(await store.readHistory(referenceArn));
    const doc = DynamoDBDocumentClient.from(client);
    const journalTable = engineTableNames(PREFIX).journal;

    let crashes = 0;
    for (let failFrom = 1; ; failFrom++) {
      const arn = await newExecution(`crash-${failFrom}`);
      Object.assign(faults, { arn, failFrom, writes: 0 });
      const crashed = await runOn(
        await store.openJournal(arn, { owner: 'test', fresh: true }),
        invoker(),
      ).then(
        () => false,
        (error: Error) => {
          expect(error.name, `write ${failFrom}`).toMatch(/JournalFailure|RetriesExhaustedError/);
          return true;
        },
      );
      faults.failFrom = Number.POSITIVE_INFINITY;
      if (!crashed) break;
      crashes++;

      // What a restarted engine finds: the steps that were durable must not run again.
      const durable = decodeJournal(await queryJournal(doc, journalTable, arn)).state.steps;
      const finished = new Set(durable.keys());
      const tasks = invoker();
      const outcome = await runOn(await store.openJournal(arn, { owner: 'test' }), tasks);
      // A UUID drawn by a step that was not durable is drawn again; once recorded it never changes.
      const recordedId = (durable.get('/0')?.output as { id?: string } | undefined)?.id;
      const expectedId = recordedId ?? expect.any(String);
      expect(outcome, `store down from write ${failFrom}`).toEqual({
        status: 'SUCCEEDED',
        output: { ...referenceOutput, id: expectedId },
      });
      const rerun = tasks.calls.map((c) => c.stepKey.replace(/@\d+$/, '')).filter((k) => finished.has(k));
      expect(rerun, `store down from write ${failFrom}`).toEqual([]);
      const history = await store.readHistory(arn);
      expect(
        history.map((e) => e.id),
        `store down from write ${failFrom}`,
      ).toEqual(history.map((_, i) => i + 1));
      expect(types(history), `store down from write ${failFrom}`).toEqual(referenceTypes);
    }
    // The run has that many durable writes; each was a crash point.
    expect(crashes).toBeGreaterThan(5);
  }, 240_000);
});
