/**
 * Task resources as AWS shapes them: lambda:invoke (output envelope, function errors by errorType,
 * Lambda.Unknown for a timeout, an unknown function), a bare Lambda ARN, waitForTaskToken, DynamoDB's
 * optimised integrations against DynamoDB Local, and EventBridge/SNS recorded in the outbox.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '#local/dynamodb/launcher.ts';
import { type StepFunctionsService, startStepFunctions } from '#local/sfn/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sfn-resources-'));
const ARN = (name: string) => `arn:aws:lambda:ap-southeast-1:000000000000:function:${name}`;
let ddb: DynamoDbLocal;
let client: DynamoDBClient;
let service: StepFunctionsService;

function fn(name: string, source: string, timeoutSeconds = 3) {
  const codeDir = join(dir, name);
  mkdirSync(codeDir, { recursive: true });
  writeFileSync(join(codeDir, 'index.js'), source);
  service.lambda.register({ functionName: name, codeDir, handler: 'index.handler', timeoutSeconds });
}

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  client = localDynamoDbClient(ddb.endpoint);
  await client.send(
    new CreateTableCommand({
      TableName: 'plots',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  service = await startStepFunctions({ port: 0, inMemory: true, dynamodbEndpoint: ddb.endpoint });
  fn('double', 'exports.handler = async (e) => ({ doubled: e.n * 2 });');
  fn(
    'held',
    `class PlotUnavailableError extends Error { constructor(m) { super(m); this.name = 'PlotUnavailableError'; } }
     exports.handler = async () => { throw new PlotUnavailableError('plot P-7 is held'); };`,
  );
  fn('hangs', 'exports.handler = () => new Promise(() => {});', 1);
  fn(
    'remember',
    'let calls = 0; exports.handler = async (e) => { calls++; globalThis.lastToken = e.token; return { calls }; };',
  );
});

afterAll(async () => {
  await service?.close();
  client?.destroy();
  await ddb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

let machines = 0;
async function run(states: Record<string, unknown>, input: unknown = {}) {
  const { stateMachineArn } = await service.engine.createStateMachine({
    name: `r${++machines}`,
    definition: JSON.stringify({ StartAt: Object.keys(states)[0], States: states }),
    roleArn: 'arn:aws:iam::000000000000:role/local',
  });
  const { executionArn } = await service.engine.startExecution({
    stateMachineArn,
    input: JSON.stringify(input),
  });
  await service.engine.idle();
  const done = await service.engine.describeExecution({ executionArn });
  return { ...done, result: done.output === undefined ? undefined : JSON.parse(done.output) };
}

const task = (Resource: string, Parameters?: unknown, extra: Record<string, unknown> = {}) => ({
  T: { Type: 'Task', Resource, ...(Parameters ? { Parameters } : {}), End: true, ...extra },
});

describe('lambda:invoke', () => {
  it("returns Lambda's invoke response: Payload, StatusCode, ExecutedVersion and SDK metadata", async () => {
    const done = await run(
      task('arn:aws:states:::lambda:invoke', { FunctionName: ARN('double'), Payload: { 'n.$': '$.n' } }),
      { n: 21 },
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { doubled: 42 },
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
      SdkResponseMetadata: { RequestId: expect.any(String) },
    });
  });

  it("fails with the function's error name and Lambda's error payload as the cause", async () => {
    const done = await run(task('arn:aws:states:::lambda:invoke', { FunctionName: 'held', Payload: {} }));
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('PlotUnavailableError');
    expect(JSON.parse(done.cause as string)).toMatchObject({
      errorType: 'PlotUnavailableError',
      errorMessage: 'plot P-7 is held',
    });
  });

  it('reports a function timeout as Lambda.Unknown, as Step Functions does', async () => {
    const done = await run(task('arn:aws:states:::lambda:invoke', { FunctionName: 'hangs', Payload: {} }));
    expect(done.error).toBe('Lambda.Unknown');
    expect(done.cause).toMatch(
      /^The cause could not be determined because Lambda did not return an error type\. Returned payload: .*Task timed out after 1\.00 seconds/,
    );
  });

  it('fails with Lambda.ResourceNotFoundException for a function that is not deployed', async () => {
    const done = await run(task('arn:aws:states:::lambda:invoke', { FunctionName: 'nowhere', Payload: {} }));
    expect(done.error).toBe('Lambda.ResourceNotFoundException');
    expect(done.cause).toContain('Function not found');
  });

  it('invokes the function once and waits for the token it was given', async () => {
    const { stateMachineArn } = await service.engine.createStateMachine({
      name: 'token-machine',
      definition: JSON.stringify({
        StartAt: 'T',
        States: task('arn:aws:states:::lambda:invoke.waitForTaskToken', {
          FunctionName: 'remember',
          Payload: { 'token.$': '$$.Task.Token' },
        }),
      }),
      roleArn: 'arn:aws:iam::000000000000:role/local',
    });
    const { executionArn } = await service.engine.startExecution({ stateMachineArn });
    const history = async () => (await service.engine.getExecutionHistory({ executionArn })).events;
    for (let i = 0; i < 200 && !(await history()).some((e) => e.type === 'TaskSubmitted'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const scheduled = (await history()).find((e) => e.type === 'TaskScheduled') as Record<string, unknown>;
    const token = JSON.parse((scheduled.taskScheduledEventDetails as { parameters: string }).parameters)
      .Payload.token as string;
    await service.tokens.sendSuccess(token, '{"approved":true}');
    await service.engine.idle();
    const done = await service.engine.describeExecution({ executionArn });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output as string)).toEqual({ approved: true });
    const submitted = (await history()).find((e) => e.type === 'TaskSubmitted') as Record<string, unknown>;
    expect(JSON.parse((submitted.taskSubmittedEventDetails as { output: string }).output)).toMatchObject({
      Payload: { calls: 1 },
    });
  });
});

describe('a bare Lambda ARN', () => {
  it("outputs the function's result itself", async () => {
    const done = await run(task(ARN('double')), { n: 4 });
    expect(done.result).toEqual({ doubled: 8 });
  });

  it("fails with the function's error name", async () => {
    const done = await run(task(ARN('held')));
    expect(done.error).toBe('PlotUnavailableError');
  });

  it('is refused at creation when the function is not deployed', async () => {
    await expect(
      service.engine.createStateMachine({
        name: 'not-deployed',
        definition: JSON.stringify({ StartAt: 'T', States: task(ARN('nowhere')) }),
        roleArn: 'arn:aws:iam::000000000000:role/local',
      }),
    ).rejects.toMatchObject({ type: 'InvalidDefinition', message: expect.stringContaining('nowhere') });
  });
});

describe('DynamoDB integrations', () => {
  it('puts, gets, updates and deletes an item with AWS result shapes', async () => {
    const done = await run({
      Put: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Parameters: { TableName: 'plots', Item: { pk: { S: 'P-1' }, status: { S: 'free' } } },
        ResultPath: '$.put',
        Next: 'Get',
      },
      Get: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:getItem',
        Parameters: { TableName: 'plots', Key: { pk: { S: 'P-1' } } },
        ResultPath: '$.get',
        Next: 'Update',
      },
      Update: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:updateItem',
        Parameters: {
          TableName: 'plots',
          Key: { pk: { S: 'P-1' } },
          UpdateExpression: 'SET #s = :held',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':held': { S: 'held' } },
          ReturnValues: 'ALL_NEW',
        },
        ResultPath: '$.update',
        Next: 'Delete',
      },
      Delete: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:deleteItem',
        Parameters: { TableName: 'plots', Key: { pk: { S: 'P-1' } } },
        ResultPath: '$.delete',
        End: true,
      },
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.get.Item).toEqual({ pk: { S: 'P-1' }, status: { S: 'free' } });
    expect(done.result.update.Attributes).toEqual({ pk: { S: 'P-1' }, status: { S: 'held' } });
    expect(done.result.put.SdkHttpMetadata.HttpStatusCode).toBe(200);
    expect(done.result.delete.SdkResponseMetadata.RequestId).toEqual(expect.any(String));
  });

  it('names a failed condition DynamoDB.ConditionalCheckFailedException', async () => {
    const done = await run(
      task('arn:aws:states:::dynamodb:putItem', {
        TableName: 'plots',
        Item: { pk: { S: 'P-2' } },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
    expect(done.error).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(done.cause).toContain('Error Code: ConditionalCheckFailedException');
  });
});

describe('EventBridge and SNS', () => {
  it('records events and messages in the outbox and answers as AWS does', async () => {
    const done = await run({
      Events: {
        Type: 'Task',
        Resource: 'arn:aws:states:::events:putEvents',
        Parameters: { Entries: [{ Source: 'onboarding', DetailType: 'PlotHeld', Detail: { plot: 'P-3' } }] },
        ResultPath: '$.events',
        Next: 'Sns',
      },
      Sns: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Parameters: {
          TopicArn: 'arn:aws:sns:ap-southeast-1:000000000000:zone-managers',
          Message: 'plot P-3 held',
        },
        ResultPath: '$.sns',
        End: true,
      },
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.events).toEqual({ Entries: [{ EventId: expect.any(String) }], FailedEntryCount: 0 });
    expect(done.result.sns.MessageId).toEqual(expect.any(String));
    const outbox = (await service.store.listOutbox()).filter((e) => e.executionArn === done.executionArn);
    expect(outbox.map((e) => [e.channel, e.stateName])).toEqual([
      ['events.putEvents', 'Events'],
      ['sns.publish', 'Sns'],
    ]);
    expect(outbox[0]?.message).toEqual({
      Source: 'onboarding',
      DetailType: 'PlotHeld',
      Detail: { plot: 'P-3' },
    });
  });

  it('refuses a resource it does not run, naming it', async () => {
    await expect(
      service.engine.createStateMachine({
        name: 'sqs',
        definition: JSON.stringify({ StartAt: 'T', States: task('arn:aws:states:::sqs:sendMessage', {}) }),
        roleArn: 'arn:aws:iam::000000000000:role/local',
      }),
    ).rejects.toMatchObject({
      type: 'InvalidDefinition',
      message: expect.stringContaining('sqs:sendMessage'),
    });
  });
});
