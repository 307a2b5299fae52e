import * as z from 'zod';
import { compensate } from '#shared/workflow/compensate.ts';
import { workflowTask } from '#shared/workflow/handler.ts';

/** Workflow task 7: releases the plot, records why, and sets the terminal status. */
export const handler = workflowTask(
  z.strictObject({
    applicationId: z.string().min(1),
    executionName: z.string(),
    error: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }),
    at: z.iso.datetime({ offset: true }),
  }),
  ({ executionName: _name, ...input }, deps) => compensate(deps, input),
);
