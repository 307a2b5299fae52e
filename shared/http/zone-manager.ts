/**
 * The zone managers' routes: a zone's plots, the clearance update that wakes the applications waiting on a
 * plot, and the zone's holds. Contracts and what their handlers (`functions/http/zones/`) share: the zone
 * scope check (a zone manager acts on the zones of their token's `custom:zones`, an admin on any) and the
 * plot as they see it.
 */

import { ClearanceSchema, IdSchema, IsoDateSchema, PlotStatusSchema } from '../catalog/ids.ts';
import type { PlotRecord } from '../repository/index.ts';
import * as z from '../zod.ts';
import type { Caller } from './auth.ts';
import { ForbiddenError } from './errors.ts';
import { defineRoute } from './route.ts';

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

export const ZoneParams = z.strictObject({
  id: z.withMeta(IdSchema, { description: 'Zone id, e.g. `kcn-dong-pho-moi`' }),
});

export const PlotParams = z.strictObject({
  id: z.withMeta(IdSchema, { description: 'Zone id' }),
  plotId: z.withMeta(IdSchema, { description: 'Plot id (of that zone)' }),
});

const note = z.withMeta(z.optional(text(1_000)), {
  description: 'What the zone manager records with the update',
});

/** The clearance as `ClearanceSchema` has it (each status with its own fields), plus a note. */
export const ClearanceBody = z.withMeta(
  z
    .strictObject({
      status: z.enum(['cleared', 'compensation_in_progress', 'not_started', 'disputed']),
      compensationPercent: z.withMeta(z.optional(z.number().check(z.gte(0), z.lte(100))), {
        description: 'Required with compensation_in_progress',
      }),
      expectedDate: z.withMeta(z.optional(IsoDateSchema), {
        description: 'When clearance is expected (required with compensation_in_progress)',
      }),
      note,
    })
    .check(
      z.superRefine((body, ctx) => {
        const { note: _note, ...clearance } = body;
        const parsed = ClearanceSchema.safeParse(clearance);
        for (const issue of parsed.error?.issues ?? []) {
          ctx.addIssue({
            code: 'custom',
            path: issue.path as PropertyKey[],
            message: `${issue.message} (for status ${body.status})`,
          });
        }
      }),
    ),
  { id: 'ClearanceUpdate' },
);

export const PlotViewSchema = z.withMeta(
  z.looseObject({
    id: z.string(),
    zoneId: z.string(),
    areaHa: z.number(),
    status: PlotStatusSchema,
    clearance: ClearanceSchema,
    clearanceUpdatedAt: z.optional(z.string()),
    readinessDate: IsoDateSchema,
    holderApplicationId: z.optional(z.string()),
    heldAt: z.optional(z.string()),
    holdExpiresAt: z.optional(z.string()),
    allocatedTo: z.optional(z.string()),
    sample: z.literal(true),
  }),
  { id: 'ManagedPlot' },
);

export const PlotListQuery = z.strictObject({ status: z.optional(PlotStatusSchema) });

export const HoldSchema = z.withMeta(
  z.strictObject({
    plotId: z.string(),
    areaHa: z.number(),
    applicationId: z.string(),
    investorName: z.optional(z.string()),
    applicationStatus: z.optional(z.string()),
    heldAt: z.optional(z.string()),
    expiresAt: z.optional(z.string()),
    expired: z.withMeta(z.boolean(), {
      description: 'Past its expiry: another application may take the plot',
    }),
  }),
  { id: 'Hold' },
);

export const listZonePlots = defineRoute({
  method: 'GET',
  path: '/zones/{id}/plots',
  operationId: 'listZonePlots',
  summary: 'A zone manager’s plots: status, clearance, holder and hold expiry',
  tags: ['zone-managers'],
  auth: ['zone-manager'],
  request: { path: ZoneParams, query: PlotListQuery },
  ok: {
    status: 200,
    description: 'The zone’s plots (sample data), by status then id',
    schema: z.strictObject({ zoneId: z.string(), items: z.array(PlotViewSchema) }),
  },
});

export const updatePlotClearance = defineRoute({
  method: 'PUT',
  path: '/zones/{id}/plots/{plotId}/clearance',
  operationId: 'updatePlotClearance',
  summary: 'Record a plot’s land clearance; wakes the applications waiting on that plot',
  tags: ['zone-managers'],
  auth: ['zone-manager'],
  request: { path: PlotParams, body: ClearanceBody },
  ok: {
    status: 200,
    description: 'The plot as updated, and the applications woken',
    schema: z.strictObject({ plot: PlotViewSchema, woken: z.array(z.string()) }),
  },
});

export const listZoneHolds = defineRoute({
  method: 'GET',
  path: '/zones/{id}/holds',
  operationId: 'listZoneHolds',
  summary: 'The zone’s current plot holds: which application holds each plot, and until when',
  tags: ['zone-managers'],
  auth: ['zone-manager'],
  request: { path: ZoneParams },
  ok: {
    status: 200,
    description: 'The holds, by plot id',
    schema: z.strictObject({ zoneId: z.string(), items: z.array(HoldSchema) }),
  },
});

/** Throws ForbiddenError unless the caller is an admin or manages `zoneId`. */
export function assertManagesZone(caller: Caller, zoneId: string): void {
  if (caller.roles.includes('admin')) return;
  if (!caller.roles.includes('zone-manager') || !caller.zones.includes(zoneId)) {
    throw new ForbiddenError(
      `zone ${zoneId} is not in the caller's zones (${caller.zones.join(', ') || 'none'})`,
    );
  }
}

/** A plot with its live state (status, clearance, holder, hold expiry), without storage bookkeeping. */
export function plotView(plot: PlotRecord) {
  const { catalogVersion: _version, ...view } = plot;
  return view;
}
