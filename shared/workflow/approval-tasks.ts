/**
 * What the approval operations share: task ids that name their application, who may act on a task, the
 * decision the workflow receives, answering a parked token, and the dependencies they take.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { type FieldIssue, InputValidationError } from '#shared/errors.ts';
import { toFieldIssues } from '#shared/middleware/task-handler.ts';
import type { ApprovalTaskRecord, Repository } from '#shared/repository/index.ts';
import * as z from '../zod.ts';
import { NotAllowedError, type WaitErrorName } from './approval-errors.ts';
import type { WorkflowDeps } from './record.ts';

/** Counts decisions and SLA breaches (Powertools Metrics in Lambdas, a recorder in tests). */
export interface ApprovalMetrics {
  count(
    metric: 'Decision' | 'SlaReminder' | 'SlaBreach' | 'ApprovalExpired',
    dimensions: Record<string, string>,
  ): void;
}

/** The clients an approval operation takes: WF's (repository, publish), Step Functions, metrics, a clock. */
export interface ApprovalDeps extends WorkflowDeps {
  sfn: Pick<SFNClient, 'send'>;
  metrics?: ApprovalMetrics;
  /** "Now" for operations called from the API (the workflow's Lambdas pass `at` instead). */
  now?: () => Date;
}

export function nowOf(deps: Pick<ApprovalDeps, 'now'>, at?: string): string {
  return at ?? (deps.now?.() ?? new Date()).toISOString();
}

/** The official, investor or zone manager acting, as the API's authorizer establishes it. */
export const ActorSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(200)),
  /** e.g. 'zone-board-officer', 'provincial-officer', 'admin', 'investor', 'zone-manager'. */
  roles: z.array(z.string().check(z.minLength(1), z.maxLength(80))).check(z.minLength(1), z.maxLength(20)),
  /** Zone ids, 'province', or '*' for every scope. */
  scopes: z._default(z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.maxLength(200)), []),
});
export type Actor = z.infer<typeof ActorSchema>;

/** Parses `input` with `schema`, or throws InputValidationError naming each field and rule. */
export function parseInput<S extends z.ZodMiniType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new InputValidationError(toFieldIssues(parsed.error));
  return parsed.data;
}

export function invalid(path: string, rule: string, message: string): InputValidationError {
  const issue: FieldIssue = { path, rule, message };
  return new InputValidationError([issue]);
}

const SEPARATOR = '@';

/**
 * The id of a stage's inbox task: `<stageId>@<applicationId>`. A stage id never contains '@', so the API
 * finds the task (and its application) from the id alone.
 */
export function approvalTaskId(applicationId: string, stageId: string): string {
  if (stageId.includes(SEPARATOR)) throw invalid('stage.id', 'no_at_sign', `must not contain '${SEPARATOR}'`);
  return `${stageId}${SEPARATOR}${applicationId}`;
}

export function parseTaskId(taskId: string): { applicationId: string; stageId: string } {
  const at = taskId.indexOf(SEPARATOR);
  if (at <= 0 || at === taskId.length - 1) {
    throw invalid('taskId', 'format', `must be <stageId>${SEPARATOR}<applicationId>`);
  }
  return { stageId: taskId.slice(0, at), applicationId: taskId.slice(at + 1) };
}

/** A task as the API may show it: never its token. */
export type TaskView = Omit<ApprovalTaskRecord, 'taskToken'>;

export function taskView(task: ApprovalTaskRecord): TaskView {
  const { taskToken: _token, ...view } = task;
  return view;
}

/** `GET /tasks/{id}`: the task without its token, or undefined. */
export async function getTaskById(repository: Repository, taskId: string): Promise<TaskView | undefined> {
  const { applicationId } = parseTaskId(taskId);
  const task = await repository.waits.getApprovalTask(applicationId, taskId);
  return task ? taskView(task) : undefined;
}

/**
 * Whether `actor` may decide the task: its role and scope match the task's, or the actor is an admin or
 * holds the stage's supervising role.
 */
export function assertMayDecide(actor: Actor, task: ApprovalTaskRecord, operation: string): void {
  if (actor.roles.includes('admin')) return;
  if (actor.roles.includes(task.supervisorRole)) return;
  if (!actor.roles.includes(task.role)) {
    throw new NotAllowedError(operation, `the task is for role ${task.role}`);
  }
  if (!actor.scopes.includes('*') && !actor.scopes.includes(task.scope)) {
    throw new NotAllowedError(operation, `the task is in scope ${task.scope}`);
  }
}

/** A recorded decision, as stored on the task and as the stage's wait outputs it. */
export interface Decision {
  outcome: 'approved' | 'rejected';
  decidedBy: string;
  decidedAt: string;
  reasons?: string[];
  comment?: string;
  /** A routing-review stage: the candidate path the official picked, and why. */
  chosenPath?: { candidateId: string; reason: string };
}

/** What the stage's wait outputs when it is approved (one element of the fragment's `approvals`). */
export function approvalOutput(task: ApprovalTaskRecord, decision: Decision) {
  return {
    taskId: task.taskId,
    stageId: task.stageId,
    role: task.role,
    scope: task.scope,
    legalBasis: task.legalBasis,
    ...decision,
  };
}

/** The Cause of a failed wait: JSON WF's compensation reads (`reason`). */
export function failureCause(reason: string, facts: Record<string, unknown>): string {
  return JSON.stringify({ reason: reason.slice(0, 1_000), ...facts }).slice(0, 32_000);
}

/** SendTaskSuccess/Failure errors that mean "that wait is over": a later wait picks the outcome up. */
const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist']);

/**
 * Answers a parked token. A token whose wait already ended (timed out, rotated, answered) is ignored: the
 * stage's next wait finds the task's status and answers itself. Returns whether the token was answered.
 */
export async function answerToken(
  sfn: Pick<SFNClient, 'send'>,
  token: string,
  outcome: { output: unknown } | { error: WaitErrorName; cause: string },
): Promise<boolean> {
  try {
    if ('output' in outcome) {
      await sfn.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(outcome.output) }),
      );
    } else {
      await sfn.send(
        new SendTaskFailureCommand({ taskToken: token, error: outcome.error, cause: outcome.cause }),
      );
    }
    return true;
  } catch (error) {
    if (GONE.has((error as Error)?.name)) return false;
    throw error;
  }
}
