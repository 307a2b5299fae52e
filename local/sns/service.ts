/**
 * The local SNS: the template's topics (`AWS::SNS::Topic`) and Publish, whose messages land in a durable
 * outbox table in DynamoDB Local instead of e-mail or SMS, for anyone to read (`outbox()`, `readOutbox`,
 * or `npx tsx local/sns/outbox-cli.ts` beside a running `npm start`). `queryApi` answers SNS's query protocol
 * (form-encoded `Action=Publish|PublishBatch|ListTopics`, XML answers) so `@aws-sdk/client-sns` works
 * against the local cloud's one endpoint.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { retryBounded } from '#shared/retry.ts';
import { ensureLocalTable } from '../dynamodb/tables.ts';
import { BatchedPuts } from '../queues/batched-puts.ts';
import type { CfnTemplate } from '../template/template.ts';

export interface TopicDefinition {
  name: string;
  arn: string;
  logicalId?: string;
}

/** One published message, as the outbox keeps it. */
export interface SnsOutboxRecord {
  topicArn: string;
  /** `<publishedAt, 15 digits>#<messageId>`. */
  key: string;
  messageId: string;
  message: string;
  subject?: string;
  /** SNS's MessageAttributes (`{ name: { DataType, StringValue } }`). */
  attributes?: Record<string, unknown>;
  publishedAt: number;
}

/** An SNS API error (`NotFound`, `InvalidParameter`), with its HTTP status. */
export class SnsApiError extends Error {
  override readonly name = 'SnsApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function snsOutboxTableName(prefix = 'local-sns-') {
  return `${prefix}outbox`;
}

/** SNS's limit on a message (256 KiB). */
const MAX_MESSAGE_BYTES = 256 * 1024;

const xmlEscape = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

/** The template's topics: TopicName, else the logical ID (as the template resolver names their ARNs). */
export function templateTopics(template: CfnTemplate, region: string, accountId: string): TopicDefinition[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::SNS::Topic')
    .map(([logicalId, r]) => {
      const name = typeof r.Properties?.TopicName === 'string' ? r.Properties.TopicName : logicalId;
      return { name, logicalId, arn: `arn:aws:sns:${region}:${accountId}:${name}` };
    });
}

