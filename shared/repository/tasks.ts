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
import { InvalidRepositoryInputError, TaskNotFoundError, TaskStatusConflictError } from './errors.ts';
import { checkId, checkInstant, INDEX, keys } from './keys.ts';
import {
  decodeCursor,
  type Item,
  isConditionFailure,
  oldItem,
  type Page,
  pageLimit,
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

function inboxKeys(task: { role: string; scope: string; status: string; dueAt: string; taskId: string }) {
  return {
    gsi2pk: keys.inboxPartition(task.role, task.scope, task.status),
    gsi2sk: keys.inboxSort(task.dueAt, task.taskId),
  };
}

/** Creates a task once; creating the same task again is refused with TaskStatusConflictError. */
export async function createTask(ctx: TableContext, input: NewTask): Promise<TaskRecord> {
  const now = ctx.now().toISOString();
  const task: TaskRecord = {
    ...input,
    status: checkId('status', input.status ?? 'open'),
    dueAt: checkInstant('dueAt', input.dueAt),
    createdAt: now,
    updatedAt: now,
  };
  try {
    await ctx.doc.send(
      new PutCommand({
        TableName: ctx.tableName,
        Item: { ...task, ...keys.task(task.applicationId, task.taskId), ...inboxKeys(task) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new TaskStatusConflictError(input.taskId, 'absent', 'existing');
    }
    throw error;
  }
  return task;
}

export async function getTask(
  ctx: TableContext,
  applicationId: string,
  taskId: string,
): Promise<TaskRecord | undefined> {
  const out = await ctx.doc.send(
    new GetCommand({ TableName: ctx.tableName, Key: keys.task(applicationId, taskId), ConsistentRead: true }),
  );
  return out.Item ? stripKeys<TaskRecord>(out.Item) : undefined;
}

/**
 * Moves a task from `expectedStatus` to `status` (e.g. open → decided) with extra fields, in one
 * conditional write: of two officials deciding at once, one wins and the other gets
 * TaskStatusConflictError with the status the winner set.
 */
export async function setTaskStatus(
  ctx: TableContext,
  applicationId: string,
  taskId: string,
  expectedStatus: string,
  status: string,
  changes: Record<string, unknown> = {},
): Promise<TaskRecord> {
  const current = await getTask(ctx, applicationId, taskId);
  if (!current) throw new TaskNotFoundError(applicationId, taskId);
  const names: Record<string, string> = { '#status': 'status' };
  const values: Item = {
    ':expected': checkId('expectedStatus', expectedStatus),
    ':status': checkId('status', status),
    ':now': ctx.now().toISOString(),
    ':gsi2pk': keys.inboxPartition(current.role, current.scope, status),
  };
  const sets = ['#status = :status', 'updatedAt = :now', 'gsi2pk = :gsi2pk'];
  let n = 0;
  for (const [field, value] of Object.entries(changes)) {
    if (
      ['status', 'role', 'scope', 'dueAt', 'applicationId', 'taskId', 'createdAt', 'updatedAt'].includes(
        field,
      )
    ) {
      throw new InvalidRepositoryInputError(`changes.${field}`, 'cannot be changed here');
    }
    names[`#c${n}`] = field;
    values[`:c${n}`] = value;
    sets.push(`#c${n} = :c${n}`);
    n++;
  }
  try {
    const out = await ctx.doc.send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: keys.task(applicationId, taskId),
        UpdateExpression: `SET ${sets.join(', ')}`,
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
): Promise<Page<Omit<TaskRecord, 'taskToken'>>> {
  const limit = pageLimit(options.limit, 50, 100);
  const out = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.tableName,
      IndexName: INDEX.inbox,
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.inboxPartition(inbox.role, inbox.scope, inbox.status) },
      Limit: limit,
      ExclusiveStartKey: decodeCursor(options.cursor),
    }),
  );
  const items = (out.Items ?? []).map((i) => {
    const { taskToken: _token, ...rest } = stripKeys<TaskRecord>(i);
    return rest;
  });
  return toPage(items, out.LastEvaluatedKey);
}
