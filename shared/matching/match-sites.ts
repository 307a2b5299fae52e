/**
 * Site matching: which plots can take this enquiry, in what order, and why the others cannot.
 *
 * Pure and deterministic: no clock (the enquiry's desired start date is the reference), no I/O, no
 * randomness; the same enquiry and catalog always give the same ranking, whatever the order of the plots
 * (ties are broken by plot id).
 *
 * Complexity: O(Z·(S + L) + P·log k) per call for Z zones, S sectors per zone, L preferred locations,
 * P plots and k = `limit`: zones are evaluated once, then every plot is visited once (a bounded top-k
 * insertion keeps the ranking without sorting all candidates). `prepareCatalog` groups plots by zone and
 * turns dates into day numbers once per catalog object (cached in a WeakMap), so repeated calls on the
 * same catalog pay only the single pass.
 */
import type { Catalog, Plot, Zone } from '#shared/catalog/schema.ts';
import type { Enquiry } from '#shared/enquiry/schema.ts';

/** Reason codes are stable API: the workflow and the UI switch on them; `message` is for people. */
export type ZoneReasonCode =
  | 'ZONE_PLANNED'
  | 'ZONE_NOT_READY_IN_TIME'
  | 'SECTOR_NOT_ALLOWED'
  | 'POWER_INSUFFICIENT'
  | 'WATER_INSUFFICIENT'
  | 'NO_WASTEWATER_TREATMENT'
  | 'WASTEWATER_INSUFFICIENT'
  | 'NO_PLOTS'
  | 'NO_SUITABLE_PLOT';
export type PlotReasonCode =
  | 'PLOT_NOT_AVAILABLE'
  | 'PLOT_TOO_SMALL'
  | 'PLOT_TOO_LARGE'
  | 'CLEARANCE_DISPUTED'
  | 'CLEARANCE_NOT_DONE_IN_TIME'
  | 'PLOT_NOT_READY_IN_TIME';

export interface Reason<C extends string = ZoneReasonCode | PlotReasonCode> {
  code: C;
  message: string;
}

export interface ScoreComponent {
  name:
    | 'sectorPriority'
    | 'clearanceReadiness'
    | 'locationPreference'
    | 'kindPreference'
    | 'areaFit'
    | 'price'
    | 'utilitiesCertainty';
  weight: number;
  /** 0..1 */
  value: number;
  /** weight × value, rounded to 0.01 */
  points: number;
  note: string;
}

export interface Candidate {
  rank: number;
  plotId: string;
  zoneId: string;
  zoneName: string;
  kind: Zone['kind'];
  areaHa: number;
  leasePriceUsdPerM2: number;
  clearance: Plot['clearance'];
  readinessDate: string;
  /** 0..100, rounded to 0.01 (the sort key, so equal displayed scores tie-break by plot id). */
  score: number;
  breakdown: ScoreComponent[];
  notes: string[];
}

export interface PlotCounts {
  total: number;
  eligible: number;
  /** How many plots failed each plot-level filter (a plot may fail several). */
  byReason: Partial<Record<PlotReasonCode, number>>;
}

export interface ZoneExclusion {
  zoneId: string;
  zoneName: string;
  reasons: Reason<ZoneReasonCode>[];
  plotCounts: PlotCounts;
}

export interface NearMiss {
  plotId: string;
  zoneId: string;
  zoneName: string;
  areaHa: number;
  readinessDate: string;
  failed: Reason[];
}

export interface MatchResult {
  candidates: Candidate[];
  /** Every plot that passed the hard filters (candidates holds the best `limit` of them). */
  totalEligible: number;
  /** Zones with no eligible plot, each with its reasons; sorted by zone id. */
  excludedZones: ZoneExclusion[];
  /** Present only when there is no candidate: what came closest and what it failed. */
  explanation: { summary: string; closest: NearMiss[] } | null;
}

export interface MatchOptions {
  /** Largest plot offered, as a multiple of the area asked for (a 2 ha project does not need 40 ha). */
  maxOversizeFactor?: number;
  /** ...but always allow at least this much extra, so tiny requests still find a plot. */
  minOversizeHa?: number;
  /** How many ranked candidates to return. */
  limit?: number;
  /** How many near misses to explain when nothing matches. */
  closest?: number;
  /** Score weights (points out of their sum). */
  weights?: Partial<Record<ScoreComponent['name'], number>>;
}

