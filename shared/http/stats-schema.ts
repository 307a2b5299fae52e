/** The shape of `GET /stats`. */
import * as z from 'zod';

const GroupStatsSchema = z.strictObject({
  zoneCount: z.number().int().nonnegative(),
  operatingCount: z.number().int().nonnegative(),
  underConstructionCount: z.number().int().nonnegative(),
  fullCount: z.number().int().nonnegative(),
  plannedAreaHa: z.number().nonnegative(),
  industrialLandHa: z.number().nonnegative(),
  allocatedHa: z.number().nonnegative(),
  filledShare: z.number().min(0).max(1).nullable(),
  projects: z.number().int().nonnegative(),
  registeredCapitalBnVnd: z.number().nonnegative(),
});

/** A figure as a source states it: the number, how it is qualified ("over 76%"), and where it is from. */
export const SourcedFigureSchema = z
  .strictObject({
    value: z.number(),
    unit: z.string(),
    qualifier: z.enum(['exactly', 'over', 'at-least', 'about']),
    asOf: z.string().optional().meta({ description: 'Year or date the figure is for' }),
    text: z.string().optional().meta({ description: 'The words of the source, where it has them' }),
    sourceIds: z.array(z.string()).min(1),
    sample: z.literal(false),
  })
  .meta({ id: 'SourcedFigure' });

export const StatsSchema = z
  .strictObject({
    catalogVersion: z.string(),
    live: z
      .strictObject({
        sample: z.literal(true),
        note: z.string(),
        province: GroupStatsSchema,
        byKind: z
          .record(z.string(), GroupStatsSchema)
          .meta({ description: 'By kind of zone (KCN, CCN, ...)' }),
        byFormerProvince: z
          .record(z.string(), GroupStatsSchema)
          .meta({ description: 'Lào Cai and Yên Bái before the 2025 merger' }),
      })
      .meta({ description: 'Computed from the plots on the table now; plots are sample data' }),
    sourced: z
      .record(z.string(), z.record(z.string(), SourcedFigureSchema))
      .meta({ description: 'Figures exactly as their sources give them, grouped by what they describe' }),
    targets: z
      .strictObject({
        industrialProductionValueBnVnd: z.strictObject({
          latest: SourcedFigureSchema,
          target2025: SourcedFigureSchema,
          target2030: SourcedFigureSchema,
        }),
      })
      .meta({
        description: 'The province’s industrial production-value targets beside the latest sourced figure',
      }),
    applicationsByStage: z
      .record(z.string(), z.number().int().nonnegative())
      .optional()
      .meta({ description: 'Applications by workflow stage (when the workflow is deployed)' }),
    slaBreaches: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({ description: 'Approval tasks past their statutory due date (when the workflow is deployed)' }),
  })
  .meta({ id: 'Stats' });
export type Stats = z.infer<typeof StatsSchema>;
