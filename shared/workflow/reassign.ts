/**
 * `reassignTask`: an admin or the stage's supervisor moves an open task to another role's (and optionally
 * another scope's) inbox, with a reason. The parked wait is untouched: whoever holds the task now decides.
 */

import { TaskNotFoundError, TaskStatusConflictError } from '#shared/repository/index.ts';
import * as z from '../zod.ts';
import { NotAllowedError, TaskAlreadyDecidedError } from './approval-errors.ts';
import {
  ActorSchema,
  type ApprovalDeps,
  nowOf,
  parseInput,
  parseTaskId,
  taskView,
} from './approval-tasks.ts';
import { appendOnce } from './record.ts';

export const ReassignInputSchema = z.strictObject({
  taskId: z.string().check(z.minLength(3), z.maxLength(420)),
  actor: ActorSchema,
  toRole: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{0,79}$/, 'a role id (lower-case letters, digits, dashes)')),
  reason: z.string().check(z.trim(), z.minLength(1, 'say why the task is reassigned'), z.maxLength(1_000)),
});
export type ReassignInput = z.input<typeof ReassignInputSchema>;

export async function reassignTask(deps: ApprovalDeps, raw: ReassignInput) {
  const input = parseInput(ReassignInputSchema, raw);
  const { applicationId } = parseTaskId(input.taskId);
  const { repository } = deps;
  const task = await repository.waits.getApprovalTask(applicationId, input.taskId);
  if (!task) throw new TaskNotFoundError(applicationId, input.taskId);
  if (!input.actor.roles.includes('admin') && !input.actor.roles.includes(task.supervisorRole)) {
    throw new NotAllowedError('reassign', `only an admin or a ${task.supervisorRole} may reassign this task`);
  }
  const at = nowOf(deps);
  try {
    const { task: moved } = await repository.waits.claimTask(
      applicationId,
      input.taskId,
      [task.status === 'information-requested' ? 'information-requested' : 'open'],
      task.status,
      {
        reassignedAt: at,
        reassignedBy: input.actor.id,
        reassignedFrom: task.role,
        reassignReason: input.reason,
      },
      { role: input.toRole },
    );
    await appendOnce(repository, applicationId, {
      eventId: `reassigned-${task.stageId}-${at}`,
      at,
      what: 'approval.reassigned',
      who: input.actor.id,
      legalBasis: task.legalBasis,
      details: { taskId: input.taskId, from: task.role, to: input.toRole, reason: input.reason },
    });
    return taskView(moved);
  } catch (error) {
    if (error instanceof TaskStatusConflictError)
      throw new TaskAlreadyDecidedError(input.taskId, error.actualStatus);
    throw error;
  }
}
