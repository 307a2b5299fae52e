import { describe, expect, it } from 'vitest';
import { runExecution, validateDefinition } from '#local/sfn/asl/interpreter.ts';
import { StatesError } from '#local/sfn/contracts.ts';
import { RealClock } from '#local/sfn/runtime/clock.ts';
import { ExecutionEngine } from '#local/sfn/runtime/engine.ts';
import { MemoryStore, type StoredJournal } from '#local/sfn/runtime/store.ts';

/** A store whose journal writes fail while `broken` is set, like DynamoDB Local going away. */
class FlakyStore extends MemoryStore {
  broken = false;
  override async openJournal(executionArn: string): Promise<StoredJournal> {
    const journal = await super.openJournal(executionArn);
    const guard =
      <A extends unknown[]>(write: (...args: A) => Promise<void>) =>
      async (...args: A) => {
        if (this.broken) throw new Error('connect ECONNREFUSED 127.0.0.1:8000');
        return write(...args);
      };
    return {
      ...journal,
      putStep: guard(journal.putStep.bind(journal)),
      putMemo: guard(journal.putMemo.bind(journal)),
      history: journal.history.bind(journal),
      eventCount: journal.eventCount.bind(journal),
      flush: journal.flush.bind(journal),
      getStep: journal.getStep.bind(journal),
      getMemo: journal.getMemo.bind(journal),
      appendEvent: journal.appendEvent.bind(journal),
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
  States: { A: { Type: 'Pass', Result: 1, Next: 'B' }, B: { Type: 'Pass', Result: 2, End: true } },
});

describe('an execution whose journal cannot be written', () => {
  it('stays RUNNING instead of failing, and completes when a restarted engine can write again', async () => {
    const store = new FlakyStore();
    const first = engineOn(store);
    const { stateMachineArn } = await first.createStateMachine({
      name: 'flaky',
      definition,
      roleArn: 'arn:aws:iam::000000000000:role/local',
    });
    store.broken = true;
    const { executionArn } = await first.startExecution({ stateMachineArn, name: 'e1', input: '{}' });
    await first.idle();
    expect((await first.describeExecution({ executionArn })).status).toBe('RUNNING');
    await first.close();

    store.broken = false;
    const second = engineOn(store);
    expect(await second.resumeAll()).toBe(1);
    await second.idle();
    const described = await second.describeExecution({ executionArn });
    expect(described.status).toBe('SUCCEEDED');
    expect(described.output).toBe('2');
    await second.close();
  });
});
