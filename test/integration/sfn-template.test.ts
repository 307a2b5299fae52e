/**
 * Template-driven: a small CDK app is synthesized (NodejsFunction assets bundled by esbuild), its table
 * created in DynamoDB Local, and its state machine run by the local engine with the Lambdas in worker
 * threads: LambdaInvoke, Retry on a custom error, waitForTaskToken, DynamoDB putItem/getItem, Catch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDbLocal } from '#local/dynamodb/launcher.ts';
import type { StepFunctionsService } from '#local/sfn/index.ts';
import { startFixtureDynamoDb, startLocalStepFunctions } from '../helpers/sfn.ts';

const outdir = mkdtempSync(join(tmpdir(), 'sfn-fixture-'));
let ddb: DynamoDbLocal;
let client: DynamoDBClient;
let service: StepFunctionsService;
let sfn: SFNClient;
let tableName: string;

beforeAll(async () => {
  const fixture = await startFixtureDynamoDb(outdir);
  ({ ddb, client, tableName } = fixture);
  ({ service, sfn } = await startLocalStepFunctions(ddb, {
    template: { ...fixture.synthesized, tableNames: fixture.tableNames },
  }));
});

afterAll(async () => {
  sfn?.destroy();
  await service?.close();
  client?.destroy();
  await ddb?.stop();
  rmSync(outdir, { recursive: true, force: true });
});

async function storedToken(key: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const item = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: `token#${key}` } } }),
    );
    const token = item.Item?.token?.S;
    if (token) return token;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no token stored for ${key}`);
}

describe('a state machine from a synthesized template', () => {
  it('creates every state machine the template defines', () => {
    expect(Object.keys(service.stateMachines).sort()).toEqual(['CrashF1E47A1F', 'OnboardingFB9AFC44']);
    expect(service.template?.functions.map((f) => f.functionName).sort()).toEqual([
      'RequestApproval033EF131',
      'WorkBF636A8B',
    ]);
  });

  it('runs Lambdas from their assets, retries a custom error, waits for a token and catches a failure', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: service.stateMachines.OnboardingFB9AFC44,
        name: 'APP-1',
        input: JSON.stringify({ id: 'APP-1' }),
      }),
    );
    const token = await storedToken('APP-1');
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approvedBy: 'zone board' }) }),
    );
    let done = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    while (done.status === 'RUNNING') {
      await new Promise((r) => setTimeout(r, 50));
      done = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    }
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output as string);
    expect(output.id).toBe('APP-1');
    // Two TransientErrors retried, the third attempt succeeded; StatusCode from Lambda's invoke response.
    expect(output.flaky).toEqual({ calls: 3, status: 200 });
    expect(output.approval).toEqual({ approvedBy: 'zone board' });
    expect(output.record).toEqual({ status: 'received' });
    expect(output.rejection.Error).toBe('PlotUnavailableError');
    expect(JSON.parse(output.rejection.Cause)).toMatchObject({
      errorType: 'PlotUnavailableError',
      errorMessage: 'plot for APP-1-reject is held',
    });

    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const types = (history.events ?? []).map((e) => e.type);
    expect(types).toContain('TaskSubmitted');
    expect(types.filter((t) => t === 'TaskFailed').length).toBeGreaterThanOrEqual(3);
    expect(types.at(-1)).toBe('ExecutionSucceeded');
  });
});
