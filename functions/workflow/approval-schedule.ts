import * as z from 'zod';
import { approvalTask, powertoolsMetrics } from '#shared/workflow/approval-handler.ts';
import { StageSchema, scheduleStage } from '#shared/workflow/approval-stage.ts';

/**
 * Approval stage, Schedule step: opens the stage's inbox task (due date from the statutory clock), or after
 * a wait ended without a decision records the reminder / escalation that came due; returns how long the
 * next wait lasts. Throws Approval.Expired or Application.Withdrawn to end the stage.
 */
export const handler = approvalTask(
  z.strictObject({
    applicationId: z.string().min(1).max(200),
    executionName: z.string().max(200),
    at: z.iso.datetime({ offset: true }),
    zoneId: z.string().min(1).max(200).nullable().optional(),
    stage: StageSchema,
    round: z.number().int().nonnegative(),
  }),
  ({ executionName: _name, zoneId, ...input }, deps) =>
    scheduleStage(deps, { ...input, zoneId: zoneId ?? undefined }),
  // Reminders, escalations and expiries are counted (the SLA metrics).
  { metrics: powertoolsMetrics },
);
