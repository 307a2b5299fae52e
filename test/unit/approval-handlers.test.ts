/**
 * AP's Lambda handlers with their SDK clients mocked (aws-sdk-client-mock): the wait answers its own token
 * when a decision won the race, ignores a token that already timed out, fails at once for a withdrawn
 * application, refuses bad input naming the field before touching DynamoDB; the clearance wait answers a
 * cleared plot at once.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InputValidationError } from '#shared/errors.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const events = mockClient(EventBridgeClient);

const context = {
  functionName: 'approval-wait',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:approval-wait',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let waitHandler: Handler;
let clearanceHandler: Handler;

beforeAll(async () => {
  process.env.TABLE_NAME = 'table';
  process.env.EVENT_BUS_NAME = 'bus';
  process.env.AWS_REGION = 'ap-southeast-1';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  waitHandler = (await import('#functions/workflow/approval-wait.ts')).handler as Handler;
  clearanceHandler = (await import('#functions/workflow/clearance-wait-register.ts')).handler as Handler;
});

beforeEach(() => {
  ddb.reset();
  sfn.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

const waitInput = {
  applicationId: 'app-1',
  executionName: 'app-1',
  at: '2026-03-02T02:00:00.000Z',
  taskId: 'irc@app-1',
  token: 'token-2',
};

function conditionFailed(item: Record<string, unknown>) {
  return Object.assign(new ConditionalCheckFailedException({ message: 'condition', $metadata: {} }), {
    Item: item,
  });
}

const decidedTask = {
  applicationId: 'app-1',
  taskId: 'irc@app-1',
  stageId: 'irc',
  role: 'zone-board-officer',
  scope: 'z1',
  legalBasis: 'Law 61/2020/QH14, Art. 39',
  status: 'decided',
  decision: { outcome: 'approved', decidedBy: 'off-1', decidedAt: '2026-03-02T01:00:00.000Z' },
};

describe('approval wait handler', () => {
  it('answers its own token with the decision that raced the rotation', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed(decidedTask));
    sfn.on(SendTaskSuccessCommand).resolves({});

    await expect(waitHandler(waitInput, context)).resolves.toEqual({ parked: false });

    const sent = sfn.commandCalls(SendTaskSuccessCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.args[0].input.taskToken).toBe('token-2');
    expect(JSON.parse(sent[0]?.args[0].input.output ?? '{}')).toMatchObject({
      taskId: 'irc@app-1',
      outcome: 'approved',
      decidedBy: 'off-1',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('ignores a token whose wait already timed out', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed(decidedTask));
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'timed out', $metadata: {} }));
    await expect(waitHandler(waitInput, context)).resolves.toEqual({ parked: false });
  });

  it('fails at once with Application.Withdrawn, with the investor’s reason, when the application was withdrawn', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { ...decidedTask, status: 'open', taskToken: 'token-2' } });
    ddb.on(GetCommand).resolves({
      Item: {
        id: 'app-1',
        investorId: 'inv-1',
        status: 'withdrawn',
        version: 3,
        withdrawal: { reason: 'the board chose another province', at: '2026-03-02T02:00:00Z', by: 'inv-1' },
      },
    });
    await expect(waitHandler(waitInput, context)).rejects.toMatchObject({
      name: 'Application.Withdrawn',
      message: 'the board chose another province',
    });
    expect(sfn.calls()).toHaveLength(0);
  });

  it('fails the wait with Application.Rejected for a rejected task, naming the reasons', async () => {
    ddb.on(UpdateCommand).rejects(
      conditionFailed({
        ...decidedTask,
        decision: { ...decidedTask.decision, outcome: 'rejected', reasons: ['sector not allowed'] },
      }),
    );
    const error = await waitHandler(waitInput, context).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'Application.Rejected' });
    expect((error as Error).message).toBe('sector not allowed');
  });

  it('refuses an input without a token, naming the field, before any call', async () => {
    const { token: _token, ...noToken } = waitInput;
    const error = await waitHandler(noToken, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).issues.map((i) => i.path)).toEqual(['token']);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('clearance wait handler', () => {
  it('answers its own token at once when the plot is already cleared', async () => {
    ddb.on(UpdateCommand).resolves({
      Attributes: { applicationId: 'app-1', plotId: 'z1-p1', taskToken: 'token-c', seq: 1 },
    });
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { id: 'app-1', investorId: 'inv-1', status: 'checking-clearance', version: 2 } })
      .resolves({
        Item: { id: 'z1-p1', zoneId: 'z1', status: 'held', clearance: { status: 'cleared' } },
      });
    ddb.on(DeleteCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});

    await expect(
      clearanceHandler(
        {
          applicationId: 'app-1',
          executionName: 'app-1',
          at: '2026-03-02T02:00:00.000Z',
          plotId: 'z1-p1',
          token: 'token-c',
          round: 0,
        },
        context,
      ),
    ).resolves.toEqual({ parked: false, clearance: 'cleared' });

    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(1);
    const sent = sfn.commandCalls(SendTaskSuccessCommand);
    expect(JSON.parse(sent[0]?.args[0].input.output ?? '{}')).toEqual({ clearance: { status: 'cleared' } });
  });
});
