/**
 * The local Step Functions engine: state transitions per second (in memory and persisted in DynamoDB
 * Local) and the latency of a 12-state execution with a Parallel, a Map and a Choice, each beside
 * `aws-local-stepfunctions` on the same JSONPath definitions, as a ratio measured in the same run.
 */
import { performance } from 'node:perf_hooks';
import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';
import { DynamoStore } from '#local/sfn/runtime/dynamo-store.ts';
import { timeAsync } from './stats.ts';

/** Twelve states: Pass, Choice, Parallel (2 branches), Map (1 state per item), Pass, Choice, Pass, Pass, Succeed. */
const TWELVE = {
  StartAt: 'Start',
  States: {
    Start: { Type: 'Pass', Parameters: { 'items.$': '$.items', kind: 'foreign' }, Next: 'Route' },
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.kind', StringEquals: 'foreign', Next: 'Fan' }],
      Default: 'Other',
    },
    Fan: {
      Type: 'Parallel',
      ResultPath: '$.checks',
      Branches: [
        { StartAt: 'Clearance', States: { Clearance: { Type: 'Pass', Result: 'clear', End: true } } },
        { StartAt: 'Utilities', States: { Utilities: { Type: 'Pass', Result: 'ok', End: true } } },
      ],
      Next: 'Each',
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 4,
      Iterator: {
        StartAt: 'Score',
        States: { Score: { Type: 'Pass', Parameters: { 'plot.$': '$' }, End: true } },
      },
      ResultPath: '$.scored',
      Next: 'Merge',
    },
    Merge: { Type: 'Pass', Parameters: { 'checks.$': '$.checks', 'scored.$': '$.scored' }, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.checks[0]', StringEquals: 'clear', Next: 'Tag' }],
      Default: 'Other',
    },
    Tag: { Type: 'Pass', Result: 'matched', ResultPath: '$.tag', Next: 'Done' },
    Other: { Type: 'Pass', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};
const TWELVE_INPUT = { items: ['P-1', 'P-2', 'P-3'] };

interface Runner {
  name: string;
  run(definition: object, input: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** Transitions of one TWELVE execution: 13 states entered (Parallel's two branches, Map's three items). */
const TWELVE_TRANSITIONS = 13;
let machineCount = 0;
async function ourRunner(name: string, service: StepFunctionsService): Promise<Runner> {
  const machines = new Map<object, Promise<string>>();
  return {
    name,
    async run(definition, input) {
      let arn = machines.get(definition);
      if (!arn) {
        arn = service.engine
          .createStateMachine({
            name: `bench-${++machineCount}`,
            definition: JSON.stringify(definition),
            roleArn: 'arn:aws:iam::000000000000:role/bench',
          })
          .then((created) => created.stateMachineArn);
        machines.set(definition, arn);
      }
      const { executionArn } = await service.engine.startExecution({
        stateMachineArn: await arn,
        input: JSON.stringify(input),
      });
      await service.engine.whenDone(executionArn);
      const done = await service.engine.describeExecution({ executionArn });
      if (done.status !== 'SUCCEEDED') throw new Error(`${name}: ${done.status} ${done.error} ${done.cause}`);
      return JSON.parse(done.output ?? 'null');
    },
    close: () => service.close(),
  };
}

async function alsRunner(): Promise<Runner | string> {
  try {
    const { StateMachine } = (await import(
      'aws-local-stepfunctions'
    )) as typeof import('aws-local-stepfunctions');
    const machines = new Map<object, InstanceType<typeof StateMachine>>();
    const runner: Runner = {
      name: 'aws-local-stepfunctions',
      async run(definition, input) {
        let machine = machines.get(definition);
        if (!machine) {
          // biome-ignore lint/suspicious/noExplicitAny: the library types ASL with its own interfaces.
          machine = new StateMachine(definition as any);
          machines.set(definition, machine);
        }
        return machine.run(input as never).result;
      },
      close: async () => {},
    };
    await runner.run(TWELVE, TWELVE_INPUT);
    return runner;
  } catch (err) {
    return `aws-local-stepfunctions could not run here (${process.version}): ${(err as Error).message}`;
  }
}

/** TWELVE executions run by `concurrency` workers back to back for `total` in all: transitions per second. */
async function twelvePerSecond(runner: Runner, concurrency: number, total: number): Promise<number> {
  await runner.run(TWELVE, TWELVE_INPUT); // warm-up
  let started = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        started++;
        await runner.run(TWELVE, TWELVE_INPUT);
      }
    }),
  );
  return (total * TWELVE_TRANSITIONS) / ((performance.now() - begin) / 1000);
}

