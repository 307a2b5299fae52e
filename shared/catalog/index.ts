/**
 * The catalog as the rest of the system sees it: `loadCatalog()` (validated, cached) and `catalogStats()`.
 * The data lives in JSON beside this file (zones.json, vsic.json, plots.generated.json); JSON is imported
 * rather than read from disk so the Lambda bundles (esbuild) carry it without file-system paths.
 */
import { formatPath, requiredErrorMap } from './issues.ts';
import plotsFile from './plots.generated.json' with { type: 'json' };
import { hashString } from './plots.ts';
import provinceFiguresFile from './province-figures.json' with { type: 'json' };
import { type Catalog, CatalogSchema, type Zone, type ZoneKind } from './schema.ts';
import vsicFile from './vsic.json' with { type: 'json' };
import zonesFile from './zones.json' with { type: 'json' };

export type { Catalog, Plot, ProvinceFigure, Zone, ZoneKind } from './schema.ts';

/** Thrown when catalog data does not match its schema; `issues` holds every `path: message` line. */
export class CatalogValidationError extends Error {
  override readonly name = 'CatalogValidationError';
  constructor(readonly issues: string[]) {
    super(`catalog is invalid (${issues.length} issue(s)):\n  ${issues.slice(0, 50).join('\n  ')}`);
  }
}

