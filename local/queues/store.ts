/**
 * Where the local SQS keeps its messages: one DynamoDB Local table, one partition per queue, messages in
 * the order they were sent (`key` = sent time + message id). Every state change is a conditional write
 * on the message's current receipt token, so two receivers (pollers, API callers, two processes) can never
 * both take a message, and a crash between two steps loses nothing: a message is only ever removed by a
 * delete that names its current receipt, or moved to the dead-letter queue in one transaction.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { RetryLater, retryBounded } from '#shared/retry.ts';
import { ensureLocalTable } from '../dynamodb/tables.ts';
import { BatchedPuts } from './batched-puts.ts';
import { GroupCommit } from './group-commit.ts';

/** One message as stored. */
export interface StoredMessage {
  queue: string;
  /** `<sentAt, 15 digits>#<messageId>`: the partition's order is the order of sending. */
  key: string;
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  /** Epoch ms from which a receive may take it. */
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
  /** The token of the latest receive ('-' before the first): a delete or change must name it. */
  receipt: string;
  /** JSON of the message attributes (SQS's MessageAttributes shape), if any. */
  attributes?: string;
  /** The queue ARN a dead-lettered message came from. */
  deadLetterSourceArn?: string;
}

/** Thrown when a conditional write lost to another writer: the message changed under us. */
export class MessageChangedError extends Error {
  override readonly name = 'MessageChangedError';
}

export function messagesTableName(prefix = 'local-sqs-') {
  return `${prefix}messages`;
}

/** Under DynamoDB's 4 MB per transaction, with room for the request's own overhead. */
const TRANSACTION_BYTES = 3_500_000;

const lost = (err: unknown) =>
  err instanceof ConditionalCheckFailedException || err instanceof TransactionCanceledException;

