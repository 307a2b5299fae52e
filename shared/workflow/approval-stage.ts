/**
 * One approval stage in the workflow, as its two Lambdas run it:
 *
 *   Schedule ──▶ Wait (.waitForTaskToken, TimeoutSeconds = until the next checkpoint)
 *      ▲            │ approved: the decision │ rejected: Application.Rejected
 *      └────────────┘ States.Timeout / States.HeartbeatTimeout / Approval.Resumed
 *
 * `scheduleStage` opens the stage's inbox task the first time (due date from the statutory clock, reminder
 * time before it), and on every later call reads the task's clock: records the reminder once it is due,
 * escalates to the supervising role once the due date has passed, and ends the stage with
 * `Approval.Expired` when the supervisor's grace period has passed too. It returns how long to wait.
 * `registerWait` parks the wait's token on the task (rotating out the previous one); finding the task
 * already decided (a decision raced the rotation) it answers its own token with that decision at once.
 * "Now" is always the state machine's (`at`), so tests move time with the engine's clock.
 */

import {
  type ClockDeadline,
  DeadlinePausedError,
  dueDate,
  reminderAt,
} from '#shared/calendar/statutory-clock.ts';
import type { ApprovalTaskRecord } from '#shared/repository/index.ts';
import { TaskStatusConflictError } from '#shared/repository/index.ts';
import * as z from '../zod.ts';
import { WAIT_ERRORS, WaitEndedError, withdrawnError } from './approval-errors.ts';
import {
  type ApprovalDeps,
  answerToken,
  approvalOutput,
  approvalTaskId,
  type Decision,
} from './approval-tasks.ts';
import { eventId } from './events.ts';
import { appendOnce, basisLine, setStatus } from './record.ts';

const LegalBasisSchema = z.looseObject({
  instrument: z.string().check(z.minLength(1), z.maxLength(200)),
  article: z.optional(z.string().check(z.maxLength(100))),
});

/** The fields of R's `RouteStage` a stage needs (the rest is kept as given). */
export const StageSchema = z.looseObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,80}$/)),
  kind: z.string().check(z.minLength(1), z.maxLength(80)),
  title: z.optional(
    z.looseObject({ vi: z.string().check(z.maxLength(300)), en: z.string().check(z.maxLength(300)) }),
  ),
  authority: z.optional(z.string().check(z.maxLength(120))),
  role: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,79}$/)),
  scope: z.enum(['zone', 'province']),
  order: z.number().check(z.int()),
  deadline: z.looseObject({
    amount: z.nullable(z.number().check(z.int(), z.nonnegative())),
    unit: z.enum(['working-days', 'days']),
    confidence: z.optional(z.string().check(z.maxLength(20))),
    legalBasis: z.optional(LegalBasisSchema),
  }),
  legalBasis: LegalBasisSchema,
  supervisorRole: z.string().check(z.regex(/^[a-z][a-z0-9-]{0,79}$/)),
});
export type StageInput = z.infer<typeof StageSchema>;

/**
 * Operational follow-up, not law: a stage whose statutory deadline no source gives (`amount: null`) is
 * followed up as if it had 15 working days, flagged `statutoryDeadline: false` so nobody reads it as law;
 * an escalated task gets 5 more working days with the supervisor before the stage expires.
 */
export const FOLLOW_UP: ClockDeadline = { amount: 15, unit: 'working-days' };
export const ESCALATION_GRACE: ClockDeadline = { amount: 5, unit: 'working-days' };
/** While the investor is asked for information the clock is paused: the wait re-checks weekly. */
export const INFORMATION_RECHECK_SECONDS = 7 * 86_400;
/** A stage waits at most this many times (checkpoints, investor answers, re-checks) before it expires. */
export const MAX_ROUNDS = 40;

export interface ScheduleInput {
  applicationId: string;
  /** `$zoneId`: the inbox scope of a 'zone' stage. */
  zoneId?: string | undefined;
  stage: StageInput;
  at: string;
  round: number;
}

export interface ScheduleOutput {
  taskId: string;
  /** Seconds until the next checkpoint (the wait's TimeoutSeconds is derived from it). */
  waitSeconds: number;
  round: number;
}

const WAITING = ['open', 'information-requested'];

function stageScope(input: ScheduleInput): string {
  if (input.stage.scope === 'province') return 'province';
  if (!input.zoneId) throw new TypeError(`stage ${input.stage.id}: a zone stage needs $zoneId`);
  return input.zoneId;
}

function secondsUntil(at: string, wakeAt: string): number {
  return Math.max(1, Math.ceil((Date.parse(wakeAt) - Date.parse(at)) / 1000));
}

/** The stage's statutory due date from `startedAt` with the pauses so far (none open). */
export function stageDueAt(
  stage: Pick<StageInput, 'deadline'>,
  startedAt: string,
  pauses: { from: string; to?: string }[] = [],
): { dueAt: string; statutory: boolean } {
  const amount = stage.deadline.amount;
  const deadline = amount === null ? FOLLOW_UP : { amount, unit: stage.deadline.unit };
  return { dueAt: dueDate(startedAt, deadline, pauses), statutory: amount !== null };
}