export const DEFAULT_WEIGHTS: Record<ScoreComponent['name'], number> = {
  sectorPriority: 25,
  clearanceReadiness: 25,
  locationPreference: 15,
  areaFit: 15,
  price: 10,
  kindPreference: 5,
  utilitiesCertainty: 5,
};

/** Lease prices are scored on a fixed band (USD/m² per term) so a plot's score never depends on others. */
const PRICE_BAND = { best: 30, worst: 150 } as const;

const DAY_MS = 86_400_000;
const dayOf = (iso: string): number => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

/** Accent- and prefix-insensitive place key: "Phường Âu Lâu" and "au lau" match; đ folds to d. */
export function placeKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/^(xa|phuong|thi tran|huyen|thanh pho|tp\.?|thi xa)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

interface PreparedPlot {
  plot: Plot;
  readyDay: number;
  /** Day clearance is expected to finish; -Infinity when cleared, +Infinity when unknown. */
  clearanceDay: number;
}

interface PreparedZone {
  zone: Zone;
  plots: PreparedPlot[];
  sectorCodes: Set<string>;
  priorityCodes: Set<string>;
  communeKeys: Set<string>;
  districtKey: string | null;
  readyDay: number | null;
}

/** A catalog indexed for matching. Build once per catalog (matchSites caches it per catalog object). */
export interface PreparedCatalog {
  readonly zones: readonly PreparedZone[];
}

const prepared = new WeakMap<object, PreparedCatalog>();

/**
 * Groups plots by zone and precomputes day numbers and lookup sets: O(zones + plots). Plots of unknown
 * zones are ignored (the catalog schema already rejects them).
 */
export function prepareCatalog(catalog: Pick<Catalog, 'zones' | 'plots'>): PreparedCatalog {
  const hit = prepared.get(catalog);
  if (hit) return hit;
  const zones: PreparedZone[] = catalog.zones.map((zone) => ({
    zone,
    plots: [],
    sectorCodes: new Set(zone.allowedSectors.map((s) => s.code)),
    priorityCodes: new Set(zone.prioritySectors.map((s) => s.code)),
    communeKeys: new Set(
      [zone.location.communeOrWard.name, ...(zone.location.legacyCommune?.split(';') ?? [])]
        .filter((n): n is string => !!n && n.trim() !== '')
        .map(placeKey),
    ),
    districtKey: zone.location.legacyDistrict ? placeKey(zone.location.legacyDistrict) : null,
    readyDay: zone.expectedReadyDate ? dayOf(zone.expectedReadyDate) : null,
  }));
  const byId = new Map(zones.map((z) => [z.zone.id, z]));
  for (const plot of catalog.plots) {
    const z = byId.get(plot.zoneId);
    if (!z) continue;
    const c = plot.clearance;
    const clearanceDay =
      c.status === 'cleared'
        ? Number.NEGATIVE_INFINITY
        : 'expectedDate' in c && c.expectedDate
          ? dayOf(c.expectedDate)
          : Number.POSITIVE_INFINITY;
    z.plots.push({ plot, readyDay: dayOf(plot.readinessDate), clearanceDay });
  }
  const result: PreparedCatalog = { zones };
  prepared.set(catalog, result);
  return result;
}

const fmtHa = (ha: number) => `${Math.round(ha * 100) / 100} ha`;
const round2 = (x: number) => Math.round(x * 100) / 100;

interface ZoneEval {
  reasons: Reason<ZoneReasonCode>[];
  priority: boolean;
  versionNote: string | null;
  locationValue: number;
  locationNote: string;
  kindValue: number;
  kindNote: string;
  utilitiesValue: number;
  utilitiesNote: string;
}

