/**
 * The Notifications construct: the rule's pattern (source and the issue's event names), the encrypted
 * queue with its visibility timeout and redrive, the DLQ alarm, the notifier's SQS event source with
 * partial batch responses, one SNS topic per zone of the catalog with publish rights for the notifier
 * only on them, and no cdk-nag finding left unacknowledged.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { DataTable } from '#infra/constructs/data-table.ts';
import { WorkflowEventBus } from '#infra/constructs/event-bus.ts';
import { HouseFunction } from '#infra/constructs/house-function.ts';
import {
  MAX_RECEIVE_COUNT,
  NOTIFIED_EVENTS,
  NOTIFIER_TIMEOUT,
  Notifications,
  STREAM_LIFETIME,
  STREAM_TIMEOUT,
  zoneTopicName,
} from '#infra/constructs/notifications.ts';
import { loadCatalog } from '#shared/catalog/index.ts';
import { EVENT_SOURCE, WORKFLOW_EVENTS } from '#shared/workflow/events.ts';

/** The issue's list, word for word: every one must reach the notifier. */
const ISSUE_EVENTS = [
  'ApplicationSubmitted',
  'SitesMatched',
  'NoSiteFound',
  'PlotHeld',
  'ClearanceBlocked',
  'ClearanceUpdated',
  'TaskCreated',
  'TaskDueSoon',
  'TaskOverdue',
  'InformationRequested',
  'DecisionMade',
  'ApplicationApproved',
  'ApplicationRejected',
  'ApplicationWithdrawn',
  'PlotAllocated',
  'PlotReleased',
];

