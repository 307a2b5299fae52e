/**
 * Resuming at start: 1,000 executions left RUNNING (each in a one-hour Wait) by an engine that stopped,
 * picked up by a new engine on the same DynamoDB Local. Prints the seconds until the new engine has
 * loaded them all (startStepFunctions resolved), until every one is back in its Wait, and the cost per
 * execution. The RUNNING executions are read from the executions' status index, their journals loaded
 * in parallel, a bounded number at a time.
 */
import { performance } from 'node:perf_hooks';
import { startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import { startStepFunctions } from '#local/sfn/index.ts';

const COUNT = 1_000;
const MACHINE = {
  StartAt: 'Receive',
  States: {
    Receive: { Type: 'Pass', Parameters: { 'id.$': '$.id', stage: 'received' }, Next: 'Hold' },
    Hold: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

async function until(what: string, probe: () => boolean, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`sfn-resume bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export default async function bench(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  const prefix = 'resume-bench-';
  try {
    // The first engine starts 1,000 executions and stops while they wait.
    const firstClock = new TestClock({ start: Date.UTC(2026, 0, 5) });
    const first = await startStepFunctions({
      port: 0,
      dynamodbEndpoint: ddb.endpoint,
      tablePrefix: prefix,
      clock: firstClock,
    });
    const { stateMachineArn } = await first.engine.createStateMachine({
      name: 'resume-bench',
      definition: JSON.stringify(MACHINE),
      roleArn: 'arn:aws:iam::000000000000:role/local',
    });
    const startedAt = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < COUNT) {
          const i = next++;
          await first.engine.startExecution({
            stateMachineArn,
            name: `e${i}`,
            input: JSON.stringify({ id: i }),
          });
        }
      }),
    );
    await until('1,000 executions in their Wait', () => firstClock.pending() >= COUNT);
    const startSeconds = (performance.now() - startedAt) / 1000;
    await first.close();

    // The second engine resumes them.
    const clock = new TestClock({ start: Date.UTC(2026, 0, 5, 0, 1) });
    const t0 = performance.now();
    const second = await startStepFunctions({
      port: 0,
      dynamodbEndpoint: ddb.endpoint,
      tablePrefix: prefix,
      clock,
    });
    const loaded = performance.now() - t0;
    await until('every resumed execution back in its Wait', () => clock.pending() >= COUNT);
    const waiting = performance.now() - t0;
    await second.close();

    console.log(`| measure | value |`);
    console.log(`|---|---|`);
    console.log(`| executions left RUNNING | ${COUNT} (started in ${startSeconds.toFixed(1)} s) |`);
    console.log(`| resumed by the new engine | ${second.resumed} |`);
    console.log(`| seconds until loaded (startStepFunctions resolved) | ${(loaded / 1000).toFixed(2)} s |`);
    console.log(`| seconds until all back in their Wait | ${(waiting / 1000).toFixed(2)} s |`);
    console.log(`| per execution | ${(waiting / COUNT).toFixed(2)} ms |`);
  } finally {
    await ddb.stop();
  }
}
