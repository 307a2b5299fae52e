/**
 * `withdrawApplication`: the investor withdraws, at any point. The application is marked withdrawn first
 * (with the reason), then every token its workflow is parked on is failed with `Application.Withdrawn`, so
 * the execution runs its compensation (the plot is released, the reason recorded). A wait registered after
 * the status was written sees it (each wait checks the status after parking its token) and fails at once;
 * one registered before is in the list read after it. Withdrawing twice is harmless.
 */

import {
  ApplicationNotFoundError,
  TaskStatusConflictError,
  WAITING_TASK_STATUSES,
} from '#shared/repository/index.ts';
import * as z from '../zod.ts';
import { ApplicationClosedError, NotAllowedError, WAIT_ERRORS } from './approval-errors.ts';
import { type ApprovalDeps, answerToken, failureCause, nowOf, parseInput } from './approval-tasks.ts';
import { appendOnce, setStatus } from './record.ts';
import { isTerminal } from './status.ts';

export const WithdrawInputSchema = z.strictObject({
  applicationId: z.string().check(z.minLength(1), z.maxLength(200)),
  /** The investor withdrawing: must own the application. */
  investorId: z.string().check(z.minLength(1), z.maxLength(200)),
  reason: z
    .string()
    .check(z.trim(), z.minLength(1, 'say why the application is withdrawn'), z.maxLength(1_000)),
});
export type WithdrawInput = z.input<typeof WithdrawInputSchema>;

export async function withdrawApplication(deps: ApprovalDeps, raw: WithdrawInput) {
  const input = parseInput(WithdrawInputSchema, raw);
  const { repository } = deps;
  const { applicationId } = input;
  const app = await repository.getApplication(applicationId);
  if (!app) throw new ApplicationNotFoundError(applicationId);
  if (app.investorId !== input.investorId) {
    throw new NotAllowedError('withdraw', 'the application belongs to another investor');
  }
  if (isTerminal(app.status) && app.status !== 'withdrawn')
    throw new ApplicationClosedError(applicationId, app.status);
  const at = nowOf(deps);
  const first = app.status !== 'withdrawn';
  if (first) {
    await setStatus(repository, applicationId, 'withdrawn', {
      withdrawal: { reason: input.reason, at, by: input.investorId },
    });
    await appendOnce(repository, applicationId, {
      eventId: 'withdrawal-requested',
      at,
      what: 'application.withdrawal-requested',
      who: input.investorId,
      details: { reason: input.reason },
    });
  }
  const cause = failureCause(input.reason, { withdrawnBy: input.investorId });
  let failed = 0;
  // Every task still waiting leaves the officials' inboxes; the token parked on it at that instant (if any)
  // is the one to fail.
  for (const task of await repository.waits.listApprovalTasks(applicationId)) {
    if (!(WAITING_TASK_STATUSES as readonly string[]).includes(task.status)) continue;
    let token: string | undefined;
    try {
      const claim = await repository.waits.claimTask(
        applicationId,
        task.taskId,
        WAITING_TASK_STATUSES,
        'withdrawn',
        { withdrawnAt: at },
        { clearToken: true },
      );
      token = claim.token;
    } catch (error) {
      // Decided meanwhile: that decision's answer, or the stage's next wait, ends it.
      if (!(error instanceof TaskStatusConflictError)) throw error;
    }
    if (token && (await answerToken(deps.sfn, token, { error: WAIT_ERRORS.withdrawn, cause }))) failed++;
  }
  const clearance = await repository.waits.getClearanceWait(applicationId);
  // Whoever removes the registry entry answers it (an update may be waking it right now).
  if (clearance && (await repository.waits.removeClearanceWait(applicationId, clearance.taskToken))) {
    if (await answerToken(deps.sfn, clearance.taskToken, { error: WAIT_ERRORS.withdrawn, cause })) failed++;
  }
  return { applicationId, status: 'withdrawn' as const, alreadyWithdrawn: !first, waitsEnded: failed };
}
