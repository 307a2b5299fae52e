/**
 * The local cloud's messaging: SQS queues (`service.ts`, durable in DynamoDB Local), the pollers that feed
 * them to Lambdas (`poller.ts`, the template's event source mappings), EventBridge's queue targets
 * (`targets.ts`) and SNS with its outbox (`../sns/`). `LocalMessaging` holds them for the local AWS
 * endpoint (`local/sfn/index.ts` starts it beside Step Functions and EventBridge).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SnsService, templateTopics } from '../sns/service.ts';
import type { CfnTemplate, ResolvedTemplate } from '../template/template.ts';
import { type LambdaInvoker, QueuePoller } from './poller.ts';
import { QueueService } from './service.ts';
import { DynamoQueueStore } from './store.ts';
import { queueTargetDelivery } from './targets.ts';
import { type EventSourceMappingDefinition, readQueueTemplate } from './template.ts';

export { type LambdaInvoker, type PollResult, QueuePoller } from './poller.ts';
export {
  MAX_MESSAGE_BYTES,
  QueueApiError,
  type QueueCounts,
  type QueueDefinition,
  QueueService,
  type ReceivedMessage,
} from './service.ts';
export { DynamoQueueStore, messagesTableName, type StoredMessage } from './store.ts';
export { queueTargetDelivery, targetInput } from './targets.ts';
export { type EventSourceMappingDefinition, readQueueTemplate } from './template.ts';

export interface LocalMessagingOptions {
  dynamodb: DynamoDBClient;
  region: string;
  accountId: string;
  /** Epoch ms (the engine's clock): visibility timeouts and send times. */
  now?: () => number;
  /** Table prefix: `<prefix>sqs-messages`, `<prefix>sns-outbox`. */
  tablePrefix?: string;
  log?: (message: string) => void;
}

export class LocalMessaging {
  readonly queues: QueueService;
  readonly sns: SnsService;
  readonly pollers: QueuePoller[] = [];
  /** EventBridge's delivery of matches to queue targets (EventsServiceOptions.deliver). */
  readonly deliver: ReturnType<typeof queueTargetDelivery>;

  private constructor(
    private readonly options: LocalMessagingOptions,
    store: DynamoQueueStore,
    sns: SnsService,
  ) {
    this.queues = new QueueService({
      store,
      region: options.region,
      accountId: options.accountId,
      ...(options.now ? { now: options.now } : {}),
    });
    this.sns = sns;
    this.deliver = queueTargetDelivery(this.queues);
  }

  /** Creates the tables (idempotent) and the services; no queue or topic until `loadTemplate`. */
  static async create(options: LocalMessagingOptions): Promise<LocalMessaging> {
    const prefix = options.tablePrefix ?? 'local-';
    const store = new DynamoQueueStore(options.dynamodb, { prefix: `${prefix}sqs-` });
    const sns = new SnsService(options.dynamodb, {
      prefix: `${prefix}sns-`,
      ...(options.now ? { now: options.now } : {}),
    });
    await Promise.all([store.init(), sns.init()]);
    return new LocalMessaging(options, store, sns);
  }

  /** SQS's operations and SNS's query handler, for the local AWS endpoint. */
  endpointServices() {
    return {
      targets: { 'AmazonSQS.': this.queues.operations() },
      query: (body: string) => this.sns.queryApi(body),
    };
  }

  /**
   * Defines the template's queues and topics and returns a resolver that knows the queues (for the
   * rules' targets). Pollers are made for its event source mappings; `start` starts them.
   */
  loadTemplate(
    template: CfnTemplate,
    resolved: Pick<ResolvedTemplate, 'resolve'>,
    lambda: LambdaInvoker,
    options: { endpoint: string; start?: boolean },
  ): { resolver: Pick<ResolvedTemplate, 'resolve'>; mappings: EventSourceMappingDefinition[] } {
    this.queues.endpoint = options.endpoint;
    const { region, accountId } = this.options;
    const read = readQueueTemplate(template, resolved, {
      region,
      accountId,
      endpoint: () => this.queues.endpoint,
    });
    for (const q of read.queues) this.queues.define(q);
    for (const t of templateTopics(template, region, accountId)) this.sns.define(t);
    for (const mapping of read.mappings) {
      const poller = new QueuePoller({
        queues: this.queues,
        lambda,
        mapping,
        region,
        ...(this.options.log ? { log: this.options.log } : {}),
      });
      this.pollers.push(poller);
      if (options.start !== false) poller.start();
    }
    return { resolver: read.resolver, mappings: read.mappings };
  }

  /** Starts every poller (when loaded with `start: false`). */
  start(): void {
    for (const p of this.pollers) p.start();
  }

  /** Stops the pollers, waiting for the batches in progress. */
  async close(): Promise<void> {
    await Promise.all(this.pollers.map((p) => p.close()));
  }
}
