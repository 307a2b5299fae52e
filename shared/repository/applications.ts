/**
 * Applications with optimistic concurrency: every change names the version it was based on and bumps
 * it; a change based on an older version is refused and writes nothing.
 *
 * The version guards the application's own fields. The plot-hold fields (heldPlotId, allocatedPlotId,
 * ...) are written only by holds.ts under their own conditions, are refused here, and do not bump the
 * version: a workflow step that read version 3 can still record its result after a hold was taken.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ApplicationExistsError,
  ApplicationNotFoundError,
  InvalidRepositoryInputError,
  StaleVersionError,
} from './errors.ts';
import { checkId, checkInstant, INDEX, KEY_ATTRIBUTES, keys, pagedLists } from './keys.ts';
import {
  CREATE_DIGEST,
  changesUpdate,
  checkFieldName,
  contentDigest,
  type Item,
  isConditionFailure,
  oldItem,
  type Page,
  pageLimit,
  startKeyOf,
  stripKeys,
  type TableContext,
  toPage,
} from './table.ts';

/** What a caller supplies to create an application; any further fields are stored as given. */
export interface NewApplication {
  id: string;
  investorId: string;
  status: string;
  /** Defaults to the repository clock. */
  createdAt?: string;
  [field: string]: unknown;
}

export interface ApplicationRecord extends NewApplication {
  createdAt: string;
  updatedAt: string;
  version: number;
  heldPlotId?: string;
  heldAt?: string;
  holdExpiresAt?: string;
  allocatedPlotId?: string;
  allocatedAt?: string;
}

/** Attributes owned by the repository: never part of `changes`. */
export const HOLD_FIELDS = [
  'heldPlotId',
  'heldAt',
  'holdExpiresAt',
  'allocatedPlotId',
  'allocatedAt',
] as const;
const RESERVED = new Set<string>([
  ...KEY_ATTRIBUTES,
  ...HOLD_FIELDS,
  'id',
  'investorId',
  'createdAt',
  'updatedAt',
  'version',
  CREATE_DIGEST,
]);
const CREATE_FIELDS = new Set(['id', 'investorId', 'createdAt']);
const RESERVED_ON_CREATE = new Set([...RESERVED].filter((f) => !CREATE_FIELDS.has(f)));

/**
 * Creates the application at version 1. Idempotent under retries: when the id exists and was created
 * from the same request (same fields; `createdAt` compared only when the caller gave it), the stored
 * application is returned as it is now; a different request for the same id is ApplicationExistsError,
 * and nothing is written either way.
 */
export async function createApplication(
  ctx: TableContext,
  input: NewApplication,
): Promise<ApplicationRecord> {
  checkId('id', input.id);
  checkId('investorId', input.investorId);
  checkId('status', input.status);
  for (const field of Object.keys(input)) checkFieldName(field, field, RESERVED_ON_CREATE);
  const givenCreatedAt =
    input.createdAt === undefined ? undefined : checkInstant('createdAt', input.createdAt);
  const request = givenCreatedAt ? { ...input, createdAt: givenCreatedAt } : { ...input };
  const digest = contentDigest(request);
  const createdAt = givenCreatedAt ?? checkInstant('createdAt', ctx.now());
  const record: ApplicationRecord = { ...input, createdAt, updatedAt: createdAt, version: 1 };
  try {
    await ctx.doc.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: {
          ...record,
          [CREATE_DIGEST]: digest,
          ...keys.application(input.id),
          ...keys.investorIndex(input.investorId, createdAt, input.id),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    // Some emulators do not return the old item: read it.
    const existing = oldItem(error) ?? (await getItem(ctx, input.id));
    if (existing && sameRequest(existing, request, digest)) return stripKeys<ApplicationRecord>(existing);
    throw new ApplicationExistsError(input.id);
  }
  return record;
}

/**
 * Whether a stored item was created from `request`: by its digest, or, for an item written before
 * digests were stored, by every requested field being stored as requested.
 */
export function sameRequest(existing: Item, request: Item, digest: string): boolean {
  const stored = existing[CREATE_DIGEST];
  if (typeof stored === 'string') return stored === digest;
  return Object.entries(request).every(
    ([field, value]) => value === undefined || contentDigest(existing[field]) === contentDigest(value),
  );
}

async function getItem(ctx: TableContext, applicationId: string): Promise<Item | undefined> {
  const out = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: keys.application(applicationId), ConsistentRead: true }),
  );
  return out.Item;
}

export async function getApplication(
  ctx: TableContext,
  applicationId: string,
): Promise<ApplicationRecord | undefined> {
  const item = await getItem(ctx, applicationId);
  return item ? stripKeys<ApplicationRecord>(item) : undefined;
}