async function latency(runner: Runner, runs: number): Promise<{ p50: number; p99: number }> {
  const { median, p99 } = await timeAsync(() => runner.run(TWELVE, TWELVE_INPUT), runs, 5);
  return { p50: median, p99 };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

export default async function (): Promise<void> {
  const als = await alsRunner();
  const memory = await ourRunner(
    'local engine, in memory',
    await startStepFunctions({ port: 0, inMemory: true }),
  );
  const ddb = await startDynamoDbLocal();
  const persistedService = await startStepFunctions({
    port: 0,
    dynamodbEndpoint: ddb.endpoint,
    tablePrefix: 'bench-sfn-',
  });
  const persisted = await ourRunner('local engine, DynamoDB Local', persistedService);
  // Confirming reads (a read after each answered write, shared by the writes answered before it).
  const confirmingReads = () =>
    persistedService.store instanceof DynamoStore ? persistedService.store.confirmer.reads : 0;
  const readsPerExecution: string[] = [];
  try {
    const runners: Runner[] = [memory, persisted, ...(typeof als === 'string' ? [] : [als])];
    const rows: string[] = [];
    const figures = new Map<string, { one: number; fifty: number; p50: number; p99: number }>();
    for (const runner of runners) {
      const persistedRun = runner === persisted;
      const readsBefore = confirmingReads();
      const one = await twelvePerSecond(runner, 1, persistedRun ? 100 : 500);
      const readsOne = confirmingReads();
      const fifty = await twelvePerSecond(runner, 50, persistedRun ? 1_000 : 5_000);
      if (persistedRun) {
        // Each twelvePerSecond runs one warm-up execution too.
        readsPerExecution.push(
          `${fmt((readsOne - readsBefore) / 101, 2)} 1 at a time`,
          `${fmt((confirmingReads() - readsOne) / 1_001, 2)} 50 concurrent`,
        );
      }
      const { p50, p99 } = await latency(runner, persistedRun ? 100 : 300);
      figures.set(runner.name, { one, fifty, p50, p99 });
      rows.push(`| ${runner.name} | ${fmt(one)} | ${fmt(fifty)} | ${fmt(p50, 2)} | ${fmt(p99, 2)} |`);
    }
    console.log('12-state machine (Parallel, Map, Choice), 13 transitions per execution:\n');
    console.log('| runner | transitions/s, 1 at a time | transitions/s, 50 concurrent | p50 ms | p99 ms |');
    console.log('|---|---:|---:|---:|---:|');
    for (const row of rows) console.log(row);
    if (typeof als === 'string') console.log(`\n${als}`);
    console.log(`\nconfirming reads per persisted execution: ${readsPerExecution.join(', ')}`);
    const alsFigures = typeof als === 'string' ? undefined : figures.get(als.name);
    if (alsFigures) {
      for (const runner of [memory, persisted]) {
        const f = figures.get(runner.name);
        if (!f) continue;
        console.log(
          `ratio ${runner.name} / aws-local-stepfunctions: transitions/s (50 concurrent) ${fmt(f.fifty / alsFigures.fifty, 2)}x; ` +
            `p50 ${fmt(f.p50 / alsFigures.p50, 2)}x its time`,
        );
      }
    }
    console.log(
      '\nPersisted, a step that replay cannot recompute (a Task, a Wait, a UUID) is durable before the run moves on; ' +
        'concurrent executions share TransactWriteItems (group commit); aws-local-stepfunctions keeps nothing.',
    );
  } finally {
    await memory.close();
    await persisted.close();
    await ddb.stop();
  }
}
