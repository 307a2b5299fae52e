import { approvalTask, powertoolsMetrics } from '#shared/workflow/approval-handler.ts';
import { StageSchema, scheduleStage } from '#shared/workflow/approval-stage.ts';
import * as z from '#shared/zod.ts';

/**
 * Approval stage, Schedule step: opens the stage's inbox task (due date from the statutory clock), or after
 * a wait ended without a decision records the reminder / escalation that came due; returns how long the
 * next wait lasts. Throws Approval.Expired or Application.Withdrawn to end the stage.
 */
export const handler = approvalTask(
  z.strictObject({
    applicationId: z.string().check(z.minLength(1), z.maxLength(200)),
    executionName: z.string().check(z.maxLength(200)),
    at: z.iso.datetime({ offset: true }),
    zoneId: z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(200)))),
    stage: StageSchema,
    round: z.number().check(z.int(), z.nonnegative()),
  }),
  ({ executionName: _name, zoneId, ...input }, deps) =>
    scheduleStage(deps, { ...input, zoneId: zoneId ?? undefined }),
  // Reminders, escalations and expiries are counted (the SLA metrics).
  { metrics: powertoolsMetrics },
);
