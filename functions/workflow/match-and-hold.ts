import { EnquirySchema } from '#shared/enquiry/schema.ts';
import { workflowTask } from '#shared/workflow/handler.ts';
import { matchAndHold } from '#shared/workflow/site.ts';
import * as z from '#shared/zod.ts';

/** Workflow tasks 2-3: matches sites on the live plot state and holds the best plot still free. */
export const handler = workflowTask(
  z.strictObject({
    applicationId: z.string().check(z.minLength(1)),
    investorId: z.string().check(z.minLength(1)),
    executionName: z.string(),
    enquiry: EnquirySchema,
    excluded: z.array(z.string().check(z.minLength(1))).check(z.maxLength(100)),
    attempt: z.number().check(z.int(), z.positive()),
    at: z.iso.datetime({ offset: true }),
  }),
  ({ executionName: _name, ...input }, deps) => matchAndHold(deps, input),
);
