/**
 * A store that dies: DynamoDB Local's JVM is SIGKILLed while executions are in flight (a Lambda task
 * running, a Wait, a task-token wait). The supervisor starts a new JVM on the same port with the same
 * data folder and says so; every execution carries on to the end it would have had, with a complete and
 * consistent history, and no task runs twice, not even the one in flight when the JVM dies (the Lambdas
 * count their invocations in a file, not in the store that dies). Also: the JVM listens on 127.0.0.1 only, and a JVM that keeps dying is given up on.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_HOST,
  type SupervisedDynamoDbLocal,
  superviseDynamoDbLocal,
} from '#local/dynamodb/launcher.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';
import { localSfnClient } from '../helpers/sfn.ts';
import { waiter } from '../helpers/until.ts';

const root = mkdtempSync(join(tmpdir(), 'ddb-supervisor-'));
const dataDir = join(root, 'data');
const codeDir = join(root, 'code');
const countDir = join(root, 'counts');
const logLines: string[] = [];
let ddb: SupervisedDynamoDbLocal;
let service: StepFunctionsService;
let sfn: SFNClient;

// The Lambda: records each invocation in a file (the store may be down), publishes its task token to a
// file when it has one, and sleeps as asked.
const HANDLER = `
const fs = require('node:fs');
const path = require('node:path');
exports.handler = async (event) => {
  fs.appendFileSync(path.join(process.env.COUNT_DIR, 'calls.log'), event.key + '\\n');
  if (event.token) fs.writeFileSync(path.join(process.env.COUNT_DIR, 'token-' + event.key), event.token);
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  return { key: event.key };
};
`;

const lambda = (suffix: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: {
    FunctionName: 'counter',
    Payload: { 'key.$': `States.Format('{}-${suffix}', $$.Execution.Name)`, 'sleepMs.$': '$.sleepMs' },
  },
  ResultPath: null,
  ...extra,
});

const MACHINE = {
  StartAt: 'Slow',
  States: {
    Slow: lambda('slow', { Next: 'Pause' }),
    Pause: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Fan' },
    Fan: {
      Type: 'Parallel',
      ResultPath: null,
      Branches: [
        { StartAt: 'BranchA', States: { BranchA: lambda('branch-a', { End: true }) } },
        {
          StartAt: 'Approve',
          States: {
            Approve: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
              Parameters: {
                FunctionName: 'counter',
                Payload: {
                  'key.$': "States.Format('{}-approve', $$.Execution.Name)",
                  'token.$': '$$.Task.Token',
                },
              },
              End: true,
            },
          },
        },
      ],
      Next: 'After',
    },
    After: lambda('after', { End: true }),
  },
};

function calls(): string[] {
  try {
    return readFileSync(join(countDir, 'calls.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function tokenFile(key: string): string | undefined {
  try {
    return readFileSync(join(countDir, `token-${key}`), 'utf8');
  } catch {
    return undefined;
  }
}

const until = waiter({
  intervalMs: 50,
  timeoutMs: 60_000,
  ignoreErrors: true,
  detail: () => logLines.join('\n'),
});

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return out.events ?? [];
}

beforeAll(async () => {
  mkdirSync(codeDir, { recursive: true });
  mkdirSync(countDir, { recursive: true });
  writeFileSync(join(codeDir, 'index.js'), HANDLER);
  ddb = await superviseDynamoDbLocal({
    dataDir,
    log: (m) => {
      logLines.push(m);
      appendFileSync(join(root, 'supervisor.log'), `${m}\n`);
    },
  });
  service = await startStepFunctions({ port: 0, dynamodbEndpoint: ddb.endpoint, tablePrefix: 'sup-' });
  service.lambda.register({
    functionName: 'counter',
    codeDir,
    handler: 'index.handler',
    timeoutSeconds: 60,
    memorySize: 128,
    environment: { COUNT_DIR: countDir },
  });
  sfn = localSfnClient(service.endpoint);
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await service?.close();
  await ddb?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('DynamoDB Local supervised by the local cloud', () => {
  it('listens on 127.0.0.1 only', async () => {
    expect(new URL(ddb.endpoint).hostname).toBe(LOCAL_HOST);
    const reach = (host: string) =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host, port: ddb.port, timeout: 2_000 });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
        socket.once('timeout', () => {
          socket.destroy();
          resolve(false);
        });
      });
    expect(await reach(LOCAL_HOST)).toBe(true);
    // Every address of this machine that is not loopback refuses the connection.
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a?.address as string);
    for (const address of others)
      expect({ address, reached: await reach(address) }).toEqual({
        address,
        reached: false,
      });
  });

  it('restarts a killed JVM on the same port and data; every execution in flight finishes and no finished task runs again', async () => {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'survivor',
        roleArn: 'arn:aws:iam::000000000000:role/local',
        definition: JSON.stringify(MACHINE),
      }),
    );
    const start = async (name: string, sleepMs: number, waitSeconds: number) =>
      (
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn,
            name,
            input: JSON.stringify({ sleepMs, waitSeconds }),
          }),
        )
      ).executionArn as string;
    // One waits for its task token, one is in a Wait, one runs a Lambda task, when the JVM dies.
    const token = await start('at-token', 0, 0);
    await until('the first token', () => tokenFile('at-token-approve') !== undefined);
    const waiting = await start('in-wait', 0, 4);
    await until('the Wait', async () => (await history(waiting)).at(-1)?.type === 'WaitStateEntered');
    const running = await start('in-task', 3_000, 0);
    await until('the slow task', () => calls().includes('in-task-slow'));
    const executions = { token, waiting, running };

    const killed = ddb.pid as number;
    process.kill(killed, 'SIGKILL');
    await until('the restart', () => ddb.restarts === 1 && ddb.pid !== killed);
    expect(logLines.join('\n')).toContain(`DynamoDB Local (pid ${killed}) was killed by SIGKILL`);
    expect(logLines.join('\n')).toContain(`DynamoDB Local restarted (pid ${ddb.pid}, was ${killed})`);

    // Answer every task token as it appears, until all three have ended.
    const answered = new Set<string>();
    const names = ['at-token', 'in-wait', 'in-task'];
    await until(
      'every execution to end',
      async () => {
        for (const name of names) {
          const t = tokenFile(`${name}-approve`);
          if (t && !answered.has(name)) {
            await sfn.send(new SendTaskSuccessCommand({ taskToken: t, output: '{"ok":true}' }));
            answered.add(name);
          }
        }
        const statuses = await Promise.all(
          Object.values(executions).map(
            async (executionArn) => (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status,
          ),
        );
        return statuses.every((s) => s !== 'RUNNING');
      },
      { timeoutMs: 120_000 },
    );

    for (const executionArn of Object.values(executions)) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect({ executionArn, status: described.status, error: described.error }).toEqual({
        executionArn,
        status: 'SUCCEEDED',
        error: undefined,
      });
      // A complete, consistent history: ids 1..n in order, each chained to the one before, started
      // once, ended once by success, every state entered exited.
      const events = await history(executionArn);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events.map((e) => e.previousEventId)).toEqual(events.map((_, i) => i));
      expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'ExecutionSucceeded')).toHaveLength(1);
      expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
      const entered = events
        .filter((e) => e.type?.endsWith('StateEntered'))
        .map((e) => e.stateEnteredEventDetails?.name);
      const exited = events
        .filter((e) => e.type?.endsWith('StateExited'))
        .map((e) => e.stateExitedEventDetails?.name);
      expect([...entered].sort()).toEqual([...exited].sort());
      expect(new Set(entered)).toEqual(new Set(['Slow', 'Pause', 'Fan', 'BranchA', 'Approve', 'After']));
    }
    // Nothing ran twice, the task in flight when the JVM died included: its result, obtained while the
    // store was away, is kept and written once the store is back, never obtained again.
    const expected = names.flatMap((n) => ['slow', 'branch-a', 'approve', 'after'].map((s) => `${n}-${s}`));
    expect(calls().sort()).toEqual([...expected].sort());
  }, 240_000);

  it('gives up loudly on a JVM that keeps dying', async () => {
    const lines: string[] = [];
    let gaveUpWith: Error | undefined;
    const fragile = await superviseDynamoDbLocal({
      log: (m) => lines.push(m),
      maxQuickDeaths: 2,
      quickWindowMs: 120_000,
      onGiveUp: (e) => {
        gaveUpWith = e;
      },
    });
    try {
      const first = fragile.pid as number;
      process.kill(first, 'SIGKILL');
      await until('a restart', () => fragile.restarts === 1 && fragile.pid !== first);
      process.kill(fragile.pid as number, 'SIGKILL');
      const reason = await fragile.gaveUp;
      expect(reason.message).toMatch(/2 deaths within 120 s/);
      expect(gaveUpWith).toBe(reason);
      expect(lines.some((l) => l.includes('GIVING UP'))).toBe(true);
      expect(fragile.restarts).toBe(1);
    } finally {
      await fragile.stop();
    }
  }, 120_000);
});
