import * as z from 'zod';
import { allocate } from '#shared/workflow/allocate.ts';
import { workflowTask } from '#shared/workflow/handler.ts';

/** Workflow task 6: the hold becomes an allocation; the certificate reference is recorded. */
export const handler = workflowTask(
  z.strictObject({
    applicationId: z.string().min(1),
    investorId: z.string().min(1),
    executionName: z.string(),
    plotId: z.string().min(1),
    zoneId: z.string().min(1),
    ruleSetId: z.string().min(1),
    approvals: z.array(z.unknown()).max(50),
    at: z.iso.datetime({ offset: true }),
  }),
  ({ executionName: _name, ...input }, deps) => allocate(deps, input),
);
