/** The shape of `GET /stats`. */
import * as z from '../zod.ts';

const GroupStatsSchema = z.strictObject({
  zoneCount: z.number().check(z.int(), z.nonnegative()),
  operatingCount: z.number().check(z.int(), z.nonnegative()),
  underConstructionCount: z.number().check(z.int(), z.nonnegative()),
  fullCount: z.number().check(z.int(), z.nonnegative()),
  plannedAreaHa: z.number().check(z.nonnegative()),
  industrialLandHa: z.number().check(z.nonnegative()),
  allocatedHa: z.number().check(z.nonnegative()),
  filledShare: z.nullable(z.number().check(z.gte(0), z.lte(1))),
  projects: z.number().check(z.int(), z.nonnegative()),
  registeredCapitalBnVnd: z.number().check(z.nonnegative()),
});

/** A figure as a source states it: the number, how it is qualified ("over 76%"), and where it is from. */
export const SourcedFigureSchema = z.withMeta(
  z.strictObject({
    value: z.number(),
    unit: z.string(),
    qualifier: z.enum(['exactly', 'over', 'at-least', 'about']),
    asOf: z.withMeta(z.optional(z.string()), { description: 'Year or date the figure is for' }),
    text: z.withMeta(z.optional(z.string()), { description: 'The words of the source, where it has them' }),
    sourceIds: z.array(z.string()).check(z.minLength(1)),
    sample: z.literal(false),
  }),
  { id: 'SourcedFigure' },
);

export const StatsSchema = z.withMeta(
  z.strictObject({
    catalogVersion: z.string(),
    live: z.withMeta(
      z.strictObject({
        sample: z.literal(true),
        note: z.string(),
        province: GroupStatsSchema,
        byKind: z.withMeta(z.record(z.string(), GroupStatsSchema), {
          description: 'By kind of zone (KCN, CCN, ...)',
        }),
        byFormerProvince: z.withMeta(z.record(z.string(), GroupStatsSchema), {
          description: 'Lào Cai and Yên Bái before the 2025 merger',
        }),
      }),
      { description: 'Computed from the plots on the table now; plots are sample data' },
    ),
    sourced: z.withMeta(z.record(z.string(), z.record(z.string(), SourcedFigureSchema)), {
      description: 'Figures exactly as their sources give them, grouped by what they describe',
    }),
    targets: z.withMeta(
      z.strictObject({
        industrialProductionValueBnVnd: z.strictObject({
          latest: SourcedFigureSchema,
          target2025: SourcedFigureSchema,
          target2030: SourcedFigureSchema,
        }),
      }),
      {
        description: 'The province’s industrial production-value targets beside the latest sourced figure',
      },
    ),
    applicationsByStage: z.withMeta(
      z.optional(z.record(z.string(), z.number().check(z.int(), z.nonnegative()))),
      { description: 'Applications by workflow stage (when the workflow is deployed)' },
    ),
    slaBreaches: z.withMeta(z.optional(z.number().check(z.int(), z.nonnegative())), {
      description: 'Approval tasks past their statutory due date (when the workflow is deployed)',
    }),
  }),
  { id: 'Stats' },
);
export type Stats = z.infer<typeof StatsSchema>;
