/**
 * The catalog's small shared schemas, in a module of their own: ids, dates, plot status, land clearance,
 * VSIC versions and zone kinds. `schema.ts` re-exports them; a Lambda that needs only these (the clearance
 * update, and through the enquiry schema every application route and workflow step) imports this module
 * and leaves the zone schemas out of its bundle.
 */
import * as z from '../zod.ts';

/** URL-safe slug used for zone, plot and source ids (also DynamoDB key material, hence the limit). */
export const IdSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(80),
    z.regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lowercase slug (a-z, 0-9, single hyphens)'),
  );

export const IsoDateSchema = z.iso.date();

export const ClearanceSchema = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('cleared') }),
  z.strictObject({
    status: z.literal('compensation_in_progress'),
    compensationPercent: z.number().check(z.gte(0), z.lte(100)),
    expectedDate: IsoDateSchema,
  }),
  z.strictObject({ status: z.literal('not_started'), expectedDate: z.optional(IsoDateSchema) }),
  z.strictObject({ status: z.literal('disputed'), expectedDate: z.optional(IsoDateSchema) }),
]);
export type Clearance = z.infer<typeof ClearanceSchema>;

export const PlotStatusSchema = z.enum(['available', 'held', 'allocated']);
export type PlotStatus = z.infer<typeof PlotStatusSchema>;

/**
 * VSIC versions. Decision 27/2018/QĐ-TTg was replaced by Decision 36/2025/QĐ-TTg from 2025-11-15, so a
 * code means nothing without its version.
 */
export const VsicVersionSchema = z.enum(['VSIC2018', 'VSIC2025']);
export type VsicVersion = z.infer<typeof VsicVersionSchema>;

/**
 * KCN: industrial zone (khu công nghiệp, national IZ plan, Decree 35/2022); CCN: industrial cluster (cụm
 * công nghiệp, Decree 32/2024); KKT: an area of an economic zone (khu kinh tế), here the trade-and-industry
 * area of the Lào Cai border-gate economic zone (Kim Thành). A KKT area leases industrial land as a KCN does,
 * but it is not a KCN: aggregates by kind keep it apart, so it never enters KCN totals.
 */
export const ZoneKindSchema = z.enum(['KCN', 'CCN', 'KKT']);