function evaluateZone(pz: PreparedZone, e: Enquiry, startDay: number, wastewaterNeed: number): ZoneEval {
  const { zone } = pz;
  const reasons: Reason<ZoneReasonCode>[] = [];
  if (zone.status === 'planned') {
    reasons.push({
      code: 'ZONE_PLANNED',
      message: `${zone.name} is only planned: it has no land to lease yet`,
    });
  } else if (zone.status === 'under_construction' && (pz.readyDay === null || pz.readyDay > startDay)) {
    reasons.push({
      code: 'ZONE_NOT_READY_IN_TIME',
      message: `${zone.name} is under construction and expects to be ready ${zone.expectedReadyDate ?? 'at an unknown date'}, after the desired start ${e.desiredStartDate}`,
    });
  }
  const code = e.project.vsic.code;
  if (!pz.sectorCodes.has(code)) {
    reasons.push({
      code: 'SECTOR_NOT_ALLOWED',
      message: `VSIC ${code} is not among the sectors ${zone.name} admits`,
    });
  }
  const u = zone.utilities;
  const need = e.utilitiesNeeded;
  let unknown = 0;
  let needed = 0;
  if (need.powerKva > 0) {
    needed++;
    if (u.power.capacityKva === null) unknown++;
    else if (u.power.capacityKva < need.powerKva) {
      reasons.push({
        code: 'POWER_INSUFFICIENT',
        message: `needs ${need.powerKva} kVA; ${zone.name} supplies ${u.power.capacityKva} kVA`,
      });
    }
  }
  if (need.waterM3PerDay > 0) {
    needed++;
    if (u.water.capacityM3PerDay === null) unknown++;
    else if (u.water.capacityM3PerDay < need.waterM3PerDay) {
      reasons.push({
        code: 'WATER_INSUFFICIENT',
        message: `needs ${need.waterM3PerDay} m³/day of water; ${zone.name} supplies ${u.water.capacityM3PerDay} m³/day`,
      });
    }
  }
  if (wastewaterNeed > 0) {
    needed++;
    if (u.wastewater.centralTreatment === false) {
      reasons.push({
        code: 'NO_WASTEWATER_TREATMENT',
        message: `discharges ${wastewaterNeed} m³/day of wastewater; ${zone.name} has no central treatment plant`,
      });
    } else if (u.wastewater.capacityM3PerDay === null) unknown++;
    else if (u.wastewater.capacityM3PerDay < wastewaterNeed) {
      reasons.push({
        code: 'WASTEWATER_INSUFFICIENT',
        message: `discharges ${wastewaterNeed} m³/day; ${zone.name}'s treatment plant takes ${u.wastewater.capacityM3PerDay} m³/day in all`,
      });
    }
  }
  const prefs = e.preferredLocations;
  let locationValue = 0.5;
  let locationNote = 'no location preference';
  if (prefs.length > 0) {
    const hit = prefs.find((p) =>
      p.type === 'legacyDistrict'
        ? pz.districtKey === placeKey(p.name)
        : pz.communeKeys.has(placeKey(p.name)),
    );
    locationValue = hit ? 1 : 0;
    locationNote = hit
      ? `in the preferred ${hit.type === 'legacyDistrict' ? 'former district' : 'commune/ward'} ${hit.name}`
      : 'outside the preferred locations';
  }
  const kinds = e.preferredKinds;
  const kindValue = kinds.length === 0 ? 0.5 : kinds.includes(zone.kind) ? 1 : 0;
  const zoneVersions = new Set(zone.allowedSectors.filter((s) => s.code === code).map((s) => s.version));
  const versionNote =
    zoneVersions.size > 0 && !zoneVersions.has(e.project.vsic.version)
      ? `${e.project.vsic.version} code ${code} compared with the zone's ${[...zoneVersions].join('/')} list, assuming the level-4 code is unchanged (UNVERIFIED)`
      : null;
  return {
    reasons,
    priority: pz.priorityCodes.has(code),
    versionNote,
    locationValue,
    locationNote,
    kindValue,
    kindNote:
      kinds.length === 0
        ? 'no kind preference'
        : kinds.includes(zone.kind)
          ? `a preferred ${zone.kind}`
          : `a ${zone.kind}, not the preferred kind`,
    utilitiesValue: needed === 0 ? 1 : 1 - (0.5 * unknown) / needed,
    utilitiesNote:
      needed === 0
        ? 'no utilities asked for'
        : unknown === 0
          ? 'every needed capacity is published and sufficient'
          : `${unknown} of ${needed} needed capacities not published (UNVERIFIED)`,
  };
}

interface Ranked {
  score: number;
  id: string;
  build: () => Omit<Candidate, 'rank'>;
}

/** Better first: higher score, then lower plot id (byte order, not locale: stable everywhere). */
const before = (a: { score: number; id: string }, b: { score: number; id: string }) =>
  a.score !== b.score ? a.score > b.score : a.id < b.id;

/**
 * Ranks the catalog's plots for an enquiry. Hard filters: zone operating (or under construction and ready
 * before the desired start), sector allowed, utilities within published capacities, plot available, area
 * between the request and the oversize cap, clearance not disputed and done (and the plot ready) by the
 * desired start. Then a score out of 100 with its breakdown.
 */
