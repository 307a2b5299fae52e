import { allocate } from '#shared/workflow/allocate.ts';
import { workflowTask } from '#shared/workflow/handler.ts';
import * as z from '#shared/zod.ts';

/** Workflow task 6: the hold becomes an allocation; the certificate reference is recorded. */
export const handler = workflowTask(
  z.strictObject({
    applicationId: z.string().check(z.minLength(1)),
    investorId: z.string().check(z.minLength(1)),
    executionName: z.string(),
    plotId: z.string().check(z.minLength(1)),
    zoneId: z.string().check(z.minLength(1)),
    ruleSetId: z.string().check(z.minLength(1)),
    approvals: z.array(z.unknown()).check(z.maxLength(50)),
    at: z.iso.datetime({ offset: true }),
  }),
  ({ executionName: _name, ...input }, deps) => allocate(deps, input),
);
