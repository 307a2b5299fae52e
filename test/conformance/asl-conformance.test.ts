/**
 * Every recorded AWS case, run in-process through the interpreter with the memory journal, a fake invoker
 * and an auto-advancing test clock. Cases listed in known-failures.json must still fail (so the list can
 * only shrink); every other case must match what AWS recorded.
 */
import { describe, expect, it } from 'vitest';
import { runExecution, validateDefinition } from '#local/sfn/asl/interpreter.ts';
import { MemoryJournal } from '#local/sfn/asl/memory-journal.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import { type ExecutionContextObject, type ResourceInvoker, StatesError } from '#local/sfn/contracts.ts';
import {
  type CaseResult,
  type ConformanceCase,
  compareWithRecorded,
  isKnownFailure,
  knownFailures,
  loadCases,
} from '../helpers/asl-cases.ts';

/** The cases need no task resources. */
const noTasks: ResourceInvoker = {
  validateResource: () => undefined,
  invoke: async () => {
    throw new StatesError('States.TaskFailed', 'the conformance cases run no tasks');
  },
};

async function runCase(c: ConformanceCase, index: number): Promise<CaseResult> {
  const problems = validateDefinition(c.definition, noTasks);
  if (problems.length > 0) return { status: 'INVALID_DEFINITION', error: problems.join('; ') };
  const clock = new TestClock({ auto: true });
  const journal = new MemoryJournal();
  const input = JSON.parse(c.input) as unknown;
  const machine = `conformance-${index}`;
  const name = `execution-${index}`;
  const context: ExecutionContextObject = {
    Execution: {
      Id: `arn:aws:states:us-east-1:111111111111:execution:${machine}:${name}`,
      Name: name,
      StartTime: new Date(clock.now()).toISOString(),
      RoleArn: 'arn:aws:iam::111111111111:role/conformance',
      Input: input,
      RedriveCount: 0,
    },
    StateMachine: { Id: `arn:aws:states:us-east-1:111111111111:stateMachine:${machine}`, Name: machine },
  };
  // The runtime records ExecutionStarted before the interpreter runs; event ids in causes count it.
  await journal.appendEvent('execution#started', {
    type: 'ExecutionStarted',
    timestamp: clock.now(),
    details: { executionStartedEventDetails: { input: c.input } },
  });
  const outcome = await runExecution({
    definition: c.definition,
    input,
    context,
    journal,
    invoker: noTasks,
    clock,
    signal: new AbortController().signal,
  });
  return outcome.status === 'SUCCEEDED'
    ? { status: outcome.status, output: outcome.output }
    : { status: outcome.status, error: outcome.error, cause: outcome.cause };
}

const cases = loadCases();

describe('ASL conformance (in-process)', () => {
  it('finds the recorded cases beside the checkout', () => {
    expect(cases.length).toBeGreaterThanOrEqual(331);
  });

  it('lists only known failures that are real case ids', () => {
    const ids = new Set(cases.map((c) => c.id));
    expect(Object.keys(knownFailures).filter((id) => !ids.has(id))).toEqual([]);
  });

  const passing = cases.filter((c) => !isKnownFailure(c.id));
  const failing = cases.filter((c) => isKnownFailure(c.id));

  it.each(passing.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const result = await runCase(c, cases.indexOf(c));
    expect(compareWithRecorded(c, result)).toEqual([]);
  });

  if (failing.length > 0) {
    it.each(failing.map((c) => [c.id, c] as const))('still fails (known): %s', async (_id, c) => {
      const result = await runCase(c, cases.indexOf(c)).catch((error: unknown) => ({
        status: 'THREW',
        error: String(error),
      }));
      expect(compareWithRecorded(c, result).length).toBeGreaterThan(0);
    });
  }
});