export function matchSites(
  enquiry: Enquiry,
  catalog: Pick<Catalog, 'zones' | 'plots'> | PreparedCatalog,
  options: MatchOptions = {},
): MatchResult {
  const prep = 'plots' in catalog ? prepareCatalog(catalog) : catalog;
  const limit = options.limit ?? 20;
  const closestN = options.closest ?? 3;
  const w = { ...DEFAULT_WEIGHTS, ...options.weights };
  const wSum = Object.values(w).reduce((a, b) => a + b, 0) || 1;
  const scale = 100 / wSum;
  const want = enquiry.landAreaHa;
  const maxArea = Math.max(want * (options.maxOversizeFactor ?? 2), want + (options.minOversizeHa ?? 1));
  const startDay = dayOf(enquiry.desiredStartDate);
  const wastewaterNeed = Math.max(
    enquiry.utilitiesNeeded.wastewaterM3PerDay,
    enquiry.environmentalSelfDeclaration.wastewaterM3PerDay,
  );

  const top: Ranked[] = [];
  let totalEligible = 0;
  const excludedZones: ZoneExclusion[] = [];
  // Near misses: fewest failed filters, then smallest gap, then id.
  const near: { fails: number; gap: number; id: string; pp: PreparedPlot; pz: PreparedZone; ze: ZoneEval }[] =
    [];

  for (const pz of prep.zones) {
    const ze = evaluateZone(pz, enquiry, startDay, wastewaterNeed);
    const counts: PlotCounts = { total: pz.plots.length, eligible: 0, byReason: {} };
    const zoneFails = ze.reasons.length;
    for (const pp of pz.plots) {
      const p = pp.plot;
      // Plot-level failures as a bit set: cheap to count for every plot, expanded to text only if shown.
      let bits = 0;
      let gap = zoneFails;
      if (p.status !== 'available') {
        bits |= 1;
        gap += 1;
      }
      if (p.areaHa < want) {
        bits |= 2;
        gap += (want - p.areaHa) / want;
      } else if (p.areaHa > maxArea) {
        bits |= 4;
        gap += (p.areaHa - maxArea) / maxArea;
      }
      if (p.clearance.status === 'disputed') {
        bits |= 8;
        gap += 1;
      } else if (pp.clearanceDay > startDay) {
        bits |= 16;
        gap += Number.isFinite(pp.clearanceDay) ? (pp.clearanceDay - startDay) / 365 : 1;
      }
      if (pp.readyDay > startDay) {
        bits |= 32;
        gap += (pp.readyDay - startDay) / 365;
      }
      if (bits !== 0) {
        if (bits & 1) counts.byReason.PLOT_NOT_AVAILABLE = (counts.byReason.PLOT_NOT_AVAILABLE ?? 0) + 1;
        if (bits & 2) counts.byReason.PLOT_TOO_SMALL = (counts.byReason.PLOT_TOO_SMALL ?? 0) + 1;
        if (bits & 4) counts.byReason.PLOT_TOO_LARGE = (counts.byReason.PLOT_TOO_LARGE ?? 0) + 1;
        if (bits & 8) counts.byReason.CLEARANCE_DISPUTED = (counts.byReason.CLEARANCE_DISPUTED ?? 0) + 1;
        if (bits & 16)
          counts.byReason.CLEARANCE_NOT_DONE_IN_TIME = (counts.byReason.CLEARANCE_NOT_DONE_IN_TIME ?? 0) + 1;
        if (bits & 32)
          counts.byReason.PLOT_NOT_READY_IN_TIME = (counts.byReason.PLOT_NOT_READY_IN_TIME ?? 0) + 1;
      }
      if (bits === 0 && zoneFails === 0) {
        counts.eligible++;
        totalEligible++;
        const score = scorePlot(pp, ze, want, maxArea, w, scale);
        if (
          limit > 0 &&
          (top.length < limit || before({ score: score.total, id: p.id }, top[top.length - 1] as Ranked))
        ) {
          const entry: Ranked = {
            score: score.total,
            id: p.id,
            build: () => buildCandidate(pp, pz, ze, score),
          };
          let i = top.length;
          while (i > 0 && before(entry, top[i - 1] as Ranked)) i--;
          top.splice(i, 0, entry);
          if (top.length > limit) top.pop();
        }
      } else if (closestN > 0) {
        let fails = zoneFails;
        for (let b = bits; b; b &= b - 1) fails++;
        const last = near[near.length - 1];
        if (near.length < closestN || (last && nearBefore(fails, gap, p.id, last))) {
          let i = near.length;
          while (i > 0 && nearBefore(fails, gap, p.id, near[i - 1] as (typeof near)[number])) i--;
          near.splice(i, 0, { fails, gap, id: p.id, pp, pz, ze });
          if (near.length > closestN) near.pop();
        }
      }
    }
    if (counts.eligible === 0) {
      const reasons = [...ze.reasons];
      if (pz.plots.length === 0 && pz.zone.status !== 'planned') {
        reasons.push({ code: 'NO_PLOTS', message: `${pz.zone.name} has no plots in the catalog` });
      } else if (reasons.length === 0) {
        reasons.push({
          code: 'NO_SUITABLE_PLOT',
          message: `none of ${pz.zone.name}'s ${pz.plots.length} plots passes: ${describeCounts(counts, want, maxArea, enquiry.desiredStartDate)}`,
        });
      }
      excludedZones.push({ zoneId: pz.zone.id, zoneName: pz.zone.name, reasons, plotCounts: counts });
    }
  }
  excludedZones.sort((a, b) => (a.zoneId < b.zoneId ? -1 : a.zoneId > b.zoneId ? 1 : 0));
  const candidates = top.map((t, i) => ({ rank: i + 1, ...t.build() }));
  const explanation =
    candidates.length > 0
      ? null
      : {
          summary:
            near.length === 0
              ? 'No zone in the catalog has plots to offer.'
              : summarise(near[0] as (typeof near)[number], enquiry),
          closest: near.map((n) => ({
            plotId: n.pp.plot.id,
            zoneId: n.pz.zone.id,
            zoneName: n.pz.zone.name,
            areaHa: n.pp.plot.areaHa,
            readinessDate: n.pp.plot.readinessDate,
            failed: [...n.ze.reasons, ...plotReasons(n.pp, enquiry, want, maxArea, startDay)],
          })),
        };
  return { candidates, totalEligible, excludedZones, explanation };
}

