/**
 * Approval tasks and the officials' inbox. A task lives under its application (pk APP#a, sk TASK#t) and
 * appears in gsi2 under INBOX#<role>#<scope>#<status>, sorted by due date, so "open tasks for the
 * environment reviewers of zone X, most urgent first" is one query. Changing the status moves the task
 * to another inbox in the same write.
 *
 * The Step Functions task token is stored on the task (server-side only) and is never returned by
 * `listInbox`; `getTask` returns it for the decision handler.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sameRequest } from './applications.ts';
import {
  InvalidRepositoryInputError,
  TaskExistsError,
  TaskNotFoundError,
  TaskStatusConflictError,
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

export interface NewTask {
  applicationId: string;
  taskId: string;
  /** The officials' role that works this task, e.g. "zone-board-reviewer". */
  role: string;
  /** The zone id the task concerns, or "province" for provincial stages. */
  scope: string;
  /** Defaults to "open". */
  status?: string;
  dueAt: string;
  taskToken?: string;
  [field: string]: unknown;
}

export interface TaskRecord extends NewTask {
  status: string;
  createdAt: string;
  updatedAt: string;
}

/** A task as an inbox lists it: every field but the task token. */
export type InboxTask = { [K in keyof TaskRecord as K extends 'taskToken' ? never : K]: TaskRecord[K] };

function inboxKeys(task: { role: string; scope: string; status: string; dueAt: string; taskId: string }) {
  return {
    gsi2pk: keys.inboxPartition(task.role, task.scope, task.status),
    gsi2sk: keys.inboxSort(task.dueAt, task.taskId),
  };
}

/** Step Functions task tokens are 1 to 2,048 characters (SendTaskSuccess). */
const MAX_TOKEN_LENGTH = 2048;

/** Set by the repository on create, never by a caller. */
const RESERVED_ON_CREATE = new Set<string>([...KEY_ATTRIBUTES, 'createdAt', 'updatedAt', CREATE_DIGEST]);

/**
 * Never in setTaskStatus's `changes`: keys and index keys, the task's identity and inbox (role, scope,
 * due date), the status (the method's own argument) and the task token (written once, at creation).
 */
const RESERVED_IN_CHANGES = new Set<string>([
  ...RESERVED_ON_CREATE,
  'applicationId',
  'taskId',
  'role',
  'scope',
  'dueAt',
  'status',
  'taskToken',
]);

/**
 * Creates a task. Idempotent under retries: when the task exists and was created from the same request,
 * the stored task is returned; a different request for the same task (another role, due date, task
 * token, ...) is TaskExistsError. Nothing is written in either case.
 */
export async function createTask(ctx: TableContext, input: NewTask): Promise<TaskRecord> {
  for (const field of Object.keys(input)) checkFieldName(field, field, RESERVED_ON_CREATE);
  const key = keys.task(input.applicationId, input.taskId);
  checkId('role', input.role);
  checkId('scope', input.scope);
  if (
    input.taskToken !== undefined &&
    (typeof input.taskToken !== 'string' ||
      input.taskToken.length < 1 ||
      input.taskToken.length > MAX_TOKEN_LENGTH)
  ) {
    throw new InvalidRepositoryInputError(
      'taskToken',
      `must be a string of 1 to ${MAX_TOKEN_LENGTH} characters`,
    );
  }
  const request: NewTask = {
    ...input,
    status: checkId('status', input.status ?? 'open'),
    dueAt: checkInstant('dueAt', input.dueAt),
  };
  const digest = contentDigest(request);
  const now = ctx.now().toISOString();
  const task = { ...request, createdAt: now, updatedAt: now } as TaskRecord;
  try {
    await ctx.doc.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: { ...task, [CREATE_DIGEST]: digest, ...key, ...inboxKeys(task) },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const existing = oldItem(error) ?? (await getTaskItem(ctx, input.applicationId, input.taskId));
    if (existing && sameRequest(existing, request, digest)) return stripKeys<TaskRecord>(existing);
    throw new TaskExistsError(input.applicationId, input.taskId);
  }
  return task;
}

async function getTaskItem(ctx: TableContext, applicationId: string, taskId: string) {
  const out = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: keys.task(applicationId, taskId), ConsistentRead: true }),
  );
  return out.Item;
}

export async function getTask(
  ctx: TableContext,
  applicationId: string,
  taskId: string,
): Promise<TaskRecord | undefined> {
  const item = await getTaskItem(ctx, applicationId, taskId);
  return item ? stripKeys<TaskRecord>(item) : undefined;
}

/**
 * Moves a task from `expectedStatus` to `status` (e.g. open → decided) with extra fields (a field given
 * as `undefined` is removed), in one conditional write: of two officials deciding at once, one wins and
 * the other gets TaskStatusConflictError with the status the winner set. `changes` may not name keys,
 * the task's identity or inbox, its status or its task token (InvalidRepositoryInputError, nothing
 * read or written).
 */
export async function setTaskStatus(
  ctx: TableContext,
  applicationId: string,
  taskId: string,
  expectedStatus: string,
  status: string,
  changes: Record<string, unknown> = {},
): Promise<TaskRecord> {
  const key = keys.task(applicationId, taskId);
  const names: Record<string, string> = { '#status': 'status' };
  const values: Item = {
    ':expected': checkId('expectedStatus', expectedStatus),
    ':status': checkId('status', status),
  };
  const update = changesUpdate(
    ['#status = :status', 'updatedAt = :now', 'gsi2pk = :gsi2pk'],
    changes,
    names,
    values,
    (path, field) => checkFieldName(path, field, RESERVED_IN_CHANGES),
  );
  const current = await getTask(ctx, applicationId, taskId);
  if (!current) throw new TaskNotFoundError(applicationId, taskId);
  values[':now'] = ctx.now().toISOString();
  values[':gsi2pk'] = keys.inboxPartition(current.role, current.scope, status);
  try {
    const out = await ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: key,
        UpdateExpression: update,
        ConditionExpression: '#status = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return stripKeys<TaskRecord>(out.Attributes ?? {});
  } catch (error) {
    if (isConditionFailure(error)) {
      const old = oldItem(error);
      const actual = typeof old?.status === 'string' ? old.status : undefined;
      throw new TaskStatusConflictError(taskId, expectedStatus, actual);
    }
    throw error;
  }
}

/** One inbox (role, scope, status), earliest due first, without task tokens. */
export async function listInbox(
  ctx: TableContext,
  inbox: { role: string; scope: string; status: string },
  options: { limit?: number; cursor?: string } = {},
): Promise<Page<InboxTask>> {
  const limit = pageLimit(options.limit, 50, 100);
  const out = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: INDEX.inbox,
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.inboxPartition(inbox.role, inbox.scope, inbox.status) },
      Limit: limit,
      ExclusiveStartKey: startKeyOf(ctx, pagedLists.inbox, inbox, options.cursor),
    }),
  );
  const items = (out.Items ?? []).map((i) => {
    const { taskToken: _token, ...rest } = stripKeys<TaskRecord>(i);
    return rest;
  });
  return toPage(ctx, pagedLists.inbox, inbox, items, out.LastEvaluatedKey);
}
