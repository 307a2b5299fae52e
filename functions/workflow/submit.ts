import { workflowTask } from '#shared/workflow/handler.ts';
import { ExecutionInputSchema } from '#shared/workflow/input.ts';
import { submitApplication } from '#shared/workflow/submit.ts';
import * as z from '#shared/zod.ts';

/** Workflow task 1: validates the enquiry and creates (or gets) the application. */
export const handler = workflowTask(
  z.extend(ExecutionInputSchema, { executionName: z.string(), at: z.iso.datetime({ offset: true }) }),
  ({ executionName: _name, ...input }, deps) => submitApplication(deps, input),
);