function nearBefore(
  fails: number,
  gap: number,
  id: string,
  other: { fails: number; gap: number; id: string },
): boolean {
  if (fails !== other.fails) return fails < other.fails;
  if (gap !== other.gap) return gap < other.gap;
  return id < other.id;
}

function scorePlot(
  pp: PreparedPlot,
  ze: ZoneEval,
  want: number,
  maxArea: number,
  w: Record<ScoreComponent['name'], number>,
  scale: number,
): { total: number; parts: ScoreComponent[] } {
  const p = pp.plot;
  const c = p.clearance;
  const clearance =
    c.status === 'cleared'
      ? 1
      : c.status === 'compensation_in_progress'
        ? 0.3 + 0.6 * (c.compensationPercent / 100)
        : 0.1;
  const areaFit = maxArea > want ? 1 - (p.areaHa - want) / (maxArea - want) : 1;
  const price = Math.min(
    1,
    Math.max(0, (PRICE_BAND.worst - p.leasePriceUsdPerM2) / (PRICE_BAND.worst - PRICE_BAND.best)),
  );
  const part = (name: ScoreComponent['name'], value: number, note: string): ScoreComponent => ({
    name,
    weight: round2(w[name] * scale),
    value: round2(value),
    points: round2(w[name] * scale * value),
    note,
  });
  const parts = [
    part(
      'sectorPriority',
      ze.priority ? 1 : 0.4,
      ze.priority ? 'a priority sector of the zone' : 'allowed, not a priority sector',
    ),
    part(
      'clearanceReadiness',
      clearance,
      c.status === 'cleared'
        ? 'land cleared'
        : c.status === 'compensation_in_progress'
          ? `compensation ${c.compensationPercent}% done, expected ${c.expectedDate}`
          : `clearance not started, expected ${c.expectedDate ?? 'unknown'}`,
    ),
    part('locationPreference', ze.locationValue, ze.locationNote),
    part('kindPreference', ze.kindValue, ze.kindNote),
    part('areaFit', areaFit, `${fmtHa(p.areaHa)} for ${fmtHa(want)} asked`),
    part('price', price, `USD ${p.leasePriceUsdPerM2}/m² per lease term`),
    part('utilitiesCertainty', ze.utilitiesValue, ze.utilitiesNote),
  ];
  // Summing the rounded points keeps the total equal to what the breakdown shows.
  const total = round2(parts.reduce((a, b) => a + b.points, 0));
  return { total, parts };
}

