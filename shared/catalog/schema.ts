/**
 * The Lào Cai catalog's schemas. They ARE the types: every consumer (matching, the DynamoDB seeder, the
 * public catalog API) imports `Zone`, `Plot` and `Catalog` from here, so the data file, the loader and the
 * code can never drift apart. Every string, number and array is bounded because the same schemas guard
 * data coming back from DynamoDB and from zone managers' updates.
 */
import * as z from '../zod.ts';

import {
  ClearanceSchema,
  IdSchema,
  IsoDateSchema,
  PlotStatusSchema,
  VsicVersionSchema,
  ZoneKindSchema,
} from './ids.ts';

export type { Clearance, PlotStatus, VsicVersion } from './ids.ts';
export { ClearanceSchema, IdSchema, IsoDateSchema, PlotStatusSchema, VsicVersionSchema, ZoneKindSchema };

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const hectares = z.number().check(z.nonnegative(), z.lte(100_000));
const share = z.number().check(z.gte(0), z.lte(1));

/** A level-4 VSIC code as used by zones, plots and enquiries. */
export const VsicCodeSchema = z.strictObject({
  code: z.string().check(z.regex(/^\d{4}$/, 'must be a 4-digit VSIC level-4 code')),
  version: VsicVersionSchema,
});
export type VsicCode = z.infer<typeof VsicCodeSchema>;

/** One version of the classification with its legal basis and effective dates. */
export const VsicVersionInfoSchema = z.strictObject({
  version: VsicVersionSchema,
  legalBasis: text(120),
  effectiveFrom: IsoDateSchema,
  effectiveTo: z.nullable(IsoDateSchema),
  level4Count: z.number().check(z.int(), z.positive(), z.lte(2000)),
  sourceIds: z.array(IdSchema).check(z.maxLength(10)),
});

/** An entry of the VSIC reference list: a code in one version with its Vietnamese name. */
export const VsicEntrySchema = z.strictObject({
  code: z.string().check(z.regex(/^\d{4}$/, 'must be a 4-digit VSIC level-4 code')),
  version: VsicVersionSchema,
  nameVi: text(300),
  nameEn: z.optional(text(300)),
  /** Decree 08/2022 Appendix II production type this sector usually falls under, if any. */
  pollutingType: z.optional(text(200)),
  sourceIds: z.array(IdSchema).check(z.maxLength(10)),
  /** True when no source confirmed this code/name in this version. */
  unverified: z.boolean(),
});
export type VsicEntry = z.infer<typeof VsicEntrySchema>;

/** A VSIC code a zone allows or prioritises, with the reason it is listed. */
export const ZoneSectorSchema = z.strictObject({
  code: z.string().check(z.regex(/^\d{4}$/, 'must be a 4-digit VSIC level-4 code')),
  version: VsicVersionSchema,
  note: z.optional(text(300)),
});
export type ZoneSector = z.infer<typeof ZoneSectorSchema>;

export const SourceSchema = z.strictObject({
  id: IdSchema,
  title: text(300),
  /** null for a source held in the repository (the seed article); `reference` then says where. */
  url: z.nullable(z.url().check(z.maxLength(500))),
  reference: z.optional(text(300)),
  publisher: text(120),
  /** Press and third-party pages are not gazettes; say which this is. */
  kind: z.enum(['official', 'press', 'third_party']),
});
export type Source = z.infer<typeof SourceSchema>;

/** Where sources disagree: the figure the catalog uses, the others, and why. */
export const FigureChoiceSchema = z.strictObject({
  field: text(80),
  chosen: z.union([z.number(), text(200), z.null()]),
  alternatives: z
    .array(
      z.strictObject({
        value: z.union([z.number(), text(200)]),
        /** null only when no compiled source gives the figure: `note` must then say where it comes from. */
        sourceId: z.nullable(IdSchema),
        note: z.optional(text(300)),
      }),
    )
    .check(z.maxLength(10)),
  reason: text(1000),
});
export type FigureChoice = z.infer<typeof FigureChoiceSchema>;

/**
 * Post-2025 location. Districts were abolished on 2025-07-01 (two-tier local government), so the current
 * unit is the commune/ward with its effective date, and the legacy district/commune is kept because
 * documents filed before the reform cite them.
 */
export const LocationSchema = z.strictObject({
  province: z.literal('Lào Cai'),
  formerProvince: z.enum(['Lào Cai', 'Yên Bái']),
  communeOrWard: z.strictObject({
    /** null when the post-2025 unit is not confirmed by a source (see `verified`). */
    name: z.nullable(text(80)),
    kind: z.nullable(z.enum(['xã', 'phường'])),
    effectiveDate: IsoDateSchema,
    legalBasis: text(200),
    verified: z.boolean(),
  }),
  legacyDistrict: z.nullable(text(80)),
  legacyCommune: z.nullable(text(80)),
});
export type Location = z.infer<typeof LocationSchema>;

