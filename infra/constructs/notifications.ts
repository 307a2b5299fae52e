import { type CfnElement, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { type FunctionUrl, FunctionUrlAuthType, HttpMethod, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE, type WorkflowEventName } from '../../shared/workflow/events.ts';
import { HouseFunction } from './house-function.ts';

/**
 * The domain events people are told about (issue 9): each reaches the notifier, which resolves the
 * recipients from data. That is every event the workflow emits: each one changes an application someone
 * is waiting on (the issue's sixteen, and RouteDecided: the investor's route and a provincial review;
 * SiteBlocked: the investor's site and its zone's managers; InformationProvided: the official's clock
 * runs again, with its new due date; ApplicationFailed: the investor's application closed). A new event
 * must be added here or the table test of test/unit/notifications.test.ts fails.
 */
export const NOTIFIED_EVENTS = [
  'ApplicationSubmitted',
  'RouteDecided',
  'SitesMatched',
  'NoSiteFound',
  'PlotHeld',
  'SiteBlocked',
  'ClearanceBlocked',
  'ClearanceUpdated',
  'TaskCreated',
  'TaskDueSoon',
  'TaskOverdue',
  'InformationRequested',
  'InformationProvided',
  'DecisionMade',
  'ApplicationApproved',
  'ApplicationRejected',
  'ApplicationWithdrawn',
  'ApplicationFailed',
  'PlotAllocated',
  'PlotReleased',
] as const satisfies readonly WorkflowEventName[];

/** The rule's event pattern as EventBridge reads it (the table test matches every journey event with it). */
export const NOTIFIED_PATTERN = { source: [EVENT_SOURCE], 'detail-type': [...NOTIFIED_EVENTS] };

/** The notifier's timeout; the queue's visibility timeout is six times it, as AWS advises for Lambda. */
export const NOTIFIER_TIMEOUT = Duration.seconds(30);
/** Receives before a message goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

export interface NotificationsProps {
  bus: IEventBus;
  table: ITableV2;
  /** The catalog's zone ids: one SNS topic each for its managers' e-mail/SMS subscriptions. */
  zoneIds: readonly string[];
  /** The notifier's handler (default `functions/notifications/notify.ts`). */
  entry?: string;
  /**
   * The sign-in: with it, the notifications stream is served on AWS (a function URL verifying the pool's
   * access tokens for this app client), and the pre-token trigger, if given, keeps the recipients'
   * directory in the table.
   */
  identity?: {
    userPool: IUserPool;
    client: IUserPoolClient;
    preTokenGeneration?: HouseFunction;
  };
  /**
   * Origins the stream's CORS allows (the console's). Default: any, as the HTTP API: the stream takes a
   * bearer token, never a cookie, so a foreign page cannot ride on someone's session.
   */
  streamAllowOrigins?: string[];
}

/** How long one stream lives before it ends and the client reconnects (with Last-Event-ID). */
export const STREAM_LIFETIME = Duration.minutes(4);
/** The stream function's timeout: its lifetime and a margin for the last poll and the end. */
export const STREAM_TIMEOUT = Duration.minutes(5);
/** How often a stream on AWS looks for new notifications (a consistent Query of one small partition). */
export const STREAM_POLL_MS = 250;

/** The SNS topic name of a zone (`laocai-zone-<zone id>`): short, as the notifier's environment lists every one. */
export const zoneTopicName = (zoneId: string) => `laocai-zone-${zoneId}`;

/**
 * Notifications' plumbing: one rule on the workflow bus (source and detail-type of NOTIFIED_EVENTS)
 * delivers to an encrypted queue; the notifier Lambda consumes it in batches with partial batch failures
 * (a failed record alone comes back after the visibility timeout); a record received MAX_RECEIVE_COUNT
 * times goes to the dead-letter queue, whose visible messages raise an alarm. Events EventBridge itself
 * cannot deliver land in the same DLQ. Each zone of the catalog has an SNS topic (its managers subscribe by
 * e-mail or SMS); the notifier gets their ARNs in ZONE_TOPIC_ARNS (JSON, zone id → ARN) and may publish
 * to those topics only.
 */