describe('the Notifications construct', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'infra-notifications-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'NotificationsOnly', { env: { region: 'ap-southeast-1' } });
  const data = new DataTable(stack, 'Data');
  const events = new WorkflowEventBus(stack, 'Events');
  const zoneIds = loadCatalog().zones.map((z) => z.id);
  // The sign-in as the stack's Identity gives it: a pool, its app client and the pre-token trigger
  // (imported pool and client here, so the test does not depend on how Identity is built).
  const userPool = UserPool.fromUserPoolId(stack, 'Pool', 'ap-southeast-1_TestPool');
  const client = UserPoolClient.fromUserPoolClientId(stack, 'Client', 'test-client-id');
  const preTokenGeneration = new HouseFunction(stack, 'PreTokenGeneration', {
    entry: 'functions/http/pre-token-generation.ts',
    description: 'pre-token trigger',
    timeout: Duration.seconds(5),
  });
  const notifications = new Notifications(stack, 'Notifications', {
    bus: events.bus,
    table: data.table,
    zoneIds,
    identity: { userPool, client, preTokenGeneration },
    streamAllowOrigins: ['https://console.example'],
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const template = Template.fromStack(stack);
  const id = (c: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(c.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
  const queueId = id(notifications.queue);
  const dlqId = id(notifications.deadLetters);
  const fnId = id(notifications.notifier.fn as never);

  it('routes the issue’s events and every other event the workflow emits from the bus to the queue', () => {
    for (const name of ISSUE_EVENTS) expect(NOTIFIED_EVENTS).toContain(name);
    expect([...NOTIFIED_EVENTS].sort()).toEqual(Object.keys(WORKFLOW_EVENTS).sort());
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.anyValue() },
      EventPattern: { source: [EVENT_SOURCE], 'detail-type': [...NOTIFIED_EVENTS] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        }),
      ],
    });
  });

  it('has an encrypted queue, visible again after six times the notifier’s timeout, redriven to an encrypted DLQ', () => {
    template.hasResource('AWS::SQS::Queue', {
      Properties: {
        SqsManagedSseEnabled: true,
        VisibilityTimeout: NOTIFIER_TIMEOUT.toSeconds() * 6,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          maxReceiveCount: MAX_RECEIVE_COUNT,
        },
      },
    });
    expect(template.toJSON().Resources[dlqId].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: NOTIFIER_TIMEOUT.toSeconds() });
    // Both queues refuse requests without TLS.
    const policies = template.findResources('AWS::SQS::QueuePolicy');
    expect(JSON.stringify(policies)).toContain('aws:SecureTransport');
  });

  it('alarms when a message is visible in the DLQ', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('feeds the notifier from the queue in batches, with partial batch responses', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: fnId },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('has one encrypted, TLS-only SNS topic per zone, named by zone id, whose ARNs the notifier gets and may publish to', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    const names = Object.values(topics).map((t) => t.Properties.TopicName);
    expect(names.sort()).toEqual(zoneIds.map(zoneTopicName).sort());
    for (const t of Object.values(topics)) expect(t.Properties.KmsMasterKeyId).toBeDefined();
    expect(Object.keys(template.findResources('AWS::SNS::TopicPolicy'))).toHaveLength(zoneIds.length);

    const fn = template.toJSON().Resources[fnId];
    const resolved = stack.resolve(fn.Properties.Environment.Variables.ZONE_TOPIC_ARNS) as unknown;
    // A Fn::Join of the topics' Refs: each zone id once, each pointing at its own topic.
    const text = JSON.stringify(resolved);
    for (const zone of zoneIds) {
      const topicId = id(notifications.topics.get(zone) as never);
      expect(text).toContain(`\\"${zone}\\":\\"`);
      expect(text).toContain(`{"Ref":"${topicId}"}`);
    }
    const publish = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
      .filter((s) => JSON.stringify(s.Action).includes('sns:Publish'));
    const resources = publish.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    expect(resources).toHaveLength(zoneIds.length);
    for (const r of resources) expect(Object.keys(topics)).toContain((r as { Ref: string }).Ref);
  });

  it('keeps the notifier’s environment under Lambda’s 4 KB with the longest account ARNs', () => {
    const fn = template.toJSON().Resources[fnId];
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    const arn = (zone: string) => `arn:aws-us-gov:sns:ap-southeast-1:123456789012:${zoneTopicName(zone)}`;
    const size = Object.entries(env).reduce((sum, [k, v]) => {
      const value =
        k === 'ZONE_TOPIC_ARNS'
          ? JSON.stringify(Object.fromEntries(zoneIds.map((z) => [z, arn(z)])))
          : typeof v === 'string'
            ? v
            : 'x'.repeat(64);
      return sum + k.length + value.length;
    }, 0);
    expect(size).toBeLessThan(4096);
  });

  /** The statements of the policies attached to a function's role. */
  const statementsOf = (fn: { node: { defaultChild?: unknown } }) => {
    const roleId = template.toJSON().Resources[id(fn)].Properties.Role['Fn::GetAtt'][0] as string;
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
  };
  const actionsOf = (fn: { node: { defaultChild?: unknown } }) =>
    statementsOf(fn).flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));

  it('serves the stream from a function URL with response streaming, public auth and the console’s CORS', () => {
    const stream = notifications.stream?.fn;
    expect(stream).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [id(stream as never), 'Arn'] },
      AuthType: 'NONE',
      InvokeMode: 'RESPONSE_STREAM',
      Cors: {
        AllowOrigins: ['https://console.example'],
        AllowMethods: ['GET'],
        AllowHeaders: Match.arrayWith(['authorization', 'last-event-id']),
      },
    });
    // Anyone may call the URL (the function checks the token); nothing else is opened.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      FunctionName: { 'Fn::GetAtt': [id(stream as never), 'Arn'] },
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [id(stream as never), 'Arn'] },
      Principal: '*',
      InvokedViaFunctionUrl: true,
    });
    const outputs = Object.values(template.toJSON().Outputs ?? {}) as Array<{ Value: unknown }>;
    expect(JSON.stringify(outputs.map((o) => o.Value))).toContain('FunctionUrl');
  });

  it('gives the stream the pool and app client to verify tokens against, and ends it before its timeout', () => {
    const fn = template.toJSON().Resources[id(notifications.stream?.fn as never)];
    expect(fn.Properties.Timeout).toBe(STREAM_TIMEOUT.toSeconds());
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(JSON.stringify(stack.resolve(env.TOKEN_ISSUER))).toContain(
      'https://cognito-idp.ap-southeast-1.amazonaws.com/ap-southeast-1_TestPool',
    );
    expect(env.TOKEN_CLIENT_ID).toBe('test-client-id');
    expect(env.TABLE_NAME).toBeDefined();
    expect(Number(env.STREAM_LIFETIME_MS)).toBe(STREAM_LIFETIME.toMilliseconds());
    expect(STREAM_LIFETIME.toSeconds()).toBeLessThan(STREAM_TIMEOUT.toSeconds());
  });

  it('lets the stream only read the table, and the pre-token trigger write the directory', () => {
    const stream = actionsOf(notifications.stream?.fn as never);
    expect(stream).toContain('dynamodb:Query');
    expect(stream).toContain('dynamodb:GetItem');
    for (const write of [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ]) {
      expect(stream).not.toContain(write);
    }
    const trigger = actionsOf(preTokenGeneration.fn as never);
    expect(trigger).toContain('dynamodb:PutItem');
    expect(trigger).toContain('dynamodb:DeleteItem');
    const triggerFn = template.toJSON().Resources[id(preTokenGeneration.fn as never)];
    expect(triggerFn.Properties.Environment.Variables.TABLE_NAME).toBeDefined();
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged', () => {
    app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{
        pluginName: string;
        violations: Array<{ ruleName: string; violatingResources: unknown }>;
      }>;
    };
    const violations = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions')?.violations ?? [];
    expect(violations.map((v) => `${v.ruleName} ${JSON.stringify(v.violatingResources)}`)).toEqual([]);
  });
});