export const ManagingAuthoritySchema = z.strictObject({
  name: text(200),
  legalBasis: text(300),
  effectiveFrom: z.nullable(IsoDateSchema),
  verified: z.boolean(),
});

/** Capacities are null where no source gives them; matching treats null as "unknown", never as zero. */
export const UtilitiesSchema = z.strictObject({
  power: z.strictObject({
    description: text(300),
    capacityKva: z.nullable(z.number().check(z.int(), z.nonnegative(), z.lte(10_000_000))),
    verified: z.boolean(),
  }),
  water: z.strictObject({
    description: text(300),
    capacityM3PerDay: z.nullable(z.number().check(z.int(), z.nonnegative(), z.lte(10_000_000))),
    verified: z.boolean(),
  }),
  wastewater: z.strictObject({
    /** Whether the zone has (or is building) a central treatment plant; null = unknown. */
    centralTreatment: z.nullable(z.boolean()),
    capacityM3PerDay: z.nullable(z.number().check(z.int(), z.nonnegative(), z.lte(10_000_000))),
    feeVndPerM3: z.nullable(z.number().check(z.nonnegative(), z.lte(1_000_000))),
    description: text(300),
    verified: z.boolean(),
  }),
});
export type Utilities = z.infer<typeof UtilitiesSchema>;

export const NotableTenantSchema = z.strictObject({
  name: text(200),
  sector: ZoneSectorSchema,
  capacity: z.optional(text(120)),
  areaHa: z.optional(hectares),
  sourceIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(5)),
});

export const ZoneStatusSchema = z.enum(['operating', 'under_construction', 'planned']);

/** The zone fields a sample value can sit in (figures; names, sources and locations are never made up). */
export const SampleZoneFieldSchema = z.enum([
  'plannedAreaHa',
  'industrialLandHa',
  'filledShare',
  'projects',
  'registeredCapitalBnVnd',
  'expectedReadyDate',
]);
export type SampleZoneField = z.infer<typeof SampleZoneFieldSchema>;

export const ZoneSchema = z.strictObject({
  id: IdSchema,
  name: text(120),
  nameEn: z.optional(text(120)),
  kind: ZoneKindSchema,
  status: ZoneStatusSchema,
  /** When an under-construction zone expects its first cleared plots; null for operating/planned. */
  expectedReadyDate: z.nullable(IsoDateSchema),
  /** A planned cluster whose name no source gives: counted in the plan's 18, not a real name. */
  placeholder: z.boolean(),
  location: LocationSchema,
  plannedAreaHa: z.nullable(hectares),
  industrialLandHa: z.nullable(hectares),
  /** Share of industrial land leased as reported (0..1); the plots reproduce it where both are known. */
  filledShare: z.nullable(share),
  projects: z.nullable(z.number().check(z.int(), z.nonnegative(), z.lte(10_000))),
  registeredCapitalBnVnd: z.nullable(z.number().check(z.nonnegative(), z.lte(10_000_000))),
  managingAuthority: ManagingAuthoritySchema,
  sectorFocus: text(400),
  allowedSectors: z.array(ZoneSectorSchema).check(z.maxLength(60)),
  prioritySectors: z.array(ZoneSectorSchema).check(z.maxLength(30)),
  utilities: UtilitiesSchema,
  notableTenants: z.array(NotableTenantSchema).check(z.maxLength(20)),
  sourceIds: z.array(IdSchema).check(z.maxLength(20)),
  figureChoices: z.array(FigureChoiceSchema).check(z.maxLength(20)),
  /** Field paths (e.g. "location.communeOrWard", "industrialLandHa") that no source confirmed. */
  unverified: z.array(text(80)).check(z.maxLength(30)),
  /**
   * Fields of this zone whose value is SAMPLE: generated or assumed by this project (a per-zone split of a
   * sourced total, a share applied from a group figure), not read from a source. An API or a screen shows
   * a field as sample when its name is listed here; `figureChoices` says how each was derived. (A plot is
   * sample in every field: `sample: true`.) Absent means none; the catalog data lists it on every zone.
   */
  sampleFields: z.optional(z.array(SampleZoneFieldSchema).check(z.maxLength(10))),
  notes: z.array(text(600)).check(z.maxLength(10)),
});
export type Zone = z.infer<typeof ZoneSchema>;
export type ZoneKind = z.infer<typeof ZoneKindSchema>;
export type ZoneStatus = z.infer<typeof ZoneStatusSchema>;

/**
 * An allocated plot's project. `sector` is its VSIC 2025 code (Decision 36/2025/QĐ-TTg, in force
 * 2025-11-15), the classification new applications use; `sectorVsic2018` keeps the VSIC 2018 code
 * (Decision 27/2018/QĐ-TTg) that applications filed before that date cite.
 */
