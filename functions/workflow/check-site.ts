import { EnquirySchema } from '#shared/enquiry/schema.ts';
import { checkSite } from '#shared/workflow/checks.ts';
import { workflowTask } from '#shared/workflow/handler.ts';
import * as z from '#shared/zod.ts';

/** Workflow task 4: the four land-clearance checks on the held plot, run concurrently. */
export const handler = workflowTask(
  z.strictObject({
    applicationId: z.string().check(z.minLength(1)),
    investorId: z.string().check(z.minLength(1)),
    executionName: z.string(),
    plotId: z.string().check(z.minLength(1)),
    zoneId: z.string().check(z.minLength(1)),
    enquiry: EnquirySchema,
    route: z.looseObject({
      environment: z.looseObject({
        group: z.enum(['I', 'II', 'III', 'IV', 'unknown']),
        eia: z.union([z.boolean(), z.literal('unknown')]),
        licence: z.union([z.boolean(), z.literal('unknown')]),
        appraiser: z.string(),
        legalBasis: z.array(z.any()),
      }),
    }),
    moves: z.number().check(z.int(), z.nonnegative()),
    maxMoves: z.number().check(z.int(), z.nonnegative()),
    at: z.iso.datetime({ offset: true }),
  }),
  ({ executionName: _name, ...input }, deps) => checkSite(deps, input),
);
