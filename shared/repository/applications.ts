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
import { checkId, checkInstant, INDEX, KEY_ATTRIBUTES, keys } from './keys.ts';
import {
  decodeCursor,
  isConditionFailure,
  oldItem,
  type Page,
  pageLimit,
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
]);
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export async function createApplication(
  ctx: TableContext,
  input: NewApplication,
): Promise<ApplicationRecord> {
  checkId('id', input.id);
  checkId('investorId', input.investorId);
  checkId('status', input.status);
  for (const field of Object.keys(input)) {
    if (RESERVED.has(field) && !['id', 'investorId', 'createdAt'].includes(field)) {
      throw new InvalidRepositoryInputError(field, 'is managed by the repository');
    }
  }
  const createdAt = checkInstant('createdAt', input.createdAt ?? ctx.now());
  const record: ApplicationRecord = { ...input, createdAt, updatedAt: createdAt, version: 1 };
  try {
    await ctx.doc.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: {
          ...record,
          ...keys.application(input.id),
          ...keys.investorIndex(input.investorId, createdAt, input.id),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new ApplicationExistsError(input.id);
    throw error;
  }
  return record;
}

export async function getApplication(
  ctx: TableContext,
  applicationId: string,
): Promise<ApplicationRecord | undefined> {
  const out = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: keys.application(applicationId), ConsistentRead: true }),
  );
  return out.Item ? stripKeys<ApplicationRecord>(out.Item) : undefined;
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
  const sets = ['#version = #version + :one', '#updatedAt = :now'];
  const removes: string[] = [];
  let n = 0;
  for (const [field, value] of Object.entries(changes)) {
    if (!FIELD_NAME.test(field)) {
      throw new InvalidRepositoryInputError(`changes.${field}`, 'must be a plain attribute name');
    }
    if (RESERVED.has(field))
      throw new InvalidRepositoryInputError(`changes.${field}`, 'is managed by the repository');
    if (field === 'status') checkId('changes.status', value);
    names[`#c${n}`] = field;
    if (value === undefined) {
      removes.push(`#c${n}`);
    } else {
      values[`:c${n}`] = value;
      sets.push(`#c${n} = :c${n}`);
    }
    n++;
  }
  try {
    const out = await ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.application(applicationId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
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
      ExclusiveStartKey: decodeCursor(options.cursor),
    }),
  );
  return toPage(
    (out.Items ?? []).map((i) => stripKeys<ApplicationRecord>(i)),
    out.LastEvaluatedKey,
  );
}