export class Notifications extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly rule: Rule;
  readonly notifier: HouseFunction;
  readonly topics: ReadonlyMap<string, Topic>;
  readonly dlqAlarm: Alarm;
  /** `GET /notifications/stream` on AWS (present when `identity` is given). */
  readonly stream?: HouseFunction;
  /** The stream's function URL (append nothing: it serves the stream at its root and at /notifications/stream). */
  readonly streamUrl?: FunctionUrl;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(NOTIFIER_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.rule = new Rule(this, 'Rule', {
      eventBus: props.bus,
      description: 'Workflow events someone must be told about, to the notifications queue',
      eventPattern: { source: NOTIFIED_PATTERN.source, detailType: NOTIFIED_PATTERN['detail-type'] },
      targets: [
        new SqsQueue(this.queue, {
          deadLetterQueue: this.deadLetters,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // SSE with SNS's AWS-managed key: messages name applications and people; no key policy to keep.
    const snsKey = Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns');
    const topics = new Map<string, Topic>();
    for (const zoneId of props.zoneIds) {
      topics.set(
        zoneId,
        new Topic(this, `Zone-${zoneId}`, {
          topicName: zoneTopicName(zoneId),
          displayName: `Lao Cai ${zoneId}`.slice(0, 100),
          masterKey: snsKey,
          enforceSSL: true,
        }),
      );
    }
    this.topics = topics;

    this.notifier = new HouseFunction(this, 'Notifier', {
      entry: props.entry ?? 'functions/notifications/notify.ts',
      description:
        'Turns workflow events into notifications for investors, officials and zone managers (in-app, and the zone topics)',
      timeout: NOTIFIER_TIMEOUT,
      environment: {
        ZONE_TOPIC_ARNS: Stack.of(this).toJsonString(
          Object.fromEntries([...topics].map(([zone, topic]) => [zone, topic.topicArn])),
        ),
      },
    }).bindTable(props.table, 'write');
    for (const topic of topics.values()) topic.grantPublish(this.notifier.fn);
    this.notifier.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );

    this.dlqAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription:
        'Notifications that kept failing (or that EventBridge could not deliver) wait in the dead-letter queue',
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    // The table's customer-managed key: CDK's write grant names these actions with wildcards.
    const kmsReason =
      "Writing the table encrypted with its own KMS key: CDK's grant (kms:GenerateDataKey*, kms:ReEncrypt*) on that one key.";
    const acknowledgeKms = (fn: HouseFunction) =>
      Validations.of(fn.fn).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: kmsReason },
        { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: kmsReason },
      );
    acknowledgeKms(this.notifier);

    if (props.identity) {
      const { userPool, client, preTokenGeneration } = props.identity;
      // The recipients' directory is written at each sign-in and refresh (functions/http/pre-token-generation.ts).
      if (preTokenGeneration) acknowledgeKms(preTokenGeneration.bindTable(props.table, 'write'));

      // As the HTTP API's authorizer names the pool: a Ref, so the local cloud maps it to its own issuer.
      const issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
      this.stream = new HouseFunction(this, 'Stream', {
        entry: 'functions/notifications/stream.ts',
        description:
          'GET /notifications/stream on AWS: the caller’s in-app notifications as Server-Sent Events (response streaming)',
        timeout: STREAM_TIMEOUT,
        // Mostly waiting between polls: the least memory keeps a connected person's cost low.
        memorySize: 256,
        environment: {
          TOKEN_ISSUER: issuer,
          TOKEN_CLIENT_ID: client.userPoolClientId,
          STREAM_POLL_MS: String(STREAM_POLL_MS),
          STREAM_LIFETIME_MS: String(STREAM_LIFETIME.toMilliseconds()),
        },
      }).bindTable(props.table, 'read');
      this.streamUrl = this.stream.fn.addFunctionUrl({
        // A browser's EventSource cannot sign requests (IAM): the function verifies the Cognito token.
        authType: FunctionUrlAuthType.NONE,
        invokeMode: InvokeMode.RESPONSE_STREAM,
        cors: {
          allowedOrigins: props.streamAllowOrigins ?? ['*'],
          allowedMethods: [HttpMethod.GET],
          // EventSource sends Last-Event-ID when it reconnects, which makes its request need a preflight.
          allowedHeaders: ['authorization', 'last-event-id', 'cache-control'],
          maxAge: Duration.hours(1),
        },
      });
      new CfnOutput(this, 'StreamUrl', {
        description:
          'GET /notifications/stream on AWS (Server-Sent Events; token in Authorization or access_token)',
        value: this.streamUrl.url,
      });
    }
    const dlqLogicalId = Stack.of(this).getLogicalId(this.deadLetters.node.defaultChild as CfnElement);
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: `${dlqLogicalId} is the dead-letter queue itself (of the notifications queue and of the rule's target).`,
    });
  }
}
