/**
 * What every part of the repository shares: the injected document client, the table name, the clock,
 * cursors, and the handling of cancelled transactions.
 */
import { createHash } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { RetriesExhaustedError, RetryLater, retryBounded } from '#shared/retry.ts';
import { cursorKey, openCursor, signCursor } from './cursor.ts';
import { InvalidCursorError, InvalidRepositoryInputError, TransactionContentionError } from './errors.ts';
import { KEY_ATTRIBUTES, type PagedList } from './keys.ts';

export type Item = Record<string, unknown>;

export interface RepositoryOptions {
  /** The clock; tests pass a fixed one. Defaults to `() => new Date()`. */
  now?: () => Date;
  /** How often a transaction that collided with a concurrent one is retried (default 8). */
  maxTransactionAttempts?: number;
  /** Called before each retry of a contended transaction (for metrics and benchmarks). */
  onTransactionRetry?: (operation: string, attempt: number) => void;
  /**
   * The key that signs page cursors (at least 16 characters). Defaults to the `CURSOR_SECRET`
   * environment variable, else a key derived from the table name (see cursor.ts for what that means).
   */
  cursorSecret?: string;
}

export interface TableContext {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => Date;
  readonly maxTransactionAttempts: number;
  readonly onTransactionRetry?: (operation: string, attempt: number) => void;
  /** The MAC key of page cursors (cursor.ts). */
  readonly cursorKey: Buffer;
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
    cursorKey: cursorKey(tableName, options.cursorSecret),
    ...(options.onTransactionRetry ? { onTransactionRetry: options.onTransactionRetry } : {}),
  };
}

/**
 * The fingerprint of a create request, stored on the item (never returned): a Lambda retried after a
 * timeout sends the same request, finds the item there and gets it back instead of an "exists" error,
 * while a different request for the same id is a conflict.
 */
export const CREATE_DIGEST = 'createDigest';

/** Attributes the repository keeps on items but never returns. */
const HIDDEN_ATTRIBUTES = [...KEY_ATTRIBUTES, CREATE_DIGEST];

/** The record without its key attributes (pk, sk, gsiNpk, gsiNsk) and bookkeeping (createDigest). */
export function stripKeys<T>(item: Item): T {
  const copy: Item = { ...item };
  for (const k of HIDDEN_ATTRIBUTES) delete copy[k];
  return copy as T;
}

/** JSON with object keys sorted and undefined dropped (as stored): equal content, equal text. */
function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Item)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 (base64url) of a create request's canonical JSON. */
export function contentDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

/**
 * Attribute names a caller may set: a letter, then letters, digits or '_' (at most 64), so a name can
 * never be an expression, a path or a key attribute spelled differently.
 */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Refuses a field name that is not a plain attribute name, or that `reserved` owns. */
export function checkFieldName(path: string, field: string, reserved: ReadonlySet<string>): void {
  if (!FIELD_NAME.test(field)) throw new InvalidRepositoryInputError(path, 'must be a plain attribute name');
  if (reserved.has(field)) throw new InvalidRepositoryInputError(path, 'is managed by the repository');
}

/**
 * The UpdateExpression that SETs `fixed` and each of `changes` (a field given as undefined is REMOVEd),
 * their names and values added to `names` and `values` as `#cN`/`:cN`. Each field passes `check` first
 * (a plain attribute name the repository does not own), so a refused change writes nothing.
 */
export function changesUpdate(
  fixed: readonly string[],
  changes: Record<string, unknown>,
  names: Record<string, string>,
  values: Record<string, unknown>,
  check: (path: string, field: string, value: unknown) => void,
): string {
  const sets = [...fixed];
  const removes: string[] = [];
  let n = 0;
  for (const [field, value] of Object.entries(changes)) {
    check(`changes.${field}`, field, value);
    names[`#c${n}`] = field;
    if (value === undefined) {
      removes.push(`#c${n}`);
    } else {
      values[`:c${n}`] = value;
      sets.push(`#c${n} = :c${n}`);
    }
    n++;
  }
  return `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
}

/** `limit` as a page size: `fallback` when absent, otherwise an integer from 1 to `max`. */
export function pageLimit(limit: number | undefined, fallback: number, max: number): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidRepositoryInputError('limit', `must be an integer from 1 to ${max}`);
  }
  return value;
}

/**
 * The ExclusiveStartKey a `cursor` of `list` stands for, in the caller's own partition; undefined for
 * the first page. Anything but a cursor this list handed out is InvalidCursorError, before any query.
 */
export function startKeyOf<P>(
  ctx: TableContext,
  list: PagedList<P>,
  params: P,
  cursor: string | undefined,
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  const values = openCursor(ctx.cursorKey, list.name, list.partition(params), cursor, list.arity);
  try {
    return list.startKey(params, values);
  } catch (error) {
    if (error instanceof InvalidRepositoryInputError) throw new InvalidCursorError();
    throw error;
  }
}

/** A query's items as a page, with the cursor of the next page when the query stopped before the end. */
export function toPage<T, P>(
  ctx: TableContext,
  list: PagedList<P>,
  params: P,
  items: T[],
  lastEvaluatedKey: Record<string, unknown> | undefined,
): Page<T> {
  const page: Page<T> = { items };
  if (lastEvaluatedKey) {
    page.cursor = signCursor(ctx.cursorKey, list.name, list.partition(params), list.values(lastEvaluatedKey));
  }
  return page;
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
 * Runs a transactional write, retrying with jittered exponential backoff (shared/retry.ts) while it only
 * collides with concurrent transactions on the same items (DynamoDB cancels both sides of such a race),
 * at most `maxTransactionAttempts` times, then TransactionContentionError (safe to retry later). A
 * cancellation for a failed condition is an answer, not contention: it is handed to `onCancelled` at
 * once, which maps it to a named error or a result.
 */
export async function withTransactionRetry<T>(
  ctx: TableContext,
  operation: string,
  attempt: () => Promise<T>,
  onCancelled: (reasons: CancellationReason[]) => T | Promise<T>,
): Promise<T> {
  type Outcome = { done: true; value: T } | { done: false; reasons: CancellationReason[] };
  let outcome: Outcome;
  try {
    outcome = await retryBounded(
      operation,
      async (): Promise<Outcome> => {
        try {
          return { done: true, value: await attempt() };
        } catch (error) {
          const reasons = cancellationReasons(error);
          if (isTransient(error, reasons)) throw new RetryLater(operation, { cause: error });
          if (reasons) return { done: false, reasons };
          throw error;
        }
      },
      {
        attempts: ctx.maxTransactionAttempts,
        baseDelayMs: 10,
        maxDelayMs: 200,
        retriable: () => false,
        onRetry: (_error, n) => ctx.onTransactionRetry?.(operation, n),
      },
    );
  } catch (error) {
    if (error instanceof RetriesExhaustedError) {
      const last = error.cause instanceof RetryLater ? error.cause.cause : error.cause;
      throw new TransactionContentionError(operation, error.attempts, { cause: last });
    }
    throw error;
  }
  return outcome.done ? outcome.value : onCancelled(outcome.reasons);
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