async function openTask(
  deps: ApprovalDeps,
  input: ScheduleInput,
  taskId: string,
): Promise<{ created: boolean; task: ApprovalTaskRecord }> {
  const { stage, at, applicationId } = input;
  const { dueAt, statutory } = stageDueAt(stage, at);
  const remindAt = reminderAt(at, dueAt);
  const legalBasis = basisLine(stage.legalBasis) ?? stage.kind;
  const scope = stageScope(input);
  const { created, task } = await deps.repository.waits.openApprovalTask({
    applicationId,
    taskId,
    role: stage.role,
    scope,
    dueAt,
    reminderAt: remindAt,
    startedAt: at,
    stageId: stage.id,
    supervisorRole: stage.supervisorRole,
    legalBasis,
    details: {
      stageKind: stage.kind,
      ...(stage.title ? { title: stage.title } : {}),
      ...(stage.authority ? { authority: stage.authority } : {}),
      deadline: { amount: stage.deadline.amount, unit: stage.deadline.unit },
      statutoryDeadline: statutory,
      pauses: [],
    },
  });
  if (!created) return { created, task };
  // One conditional write: an investor answering another stage's request keeps `information-requested`.
  await setStatus(deps.repository, applicationId, 'in-approval', {}, ['information-requested']);
  await appendOnce(deps.repository, applicationId, {
    eventId: `task-created-${stage.id}`,
    at,
    what: 'approval.task-created',
    who: 'system',
    legalBasis,
    dueDate: dueAt,
    details: { taskId, stageId: stage.id, role: stage.role, scope, statutoryDeadline: statutory },
  });
  await deps.publish([
    {
      name: 'TaskCreated',
      detail: {
        eventId: eventId(applicationId, 'task-created', stage.id),
        applicationId,
        at,
        audience: [{ kind: 'role', id: stage.role }],
        taskId,
        stageId: stage.id,
        role: stage.role,
        scope,
        dueAt,
        legalBasis,
      },
    },
  ]);
  return { created, task };
}

async function remind(deps: ApprovalDeps, task: ApprovalTaskRecord, at: string): Promise<void> {
  await deps.repository.waits.claimTask(task.applicationId, task.taskId, ['open'], 'open', {
    remindedAt: at,
  });
  await appendOnce(deps.repository, task.applicationId, {
    eventId: `reminder-${task.stageId}-${task.reminderAt}`,
    at,
    what: 'approval.reminder',
    who: 'system',
    legalBasis: task.legalBasis,
    dueDate: task.dueAt,
    details: { taskId: task.taskId, role: task.role, scope: task.scope },
  });
  await deps.publish([
    {
      name: 'TaskDueSoon',
      detail: {
        eventId: eventId(task.applicationId, 'task-due-soon', `${task.stageId}-${task.reminderAt}`),
        applicationId: task.applicationId,
        at,
        audience: [{ kind: 'role', id: task.role }],
        taskId: task.taskId,
        role: task.role,
        scope: task.scope,
        dueAt: task.dueAt,
      },
    },
  ]);
  deps.metrics?.count('SlaReminder', { stage: task.stageId });
}

async function escalate(
  deps: ApprovalDeps,
  task: ApprovalTaskRecord,
  at: string,
): Promise<ApprovalTaskRecord> {
  const graceUntil = dueDate(task.dueAt, ESCALATION_GRACE);
  const { task: escalated } = await deps.repository.waits.claimTask(
    task.applicationId,
    task.taskId,
    ['open'],
    'open',
    { escalatedAt: at, escalatedFrom: task.role, escalationDueAt: graceUntil },
    { role: task.supervisorRole },
  );
  await appendOnce(deps.repository, task.applicationId, {
    eventId: `overdue-${task.stageId}-${task.dueAt}`,
    at,
    what: 'approval.overdue',
    who: 'system',
    legalBasis: task.legalBasis,
    dueDate: graceUntil,
    details: { taskId: task.taskId, from: task.role, to: task.supervisorRole, dueAt: task.dueAt },
  });
  await deps.publish([
    {
      name: 'TaskOverdue',
      detail: {
        eventId: eventId(task.applicationId, 'task-overdue', `${task.stageId}-${task.dueAt}`),
        applicationId: task.applicationId,
        at,
        audience: [
          { kind: 'role', id: task.supervisorRole },
          { kind: 'role', id: task.role },
        ],
        taskId: task.taskId,
        from: task.role,
        to: task.supervisorRole,
        dueAt: task.dueAt,
      },
    },
  ]);
  deps.metrics?.count('SlaBreach', { stage: task.stageId });
  return escalated;
}

async function expire(deps: ApprovalDeps, task: ApprovalTaskRecord, at: string, why: string): Promise<never> {
  await deps.repository.waits.claimTask(task.applicationId, task.taskId, WAITING, 'expired', {
    expiredAt: at,
  });
  await appendOnce(deps.repository, task.applicationId, {
    eventId: `expired-${task.stageId}`,
    at,
    what: 'approval.expired',
    who: 'system',
    legalBasis: task.legalBasis,
    details: { taskId: task.taskId, role: task.role, why },
  });
  deps.metrics?.count('ApprovalExpired', { stage: task.stageId });
  throw new WaitEndedError(WAIT_ERRORS.expired, `stage ${task.stageId}: ${why}`);
}