export class DynamoQueueStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly batched: BatchedPuts;
  readonly table: string;

  constructor(
    private readonly client: DynamoDBClient,
    options: { prefix?: string } = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.batched = BatchedPuts.of(client);
    this.table = messagesTableName(options.prefix);
  }

  async init(): Promise<void> {
    await ensureLocalTable(this.client, this.table, { hash: 'queue', range: 'key' });
  }

  /**
   * Writes new messages; acknowledged by the store when it resolves.
   *
   * `mayExist` (a send tried again with the same message ids, after an error that may have hidden a
   * write that happened): a message whose key exists already is left as it is, so a retried send does not
   * reset one in flight. Sends made while another is being written go together (group commit): one
   * transaction of conditional puts for the group, or, when one of them exists already, one conditional
   * put each.
   *
   * Otherwise the keys are new (a message id made for this send, an event id just made): plain puts in
   * the BatchWriteItem shared with the other local tables' new items of the same turn (`BatchedPuts`:
   * PutEvents' delivery log rides in the same request).
   */
  async put(messages: StoredMessage[], options: { mayExist?: boolean } = {}): Promise<void> {
    if (options.mayExist) await this.writes.submit(messages);
    else await this.batched.put(this.table, ['queue', 'key'], messages);
  }

  private readonly writes = new GroupCommit<StoredMessage, undefined>((items) => this.writeGroup(items), 100);

  private async writeGroup(items: StoredMessage[]): Promise<undefined[]> {
    // One item per key: a message sent twice at once (the same delivery retried) is one put.
    const unique = [...new Map(items.map((m) => [`${m.queue}\u0000${m.key}`, m])).values()];
    const chunks: StoredMessage[][] = [];
    let chunk: StoredMessage[] = [];
    let bytes = 0;
    for (const m of unique) {
      const size = m.body.length * 3 + (m.attributes?.length ?? 0) * 3 + 512;
      if (chunk.length > 0 && (chunk.length === 100 || bytes + size > TRANSACTION_BYTES)) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(m);
      bytes += size;
    }
    if (chunk.length > 0) chunks.push(chunk);
    await Promise.all(chunks.map((c) => this.putChunk(c)));
    return items.map(() => undefined);
  }

  private async putChunk(messages: StoredMessage[]): Promise<void> {
    const conditional = (Item: StoredMessage) => ({
      TableName: this.table,
      Item,
      ConditionExpression: 'attribute_not_exists(#k)',
      ExpressionAttributeNames: { '#k': 'key' },
    });
    if (messages.length > 1) {
      try {
        await this.doc.send(
          new TransactWriteCommand({ TransactItems: messages.map((m) => ({ Put: conditional(m) })) }),
        );
        return;
      } catch (err) {
        // A message of the group exists already (a retried send): each is written on its own below.
        if (!lost(err)) throw err;
      }
    }
    await Promise.all(
      messages.map(async (Item) => {
        try {
          await this.doc.send(new PutCommand(conditional(Item)));
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }
      }),
    );
  }

  /**
   * Up to `max` messages of the queue visible at `now`, oldest first (at most `maxScanned` read, so a
   * queue full of messages in flight costs a bounded read). `complete` says the whole queue was read and
   * every visible message is among those returned; `nextVisibleAt` is then the earliest time a message
   * now hidden (in flight or delayed) becomes visible (undefined: none is hidden). The read is not
   * filtered by the store, so the hidden messages' times come with it.
   */
  async visible(
    queue: string,
    now: number,
    max: number,
    maxScanned = 1_000,
  ): Promise<{ messages: StoredMessage[]; complete: boolean; nextVisibleAt?: number }> {
    const out: StoredMessage[] = [];
    let start: Record<string, unknown> | undefined;
    let scanned = 0;
    let nextVisibleAt: number | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#q = :q',
          ExpressionAttributeNames: { '#q': 'queue' },
          ExpressionAttributeValues: { ':q': queue },
          ConsistentRead: true,
          Limit: 100,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const m of (page.Items ?? []) as StoredMessage[]) {
        scanned += 1;
        if (m.visibleAt <= now) out.push(m);
        else if (nextVisibleAt === undefined || m.visibleAt < nextVisibleAt) nextVisibleAt = m.visibleAt;
      }
      start = page.LastEvaluatedKey;
    } while (start && out.length < max && scanned < maxScanned);
    const complete = start === undefined && out.length <= max;
    return {
      messages: out.slice(0, max),
      complete,
      ...(complete && nextVisibleAt !== undefined ? { nextVisibleAt } : {}),
    };
  }

  /** Every message of a queue (visible or not), oldest first: tests and the SQS API's counts. */
  async all(queue: string): Promise<StoredMessage[]> {
    const out: StoredMessage[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#q = :q',
          ExpressionAttributeNames: { '#q': 'queue' },
          ExpressionAttributeValues: { ':q': queue },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...((page.Items ?? []) as StoredMessage[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /**
   * Takes a visible message: new receipt, hidden until `visibleAt`, receive count + 1. Conditional on the
   * receipt the caller saw and on the message still being visible; MessageChangedError if another
   * receiver took it first.
   */
  async claim(
    message: StoredMessage,
    receipt: string,
    now: number,
    visibleAt: number,
  ): Promise<StoredMessage> {
    try {
      const r = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { queue: message.queue, key: message.key },
          UpdateExpression:
            'SET receipt = :r, visibleAt = :v, receiveCount = receiveCount + :one, firstReceiveAt = if_not_exists(firstReceiveAt, :now)',
          ConditionExpression: 'receipt = :seen AND visibleAt <= :now',
          ExpressionAttributeValues: {
            ':r': receipt,
            ':v': visibleAt,
            ':one': 1,
            ':now': now,
            ':seen': message.receipt,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return r.Attributes as StoredMessage;
    } catch (err) {
      if (lost(err))
        throw new MessageChangedError(`message ${message.messageId} was taken by another receiver`);
      throw err;
    }
  }

  /**
   * Takes several visible messages in one transaction (one request instead of one each); if another
   * receiver took one of them meanwhile, each is tried on its own. Returns those taken.
   */
  async claimMany(messages: StoredMessage[], now: number, visibleAt: number): Promise<StoredMessage[]> {
    const receipts = messages.map(() => randomUUID());
    if (messages.length > 1) {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: messages.map((m, i) => ({
              Update: {
                TableName: this.table,
                Key: { queue: m.queue, key: m.key },
                UpdateExpression:
                  'SET receipt = :r, visibleAt = :v, receiveCount = receiveCount + :one, firstReceiveAt = if_not_exists(firstReceiveAt, :now)',
                ConditionExpression: 'receipt = :seen AND visibleAt <= :now',
                ExpressionAttributeValues: {
                  ':r': receipts[i],
                  ':v': visibleAt,
                  ':one': 1,
                  ':now': now,
                  ':seen': m.receipt,
                },
              },
            })),
          }),
        );
        return messages.map((m, i) => ({
          ...m,
          receipt: receipts[i] as string,
          visibleAt,
          receiveCount: m.receiveCount + 1,
          firstReceiveAt: m.firstReceiveAt ?? now,
        }));
      } catch (err) {
        if (!lost(err)) throw err;
      }
    }
    const taken = await Promise.all(
      messages.map(async (m, i) => {
        try {
          return await this.claim(m, receipts[i] as string, now, visibleAt);
        } catch (err) {
          if (err instanceof MessageChangedError) return undefined;
          throw err;
        }
      }),
    );
    return taken.filter((m): m is StoredMessage => m !== undefined);
  }

  /**
   * Deletes several messages by receipt; if one receipt is stale, each is deleted on its own (the stale
   * one stays). Returns how many were deleted. Deletes asked for while another is being written go
   * together in one transaction (group commit across the pollers).
   */
  async deleteMany(handles: Array<{ queue: string; key: string; receipt: string }>): Promise<number> {
    const done = await this.deletes.submit(handles);
    return done.filter(Boolean).length;
  }

  private readonly deletes = new GroupCommit<{ queue: string; key: string; receipt: string }, boolean>(
    async (handles) => {
      // The same message named twice in a group (two stale handles of it) cannot share a transaction.
      const keys = new Set(handles.map((h) => `${h.queue}\u0000${h.key}`));
      if (handles.length > 1 && keys.size === handles.length) {
        try {
          await this.doc.send(
            new TransactWriteCommand({
              TransactItems: handles.map((h) => ({
                Delete: {
                  TableName: this.table,
                  Key: { queue: h.queue, key: h.key },
                  ConditionExpression: 'receipt = :r',
                  ExpressionAttributeValues: { ':r': h.receipt },
                },
              })),
            }),
          );
          return handles.map(() => true);
        } catch (err) {
          if (!lost(err)) throw err;
        }
      }
      const out: boolean[] = [];
      // One at a time when handles repeat a message (only one can hold its latest receipt).
      if (keys.size !== handles.length) {
        for (const h of handles) out.push(await this.delete(h.queue, h.key, h.receipt));
        return out;
      }
      return Promise.all(handles.map((h) => this.delete(h.queue, h.key, h.receipt)));
    },
    100,
  );

  /** Deletes the message if `receipt` is still its latest; false when it is not (or it is gone). */
  async delete(queue: string, key: string, receipt: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { queue, key },
          ConditionExpression: 'receipt = :r',
          ExpressionAttributeValues: { ':r': receipt },
        }),
      );
      return true;
    } catch (err) {
      if (lost(err)) return false;
      throw err;
    }
  }

  /** Moves the message's visibility (ChangeMessageVisibility); false when `receipt` is stale. */
  async changeVisibility(queue: string, key: string, receipt: string, visibleAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { queue, key },
          UpdateExpression: 'SET visibleAt = :v',
          ConditionExpression: 'receipt = :r',
          ExpressionAttributeValues: { ':r': receipt, ':v': visibleAt },
        }),
      );
      return true;
    } catch (err) {
      if (lost(err)) return false;
      throw err;
    }
  }

  /**
   * Moves a message to the dead-letter queue in one transaction: deleted from its queue only if nobody
   * took it meanwhile, written to the DLQ with the same id and body. MessageChangedError if it moved.
   */
  async moveToDeadLetter(message: StoredMessage, dead: StoredMessage): Promise<void> {
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: { queue: message.queue, key: message.key },
                ConditionExpression: 'receipt = :seen',
                ExpressionAttributeValues: { ':seen': message.receipt },
              },
            },
            { Put: { TableName: this.table, Item: dead } },
          ],
        }),
      );
    } catch (err) {
      if (lost(err))
        throw new MessageChangedError(`message ${message.messageId} was taken by another receiver`);
      throw err;
    }
  }

  /** Deletes every message of a queue (PurgeQueue). */
  async purge(queue: string): Promise<void> {
    const all = await this.all(queue);
    for (let i = 0; i < all.length; i += 25) {
      let pending = all
        .slice(i, i + 25)
        .map((m) => ({ DeleteRequest: { Key: { queue: m.queue, key: m.key } } }));
      await retryBounded('local SQS: purge', async () => {
        const r = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (r.UnprocessedItems?.[this.table] as typeof pending | undefined) ?? [];
        if (pending.length > 0) throw new RetryLater('unprocessed items');
      });
    }
  }
}