/** Validates raw catalog data; throws `CatalogValidationError` naming each bad entry by path. */
export function parseCatalog(raw: unknown): Catalog {
  const result = CatalogSchema.safeParse(raw, { error: requiredErrorMap });
  if (!result.success) {
    throw new CatalogValidationError(result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  }
  return result.data;
}

/**
 * The data's version with a hash of the content appended (`2026-11-29.1+9f3a0c12`): the seeder rewrites
 * DynamoDB items when the version changes, so an edit to the data files reseeds even if nobody bumps
 * the version by hand.
 */
function contentVersion(): string {
  const hash = hashString(JSON.stringify([zonesFile, provinceFiguresFile, vsicFile, plotsFile]));
  return `${zonesFile.version}+${hash.toString(16).padStart(8, '0')}`;
}

/** The raw pieces assembled into one catalog object (exported for tests that corrupt a copy). */
export function rawCatalog(): Record<string, unknown> {
  return {
    ...(zonesFile as Record<string, unknown>),
    provinceFigures: provinceFiguresFile,
    version: contentVersion(),
    vsicVersions: (vsicFile as Record<string, unknown>).vsicVersions,
    vsic: (vsicFile as Record<string, unknown>).vsic,
    sampleGeneration: (plotsFile as Record<string, unknown>).sampleGeneration,
    plots: (plotsFile as Record<string, unknown>).plots,
  };
}

let cached: Catalog | undefined;

/**
 * The Lào Cai catalog, validated once per process and then cached (it is immutable reference data; the
 * live plot status lives in DynamoDB, seeded from this).
 */
export function loadCatalog(): Catalog {
  cached ??= parseCatalog(structuredClone(rawCatalog()));
  return cached;
}

export { provinceFigures } from './province-figures.ts';

export interface ZoneStats {
  zoneId: string;
  name: string;
  kind: Zone['kind'];
  status: Zone['status'];
  plannedAreaHa: number | null;
  /** The zone's industrial land as sourced, else the generated plots' total area. */
  industrialLandHa: number;
  plotAreaHa: number;
  allocatedHa: number;
  heldHa: number;
  availableHa: number;
  /** allocatedHa / industrialLandHa; null when the zone has no land yet. */
  filledShare: number | null;
  plots: number;
  projects: number;
  registeredCapitalBnVnd: number;
}

export interface GroupStats {
  zoneCount: number;
  operatingCount: number;
  underConstructionCount: number;
  /** Zones with land whose land is entirely allocated. */
  fullCount: number;
  plannedAreaHa: number;
  industrialLandHa: number;
  allocatedHa: number;
  filledShare: number | null;
  projects: number;
  registeredCapitalBnVnd: number;
}

export interface CatalogStats {
  zones: ZoneStats[];
  /** The merged province (post-2025, one province). */
  province: GroupStats;
  byFormerProvince: Record<'Lào Cai' | 'Yên Bái', GroupStats>;
  /** KCN, CCN and KKT (economic-zone areas such as Kim Thành) apart: a KKT area is never in KCN totals. */
  byKind: Record<ZoneKind, GroupStats>;
}

/** Hundredths of a hectare: sums are done in integers so 661.93 stays 661.93. */
const centi = (ha: number) => Math.round(ha * 100);

/** Per-zone figures computed from the plots (the occupancy the public sees moves with allocations). */
export function zoneStats(catalog: Pick<Catalog, 'zones' | 'plots'>): ZoneStats[] {
  const acc = new Map<
    string,
    { area: number; alloc: number; held: number; avail: number; n: number; proj: number; cap: number }
  >();
  for (const z of catalog.zones)
    acc.set(z.id, { area: 0, alloc: 0, held: 0, avail: 0, n: 0, proj: 0, cap: 0 });
  for (const p of catalog.plots) {
    const a = acc.get(p.zoneId);
    if (!a) continue;
    const c = centi(p.areaHa);
    a.area += c;
    a.n += 1;
    if (p.status === 'allocated') {
      a.alloc += c;
      a.proj += 1;
      a.cap += Math.round((p.project?.registeredCapitalBnVnd ?? 0) * 10);
    } else if (p.status === 'held') a.held += c;
    else a.avail += c;
  }
  return catalog.zones.map((z) => {
    const a = acc.get(z.id) ?? { area: 0, alloc: 0, held: 0, avail: 0, n: 0, proj: 0, cap: 0 };
    const land = z.industrialLandHa !== null ? centi(z.industrialLandHa) : a.area;
    return {
      zoneId: z.id,
      name: z.name,
      kind: z.kind,
      status: z.status,
      plannedAreaHa: z.plannedAreaHa,
      industrialLandHa: land / 100,
      plotAreaHa: a.area / 100,
      allocatedHa: a.alloc / 100,
      heldHa: a.held / 100,
      availableHa: a.avail / 100,
      filledShare: land > 0 ? a.alloc / land : null,
      plots: a.n,
      projects: a.proj,
      registeredCapitalBnVnd: a.cap / 10,
    };
  });
}

/** Aggregates a set of zone stats (e.g. the three KCN the article counts). */
export function groupStats(stats: readonly ZoneStats[]): GroupStats {
  let planned = 0;
  let land = 0;
  let alloc = 0;
  let projects = 0;
  let cap = 0;
  for (const s of stats) {
    planned += centi(s.plannedAreaHa ?? 0);
    land += centi(s.industrialLandHa);
    alloc += centi(s.allocatedHa);
    projects += s.projects;
    cap += Math.round(s.registeredCapitalBnVnd * 10);
  }
  return {
    zoneCount: stats.length,
    operatingCount: stats.filter((s) => s.status === 'operating').length,
    underConstructionCount: stats.filter((s) => s.status === 'under_construction').length,
    fullCount: stats.filter((s) => s.industrialLandHa > 0 && s.allocatedHa >= s.industrialLandHa).length,
    plannedAreaHa: planned / 100,
    industrialLandHa: land / 100,
    allocatedHa: alloc / 100,
    filledShare: land > 0 ? alloc / land : null,
    projects,
    registeredCapitalBnVnd: cap / 10,
  };
}

/** Per-zone and per-province aggregates: planned area, industrial land, allocated area, fill, projects, capital. */
export function catalogStats(catalog: Pick<Catalog, 'zones' | 'plots'>): CatalogStats {
  const zones = zoneStats(catalog);
  const formerOf = new Map(catalog.zones.map((z) => [z.id, z.location.formerProvince]));
  const pick = (f: (s: ZoneStats) => boolean) => groupStats(zones.filter(f));
  return {
    zones,
    province: groupStats(zones),
    byFormerProvince: {
      'Lào Cai': pick((s) => formerOf.get(s.zoneId) === 'Lào Cai'),
      'Yên Bái': pick((s) => formerOf.get(s.zoneId) === 'Yên Bái'),
    },
    byKind: {
      KCN: pick((s) => s.kind === 'KCN'),
      CCN: pick((s) => s.kind === 'CCN'),
      KKT: pick((s) => s.kind === 'KKT'),
    },
  };
}

/** Stats for the zones a reported figure covers, for comparing against its claims. */
export function statsForZones(
  catalog: Pick<Catalog, 'zones' | 'plots'>,
  zoneIds: readonly string[],
): GroupStats {
  const wanted = new Set(zoneIds);
  return groupStats(zoneStats(catalog).filter((s) => wanted.has(s.zoneId)));
}
