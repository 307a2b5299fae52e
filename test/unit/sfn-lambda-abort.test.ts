/**
 * A Lambda task the engine stopped waiting for (a Task's TimeoutSeconds, StopExecution) is killed with
 * its worker: a function that would write after that never gets its write in.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaRuntime } from '#local/lambda/runtime.ts';
import { StatesError, type TaskInvocation } from '#local/sfn/contracts.ts';
import { RealClock } from '#local/sfn/runtime/clock.ts';
import { LocalResourceInvoker } from '#local/sfn/runtime/invoker.ts';
import { MemoryStore } from '#local/sfn/runtime/store.ts';
import { TokenRegistry } from '#local/sfn/runtime/tokens.ts';

const dir = mkdtempSync(join(tmpdir(), 'lambda-abort-'));
const LATE_MS = 600;
let lambda: LambdaRuntime;

beforeAll(() => {
  // Marks that it started, waits, then writes: the write after the wait is what must never happen.
  writeFileSync(
    join(dir, 'index.js'),
    `const fs = require('node:fs');
exports.handler = async (event) => {
  fs.writeFileSync(event.dir + '/started-' + event.id, '');
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  fs.writeFileSync(event.dir + '/late-' + event.id, '');
  return 'finished';
};
`,
  );
  lambda = new LambdaRuntime();
  lambda.register({ functionName: 'late', codeDir: dir, handler: 'index.handler', timeoutSeconds: 30 });
});

afterAll(async () => {
  await lambda.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !probe(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!probe()) throw new Error(`never happened: ${what}`);
}

/** Gives a function that was not stopped the time to write (LATE_MS), then some. */
const pastItsWrite = () => new Promise((r) => setTimeout(r, LATE_MS + 400));

describe('a Lambda invocation its caller stopped', () => {
  it('is killed with its worker when the signal aborts, and the next invocation still runs', async () => {
    const controller = new AbortController();
    const pending = lambda.invoke('late', { dir, id: 'a', ms: LATE_MS }, controller.signal);
    await until('the function to start', () => existsSync(join(dir, 'started-a')));
    controller.abort(new Error('stopped'));
    const result = await pending;
    expect(result.FunctionError).toBe('Unhandled');
    expect(JSON.parse(result.Payload).errorType).toBe('Runtime.Aborted');
    await pastItsWrite();
    expect(existsSync(join(dir, 'late-a'))).toBe(false);

    const next = await lambda.invoke('late', { dir, id: 'b', ms: 1 });
    expect(next).toMatchObject({ StatusCode: 200, Payload: '"finished"' });
    expect(existsSync(join(dir, 'late-b'))).toBe(true);
  });

  it("is killed at the Task's TimeoutSeconds: States.Timeout, and the function's late write never lands", async () => {
    const store = new MemoryStore();
    const clock = new RealClock();
    const invoker = new LocalResourceInvoker({
      lambda,
      store,
      clock,
      tokens: new TokenRegistry(store, clock, async () => true),
    });
    const task: TaskInvocation = {
      executionArn: 'arn:aws:states:ap-southeast-1:000000000000:execution:m:e',
      stateName: 'Slow',
      stepKey: '/0',
      resource: 'arn:aws:states:::lambda:invoke',
      payload: { FunctionName: 'late', Payload: { dir, id: 'c', ms: LATE_MS } },
      timeoutAt: Date.now() + 150,
      signal: new AbortController().signal,
      emit: async () => {},
      memo: async (_name, compute) => compute(),
    };
    await expect(invoker.invoke(task)).rejects.toEqual(new StatesError('States.Timeout'));
    await pastItsWrite();
    expect(existsSync(join(dir, 'started-c'))).toBe(true);
    expect(existsSync(join(dir, 'late-c'))).toBe(false);
  });
});
