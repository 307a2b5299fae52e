/**
 * Task-token waits of the workflow, kept server-side only: the approval stages' inbox tasks with the token
 * of the wait currently parked on them, and the per-plot registry of applications waiting for clearance.
 *
 * An approval task is the same item `tasks.ts` reads (pk APP#a, sk TASK#t, gsi2 = the officials' inbox), so
 * `getTask` and `listInbox` see it; every write here is conditional on the task's status, so a decision, a
 * token rotation, a reminder and an escalation racing each other each see the others' effect or fail:
 *   - `registerTaskToken` parks a new token only on a task still waiting (open / information-requested);
 *   - `claimTask` moves a waiting task to its next status once, returning the token current at that instant.
 * A clearance wait lives under its application (pk APP#a, sk WAIT#CLEARANCE) and in gsi3 under
 * PLOTWAITS#<plot>, so the zone manager's update finds the applications waiting on that plot in one query.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { InvalidRepositoryInputError, TaskNotFoundError, TaskStatusConflictError } from './errors.ts';
import { checkId, checkInstant, INDEX, KEY_ATTRIBUTES, keys } from './keys.ts';
import { isConditionFailure, oldItem, stripKeys, type TableContext } from './table.ts';
import type { TaskRecord } from './tasks.ts';

/** Statuses in which a token may be parked on a task (the stage is still waiting). */
export const WAITING_TASK_STATUSES = ['open', 'information-requested'] as const;

/** An approval task as this module writes it (a TaskRecord with the stage's facts). */
export interface ApprovalTaskRecord extends TaskRecord {
  stageId: string;
  /** The role the route gave the stage (the task's `role` becomes `supervisorRole` on escalation). */
  stageRole: string;
  supervisorRole: string;
  legalBasis: string;
  /** When the stage's clock started (ISO instant). */
  startedAt: string;
  /** When the reminder is due (ISO instant), before `dueAt`. */
  reminderAt: string;
  /** Number of tokens parked so far (1 for the first wait). */
  tokenSeq?: number;
  remindedAt?: string;
  escalatedAt?: string;
  [field: string]: unknown;
}

export interface NewApprovalTask {
  applicationId: string;
  taskId: string;
  role: string;
  scope: string;
  dueAt: string;
  reminderAt: string;
  startedAt: string;
  stageId: string;
  supervisorRole: string;
  legalBasis: string;
  /** Further stage facts (title, kind, authority, deadline, ...), stored as given. */
  details?: Record<string, unknown>;
}

const PROTECTED = new Set<string>([
  ...KEY_ATTRIBUTES,
  'applicationId',
  'taskId',
  'status',
  'role',
  'scope',
  'dueAt',
  'taskToken',
  'tokenSeq',
  'createdAt',
  'updatedAt',
]);
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function inboxKeys(role: string, scope: string, status: string, dueAt: string, taskId: string) {
  return { gsi2pk: keys.inboxPartition(role, scope, status), gsi2sk: keys.inboxSort(dueAt, taskId) };
}

/** `SET` clauses for caller-supplied fields, refusing key, status and token attributes. */
function changeClauses(
  changes: Record<string, unknown>,
  names: Record<string, string>,
  values: Record<string, unknown>,
): { sets: string[]; removes: string[] } {
  const sets: string[] = [];
  const removes: string[] = [];
  let n = 0;
  for (const [field, value] of Object.entries(changes)) {
    if (!FIELD_NAME.test(field)) {
      throw new InvalidRepositoryInputError(`changes.${field}`, 'must be a plain attribute name');
    }
    if (PROTECTED.has(field))
      throw new InvalidRepositoryInputError(`changes.${field}`, 'cannot be changed here');
    names[`#x${n}`] = field;
    if (value === undefined) removes.push(`#x${n}`);
    else {
      values[`:x${n}`] = value;
      sets.push(`#x${n} = :x${n}`);
    }
    n++;
  }
  return { sets, removes };
}

