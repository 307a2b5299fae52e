import * as z from 'zod';
import { EnquirySchema } from '#shared/enquiry/schema.ts';
import { workflowTask } from '#shared/workflow/handler.ts';
import { matchAndHold } from '#shared/workflow/site.ts';

/** Workflow tasks 2-3: matches sites on the live plot state and holds the best plot still free. */
export const handler = workflowTask(
  z.strictObject({
    applicationId: z.string().min(1),
    investorId: z.string().min(1),
    executionName: z.string(),
    enquiry: EnquirySchema,
    excluded: z.array(z.string().min(1)).max(100),
    attempt: z.number().int().positive(),
    at: z.iso.datetime({ offset: true }),
  }),
  ({ executionName: _name, ...input }, deps) => matchAndHold(deps, input),
);
