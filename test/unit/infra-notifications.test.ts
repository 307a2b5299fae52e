/**
 * The Notifications construct: the rule's pattern (source and the issue's event names), the encrypted
 * queue with its visibility timeout and redrive, the DLQ alarm, the notifier's SQS event source with
 * partial batch responses, one SNS topic per zone of the catalog with publish rights for the notifier
 * only on them, and no cdk-nag finding left unacknowledged.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { DataTable } from '#infra/constructs/data-table.ts';
import { WorkflowEventBus } from '#infra/constructs/event-bus.ts';
import {
  MAX_RECEIVE_COUNT,
  NOTIFIED_EVENTS,
  NOTIFIER_TIMEOUT,
  Notifications,
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
  const notifications = new Notifications(stack, 'Notifications', {
    bus: events.bus,
    table: data.table,
    zoneIds,
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
