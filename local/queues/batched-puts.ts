/**
 * Plain puts of new items, shared across the local messaging tables: the puts asked for in one turn of
 * the event loop (and those asked for while two rounds of requests are in flight) go together in
 * BatchWriteItems of up to 25 items, whatever their tables (a round: up to 100 items, 4 requests sent
 * at once, as the group commits this replaced). PutEvents records its matches in the delivery log and puts
 * their messages on the queue in the same turn, so both ride in one request instead of two; concurrent
 * callers (other PutEvents calls, the SNS outbox) join them.
 *
 * Only for items that are new (a fresh key: an event, message or outbox id just made) or whose every
 * write carries the same content: a BatchWriteItem has no condition, so a put that may meet an existing
 * item it must not overwrite (a queue message sent again, possibly received meanwhile) goes elsewhere.
 * A caller's promise resolves once every one of its items was acknowledged; items DynamoDB leaves
 * unprocessed are sent again with backoff, and a store error rejects every caller of that request (each
 * retries or fails as it did alone). There is one instance per DynamoDB client (`BatchedPuts.of`).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RetryLater, retryBounded } from '#shared/retry.ts';

/** DynamoDB's limit on the items of one BatchWriteItem. */
const MAX_ITEMS = 25;
/** Requests of one round, sent at once: up to 100 items. */
const ROUND_REQUESTS = 4;

interface Caller {
  left: number;
  settled: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

interface Waiting {
  table: string;
  /** Table and key values: one request must not put the same key twice. */
  id: string;
  item: Record<string, unknown>;
  caller: Caller;
}

export class BatchedPuts {
  private static readonly byClient = new WeakMap<DynamoDBClient, BatchedPuts>();

  /** The instance shared by every store that uses `client`. */
  static of(client: DynamoDBClient): BatchedPuts {
    let puts = BatchedPuts.byClient.get(client);
    if (!puts) {
      puts = new BatchedPuts(client);
      BatchedPuts.byClient.set(client, puts);
    }
    return puts;
  }

  private readonly doc: DynamoDBDocumentClient;
  private pending: Waiting[] = [];
  private running = 0;
  private scheduled = false;
  /** BatchWriteItem requests sent (tests). */
  requests = 0;

  constructor(
    client: DynamoDBClient,
    /** Rounds in flight at once (DynamoDB Local gains little from more than a couple). */
    private readonly parallel = 2,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * Puts `items` into `table` (`key`: the table's key attribute names); resolves when all are stored.
   * Nothing is sent before the current turn of the event loop ends, so puts asked for together share it.
   */
  put<T extends object>(
    table: string,
    key: ReadonlyArray<keyof T & string>,
    items: readonly T[],
  ): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const caller: Caller = { left: items.length, settled: false, resolve, reject };
      for (const item of items) {
        this.pending.push({
          table,
          id: JSON.stringify([table, ...key.map((k) => item[k])]),
          item: item as Record<string, unknown>,
          caller,
        });
      }
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
  }

  /**
   * Starts rounds while fewer than `parallel` are in flight: a round takes up to 100 waiting items and
   * sends them as up to 4 requests of 25 at once (an item whose key a request holds already goes in
   * another, or waits for the next round), as the group commits it replaced did.
   */
  private drain(): void {
    while (this.running < this.parallel && this.pending.length > 0) {
      const chunks: Array<{ items: Waiting[]; ids: Set<string> }> = [];
      const rest: Waiting[] = [];
      for (const w of this.pending) {
        let chunk = chunks.find((c) => c.items.length < MAX_ITEMS && !c.ids.has(w.id));
        if (!chunk && chunks.length < ROUND_REQUESTS) {
          chunk = { items: [], ids: new Set() };
          chunks.push(chunk);
        }
        if (!chunk) {
          rest.push(w);
          continue;
        }
        chunk.items.push(w);
        chunk.ids.add(w.id);
      }
      this.pending = rest;
      this.running += 1;
      void Promise.all(chunks.map((c) => this.write(c.items))).finally(() => {
        this.running -= 1;
        this.drain();
      });
    }
  }

  private async write(chunk: Waiting[]): Promise<void> {
    let left = chunk;
    try {
      await retryBounded(
        'local messaging: batched puts, unprocessed items',
        async () => {
          const RequestItems: Record<string, Array<{ PutRequest: { Item: Record<string, unknown> } }>> = {};
          for (const w of left) {
            const list = RequestItems[w.table] ?? [];
            list.push({ PutRequest: { Item: w.item } });
            RequestItems[w.table] = list;
          }
          this.requests += 1;
          const out = await this.doc.send(new BatchWriteCommand({ RequestItems }));
          const unprocessed = new Set<string>();
          for (const [table, requests] of Object.entries(out.UnprocessedItems ?? {})) {
            for (const r of requests) {
              const item = r.PutRequest?.Item;
              if (!item) continue;
              const same = left.find((w) => w.table === table && sameItem(w.item, item));
              if (same) unprocessed.add(same.id);
            }
          }
          left = left.filter((w) => unprocessed.has(w.id));
          if (left.length > 0) throw new RetryLater(`${left.length} unprocessed item(s)`);
        },
        { retriable: (error) => error instanceof RetryLater },
      );
      for (const w of chunk) {
        w.caller.left -= 1;
        if (w.caller.left === 0 && !w.caller.settled) {
          w.caller.settled = true;
          w.caller.resolve();
        }
      }
    } catch (error) {
      for (const w of chunk) {
        if (!w.caller.settled) {
          w.caller.settled = true;
          w.caller.reject(error);
        }
      }
    }
  }
}

/** Whether an item DynamoDB handed back unprocessed is this one (same attributes, compared as JSON). */
function sameItem(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
