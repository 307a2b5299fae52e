/**
 * The local Step Functions engine: state transitions per second (in memory and persisted in DynamoDB
 * Local) and the latency of a 12-state execution with a Parallel, a Map and a Choice, each beside
 * `aws-local-stepfunctions` on the same JSONPath definitions, as a ratio measured in the same run.
 */
import { performance } from 'node:perf_hooks';
import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';

const LOOPS = (n: number) => ({
  Comment: `a counting loop: 2 + 2*${n} transitions`,
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Result: { i: 0 }, Next: 'Step' },
    Step: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.i', NumericLessThan: n, Next: 'Step' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
});
const loopTransitions = (n: number) => 2 + 2 * n;

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

let machineCount = 0;
async function ourRunner(name: string, service: StepFunctionsService): Promise<Runner> {
  const machines = new Map<object, string>();
  return {
    name,
    async run(definition, input) {
      let arn = machines.get(definition);
      if (!arn) {
        const created = await service.engine.createStateMachine({
          name: `bench-${++machineCount}`,
          definition: JSON.stringify(definition),
          roleArn: 'arn:aws:iam::000000000000:role/bench',
        });
        arn = created.stateMachineArn;
        machines.set(definition, arn);
      }
      const { executionArn } = await service.engine.startExecution({
        stateMachineArn: arn,
        input: JSON.stringify(input),
      });
      await service.engine.idle();
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
    await runner.run(LOOPS(2), {});
    return runner;
  } catch (err) {
    return `aws-local-stepfunctions could not run here (${process.version}): ${(err as Error).message}`;
  }
}

async function transitionsPerSecond(runner: Runner, n: number, rounds: number): Promise<number> {
  await runner.run(LOOPS(n), {}); // warm-up
  const start = performance.now();
  for (let r = 0; r < rounds; r++) await runner.run(LOOPS(n), {});
  const seconds = (performance.now() - start) / 1000;
  return (loopTransitions(n) * rounds) / seconds;
}

async function latency(runner: Runner, runs: number): Promise<{ p50: number; mean: number }> {
  for (let i = 0; i < 3; i++) await runner.run(TWELVE, TWELVE_INPUT); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await runner.run(TWELVE, TWELVE_INPUT);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return {
    p50: times[Math.floor(times.length / 2)] ?? 0,
    mean: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

export default async function (): Promise<void> {
  const als = await alsRunner();
  const memory = await ourRunner(
    'local engine, in memory',
    await startStepFunctions({ port: 0, inMemory: true }),
  );
  const ddb = await startDynamoDbLocal();
  const persisted = await ourRunner(
    'local engine, DynamoDB Local',
    await startStepFunctions({ port: 0, dynamodbEndpoint: ddb.endpoint, tablePrefix: 'bench-sfn-' }),
  );
  try {
    // Same loop and round counts for both in-memory runners so the ratio compares like with like.
    const memTps = await transitionsPerSecond(memory, 500, 5);
    const dbTps = await transitionsPerSecond(persisted, 50, 3);
    const alsTps = typeof als === 'string' ? undefined : await transitionsPerSecond(als, 500, 5);
    const memLat = await latency(memory, 100);
    const dbLat = await latency(persisted, 20);
    const alsLat = typeof als === 'string' ? undefined : await latency(als, 100);

    console.log('| runner | transitions/s | 12-state execution p50 (ms) | mean (ms) |');
    console.log('|---|---:|---:|---:|');
    console.log(`| ${memory.name} | ${fmt(memTps)} | ${fmt(memLat.p50, 2)} | ${fmt(memLat.mean, 2)} |`);
    console.log(`| ${persisted.name} | ${fmt(dbTps)} | ${fmt(dbLat.p50, 2)} | ${fmt(dbLat.mean, 2)} |`);
    if (typeof als === 'string' || !alsTps || !alsLat) {
      console.log(`\n${typeof als === 'string' ? als : 'aws-local-stepfunctions: no figures'}`);
    } else {
      console.log(
        `| aws-local-stepfunctions | ${fmt(alsTps)} | ${fmt(alsLat.p50, 2)} | ${fmt(alsLat.mean, 2)} |`,
      );
      console.log(
        `\nratio local engine (in memory) / aws-local-stepfunctions: transitions/s ${fmt(memTps / alsTps, 2)}x; ` +
          `12-state execution takes ${fmt(memLat.p50 / alsLat.p50, 2)}x its time (p50)`,
      );
      console.log(
        `ratio local engine (DynamoDB Local) / aws-local-stepfunctions: transitions/s ${fmt(dbTps / alsTps, 3)}x; ` +
          `12-state execution takes ${fmt(dbLat.p50 / alsLat.p50, 1)}x its time (p50)`,
      );
    }
    console.log(
      '\nThe local engine journals every state (and events) so a killed process resumes; aws-local-stepfunctions keeps nothing.',
    );
  } finally {
    await memory.close();
    await persisted.close();
    await ddb.stop();
  }
}
