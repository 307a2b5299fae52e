/**
 * `decideTask`: an official approves, rejects (reasons required) or asks the investor for information on
 * a stage's inbox task. One domain operation, exactly once: the task moves from open to its next status in
 * one conditional write (of two concurrent decisions one wins, the other gets `TaskAlreadyDecidedError`
 * and nothing of it is recorded), then the token parked at that instant is answered. A token whose wait
 * already ended (timed out at a checkpoint) is ignored: the stage's next wait finds the decision and
 * answers itself.
 */

import { TaskNotFoundError, TaskStatusConflictError } from '#shared/repository/index.ts';
import * as z from '../zod.ts';
import { TaskAlreadyDecidedError, WAIT_ERRORS } from './approval-errors.ts';
import {
  ActorSchema,
  type ApprovalDeps,
  answerToken,
  approvalOutput,
  assertMayDecide,
  type Decision,
  failureCause,
  invalid,
  nowOf,
  parseInput,
  parseTaskId,
} from './approval-tasks.ts';
import { eventId } from './events.ts';
import { appendOnce, setStatus } from './record.ts';

const text = z.string().check(z.trim(), z.minLength(1), z.maxLength(1_000));
/** The legal basis the official cites (the timeline shows it instead of the stage's). */
const legalBasis = z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(300)));

export const DecideInputSchema = z.discriminatedUnion('decision', [
  z.strictObject({
    taskId: z.string().check(z.minLength(3), z.maxLength(420)),
    actor: ActorSchema,
    legalBasis,
    decision: z.literal('approve'),
    comment: z.optional(text),
    /** Required on a routing-review stage: the candidate path picked, and why. */
    chosenPath: z.optional(
      z.strictObject({ candidateId: z.string().check(z.minLength(1), z.maxLength(80)), reason: text }),
    ),
  }),
  z.strictObject({
    taskId: z.string().check(z.minLength(3), z.maxLength(420)),
    actor: ActorSchema,
    legalBasis,
    decision: z.literal('reject'),
    reasons: z.array(text).check(z.minLength(1, 'a rejection needs at least one reason'), z.maxLength(20)),
    comment: z.optional(text),
  }),
  z.strictObject({
    taskId: z.string().check(z.minLength(3), z.maxLength(420)),
    actor: ActorSchema,
    legalBasis,
    decision: z.literal('request-information'),
    questions: z.array(text).check(z.minLength(1, 'say what information is needed'), z.maxLength(20)),
  }),
]);
export type DecideInput = z.input<typeof DecideInputSchema>;

export type DecideResult =
  | { taskId: string; status: 'decided'; decision: Decision; answered: boolean }
  | { taskId: string; status: 'information-requested'; requestedAt: string };

export async function decideTask(deps: ApprovalDeps, raw: DecideInput): Promise<DecideResult> {
  const input = parseInput(DecideInputSchema, raw);
  const { applicationId } = parseTaskId(input.taskId);
  const { repository } = deps;
  const task = await repository.waits.getApprovalTask(applicationId, input.taskId);
  if (!task) throw new TaskNotFoundError(applicationId, input.taskId);
  assertMayDecide(input.actor, task, 'decide');
  if (input.decision === 'approve' && task.stageKind === 'routing-review' && !input.chosenPath) {
    throw invalid('chosenPath', 'required', 'a routing-review approval must name the chosen path and why');
  }
  const at = nowOf(deps);

  if (input.decision === 'request-information') {
    const pauses = Array.isArray(task.pauses) ? task.pauses : [];
    try {
      await repository.waits.claimTask(applicationId, input.taskId, ['open'], 'information-requested', {
        information: { requestedAt: at, requestedBy: input.actor.id, questions: input.questions },
        pauses: [...pauses, { from: at }],
      });
    } catch (error) {
      if (error instanceof TaskStatusConflictError)
        throw new TaskAlreadyDecidedError(input.taskId, error.actualStatus);
      throw error;
    }
    const app = await setStatus(repository, applicationId, 'information-requested');
    await appendOnce(repository, applicationId, {
      eventId: `information-requested-${task.stageId}-${at}`,
      at,
      what: 'approval.information-requested',
      who: input.actor.id,
      legalBasis: input.legalBasis ?? task.legalBasis,
      details: { taskId: input.taskId, questions: input.questions, clock: 'paused' },
    });
    await deps.publish([
      {
        name: 'InformationRequested',
        detail: {
          eventId: eventId(applicationId, 'information-requested', `${task.stageId}-${at}`),
          applicationId,
          at,
          audience: [{ kind: 'investor', id: app.investorId }],
          taskId: input.taskId,
          requestedBy: input.actor.id,
          questions: input.questions,
        },
      },
    ]);
    deps.metrics?.count('Decision', { outcome: 'information-requested', stage: task.stageId });
    return { taskId: input.taskId, status: 'information-requested', requestedAt: at };
  }

  const decision: Decision =
    input.decision === 'approve'
      ? {
          outcome: 'approved',
          decidedBy: input.actor.id,
          decidedAt: at,
          ...(input.comment ? { comment: input.comment } : {}),
          ...(input.chosenPath ? { chosenPath: input.chosenPath } : {}),
        }
      : {
          outcome: 'rejected',
          decidedBy: input.actor.id,
          decidedAt: at,
          reasons: input.reasons,
          ...(input.comment ? { comment: input.comment } : {}),
        };
  let claim: Awaited<ReturnType<typeof repository.waits.claimTask>>;
  try {
    // An official may also decide while the investor's answer is awaited (e.g. reject).
    claim = await repository.waits.claimTask(
      applicationId,
      input.taskId,
      ['open', 'information-requested'],
      'decided',
      { decision },
      { clearToken: true },
    );
  } catch (error) {
    if (error instanceof TaskStatusConflictError)
      throw new TaskAlreadyDecidedError(input.taskId, error.actualStatus);
    throw error;
  }
  await appendOnce(repository, applicationId, {
    eventId: `decided-${task.stageId}`,
    at,
    what: `approval.${decision.outcome}`,
    who: input.actor.id,
    legalBasis: input.legalBasis ?? task.legalBasis,
    details: {
      taskId: input.taskId,
      stageId: task.stageId,
      ...(decision.reasons ? { reasons: decision.reasons } : {}),
      ...(decision.comment ? { comment: decision.comment } : {}),
      ...(decision.chosenPath ? { chosenPath: decision.chosenPath } : {}),
    },
  });
  await deps.publish([
    {
      name: 'DecisionMade',
      detail: {
        eventId: eventId(applicationId, 'task-decided', task.stageId),
        applicationId,
        at,
        audience: [{ kind: 'role', id: task.role }],
        taskId: input.taskId,
        stageId: task.stageId,
        outcome: decision.outcome,
        decidedBy: input.actor.id,
        ...(decision.reasons ? { reasons: decision.reasons } : {}),
      },
    },
  ]);
  deps.metrics?.count('Decision', { outcome: decision.outcome, stage: task.stageId });
  let answered = false;
  if (claim.token) {
    answered = await answerToken(
      deps.sfn,
      claim.token,
      decision.outcome === 'approved'
        ? { output: approvalOutput(claim.task, decision) }
        : {
            error: WAIT_ERRORS.rejected,
            cause: failureCause((decision.reasons ?? []).join('; '), {
              taskId: input.taskId,
              stageId: task.stageId,
              decidedBy: input.actor.id,
            }),
          },
    );
  }
  return { taskId: input.taskId, status: 'decided', decision, answered };
}
