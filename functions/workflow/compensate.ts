import { compensate } from '#shared/workflow/compensate.ts';
import { workflowTask } from '#shared/workflow/handler.ts';
import * as z from '#shared/zod.ts';

/** Workflow task 7: releases the plot, records why, and sets the terminal status. */
export const handler = workflowTask(
  z.strictObject({
    applicationId: z.string().check(z.minLength(1)),
    executionName: z.string(),
    error: z.looseObject({ Error: z.optional(z.string()), Cause: z.optional(z.string()) }),
    at: z.iso.datetime({ offset: true }),
  }),
  ({ executionName: _name, ...input }, deps) => compensate(deps, input),
);