/** Reads the outbox (one topic's messages, oldest first, or every topic's). */
export async function readOutbox(
  doc: DynamoDBDocumentClient,
  table: string,
  topicArn?: string,
): Promise<SnsOutboxRecord[]> {
  const out: SnsOutboxRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      topicArn
        ? new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'topicArn = :t',
            ExpressionAttributeValues: { ':t': topicArn },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          })
        : new ScanCommand({
            TableName: table,
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
    );
    out.push(...((page.Items ?? []) as SnsOutboxRecord[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return topicArn ? out : out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** One message to publish, as the API gives it (checked by the service). */
export interface PublishInput {
  topicArn: unknown;
  message: unknown;
  subject?: unknown;
  attributes?: Record<string, unknown>;
}

export class SnsService {
  private readonly doc: DynamoDBDocumentClient;
  private readonly batched: BatchedPuts;
  readonly table: string;
  private readonly topics = new Map<string, TopicDefinition>();
  private readonly now: () => number;

  constructor(
    private readonly client: DynamoDBClient,
    options: { prefix?: string; now?: () => number } = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.batched = BatchedPuts.of(client);
    this.table = snsOutboxTableName(options.prefix);
    this.now = options.now ?? Date.now;
  }

  async init(): Promise<void> {
    await ensureLocalTable(this.client, this.table, { hash: 'topicArn', range: 'key' });
  }

  define(topic: TopicDefinition): void {
    this.topics.set(topic.arn, topic);
  }

  list(): TopicDefinition[] {
    return [...this.topics.values()];
  }

  /** Publishes to a topic: durable in the outbox when it resolves. NotFound for an unknown topic. */
  async publish(input: PublishInput): Promise<{ messageId: string }> {
    const record = this.record(input);
    await this.write([record]);
    return { messageId: record.messageId };
  }

  /**
   * PublishBatch's entries to one topic: each is checked as `publish` checks it (an entry refused is
   * answered alone, with its SnsApiError), the others are written together (one outbox write for the
   * batch, not one after another) and durable when this resolves. NotFound for an unknown topic.
   */
  async publishMany(
    inputs: PublishInput[],
  ): Promise<Array<{ ok: true; messageId: string } | { ok: false; error: SnsApiError }>> {
    const out = inputs.map((input) => {
      try {
        return { ok: true as const, record: this.record(input) };
      } catch (error) {
        if (!(error instanceof SnsApiError) || error.code === 'NotFound') throw error;
        return { ok: false as const, error };
      }
    });
    await this.write(out.flatMap((o) => (o.ok ? [o.record] : [])));
    return out.map((o) => (o.ok ? { ok: true, messageId: o.record.messageId } : o));
  }

  /** The outbox record of a publish, or the SnsApiError that refuses it. */
  private record(input: PublishInput): SnsOutboxRecord {
    const topicArn = typeof input.topicArn === 'string' ? input.topicArn : '';
    if (!topicArn) throw new SnsApiError('InvalidParameter', 'Invalid parameter: TopicArn');
    if (!this.topics.has(topicArn)) throw new SnsApiError('NotFound', 'Topic does not exist', 404);
    if (typeof input.message !== 'string' || input.message.length === 0) {
      throw new SnsApiError('InvalidParameter', 'Invalid parameter: Message');
    }
    if (Buffer.byteLength(input.message) > MAX_MESSAGE_BYTES) {
      throw new SnsApiError('InvalidParameter', 'Invalid parameter: Message too long');
    }
    if (input.subject !== undefined && (typeof input.subject !== 'string' || input.subject.length > 100)) {
      throw new SnsApiError('InvalidParameter', 'Invalid parameter: Subject');
    }
    const messageId = randomUUID();
    const publishedAt = this.now();
    return {
      topicArn,
      key: `${String(publishedAt).padStart(15, '0')}#${messageId}`,
      messageId,
      message: input.message,
      publishedAt,
      ...(typeof input.subject === 'string' ? { subject: input.subject } : {}),
      ...(input.attributes && Object.keys(input.attributes).length > 0
        ? { attributes: input.attributes }
        : {}),
    };
  }

  /**
   * Outbox writes share BatchWriteItem requests (25 items) with the other new items of the local tables
   * asked for in the same turn or while two requests are in flight (`BatchedPuts`): a notifier batch's
   * zone-topic publishes arrive at once, and DynamoDB Local pays per request. Every record has its own
   * new key, so a plain put is enough, and a store error is retried with backoff (the same record again).
   */
  private write(records: SnsOutboxRecord[]): Promise<void> {
    return retryBounded('local SNS: outbox write', () =>
      this.batched.put(this.table, ['topicArn', 'key'], records),
    );
  }

  /** The outbox: one topic's messages, or every topic's, oldest first. */
  outbox(topicArn?: string): Promise<SnsOutboxRecord[]> {
    return readOutbox(this.doc, this.table, topicArn);
  }

  /**
   * SNS's query protocol: the form-encoded body of a POST, answered in SNS's XML. Publish, PublishBatch
   * and ListTopics; anything else is `InvalidAction`.
   */
  async queryApi(body: string): Promise<{ status: number; xml: string }> {
    const form = new URLSearchParams(body);
    const requestId = randomUUID();
    const wrap = (action: string, inner: string) =>
      `<${action}Response xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
    const attributes = (prefix: string): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let i = 1; form.has(`${prefix}.entry.${i}.Name`); i++) {
        const at = `${prefix}.entry.${i}`;
        out[String(form.get(`${at}.Name`))] = {
          DataType: form.get(`${at}.Value.DataType`) ?? 'String',
          StringValue: form.get(`${at}.Value.StringValue`) ?? undefined,
        };
      }
      return out;
    };
    try {
      const action = form.get('Action');
      switch (action) {
        case 'Publish': {
          const { messageId } = await this.publish({
            topicArn: form.get('TopicArn') ?? form.get('TargetArn') ?? undefined,
            message: form.get('Message') ?? undefined,
            subject: form.get('Subject') ?? undefined,
            attributes: attributes('MessageAttributes'),
          });
          return { status: 200, xml: wrap('Publish', `<MessageId>${messageId}</MessageId>`) };
        }
        case 'PublishBatch': {
          const topicArn = form.get('TopicArn') ?? undefined;
          const ids: string[] = [];
          const entries: PublishInput[] = [];
          for (let i = 1; form.has(`PublishBatchRequestEntries.member.${i}.Id`); i++) {
            const at = `PublishBatchRequestEntries.member.${i}`;
            ids.push(xmlEscape(String(form.get(`${at}.Id`))));
            entries.push({
              topicArn,
              message: form.get(`${at}.Message`) ?? undefined,
              subject: form.get(`${at}.Subject`) ?? undefined,
              attributes: attributes(`${at}.MessageAttributes`),
            });
          }
          // The batch's entries written together (one outbox write), each refused one answered alone.
          const results = await this.publishMany(entries);
          const ok: string[] = [];
          const failed: string[] = [];
          results.forEach((r, k) => {
            const id = ids[k] as string;
            if (r.ok) ok.push(`<member><Id>${id}</Id><MessageId>${r.messageId}</MessageId></member>`);
            else {
              failed.push(
                `<member><Id>${id}</Id><Code>${r.error.code}</Code><Message>${xmlEscape(r.error.message)}</Message><SenderFault>true</SenderFault></member>`,
              );
            }
          });
          return {
            status: 200,
            xml: wrap(
              'PublishBatch',
              `<Successful>${ok.join('')}</Successful><Failed>${failed.join('')}</Failed>`,
            ),
          };
        }
        case 'ListTopics':
          return {
            status: 200,
            xml: wrap(
              'ListTopics',
              `<Topics>${this.list()
                .map((t) => `<member><TopicArn>${xmlEscape(t.arn)}</TopicArn></member>`)
                .join('')}</Topics>`,
            ),
          };
        default:
          throw new SnsApiError(
            'InvalidAction',
            `The action ${String(action)} is not valid for this endpoint.`,
          );
      }
    } catch (err) {
      if (!(err instanceof SnsApiError)) throw err;
      return {
        status: err.status,
        xml: `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${err.code}</Code><Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
  }
}
