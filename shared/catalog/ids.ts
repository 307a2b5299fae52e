/**
 * The catalog's small shared schemas, in a module of their own: ids, dates, plot status and land clearance.
 * `schema.ts` re-exports them; a Lambda that needs only these (the clearance update) imports this module
 * and leaves the zone schemas out of its bundle.
 */
import * as z from 'zod';

/** URL-safe slug used for zone, plot and source ids (also DynamoDB key material, hence the limit). */
export const IdSchema = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug (a-z, 0-9, single hyphens)');

export const IsoDateSchema = z.iso.date();

export const ClearanceSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('cleared') }),
  z.strictObject({
    status: z.literal('compensation_in_progress'),
    compensationPercent: z.number().min(0).max(100),
    expectedDate: IsoDateSchema,
  }),
  z.strictObject({ status: z.literal('not_started'), expectedDate: IsoDateSchema.optional() }),
  z.strictObject({ status: z.literal('disputed'), expectedDate: IsoDateSchema.optional() }),
]);
export type Clearance = z.infer<typeof ClearanceSchema>;

export const PlotStatusSchema = z.enum(['available', 'held', 'allocated']);
export type PlotStatus = z.infer<typeof PlotStatusSchema>;