function buildCandidate(
  pp: PreparedPlot,
  pz: PreparedZone,
  ze: ZoneEval,
  score: { total: number; parts: ScoreComponent[] },
): Omit<Candidate, 'rank'> {
  const p = pp.plot;
  const notes: string[] = [];
  if (ze.versionNote) notes.push(ze.versionNote);
  if (p.sample) notes.push('sample plot: plot-level data is generated, not published');
  return {
    plotId: p.id,
    zoneId: pz.zone.id,
    zoneName: pz.zone.name,
    kind: pz.zone.kind,
    areaHa: p.areaHa,
    leasePriceUsdPerM2: p.leasePriceUsdPerM2,
    clearance: p.clearance,
    readinessDate: p.readinessDate,
    score: score.total,
    breakdown: score.parts,
    notes,
  };
}

function plotReasons(
  pp: PreparedPlot,
  e: Enquiry,
  want: number,
  maxArea: number,
  startDay: number,
): Reason<PlotReasonCode>[] {
  const p = pp.plot;
  const out: Reason<PlotReasonCode>[] = [];
  if (p.status !== 'available')
    out.push({ code: 'PLOT_NOT_AVAILABLE', message: `plot ${p.id} is ${p.status}` });
  if (p.areaHa < want)
    out.push({
      code: 'PLOT_TOO_SMALL',
      message: `plot ${p.id} has ${fmtHa(p.areaHa)}, ${fmtHa(want - p.areaHa)} short of the ${fmtHa(want)} asked`,
    });
  else if (p.areaHa > maxArea)
    out.push({
      code: 'PLOT_TOO_LARGE',
      message: `plot ${p.id} has ${fmtHa(p.areaHa)}, more than the ${fmtHa(maxArea)} cap for a ${fmtHa(want)} request`,
    });
  const c = p.clearance;
  if (c.status === 'disputed')
    out.push({ code: 'CLEARANCE_DISPUTED', message: `land clearance of plot ${p.id} is disputed` });
  else if (pp.clearanceDay > startDay) {
    out.push({
      code: 'CLEARANCE_NOT_DONE_IN_TIME',
      message:
        'expectedDate' in c && c.expectedDate
          ? `clearance of plot ${p.id} is expected ${c.expectedDate}, after the desired start ${e.desiredStartDate}`
          : `clearance of plot ${p.id} has not started and has no expected date`,
    });
  }
  if (pp.readyDay > startDay)
    out.push({
      code: 'PLOT_NOT_READY_IN_TIME',
      message: `plot ${p.id} is ready ${p.readinessDate}, after the desired start ${e.desiredStartDate}`,
    });
  return out;
}

function describeCounts(c: PlotCounts, want: number, maxArea: number, start: string): string {
  const parts: string[] = [];
  const r = c.byReason;
  if (r.PLOT_NOT_AVAILABLE) parts.push(`${r.PLOT_NOT_AVAILABLE} held or allocated`);
  if (r.PLOT_TOO_SMALL) parts.push(`${r.PLOT_TOO_SMALL} smaller than ${fmtHa(want)}`);
  if (r.PLOT_TOO_LARGE) parts.push(`${r.PLOT_TOO_LARGE} larger than ${fmtHa(maxArea)}`);
  if (r.CLEARANCE_DISPUTED) parts.push(`${r.CLEARANCE_DISPUTED} with disputed clearance`);
  if (r.CLEARANCE_NOT_DONE_IN_TIME) parts.push(`${r.CLEARANCE_NOT_DONE_IN_TIME} not cleared by ${start}`);
  if (r.PLOT_NOT_READY_IN_TIME) parts.push(`${r.PLOT_NOT_READY_IN_TIME} not ready by ${start}`);
  return parts.join(', ');
}

function summarise(
  n: { pp: PreparedPlot; pz: PreparedZone; ze: ZoneEval; fails: number },
  e: Enquiry,
): string {
  return `No plot passes every hard filter. Closest: plot ${n.pp.plot.id} in ${n.pz.zone.name} (${fmtHa(n.pp.plot.areaHa)}), which fails ${n.fails} filter(s) for a ${fmtHa(e.landAreaHa)} ${e.project.vsic.code} project starting ${e.desiredStartDate}.`;
}
