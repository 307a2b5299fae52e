/**
 * `respondToInformationRequest`: the investor answers an official's request. The task goes back to its
 * inbox (open) with its due date recomputed by the statutory clock with the pause closed (the paused time
 * is not counted), the application returns to in-approval once no other stage waits on the investor, and
 * the stage's parked wait is woken (`Approval.Resumed`) so it re-reads its clock at once.
 */

import { reminderAt } from '#shared/calendar/statutory-clock.ts';
import { TaskNotFoundError, TaskStatusConflictError } from '#shared/repository/index.ts';
import * as z from '../zod.ts';
import { NotAllowedError, TaskStateError, WAIT_ERRORS } from './approval-errors.ts';
import { stageDueAt } from './approval-stage.ts';
import { type ApprovalDeps, answerToken, nowOf, parseInput, parseTaskId } from './approval-tasks.ts';
import { eventId } from './events.ts';
import { appendOnce, setStatus } from './record.ts';

export const RespondInputSchema = z.strictObject({
  taskId: z.string().check(z.minLength(3), z.maxLength(420)),
  /** The investor answering: must own the application. */
  investorId: z.string().check(z.minLength(1), z.maxLength(200)),
  answer: z.string().check(z.trim(), z.minLength(1, 'the answer must not be empty'), z.maxLength(10_000)),
  /** References to documents uploaded with the answer. */
  attachments: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(500))).check(z.maxLength(20))),
});
export type RespondInput = z.input<typeof RespondInputSchema>;

interface StoredPause {
  from: string;
  to?: string;
}

export async function respondToInformationRequest(deps: ApprovalDeps, raw: RespondInput) {
  const input = parseInput(RespondInputSchema, raw);
  const { applicationId } = parseTaskId(input.taskId);
  const { repository } = deps;
  const app = await repository.getApplication(applicationId);
  const task = await repository.waits.getApprovalTask(applicationId, input.taskId);
  if (!app || !task) throw new TaskNotFoundError(applicationId, input.taskId);
  if (app.investorId !== input.investorId) {
    throw new NotAllowedError('respond', 'the application belongs to another investor');
  }
  if (task.status !== 'information-requested') {
    throw new TaskStateError(input.taskId, task.status, 'information-requested');
  }
  const at = nowOf(deps);
  const pauses = ((Array.isArray(task.pauses) ? task.pauses : []) as StoredPause[]).map((p) =>
    p.to === undefined ? { from: p.from, to: at } : p,
  );
  const deadline = task.deadline as { amount: number | null; unit: 'working-days' | 'days' };
  const { dueAt } = stageDueAt({ deadline }, task.startedAt, pauses);
  const remindAt = reminderAt(task.startedAt, dueAt);
  const information = (task.information ?? {}) as Record<string, unknown>;
  let claim: Awaited<ReturnType<typeof repository.waits.claimTask>>;
  try {
    claim = await repository.waits.claimTask(
      applicationId,
      input.taskId,
      ['information-requested'],
      'open',
      {
        pauses,
        reminderAt: remindAt,
        // A reminder already sent for the old due date is due again for the new one.
        remindedAt: Date.parse(remindAt) > Date.parse(at) ? undefined : task.remindedAt,
        information: {
          ...information,
          answeredAt: at,
          answer: input.answer,
          ...(input.attachments ? { attachments: input.attachments } : {}),
        },
      },
      { dueAt },
    );
  } catch (error) {
    if (error instanceof TaskStatusConflictError) {
      throw new TaskStateError(input.taskId, error.actualStatus ?? 'unknown', 'information-requested');
    }
    throw error;
  }
  const others = await repository.waits.listApprovalTasks(applicationId);
  if (!others.some((t) => t.taskId !== input.taskId && t.status === 'information-requested')) {
    await setStatus(repository, applicationId, 'in-approval');
  }
  await appendOnce(repository, applicationId, {
    eventId: `information-provided-${task.stageId}-${at}`,
    at,
    what: 'approval.information-provided',
    who: input.investorId,
    legalBasis: task.legalBasis,
    dueDate: dueAt,
    details: { taskId: input.taskId, previousDueAt: task.dueAt, clock: 'resumed' },
  });
  await deps.publish([
    {
      name: 'InformationProvided',
      detail: {
        eventId: eventId(applicationId, 'information-provided', `${task.stageId}-${at}`),
        applicationId,
        at,
        audience: [{ kind: 'role', id: task.role }],
        taskId: input.taskId,
        dueAt,
      },
    },
  ]);
  // Wake the parked wait so the stage re-reads its clock now (its last checkpoint was computed while paused).
  if (claim.token) {
    await answerToken(deps.sfn, claim.token, {
      error: WAIT_ERRORS.resumed,
      cause: JSON.stringify({ taskId: input.taskId, dueAt }),
    });
  }
  return { taskId: input.taskId, status: 'open' as const, dueAt, previousDueAt: task.dueAt };
}
