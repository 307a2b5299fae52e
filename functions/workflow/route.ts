import { EnquirySchema } from '#shared/enquiry/schema.ts';
import { workflowTask } from '#shared/workflow/handler.ts';
import { RoutingOptionsSchema } from '#shared/workflow/input.ts';
import { routeStep } from '#shared/workflow/routing.ts';
import * as z from '#shared/zod.ts';

export const RouteStepSchema = z.strictObject({
  applicationId: z.string().check(z.minLength(1)),
  investorId: z.string().check(z.minLength(1)),
  executionName: z.string(),
  enquiry: EnquirySchema,
  filedAt: z.iso.datetime({ offset: true }),
  routing: RoutingOptionsSchema,
  site: z.strictObject({
    zoneId: z.string().check(z.minLength(1)),
    zoneKind: z.string().check(z.minLength(1)),
  }),
  at: z.iso.datetime({ offset: true }),
});

/** Workflow task: routes the application with the rule set of its filing date, on the held site. */
export const handler = workflowTask(RouteStepSchema, ({ executionName: _name, ...input }, deps) =>
  routeStep(deps, input),
);