/**
 * Applies `changes` (a field set to `undefined` is removed) if the application is still at
 * `expectedVersion`, and returns it at the next version. Throws StaleVersionError (with the current
 * version) or ApplicationNotFoundError; in both cases nothing is written.
 */
export async function updateApplication(
  ctx: TableContext,
  applicationId: string,
  expectedVersion: number,
  changes: Record<string, unknown>,
): Promise<ApplicationRecord> {
  checkId('applicationId', applicationId);
  if (!Number.isInteger(expectedVersion) || expectedVersion < 1) {
    throw new InvalidRepositoryInputError('expectedVersion', 'must be a positive integer');
  }
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = {
    ':expected': expectedVersion,
    ':one': 1,
    ':now': ctx.now().toISOString(),
  };
  const update = changesUpdate(
    ['#version = #version + :one', '#updatedAt = :now'],
    changes,
    names,
    values,
    (path, field, value) => {
      checkFieldName(path, field, RESERVED);
      if (field === 'status') checkId(path, value);
    },
  );
  try {
    const out = await ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.application(applicationId),
        UpdateExpression: update,
        ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return stripKeys<ApplicationRecord>(out.Attributes ?? {});
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    let current = oldItem(error);
    // Some emulators do not return the old item: read it to tell "missing" from "stale".
    if (!current) current = await getApplication(ctx, applicationId);
    if (!current) throw new ApplicationNotFoundError(applicationId);
    const actual = typeof current.version === 'number' ? current.version : Number(current.version);
    throw new StaleVersionError(applicationId, expectedVersion, Number.isNaN(actual) ? undefined : actual);
  }
}

/**
 * Sets the application's status (and other fields) in ONE conditional UpdateItem, unless its current
 * status is one of `unlessStatus` (then nothing is written and the stored application is returned as
 * it is, from the refused write's ALL_OLD). Bumps the version like `updateApplication`. This is the
 * workflow's status change: the guard sits in the condition, so no read precedes the write (the
 * read-then-versioned-update it replaces cost two requests and a retry under contention).
 * Setting the status it already has always applies (a retried step re-records its result).
 */
export async function setApplicationStatus(
  ctx: TableContext,
  applicationId: string,
  status: string,
  changes: Record<string, unknown>,
  unlessStatus: readonly string[],
): Promise<{ applied: boolean; application: ApplicationRecord }> {
  checkId('applicationId', applicationId);
  checkId('status', status);
  if (unlessStatus.length > 90) {
    throw new InvalidRepositoryInputError('unlessStatus', 'must name at most 90 statuses');
  }
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt', '#s': 'status' };
  const values: Record<string, unknown> = { ':one': 1, ':now': ctx.now().toISOString(), ':s': status };
  const update = changesUpdate(
    ['#version = #version + :one', '#updatedAt = :now', '#s = :s'],
    changes,
    names,
    values,
    (path, field) => {
      checkFieldName(path, field, RESERVED);
      if (field === 'status') throw new InvalidRepositoryInputError(path, 'pass the status apart');
    },
  );
  const guards = unlessStatus.map((u, i) => {
    values[`:u${i}`] = checkId(`unlessStatus[${i}]`, u);
    return `:u${i}`;
  });
  const condition = guards.length
    ? `attribute_exists(pk) AND (#s = :s OR NOT (#s IN (${guards.join(', ')})))`
    : 'attribute_exists(pk)';
  try {
    const out = await ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.application(applicationId),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { applied: true, application: stripKeys<ApplicationRecord>(out.Attributes ?? {}) };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const old = oldItem(error);
    // Some emulators do not return the old item: read it to tell "missing" from "kept".
    const current = old ? stripKeys<ApplicationRecord>(old) : await getApplication(ctx, applicationId);
    if (!current) throw new ApplicationNotFoundError(applicationId);
    return { applied: false, application: current };
  }
}

/** An investor's applications, newest first, a page at a time (at most 100 per page). */
export async function listApplicationsByInvestor(
  ctx: TableContext,
  investorId: string,
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<ApplicationRecord>> {
  const limit = pageLimit(options.limit, 20, 100);
  const out = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: INDEX.investorApplications,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.investorPartition(investorId) },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: startKeyOf(ctx, pagedLists.investorApplications, investorId, options.cursor),
    }),
  );
  return toPage(
    ctx,
    pagedLists.investorApplications,
    investorId,
    (out.Items ?? []).map((i) => stripKeys<ApplicationRecord>(i)),
    out.LastEvaluatedKey,
  );
}
