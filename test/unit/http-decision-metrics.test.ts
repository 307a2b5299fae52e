/**
 * Decisions made through the API are counted: the decision route's handler (`POST /tasks/{id}/decision`)
 * with its SDK clients mocked (aws-sdk-client-mock) writes one CloudWatch EMF record per decision on stdout
 * (metric `Decision`, dimensions service, outcome and stage, namespace LaoCaiOnboarding), the same record
 * Powertools Metrics writes for the approval Lambdas' SLA counts; a refused or lost decision counts nothing.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { emfMetrics, METRICS_NAMESPACE } from '#shared/http/metrics.ts';
import {
  METRICS_NAMESPACE as APPROVALS_NAMESPACE,
  powertoolsMetrics,
} from '#shared/workflow/approval-handler.ts';
import { type CapturedOutput, captureOutput } from '../helpers/output.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const events = mockClient(EventBridgeClient);

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;

const context = {
  functionName: 'decide-task',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:ap-southeast-1:000000000000:function:decide-task',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

beforeAll(async () => {
  process.env.TABLE_NAME = 'table';
  process.env.EVENT_BUS_NAME = 'bus';
  process.env.AWS_REGION = 'ap-southeast-1';
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  handler = (await import('#functions/http/tasks/decide-task.ts')).handler as unknown as Handler;
});

let output: CapturedOutput;
beforeEach(() => {
  ddb.reset();
  sfn.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  sfn.on(SendTaskSuccessCommand).resolves({});
  output = captureOutput();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const emf = () => output.emf();

const openTask = {
  pk: 'APP#app-1',
  sk: 'TASK#irc@app-1',
  applicationId: 'app-1',
  taskId: 'irc@app-1',
  stageId: 'irc',
  role: 'zone-board-officer',
  scope: 'kcn-tang-loong',
  legalBasis: 'Law 143/2025/QH15',
  status: 'open',
  dueAt: '2026-12-23T16:59:59.999Z',
  startedAt: '2026-12-02T01:00:00.000Z',
  taskToken: 'token-1',
};

function decisionEvent(body: unknown, groups = '[zone-board-officer]'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /tasks/{id}/decision',
    rawPath: '/tasks/irc@app-1/decision',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { id: 'irc@app-1' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/tasks/irc@app-1/decision' },
      authorizer: {
        jwt: {
          claims: {
            sub: 'sub-officer',
            username: 'officer-zone-board',
            token_use: 'access',
            'cognito:groups': groups,
            'custom:zones': 'kcn-tang-loong',
          },
          scopes: [],
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2;
}

describe('decision metrics through the API', () => {
  it('counts an approval: one EMF record, Decision = 1 by service, outcome and stage', async () => {
    ddb.onAnyCommand().resolves({});
    ddb.on(GetCommand).resolves({ Item: openTask });
    ddb.on(UpdateCommand).resolves({ Attributes: openTask });
    const reply = await handler(decisionEvent({ decision: 'approve' }), context);
    expect(reply.statusCode, String(reply.body)).toBe(200);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
    const records = emf();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'LaoCaiOnboarding',
            Dimensions: [['service', 'outcome', 'stage']],
            Metrics: [{ Name: 'Decision', Unit: 'Count' }],
          },
        ],
      },
      service: 'approvals',
      outcome: 'approved',
      stage: 'irc',
      Decision: 1,
    });
  });

  it('counts a rejection and a request for information with their outcome', async () => {
    ddb.onAnyCommand().resolves({});
    ddb.on(GetCommand).resolves({ Item: openTask });
    ddb.on(UpdateCommand).resolves({ Attributes: openTask });
    const rejected = await handler(
      decisionEvent({ decision: 'reject', reason: 'Too much wastewater' }),
      context,
    );
    expect(rejected.statusCode, String(rejected.body)).toBe(200);
    expect(emf().map((r) => [r.outcome, r.Decision])).toEqual([['rejected', 1]]);

    output.clear();
    ddb.reset();
    ddb.onAnyCommand().resolves({});
    ddb.on(GetCommand).resolves({ Item: { ...openTask, investorId: 'sub-investor', version: 1 } });
    ddb.on(UpdateCommand).resolves({ Attributes: { ...openTask, investorId: 'sub-investor', version: 2 } });
    const asked = await handler(
      decisionEvent({ decision: 'request-information', reason: 'Send the wastewater plan' }),
      context,
    );
    expect(asked.statusCode, String(asked.body)).toBe(200);
    expect(emf().map((r) => [r.outcome, r.stage, r.Decision])).toEqual([['information-requested', 'irc', 1]]);
  });

  it('counts nothing for a decision refused (400), not allowed (403) or lost to another official (409)', async () => {
    ddb.onAnyCommand().resolves({});
    ddb.on(GetCommand).resolves({ Item: openTask });
    ddb.on(UpdateCommand).rejects(
      Object.assign(new ConditionalCheckFailedException({ message: 'condition', $metadata: {} }), {
        Item: { ...openTask, status: 'decided' },
      }),
    );
    expect((await handler(decisionEvent({ decision: 'reject' }), context)).statusCode).toBe(400);
    expect((await handler(decisionEvent({ decision: 'approve' }, '[investor]'), context)).statusCode).toBe(
      403,
    );
    expect((await handler(decisionEvent({ decision: 'approve' }), context)).statusCode).toBe(409);
    expect(emf()).toEqual([]);
  });

  it('writes the record Powertools Metrics writes for the approval Lambdas (same namespace and shape)', () => {
    expect(METRICS_NAMESPACE).toBe(APPROVALS_NAMESPACE);
    emfMetrics('approvals').count('Decision', { outcome: 'approved', stage: 'irc' });
    powertoolsMetrics().count('Decision', { outcome: 'approved', stage: 'irc' });
    const [ours, theirs] = emf();
    const withoutTime = (r: Record<string, unknown> | undefined) =>
      JSON.parse(JSON.stringify(r).replace(/"Timestamp":\d+/, '"Timestamp":0'));
    expect(theirs).toBeDefined();
    expect(withoutTime(ours)).toEqual(withoutTime(theirs));
  });
});