export const PlotProjectSchema = z.strictObject({
  investor: text(200),
  sector: z.extend(VsicCodeSchema, { version: z.literal('VSIC2025') }),
  sectorVsic2018: z.extend(VsicCodeSchema, { version: z.literal('VSIC2018') }),
  registeredCapitalBnVnd: z.number().check(z.nonnegative(), z.lte(1_000_000)),
});

/** A plot. Plot-level detail is not public: every plot in the catalog is generated sample data. */
export const PlotSchema = z
  .strictObject({
    id: IdSchema,
    zoneId: IdSchema,
    areaHa: z.number().check(z.positive(), z.lte(5_000)),
    status: PlotStatusSchema,
    clearance: ClearanceSchema,
    /** USD per m² for the whole lease term (the way northern-Vietnam market reports quote it). */
    leasePriceUsdPerM2: z.number().check(z.nonnegative(), z.lte(10_000)),
    readinessDate: IsoDateSchema,
    project: z.optional(PlotProjectSchema),
    sample: z.literal(true),
  })
  .check(
    z.superRefine((plot, ctx) => {
      if (plot.status === 'allocated' && !plot.project) {
        ctx.addIssue({
          code: 'custom',
          path: ['project'],
          message: 'an allocated plot must name its project',
        });
      }
      if (plot.status !== 'allocated' && plot.project) {
        ctx.addIssue({ code: 'custom', path: ['project'], message: 'only an allocated plot has a project' });
      }
    }),
  );
export type Plot = z.infer<typeof PlotSchema>;

/**
 * Figures a source reports for a group of zones; `catalogStats` over `zoneIds` must reproduce them
 * (the unit tests check it), which is how the sample plots stay honest.
 */
export const ReportedFigureSchema = z.strictObject({
  id: IdSchema,
  description: text(400),
  sourceIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(5)),
  zoneIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(40)),
  claims: z.strictObject({
    zoneCount: z.optional(z.number().check(z.int(), z.positive(), z.lte(100))),
    operatingCount: z.optional(z.number().check(z.int(), z.nonnegative(), z.lte(100))),
    underConstructionCount: z.optional(z.number().check(z.int(), z.nonnegative(), z.lte(100))),
    fullCount: z.optional(z.number().check(z.int(), z.nonnegative(), z.lte(100))),
    plannedAreaHa: z.optional(hectares),
    plannedAreaHaAtLeast: z.optional(hectares),
    industrialLandHa: z.optional(hectares),
    filledShare: z.optional(share),
    filledShareAtLeast: z.optional(share),
    projects: z.optional(z.number().check(z.int(), z.nonnegative(), z.lte(100_000))),
    registeredCapitalBnVnd: z.optional(z.number().check(z.nonnegative(), z.lte(10_000_000))),
  }),
});
export type ReportedFigure = z.infer<typeof ReportedFigureSchema>;

/**
 * A province-wide figure of the seed article (or another source), read exactly as the source puts it:
 * what is measured (`measure`: e.g. industrial PRODUCTION VALUE, not registered capital), whether the
 * source says "over" (trên/hơn) or gives the value itself, whether it is a reported figure or a target,
 * and the year it refers to. `GET /stats` shows these beside the catalog's own aggregates.
 */
export const ProvinceFigureSchema = z.strictObject({
  id: IdSchema,
  /** What is measured, in English, precise enough not to be confused with a neighbouring measure. */
  measure: text(200),
  /** Which territory or set of zones the figure covers (former Lào Cai province, its KCN, ...). */
  scope: text(200),
  kind: z.enum(['reported', 'target']),
  /** The year the figure describes (reported) or is due by (target). */
  year: z.number().check(z.int(), z.gte(2000), z.lte(2100)),
  value: z.number().check(z.nonnegative(), z.lte(10_000_000)),
  unit: z.enum([
    'bn VND',
    'million VND per person per month',
    'million VND per person per year',
    'share',
    'ha',
    'count',
  ]),
  /** 'over' where the source says trên/hơn ("over 23,900 bn"), 'exact' where it gives the value itself. */
  bound: z.enum(['exact', 'over']),
  /** The source's own words (Vietnamese), so a reader can check the reading. */
  quote: text(400),
  /** The decision or resolution the source attributes the figure to, if any. */
  legalBasis: z.optional(text(200)),
  sourceIds: z.array(IdSchema).check(z.minLength(1), z.maxLength(5)),
  /** Other sources' figures for the same measure, where they disagree. */
  alternatives: FigureChoiceSchema.shape.alternatives,
  note: z.optional(text(600)),
});
export type ProvinceFigure = z.infer<typeof ProvinceFigureSchema>;

