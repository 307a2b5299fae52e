/**
 * What every part of the repository shares: the injected document client, the table name, the clock,
 * cursors, and the handling of cancelled transactions.
 */
import { type AttributeValue, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { InvalidCursorError, InvalidRepositoryInputError, TransactionContentionError } from './errors.ts';
import { KEY_ATTRIBUTES } from './keys.ts';

export type Item = Record<string, unknown>;

export interface RepositoryOptions {
  /** The clock; tests pass a fixed one. Defaults to `() => new Date()`. */
  now?: () => Date;
  /** How often a transaction that collided with a concurrent one is retried (default 8). */
  maxTransactionAttempts?: number;
  /** Called before each retry of a contended transaction (for metrics and benchmarks). */
  onTransactionRetry?: (operation: string, attempt: number) => void;
}

export interface TableContext {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => Date;
  readonly maxTransactionAttempts: number;
  readonly onTransactionRetry?: (operation: string, attempt: number) => void;
}

/** A page of results; pass `cursor` back to get the next page, absent on the last page. */
export interface Page<T> {
  items: T[];
  cursor?: string;
}

/**
 * Accepts either client: a plain DynamoDBClient is wrapped once in a document client that drops
 * undefined values (optional fields simply do not appear on the item).
 */
export function toDocumentClient(client: DynamoDBDocumentClient | DynamoDBClient): DynamoDBDocumentClient {
  if (client instanceof DynamoDBDocumentClient) return client;
  if (client instanceof DynamoDBClient) {
    return DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    });
  }
  throw new TypeError('repository: expected a DynamoDBClient or a DynamoDBDocumentClient');
}

export function createContext(
  client: DynamoDBDocumentClient | DynamoDBClient,
  tableName: string,
  options: RepositoryOptions = {},
): TableContext {
  if (!tableName) throw new TypeError('repository: tableName is required');
  return {
    doc: toDocumentClient(client),
    tableName,
    now: options.now ?? (() => new Date()),
    maxTransactionAttempts: options.maxTransactionAttempts ?? 8,
    ...(options.onTransactionRetry ? { onTransactionRetry: options.onTransactionRetry } : {}),
  };
}

/** The record without its key attributes (pk, sk, gsiNpk, gsiNsk). */
export function stripKeys<T>(item: Item): T {
  const copy: Item = { ...item };
  for (const k of KEY_ATTRIBUTES) delete copy[k];
  return copy as T;
}

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/** `limit` as a page size: `fallback` when absent, otherwise an integer from 1 to `max`. */
export function pageLimit(limit: number | undefined, fallback: number, max: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidRepositoryInputError('limit', `must be an integer from 1 to ${max}`);
  }
  return value;
}

/** A query's items as a page, with the cursor of the next page when the query stopped before the end. */
export function toPage<T>(items: T[], lastEvaluatedKey: Record<string, unknown> | undefined): Page<T> {
  const page: Page<T> = { items };
  const cursor = encodeCursor(lastEvaluatedKey);
  if (cursor) page.cursor = cursor;
  return page;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the named error
  }
  throw new InvalidCursorError();
}

/** One cancellation reason of a TransactWriteItems call, with the item as it was (if returned). */
export interface CancellationReason {
  code: string;
  item?: Item;
}

const ATTRIBUTE_VALUE_TAGS = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

/** Exceptions are not unmarshalled by the document client: returned items arrive as AttributeValues. */
export function plainItem(item: unknown): Item | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const values = Object.values(item as Record<string, unknown>);
  const marshalled = values.every(
    (v) =>
      v !== null &&
      typeof v === 'object' &&
      Object.keys(v).length === 1 &&
      ATTRIBUTE_VALUE_TAGS.has(Object.keys(v)[0] ?? ''),
  );
  return marshalled ? unmarshall(item as Record<string, AttributeValue>) : (item as Item);
}

/** A single conditional write was refused because its condition did not hold. */
export function isConditionFailure(error: unknown): boolean {
  return (error as Error)?.name === 'ConditionalCheckFailedException';
}

/** The item returned with a failed condition (ReturnValuesOnConditionCheckFailure: ALL_OLD). */
export function oldItem(error: unknown): Item | undefined {
  return plainItem((error as { Item?: unknown }).Item);
}

export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (
    !(error instanceof TransactionCanceledException) &&
    (error as Error)?.name !== 'TransactionCanceledException'
  ) {
    return undefined;
  }
  const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
  return reasons.map((r) => {
    const item = plainItem(r.Item);
    return item ? { code: r.Code ?? 'None', item } : { code: r.Code ?? 'None' };
  });
}

/** Codes that mean "another writer was busy with these items": retrying can succeed. */
const TRANSIENT_CODES = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

function isTransient(error: unknown, reasons: CancellationReason[] | undefined): boolean {
  const name = (error as Error)?.name;
  if (name === 'TransactionConflictException' || name === 'TransactionInProgressException') return true;
  if (!reasons) return false;
  // A condition failure is an answer, not contention: never retry it.
  if (reasons.some((r) => r.code === 'ConditionalCheckFailed')) return false;
  return reasons.some((r) => TRANSIENT_CODES.has(r.code));
}

/**
 * Runs a transactional write, retrying with jittered exponential backoff while it only collides with
 * concurrent transactions on the same items (DynamoDB cancels both sides of such a race). A cancellation
 * for a failed condition is handed to `onCancelled`, which maps it to a named error or a result.
 */
export async function withTransactionRetry<T>(
  ctx: TableContext,
  operation: string,
  attempt: () => Promise<T>,
  onCancelled: (reasons: CancellationReason[]) => T | Promise<T>,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (isTransient(error, reasons)) {
        if (n >= ctx.maxTransactionAttempts) {
          throw new TransactionContentionError(operation, n, { cause: error });
        }
        ctx.onTransactionRetry?.(operation, n);
        const ceiling = Math.min(200, 5 * 2 ** n);
        await new Promise((r) => setTimeout(r, ceiling / 2 + Math.random() * (ceiling / 2)));
        continue;
      }
      if (reasons) return onCancelled(reasons);
      throw error;
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
