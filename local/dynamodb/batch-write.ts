/**
 * Plain puts in BatchWriteItem requests, for the local services' append-only tables (the engine's outbox,
 * the bus's delivery log, the SNS outbox): 25 items a request (DynamoDB's limit), the requests sent
 * together, and the items DynamoDB leaves unprocessed sent again with backoff, a bounded number of times
 * (`retryBounded`), after which the call fails with `RetriesExhaustedError`.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RetryLater, type RetryOptions, retryBounded } from '#shared/retry.ts';

/** DynamoDB's limit on the items of one BatchWriteItem. */
export const BATCH_WRITE_ITEMS = 25;

/**
 * Puts every item of `items` into `table`. `options.retriable` decides which store errors are tried
 * again (by default every one, as for unprocessed items); the others reject at once.
 */
export async function putInBatches(
  doc: DynamoDBDocumentClient,
  table: string,
  items: ReadonlyArray<Record<string, unknown>>,
  operation: string,
  options: RetryOptions = {},
): Promise<void> {
  const chunks: Array<Record<string, unknown>[]> = [];
  for (let i = 0; i < items.length; i += BATCH_WRITE_ITEMS)
    chunks.push(items.slice(i, i + BATCH_WRITE_ITEMS));
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending: Array<Record<string, unknown>> = chunk.map((Item) => ({ PutRequest: { Item } }));
      await retryBounded(
        operation,
        async () => {
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
          pending = (out.UnprocessedItems?.[table] as Array<Record<string, unknown>> | undefined) ?? [];
          if (pending.length > 0) throw new RetryLater(`${pending.length} unprocessed item(s)`);
        },
        options,
      );
    }),
  );
}