export const CatalogSchema = z
  .strictObject({
    version: text(40),
    dataNotice: text(1000),
    sampleGeneration: z.strictObject({
      seed: z.number().check(z.int(), z.nonnegative(), z.lte(2 ** 32 - 1)),
      generator: text(120),
      plotsAreSample: z.literal(true),
    }),
    sources: z.array(SourceSchema).check(z.maxLength(200)),
    vsicVersions: z.array(VsicVersionInfoSchema).check(z.minLength(1), z.maxLength(5)),
    vsic: z.array(VsicEntrySchema).check(z.maxLength(1000)),
    reportedFigures: z.array(ReportedFigureSchema).check(z.maxLength(20)),
    provinceFigures: z.array(ProvinceFigureSchema).check(z.maxLength(50)),
    zones: z.array(ZoneSchema).check(z.minLength(1), z.maxLength(500)),
    plots: z.array(PlotSchema).check(z.maxLength(200_000)),
  })
  .check(
    z.superRefine((cat, ctx) => {
      // Cross-references are checked here so a typo in the data fails at load, with its path.
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: 'custom', path, message });
      const zoneIds = new Set<string>();
      for (const [i, z] of cat.zones.entries()) {
        if (zoneIds.has(z.id)) issue(['zones', i, 'id'], `duplicate zone id ${z.id}`);
        zoneIds.add(z.id);
      }
      const sourceIds = new Set(cat.sources.map((s) => s.id));
      const vsicKeys = new Set(cat.vsic.map((v) => `${v.version}:${v.code}`));
      for (const [i, z] of cat.zones.entries()) {
        for (const field of ['allowedSectors', 'prioritySectors'] as const) {
          for (const [j, s] of z[field].entries()) {
            if (!vsicKeys.has(`${s.version}:${s.code}`)) {
              issue(
                ['zones', i, field, j, 'code'],
                `VSIC ${s.code} (${s.version}) is not in the VSIC reference list`,
              );
            }
          }
        }
        for (const [j, s] of z.sourceIds.entries()) {
          if (!sourceIds.has(s)) issue(['zones', i, 'sourceIds', j], `unknown source ${s}`);
        }
        for (const [j, f] of z.figureChoices.entries()) {
          for (const [k, a] of f.alternatives.entries()) {
            if (a.sourceId === null ? !a.note : !sourceIds.has(a.sourceId)) {
              issue(
                ['zones', i, 'figureChoices', j, 'alternatives', k, 'sourceId'],
                a.sourceId === null
                  ? 'a figure without a source needs a note saying where it comes from'
                  : `unknown source ${a.sourceId}`,
              );
            }
          }
        }
        for (const [j, t] of z.notableTenants.entries()) {
          for (const [k, s] of t.sourceIds.entries()) {
            if (!sourceIds.has(s))
              issue(['zones', i, 'notableTenants', j, 'sourceIds', k], `unknown source ${s}`);
          }
        }
      }
      for (const [i, f] of cat.provinceFigures.entries()) {
        for (const [j, s] of f.sourceIds.entries()) {
          if (!sourceIds.has(s)) issue(['provinceFigures', i, 'sourceIds', j], `unknown source ${s}`);
        }
        for (const [k, a] of f.alternatives.entries()) {
          if (a.sourceId !== null && !sourceIds.has(a.sourceId)) {
            issue(['provinceFigures', i, 'alternatives', k, 'sourceId'], `unknown source ${a.sourceId}`);
          }
        }
      }
      for (const [i, r] of cat.reportedFigures.entries()) {
        for (const [j, id] of r.zoneIds.entries()) {
          if (!zoneIds.has(id)) issue(['reportedFigures', i, 'zoneIds', j], `unknown zone ${id}`);
        }
        for (const [j, s] of r.sourceIds.entries()) {
          if (!sourceIds.has(s)) issue(['reportedFigures', i, 'sourceIds', j], `unknown source ${s}`);
        }
      }
      const plotIds = new Set<string>();
      for (const [i, p] of cat.plots.entries()) {
        if (plotIds.has(p.id)) issue(['plots', i, 'id'], `duplicate plot id ${p.id}`);
        plotIds.add(p.id);
        if (!zoneIds.has(p.zoneId)) issue(['plots', i, 'zoneId'], `unknown zone ${p.zoneId}`);
        if (p.project) {
          for (const field of ['sector', 'sectorVsic2018'] as const) {
            const s = p.project[field];
            if (!vsicKeys.has(`${s.version}:${s.code}`)) {
              issue(
                ['plots', i, 'project', field, 'code'],
                `VSIC ${s.code} (${s.version}) is not in the VSIC reference list`,
              );
            }
          }
        }
      }
    }),
  );
export type Catalog = z.infer<typeof CatalogSchema>;