function statusOf(item: Record<string, unknown> | undefined): string | undefined {
  return typeof item?.status === 'string' ? item.status : undefined;
}

/** Result of parking a token: `registered` false when the task had already left the waiting statuses. */
export type TokenRegistration =
  | { registered: true; task: ApprovalTaskRecord }
  | { registered: false; task: ApprovalTaskRecord };

/** A won claim: the task as written and the token parked on it when the claim won, if any. */
export interface TaskClaim {
  task: ApprovalTaskRecord;
  token?: string;
}

/** A clearance wait: one per application, found by plot. */
export interface ClearanceWaitRecord {
  applicationId: string;
  plotId: string;
  taskToken: string;
  registeredAt: string;
  /** Incremented by each registration, so a stale removal never deletes a newer token. */
  seq: number;
}

/** A token the workflow is parked on, as withdrawal needs it. */
export interface WaitingToken {
  kind: 'approval' | 'clearance';
  applicationId: string;
  /** The task id (approval) or the plot id (clearance). */
  ref: string;
  taskToken: string;
}

export class Waits {
  constructor(private readonly ctx: TableContext) {}

  /**
   * Creates the stage's inbox task (status open, no token yet), or returns the existing one: a retried or
   * replayed scheduling step gets the task as first written (its due date is not recomputed).
   */
  async openApprovalTask(input: NewApprovalTask): Promise<{ created: boolean; task: ApprovalTaskRecord }> {
    const now = this.ctx.now().toISOString();
    const details = input.details ?? {};
    for (const field of Object.keys(details)) {
      if (PROTECTED.has(field) || !FIELD_NAME.test(field)) {
        throw new InvalidRepositoryInputError(
          `details.${field}`,
          'is reserved or not a plain attribute name',
        );
      }
    }
    const task: ApprovalTaskRecord = {
      ...details,
      applicationId: checkId('applicationId', input.applicationId),
      taskId: checkId('taskId', input.taskId),
      role: checkId('role', input.role),
      scope: checkId('scope', input.scope),
      status: 'open',
      dueAt: checkInstant('dueAt', input.dueAt),
      reminderAt: checkInstant('reminderAt', input.reminderAt),
      startedAt: checkInstant('startedAt', input.startedAt),
      stageId: checkId('stageId', input.stageId),
      stageRole: input.role,
      supervisorRole: checkId('supervisorRole', input.supervisorRole),
      legalBasis: input.legalBasis,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.ctx.doc.send(
        new PutCommand({
          TableName: this.ctx.tableName,
          Item: {
            ...task,
            ...keys.task(task.applicationId, task.taskId),
            ...inboxKeys(task.role, task.scope, 'open', task.dueAt, task.taskId),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, task };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = oldItem(error) ?? (await this.getApprovalTask(task.applicationId, task.taskId));
      if (!existing) throw error;
      return { created: false, task: stripKeys<ApprovalTaskRecord>(existing) };
    }
  }

  async getApprovalTask(applicationId: string, taskId: string): Promise<ApprovalTaskRecord | undefined> {
    const out = await this.ctx.doc.send(
      new GetCommand({
        TableName: this.ctx.tableName,
        Key: keys.task(applicationId, taskId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? stripKeys<ApprovalTaskRecord>(out.Item) : undefined;
  }

  /**
   * Parks `taskToken` on the task (replacing an older one) if the task is still waiting. When it is not (a
   * decision won the race with this wait), nothing is written and the task is returned as it is, so the
   * caller can answer its own token with that decision.
   */
  async registerTaskToken(
    applicationId: string,
    taskId: string,
    taskToken: string,
  ): Promise<TokenRegistration> {
    if (typeof taskToken !== 'string' || taskToken.length === 0) {
      throw new InvalidRepositoryInputError('taskToken', 'must be a non-empty string');
    }
    try {
      const out = await this.ctx.doc.send(
        new UpdateCommand({
          TableName: this.ctx.tableName,
          Key: keys.task(applicationId, taskId),
          UpdateExpression:
            'SET taskToken = :token, tokenSeq = if_not_exists(tokenSeq, :zero) + :one, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND #status IN (:open, :info)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':token': taskToken,
            ':zero': 0,
            ':one': 1,
            ':now': this.ctx.now().toISOString(),
            ':open': 'open',
            ':info': 'information-requested',
          },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { registered: true, task: stripKeys<ApprovalTaskRecord>(out.Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const old = oldItem(error) ?? (await this.getApprovalTask(applicationId, taskId));
      if (!old) throw new TaskNotFoundError(applicationId, taskId);
      return { registered: false, task: stripKeys<ApprovalTaskRecord>(old) };
    }
  }

  /**
   * Moves the task from one of `from` to `to` with `changes`, in one conditional write, and returns it as
   * written with the token that was parked at that instant (the one to answer). Of two concurrent claims one wins; the other gets
   * TaskStatusConflictError naming the status the winner set. `to` may equal a `from` status (a change of
   * fields only, still conditional on the status). `clearToken` removes the token (it was answered).
   */
  async claimTask(
    applicationId: string,
    taskId: string,
    from: readonly string[],
    to: string,
    changes: Record<string, unknown> = {},
    options: { clearToken?: boolean; role?: string; dueAt?: string } = {},
  ): Promise<TaskClaim> {
    if (from.length === 0 || from.length > 5)
      throw new InvalidRepositoryInputError('from', '1 to 5 statuses');
    const current = await this.getApprovalTask(applicationId, taskId);
    if (!current) throw new TaskNotFoundError(applicationId, taskId);
    const role = options.role === undefined ? current.role : checkId('role', options.role);
    const dueAt = options.dueAt === undefined ? current.dueAt : checkInstant('dueAt', options.dueAt);
    const names: Record<string, string> = { '#status': 'status', '#role': 'role' };
    const values: Record<string, unknown> = {
      ':to': checkId('to', to),
      ':now': this.ctx.now().toISOString(),
      ':role': role,
      ':dueAt': dueAt,
      ...inboxKeysValues(role, current.scope, to, dueAt, taskId),
    };
    const fromNames = from.map((status, i) => {
      values[`:f${i}`] = checkId(`from[${i}]`, status);
      return `:f${i}`;
    });
    const { sets, removes } = changeClauses(changes, names, values);
    sets.unshift(
      '#status = :to',
      'updatedAt = :now',
      '#role = :role',
      'dueAt = :dueAt',
      'gsi2pk = :gsi2pk',
      'gsi2sk = :gsi2sk',
    );
    if (options.clearToken) removes.push('taskToken');
    try {
      const out = await this.ctx.doc.send(
        new UpdateCommand({
          TableName: this.ctx.tableName,
          Key: keys.task(applicationId, taskId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${fromNames.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          // The old image carries the token that was parked when the claim won.
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const old = stripKeys<ApprovalTaskRecord>(out.Attributes ?? {});
      const task: ApprovalTaskRecord = {
        ...old,
        ...changes,
        status: to,
        role,
        dueAt,
        updatedAt: values[':now'] as string,
      };
      for (const [field, value] of Object.entries(changes)) if (value === undefined) delete task[field];
      if (options.clearToken) delete task.taskToken;
      return typeof old.taskToken === 'string' ? { task, token: old.taskToken } : { task };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new TaskStatusConflictError(taskId, from.join('|'), statusOf(oldItem(error)) ?? current.status);
    }
  }

  /** The approval tasks of an application (tokens included: server-side callers only). */
  async listApprovalTasks(applicationId: string): Promise<ApprovalTaskRecord[]> {
    const items: ApprovalTaskRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.ctx.doc.send(
        new QueryCommand({
          TableName: this.ctx.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.application(applicationId).pk, ':prefix': 'TASK#' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) items.push(stripKeys<ApprovalTaskRecord>(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  // Clearance waits

  /** Registers (or replaces) the application's clearance wait on `plotId`. */
  async registerClearanceWait(
    applicationId: string,
    plotId: string,
    taskToken: string,
  ): Promise<ClearanceWaitRecord> {
    if (typeof taskToken !== 'string' || taskToken.length === 0) {
      throw new InvalidRepositoryInputError('taskToken', 'must be a non-empty string');
    }
    const out = await this.ctx.doc.send(
      new UpdateCommand({
        TableName: this.ctx.tableName,
        Key: clearanceKey(applicationId),
        UpdateExpression:
          'SET applicationId = :app, plotId = :plot, taskToken = :token, registeredAt = :now, ' +
          'seq = if_not_exists(seq, :zero) + :one, gsi3pk = :gsi3pk, gsi3sk = :gsi3sk',
        ExpressionAttributeValues: {
          ':app': applicationId,
          ':plot': checkId('plotId', plotId),
          ':token': taskToken,
          ':now': this.ctx.now().toISOString(),
          ':zero': 0,
          ':one': 1,
          ':gsi3pk': plotWaitsPartition(plotId),
          ':gsi3sk': `APP#${applicationId}`,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return stripKeys<ClearanceWaitRecord>(out.Attributes ?? {});
  }

  async getClearanceWait(applicationId: string): Promise<ClearanceWaitRecord | undefined> {
    const out = await this.ctx.doc.send(
      new GetCommand({
        TableName: this.ctx.tableName,
        Key: clearanceKey(applicationId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? stripKeys<ClearanceWaitRecord>(out.Item) : undefined;
  }

  /** The applications waiting for `plotId` to be cleared (gsi3 is eventually consistent, as on AWS). */
  async listClearanceWaiters(plotId: string): Promise<ClearanceWaitRecord[]> {
    const items: ClearanceWaitRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.ctx.doc.send(
        new QueryCommand({
          TableName: this.ctx.tableName,
          IndexName: INDEX.catalog,
          KeyConditionExpression: 'gsi3pk = :pk',
          ExpressionAttributeValues: { ':pk': plotWaitsPartition(plotId) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) items.push(stripKeys<ClearanceWaitRecord>(item));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * Removes the application's clearance wait if it still holds `taskToken` (a newer registration is kept).
   * Returns whether this call removed it: the one that removes it is the one that answers the token.
   */
  async removeClearanceWait(applicationId: string, taskToken: string): Promise<boolean> {
    try {
      await this.ctx.doc.send(
        new DeleteCommand({
          TableName: this.ctx.tableName,
          Key: clearanceKey(applicationId),
          ConditionExpression: 'taskToken = :token',
          ExpressionAttributeValues: { ':token': taskToken },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every token the application's workflow may be parked on now (approval tasks and the clearance wait). */
  async listWaitingTokens(applicationId: string): Promise<WaitingToken[]> {
    const tokens: WaitingToken[] = [];
    for (const task of await this.listApprovalTasks(applicationId)) {
      if (
        typeof task.taskToken === 'string' &&
        (WAITING_TASK_STATUSES as readonly string[]).includes(task.status)
      ) {
        tokens.push({ kind: 'approval', applicationId, ref: task.taskId, taskToken: task.taskToken });
      }
    }
    const clearance = await this.getClearanceWait(applicationId);
    if (clearance) {
      tokens.push({
        kind: 'clearance',
        applicationId,
        ref: clearance.plotId,
        taskToken: clearance.taskToken,
      });
    }
    return tokens;
  }
}

function inboxKeysValues(role: string, scope: string, status: string, dueAt: string, taskId: string) {
  const k = inboxKeys(role, scope, status, dueAt, taskId);
  return { ':gsi2pk': k.gsi2pk, ':gsi2sk': k.gsi2sk };
}

function clearanceKey(applicationId: string) {
  return { pk: keys.application(applicationId).pk, sk: 'WAIT#CLEARANCE' };
}

function plotWaitsPartition(plotId: string) {
  return `PLOTWAITS#${checkId('plotId', plotId)}`;
}