/**
 * The stage's Schedule step: opens the task, or checks its clock after a wait ended without a decision.
 * Throws `Application.Withdrawn` for a withdrawn application and `Approval.Expired` when the stage is over.
 */
export async function scheduleStage(deps: ApprovalDeps, input: ScheduleInput): Promise<ScheduleOutput> {
  const { applicationId, stage, at } = input;
  const app = await deps.repository.getApplication(applicationId);
  if (app?.status === 'withdrawn') {
    throw withdrawnError(applicationId, app);
  }
  const taskId = approvalTaskId(applicationId, stage.id);
  const round = input.round + 1;
  // The first round opens the task without reading it first: the conditional put answers with the task
  // already there (a retried Schedule) and the checks below then run on it, as on any later round.
  let task =
    input.round === 0 ? undefined : await deps.repository.waits.getApprovalTask(applicationId, taskId);
  if (!task) {
    const opened = await openTask(deps, input, taskId);
    if (opened.created || input.round !== 0) {
      return { taskId, round, waitSeconds: secondsUntil(at, opened.task.reminderAt) };
    }
    task = opened.task;
  }
  // Decided (or closed) between two waits: the next wait answers itself with the outcome.
  if (!WAITING.includes(task.status)) return { taskId, round, waitSeconds: 1 };
  try {
    if (round > MAX_ROUNDS) return await expire(deps, task, at, `no decision after ${MAX_ROUNDS} waits`);
    // The clock is paused while the investor answers: no reminder, no escalation.
    if (task.status === 'information-requested')
      return { taskId, round, waitSeconds: INFORMATION_RECHECK_SECONDS };
    const now = Date.parse(at);
    if (task.remindedAt === undefined && now >= Date.parse(task.reminderAt) && now < Date.parse(task.dueAt)) {
      await remind(deps, task, at);
    }
    if (task.escalatedAt === undefined && now >= Date.parse(task.dueAt)) {
      task = await escalate(deps, task, at);
    }
    const graceUntil = typeof task.escalationDueAt === 'string' ? task.escalationDueAt : undefined;
    if (graceUntil && now >= Date.parse(graceUntil)) {
      return await expire(deps, task, at, `overdue since ${task.dueAt}, escalated, still undecided`);
    }
    const checkpoints = [task.reminderAt, task.dueAt, graceUntil].filter(
      (t): t is string => t !== undefined && Date.parse(t) > now,
    );
    const next = checkpoints.sort()[0] ?? graceUntil ?? task.dueAt;
    return { taskId, round, waitSeconds: secondsUntil(at, next) };
  } catch (error) {
    // A decision won the race with this check: the next wait answers itself with it.
    if (error instanceof TaskStatusConflictError) return { taskId, round, waitSeconds: 1 };
    if (error instanceof DeadlinePausedError)
      return { taskId, round, waitSeconds: INFORMATION_RECHECK_SECONDS };
    throw error;
  }
}

/** The outcome the wait must end with for a task that is no longer waiting. */
function closedOutcome(task: ApprovalTaskRecord) {
  const decision = task.decision as Decision | undefined;
  if (task.status === 'decided' && decision?.outcome === 'approved') {
    return { output: approvalOutput(task, decision) };
  }
  if (task.status === 'decided' && decision?.outcome === 'rejected') {
    // A thrown error's message is the Cause's errorMessage, which the compensation records as the reason.
    return new WaitEndedError(WAIT_ERRORS.rejected, (decision.reasons ?? []).join('; ') || 'rejected');
  }
  if (task.status === 'withdrawn')
    return new WaitEndedError(WAIT_ERRORS.withdrawn, `task ${task.taskId} withdrawn`);
  return new WaitEndedError(WAIT_ERRORS.expired, `task ${task.taskId} is ${task.status}`);
}

/**
 * The stage's Wait step: parks `token` on the task. If the task was decided meanwhile, answers the token
 * with the decision (approved) or throws the wait's error (rejected, withdrawn, expired); if the
 * application was withdrawn (checked after parking, so a withdrawal either sees this token or is seen
 * here), throws `Application.Withdrawn`.
 */
export async function registerWait(
  deps: ApprovalDeps,
  input: { applicationId: string; taskId: string; token: string },
): Promise<{ parked: boolean }> {
  const registration = await deps.repository.waits.registerTaskToken(
    input.applicationId,
    input.taskId,
    input.token,
  );
  if (!registration.registered) {
    const outcome = closedOutcome(registration.task);
    if (outcome instanceof Error) throw outcome;
    await answerToken(deps.sfn, input.token, outcome);
    return { parked: false };
  }
  const app = await deps.repository.getApplication(input.applicationId);
  if (app?.status === 'withdrawn') {
    throw withdrawnError(input.applicationId, app);
  }
  return { parked: true };
}
