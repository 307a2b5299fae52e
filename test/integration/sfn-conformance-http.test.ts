/**
 * Every recorded AWS case, through the engine's HTTP API with @aws-sdk/client-sfn and the durable store
 * in DynamoDB Local: CreateStateMachine, StartExecution, poll DescribeExecution, compare with AWS.
 * Cases listed in the interpreter's known-failures.json must still fail (so the list can only shrink).
 */
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { TestClock } from '#local/sfn/asl/test-clock.ts';
import type { StepFunctionsService } from '#local/sfn/index.ts';
import {
  type CaseResult,
  type ConformanceCase,
  compareWithRecorded,
  isKnownFailure,
  loadCases,
} from '../helpers/asl-cases.ts';
import { startLocalStepFunctions } from '../helpers/sfn.ts';

let ddb: DynamoDbLocal;
let service: StepFunctionsService;
let sfn: SFNClient;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  // Waits in the cases pass on a test clock that jumps ahead whenever the engine is idle.
  ({ service, sfn } = await startLocalStepFunctions(ddb, { clock: new TestClock({ auto: true }) }));
});

afterAll(async () => {
  sfn?.destroy();
  await service?.close();
  await ddb?.stop();
});

async function runCase(c: ConformanceCase, index: number): Promise<CaseResult> {
  let stateMachineArn: string | undefined;
  try {
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: `conformance-${index}`,
        definition: JSON.stringify(c.definition),
        roleArn: 'arn:aws:iam::000000000000:role/conformance',
      }),
    );
    stateMachineArn = created.stateMachineArn;
  } catch (err) {
    return { status: 'INVALID_DEFINITION', error: (err as Error).message };
  }
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name: `execution-${index}`, input: c.input }),
  );
  let described: DescribeExecutionCommandOutput;
  for (;;) {
    described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return described.status === 'SUCCEEDED'
    ? { status: 'SUCCEEDED', output: JSON.parse(described.output ?? 'null') }
    : { status: String(described.status), error: described.error, cause: described.cause };
}

const cases = loadCases();

describe('ASL conformance through the Step Functions HTTP API', () => {
  it('finds the recorded cases beside the checkout', () => {
    expect(cases.length).toBeGreaterThanOrEqual(331);
  });

  it('matches what AWS recorded for every case not known to fail, and still fails the known failures', async () => {
    const unexpected: string[] = [];
    const fixed: string[] = [];
    for (const [index, c] of cases.entries()) {
      const problems = compareWithRecorded(c, await runCase(c, index));
      const known = isKnownFailure(c.id);
      if (problems.length > 0 && !known) unexpected.push(`${c.id} (${c.file}): ${problems.join('; ')}`);
      if (problems.length === 0 && known) fixed.push(c.id);
    }
    expect(unexpected).toEqual([]);
    expect(fixed).toEqual([]);
  }, 300_000);
});
