import { describe, expect, it } from 'vitest';
import { runExecution, validateDefinition } from '#local/sfn/asl/interpreter.ts';
import { StatesError } from '#local/sfn/contracts.ts';
import { RealClock } from '#local/sfn/runtime/clock.ts';
import { ExecutionEngine } from '#local/sfn/runtime/engine.ts';
import { MemoryStore, type StoredJournal } from '#local/sfn/runtime/store.ts';

/** A store whose journal writes fail while `broken` is set, like DynamoDB Local going away. */
class FlakyStore extends MemoryStore {
  broken = false;
  writesRefused = 0;
  override async openJournal(
    executionArn: string,
    options?: Parameters<MemoryStore['openJournal']>[1],
  ): Promise<StoredJournal> {
    const journal = await super.openJournal(executionArn, options);
    const guard =
      <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
      async (...args: A) => {
        if (this.broken) {
          this.writesRefused++;
          throw new Error('connect ECONNREFUSED 127.0.0.1:8000');
        }
        return write(...args);
      };
    return {
      ...journal,
      putStep: guard(journal.putStep.bind(journal)),
      putMemo: guard(journal.putMemo.bind(journal)),
      finish: guard(journal.finish.bind(journal)),
    };
  }
}

const invoker = {
  validateResource: () => undefined,
  invoke: async () => {
    throw new StatesError('States.TaskFailed', 'no tasks here');
  },
};

function engineOn(store: FlakyStore): ExecutionEngine {
  return new ExecutionEngine({ store, invoker, clock: new RealClock(), runExecution, validateDefinition });
}

const definition = JSON.stringify({
  StartAt: 'A',
  States: {
    A: { Type: 'Pass', Parameters: { 'id.$': 'States.UUID()' }, Next: 'B' },
    B: { Type: 'Pass', Result: 2, End: true },
  },
});

async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

describe('an execution whose journal cannot be written', () => {
  it('stays RUNNING while the store refuses writes, and completes in the same engine once it answers', async () => {
    const store = new FlakyStore();
    const engine = engineOn(store);
    const { stateMachineArn } = await engine.createStateMachine({
      name: 'flaky',
      definition,
      roleArn: 'arn:aws:iam::000000000000:role/local',
    });
    store.broken = true;
    const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'e1', input: '{}' });
    // It tried, failed and paused more than once, and is still RUNNING with no outcome in its history.
    await until('two refused writes', () => store.writesRefused >= 2);
    expect((await engine.describeExecution({ executionArn })).status).toBe('RUNNING');
    const during = (await store.readHistory(executionArn)).map((e) => e.type);
    expect(during).not.toContain('ExecutionSucceeded');
    expect(during).not.toContain('ExecutionFailed');

    store.broken = false;
    await engine.idle();
    const described = await engine.describeExecution({ executionArn });
    expect(described.status).toBe('SUCCEEDED');
    expect(described.output).toBe('2');
    const types = (await store.readHistory(executionArn)).map((e) => e.type);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
    await engine.close();
  });
});
