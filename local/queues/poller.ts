/**
 * Lambda's SQS event source mapping, locally: pollers receive batches from a queue, invoke the function
 * (the Lambda runtime of `local/lambda/`, the way Step Functions invokes it) with Lambda's SQS event, and
 * delete what succeeded. As on AWS: a function error fails the whole batch (every message stays and comes
 * back after its visibility timeout); with `ReportBatchItemFailures`, only the messages named in
 * `batchItemFailures` stay, and a response naming a message that is not in the batch fails the whole
 * batch. Nothing is deleted before the function answered, so a crash redelivers.
 */
import type { InvokeResult } from '../lambda/runtime.ts';
import type { QueueService, ReceivedMessage } from './service.ts';
import type { EventSourceMappingDefinition } from './template.ts';

export interface LambdaInvoker {
  invoke(functionName: string, payload: unknown): Promise<InvokeResult>;
}

export interface PollResult {
  received: number;
  deleted: number;
  /** Messages left for redelivery (failed, or the whole batch on a function error). */
  failed: number;
  functionError?: string;
}

export interface QueuePollerOptions {
  queues: QueueService;
  lambda: LambdaInvoker;
  mapping: EventSourceMappingDefinition;
  region: string;
  /** Concurrent batches (default: the mapping's MaximumConcurrency, else 5, as Lambda starts with five). */
  concurrency?: number;
  /** Longest wait between polls of an empty queue, in ms (default 1,000); a send wakes it at once. */
  maxIdleMs?: number;
  log?: (message: string) => void;
}

/** Lambda's SQS message attributes use lower-case keys (`stringValue`, `dataType`). */
function lambdaAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const v = (value ?? {}) as Record<string, unknown>;
    out[name] = {
      stringValue: v.StringValue,
      binaryValue: v.BinaryValue,
      stringListValues: [],
      binaryListValues: [],
      dataType: v.DataType,
    };
  }
  return out;
}

export class QueuePoller {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly stop = new AbortController();
  readonly queueArn: string;

  constructor(private readonly options: QueuePollerOptions) {
    this.queueArn = options.queues.queue(options.mapping.queue).arn;
  }

  /** Lambda's SQS event for a batch. */
  event(messages: ReceivedMessage[]) {
    return {
      Records: messages.map((m) => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        attributes: m.attributes,
        messageAttributes: lambdaAttributes(m.messageAttributes),
        md5OfBody: m.md5OfBody,
        eventSource: 'aws:sqs',
        eventSourceARN: this.queueArn,
        awsRegion: this.options.region,
      })),
    };
  }

  /** Receives one batch, invokes the function, deletes what succeeded. */
  async pollOnce(): Promise<PollResult> {
    const { queues, mapping } = this.options;
    const messages = await queues.receive(mapping.queue, { max: Math.min(10, mapping.batchSize) });
    return this.handle(messages);
  }

  /** Invokes the function with a received batch and deletes what succeeded. */
  async handle(messages: ReceivedMessage[]): Promise<PollResult> {
    const { queues, mapping } = this.options;
    if (messages.length === 0) return { received: 0, deleted: 0, failed: 0 };
    const result = await this.options.lambda.invoke(mapping.functionName, this.event(messages));
    let succeeded: ReceivedMessage[];
    let functionError: string | undefined;
    if (result.FunctionError) {
      succeeded = [];
      functionError = result.Payload.slice(0, 500);
    } else if (mapping.reportBatchItemFailures) {
      succeeded = this.succeeded(messages, result.Payload);
      if (succeeded.length === 0 && messages.length > 0) functionError = 'batch failed';
    } else {
      succeeded = messages;
    }
    const deleted = await queues.deleteMany(
      mapping.queue,
      succeeded.map((m) => m.receiptHandle),
    );
    return {
      received: messages.length,
      deleted,
      failed: messages.length - succeeded.length,
      ...(functionError ? { functionError } : {}),
    };
  }

  /** The messages a partial batch response lets go; none when the response is malformed (AWS: all fail). */
  private succeeded(messages: ReceivedMessage[], payload: string): ReceivedMessage[] {
    let response: unknown;
    try {
      response = JSON.parse(payload);
    } catch {
      return [];
    }
    if (response === null || response === undefined) return messages;
    const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return messages;
    if (!Array.isArray(failures)) return [];
    const ids = new Set(messages.map((m) => m.messageId));
    const failed = new Set<string>();
    for (const f of failures) {
      const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || !ids.has(id)) return [];
      failed.add(id);
    }
    return messages.filter((m) => !failed.has(m.messageId));
  }

  /** Starts the polling loops. */
  start(): void {
    if (this.running || !this.options.mapping.enabled) return;
    this.running = true;
    const n = this.options.concurrency ?? this.options.mapping.maximumConcurrency ?? 5;
    for (let i = 0; i < n; i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    const maxIdle = this.options.maxIdleMs ?? 1_000;
    let idle = 20;
    let handed: ReceivedMessage[] = [];
    while (this.running || handed.length > 0) {
      try {
        // A batch a send received for this poller while it waited (already hidden for its visibility
        // timeout: handled even when stopping), else one received now.
        const batch = handed;
        handed = [];
        const r = batch.length > 0 ? await this.handle(batch) : await this.pollOnce();
        if (r.received > 0) {
          idle = 20;
          if (r.functionError) {
            this.options.log?.(
              `${this.options.mapping.functionName} on ${this.options.mapping.queue}: ${r.failed} of ${r.received} failed (${r.functionError})`,
            );
          }
          continue;
        }
      } catch (err) {
        // A store error: the messages stay where they are; try again after the backoff.
        this.options.log?.(`poller ${this.options.mapping.logicalId}: ${(err as Error).message}`);
      }
      if (!this.running) break;
      // Full jitter, capped: a send to the queue wakes the loop at once, or hands it its messages.
      handed = await this.options.queues.waitToReceive(this.options.mapping.queue, {
        max: Math.min(10, this.options.mapping.batchSize),
        ms: Math.floor(Math.random() * idle) + 1,
        signal: this.stop.signal,
      });
      if (handed.length === 0) idle = Math.min(maxIdle, idle * 2);
    }
  }

  /** Stops polling; resolves when every batch in progress has finished. */
  async close(): Promise<void> {
    this.running = false;
    this.stop.abort();
    await Promise.all(this.loops.splice(0));
  }
}
