/**
 * Site matching: which plots can take this enquiry, in what order, and why the others cannot.
 *
 * Pure and deterministic: no clock (the enquiry's desired start date is the reference), no I/O, no
 * randomness; the same enquiry and catalog always give the same ranking, whatever the order of the plots
 * (ties are broken by plot id).
 *
 * Complexity: O(Z·(S + L) + P + E·k) per call for Z zones, S sectors per zone, L preferred locations,
 * P plots, E eligible plots and k = `limit`: zones are evaluated once, then every plot is visited once;
 * a bounded top-k insertion (O(k) only for a plot that beats the current k-th, k = 20 by default) keeps
 * the ranking without sorting all candidates. Strings (breakdown notes, reasons) are built only for the
 * plots shown. `prepareCatalog` lays each zone's plots out as typed-array columns once per catalog
 * object (cached in a WeakMap), so repeated calls on the same catalog pay only the single pass.
 * Treat a catalog object as immutable: after a plot changes, pass a new object (the cache is keyed by
 * identity, so an object mutated in place would be matched against its old columns).
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

/**
 * Days since 1970-01-01 of a `YYYY-MM-DD` date (Hinnant's days-from-civil). Hand-rolled because
 * `Date.parse` dominated `prepareCatalog` at 100,000 plots; the schemas guarantee the format.
 */
export function dayOf(iso: string): number {
  const digit = (i: number) => iso.charCodeAt(i) - 48;
  const y0 = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const m = digit(5) * 10 + digit(6);
  const d = digit(8) * 10 + digit(9);
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

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

/** Clearance states as small integers for the typed arrays of the hot loop. */
const CLEARED = 0;
const COMPENSATION = 1;
const NOT_STARTED = 2;
const DISPUTED = 3;
const CLEARANCE_CODE = {
  cleared: CLEARED,
  compensation_in_progress: COMPENSATION,
  not_started: NOT_STARTED,
  disputed: DISPUTED,
};

/**
 * A zone's plots as columns (struct of arrays). The hot loop reads only these contiguous typed arrays, so
 * at 100,000 plots it streams through memory instead of chasing one object (and its clearance object) per
 * plot; the Plot objects are touched only for the few plots that are shown.
 */
interface PreparedZone {
  zone: Zone;
  plots: Plot[];
  area: Float64Array;
  available: Uint8Array;
  clearance: Uint8Array;
  /** Day clearance is expected to finish; -Infinity when cleared, +Infinity when unknown. */
  clearanceDay: Float64Array;
  compensationPercent: Float64Array;
  readyDay: Float64Array;
  price: Float64Array;
  sectorCodes: Set<string>;
  priorityCodes: Set<string>;
  communeKeys: Set<string>;
  districtKey: string | null;
  readyDayOfZone: number | null;
}

/** A catalog indexed for matching. Build once per catalog (matchSites caches it per catalog object). */
export interface PreparedCatalog {
  readonly zones: readonly PreparedZone[];
}

const prepared = new WeakMap<object, PreparedCatalog>();

/**
 * Groups plots by zone into columns and precomputes day numbers and lookup sets: O(zones + plots).
 * Plots of unknown zones are ignored (the catalog schema already rejects them).
 */
export function prepareCatalog(catalog: Pick<Catalog, 'zones' | 'plots'>): PreparedCatalog {
  const hit = prepared.get(catalog);
  if (hit) return hit;
  const byZone = new Map<string, Plot[]>(catalog.zones.map((z) => [z.id, []]));
  for (const plot of catalog.plots) byZone.get(plot.zoneId)?.push(plot);
  const zones: PreparedZone[] = catalog.zones.map((zone) => {
    const plots = byZone.get(zone.id) ?? [];
    const n = plots.length;
    const pz: PreparedZone = {
      zone,
      plots,
      area: new Float64Array(n),
      available: new Uint8Array(n),
      clearance: new Uint8Array(n),
      clearanceDay: new Float64Array(n),
      compensationPercent: new Float64Array(n),
      readyDay: new Float64Array(n),
      price: new Float64Array(n),
      sectorCodes: new Set(zone.allowedSectors.map((s) => s.code)),
      priorityCodes: new Set(zone.prioritySectors.map((s) => s.code)),
      communeKeys: new Set(
        [zone.location.communeOrWard.name, ...(zone.location.legacyCommune?.split(';') ?? [])]
          .filter((x): x is string => !!x && x.trim() !== '')
          .map(placeKey),
      ),
      districtKey: zone.location.legacyDistrict ? placeKey(zone.location.legacyDistrict) : null,
      readyDayOfZone: zone.expectedReadyDate ? dayOf(zone.expectedReadyDate) : null,
    };
    plots.forEach((plot, j) => {
      const c = plot.clearance;
      pz.area[j] = plot.areaHa;
      pz.available[j] = plot.status === 'available' ? 1 : 0;
      pz.clearance[j] = CLEARANCE_CODE[c.status];
      pz.clearanceDay[j] =
        c.status === 'cleared'
          ? Number.NEGATIVE_INFINITY
          : 'expectedDate' in c && c.expectedDate
            ? dayOf(c.expectedDate)
            : Number.POSITIVE_INFINITY;
      pz.compensationPercent[j] = c.status === 'compensation_in_progress' ? c.compensationPercent : 0;
      pz.readyDay[j] = dayOf(plot.readinessDate);
      pz.price[j] = plot.leasePriceUsdPerM2;
    });
    return pz;
  });
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
  } else if (
    zone.status === 'under_construction' &&
    (pz.readyDayOfZone === null || pz.readyDayOfZone > startDay)
  ) {
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
  pz: PreparedZone;
  j: number;
  ze: ZoneEval;
}

interface Near {
  fails: number;
  gap: number;
  pz: PreparedZone;
  j: number;
  ze: ZoneEval;
}

const idOf = (r: { pz: PreparedZone; j: number }) => (r.pz.plots[r.j] as Plot).id;

/** Better first: higher score, then lower plot id (byte order, not locale: stable everywhere). */
function before(score: number, pz: PreparedZone, j: number, b: Ranked): boolean {
  return score !== b.score ? score > b.score : (pz.plots[j] as Plot).id < idOf(b);
}

/** Closer first: fewer failed filters, then smaller gap, then lower plot id. */
function nearBefore(fails: number, gap: number, pz: PreparedZone, j: number, b: Near): boolean {
  if (fails !== b.fails) return fails < b.fails;
  if (gap !== b.gap) return gap < b.gap;
  return (pz.plots[j] as Plot).id < idOf(b);
}

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
  const ctx: ScoreContext = { want, maxArea, w, scale };

  const top: Ranked[] = [];
  let totalEligible = 0;
  const excludedZones: ZoneExclusion[] = [];
  const near: Near[] = [];

  for (const pz of prep.zones) {
    const ze = evaluateZone(pz, enquiry, startDay, wastewaterNeed);
    const zoneFails = ze.reasons.length;
    const n = pz.plots.length;
    // Per-reason plot counts of this zone (locals, not an object: this is the hot loop).
    let r0 = 0;
    let r1 = 0;
    let r2 = 0;
    let r3 = 0;
    let r4 = 0;
    let r5 = 0;
    let eligible = 0;
    const { area, available, clearance, clearanceDay, readyDay } = pz;
    for (let j = 0; j < n; j++) {
      // Plot-level failures as a bit set: cheap to count for every plot, expanded to text only if shown.
      let bits = 0;
      let gap = zoneFails;
      const a = area[j] as number;
      if (available[j] === 0) {
        bits |= 1;
        gap += 1;
        r0++;
      }
      if (a < want) {
        bits |= 2;
        gap += (want - a) / want;
        r1++;
      } else if (a > maxArea) {
        bits |= 4;
        gap += (a - maxArea) / maxArea;
        r2++;
      }
      const cd = clearanceDay[j] as number;
      if (clearance[j] === DISPUTED) {
        bits |= 8;
        gap += 1;
        r3++;
      } else if (cd > startDay) {
        bits |= 16;
        gap += cd === Number.POSITIVE_INFINITY ? 1 : (cd - startDay) / 365;
        r4++;
      }
      const rd = readyDay[j] as number;
      if (rd > startDay) {
        bits |= 32;
        gap += (rd - startDay) / 365;
        r5++;
      }
      if (bits === 0 && zoneFails === 0) {
        eligible++;
        const score = scoreTotal(pz, j, ze, ctx);
        if (limit > 0 && (top.length < limit || before(score, pz, j, top[top.length - 1] as Ranked))) {
          let i = top.length;
          while (i > 0 && before(score, pz, j, top[i - 1] as Ranked)) i--;
          top.splice(i, 0, { score, pz, j, ze });
          if (top.length > limit) top.pop();
        }
      } else if (closestN > 0) {
        let fails = zoneFails;
        for (let b = bits; b; b &= b - 1) fails++;
        const last = near[near.length - 1];
        if (near.length < closestN || (last && nearBefore(fails, gap, pz, j, last))) {
          let i = near.length;
          while (i > 0 && nearBefore(fails, gap, pz, j, near[i - 1] as Near)) i--;
          near.splice(i, 0, { fails, gap, pz, j, ze });
          if (near.length > closestN) near.pop();
        }
      }
    }
    totalEligible += eligible;
    if (eligible === 0) {
      const counts: PlotCounts = { total: n, eligible: 0, byReason: {} };
      [r0, r1, r2, r3, r4, r5].forEach((c, k) => {
        if (c > 0) counts.byReason[PLOT_REASON_ORDER[k] as PlotReasonCode] = c;
      });
      const reasons = [...ze.reasons];
      if (n === 0 && pz.zone.status !== 'planned') {
        reasons.push({ code: 'NO_PLOTS', message: `${pz.zone.name} has no plots in the catalog` });
      } else if (reasons.length === 0) {
        reasons.push({
          code: 'NO_SUITABLE_PLOT',
          message: `none of ${pz.zone.name}'s ${n} plots passes: ${describeCounts(counts, want, maxArea, enquiry.desiredStartDate)}`,
        });
      }
      excludedZones.push({ zoneId: pz.zone.id, zoneName: pz.zone.name, reasons, plotCounts: counts });
    }
  }
  excludedZones.sort((a, b) => (a.zoneId < b.zoneId ? -1 : a.zoneId > b.zoneId ? 1 : 0));
  const candidates = top.map((t, i) => ({ rank: i + 1, ...buildCandidate(t, ctx) }));
  const explanation =
    candidates.length > 0
      ? null
      : {
          summary:
            near.length === 0
              ? 'No zone in the catalog has plots to offer.'
              : summarise(near[0] as Near, enquiry),
          closest: near.map((x) => {
            const plot = x.pz.plots[x.j] as Plot;
            return {
              plotId: plot.id,
              zoneId: x.pz.zone.id,
              zoneName: x.pz.zone.name,
              areaHa: plot.areaHa,
              readinessDate: plot.readinessDate,
              failed: [...x.ze.reasons, ...plotReasons(x.pz, x.j, enquiry, want, maxArea, startDay)],
            };
          }),
        };
  return { candidates, totalEligible, excludedZones, explanation };
}

const PLOT_REASON_ORDER: PlotReasonCode[] = [
  'PLOT_NOT_AVAILABLE',
  'PLOT_TOO_SMALL',
  'PLOT_TOO_LARGE',
  'CLEARANCE_DISPUTED',
  'CLEARANCE_NOT_DONE_IN_TIME',
  'PLOT_NOT_READY_IN_TIME',
];

interface ScoreContext {
  want: number;
  maxArea: number;
  w: Record<ScoreComponent['name'], number>;
  scale: number;
}

const COMPONENTS: ScoreComponent['name'][] = [
  'sectorPriority',
  'clearanceReadiness',
  'locationPreference',
  'kindPreference',
  'areaFit',
  'price',
  'utilitiesCertainty',
];

/** The seven component values (0..1), in COMPONENTS order; numbers only, no strings, for the hot loop. */
function componentValues(pz: PreparedZone, j: number, ze: ZoneEval, ctx: ScoreContext, out: number[]): void {
  const c = pz.clearance[j];
  const a = pz.area[j] as number;
  const price = pz.price[j] as number;
  out[0] = ze.priority ? 1 : 0.4;
  out[1] =
    c === CLEARED ? 1 : c === COMPENSATION ? 0.3 + 0.6 * ((pz.compensationPercent[j] as number) / 100) : 0.1;
  out[2] = ze.locationValue;
  out[3] = ze.kindValue;
  out[4] = ctx.maxArea > ctx.want ? 1 - (a - ctx.want) / (ctx.maxArea - ctx.want) : 1;
  out[5] = Math.min(1, Math.max(0, (PRICE_BAND.worst - price) / (PRICE_BAND.worst - PRICE_BAND.best)));
  out[6] = ze.utilitiesValue;
}

const scratch: number[] = [0, 0, 0, 0, 0, 0, 0];

/** The score as the breakdown shows it: the sum of each component's rounded points. */
function scoreTotal(pz: PreparedZone, j: number, ze: ZoneEval, ctx: ScoreContext): number {
  componentValues(pz, j, ze, ctx, scratch);
  let total = 0;
  for (let k = 0; k < 7; k++)
    total += round2(ctx.w[COMPONENTS[k] as ScoreComponent['name']] * ctx.scale * (scratch[k] as number));
  return round2(total);
}

function buildCandidate(r: Ranked, ctx: ScoreContext): Omit<Candidate, 'rank'> {
  const { pz, j, ze } = r;
  const p = pz.plots[j] as Plot;
  const values: number[] = [];
  componentValues(pz, j, ze, ctx, values);
  const c = p.clearance;
  const notesByComponent: Record<ScoreComponent['name'], string> = {
    sectorPriority: ze.priority ? 'a priority sector of the zone' : 'allowed, not a priority sector',
    clearanceReadiness:
      c.status === 'cleared'
        ? 'land cleared'
        : c.status === 'compensation_in_progress'
          ? `compensation ${c.compensationPercent}% done, expected ${c.expectedDate}`
          : `clearance not started, expected ${'expectedDate' in c ? (c.expectedDate ?? 'unknown') : 'unknown'}`,
    locationPreference: ze.locationNote,
    kindPreference: ze.kindNote,
    areaFit: `${fmtHa(p.areaHa)} for ${fmtHa(ctx.want)} asked`,
    price: `USD ${p.leasePriceUsdPerM2}/m² per lease term`,
    utilitiesCertainty: ze.utilitiesNote,
  };
  const breakdown: ScoreComponent[] = COMPONENTS.map((name, k) => ({
    name,
    weight: round2(ctx.w[name] * ctx.scale),
    value: round2(values[k] as number),
    points: round2(ctx.w[name] * ctx.scale * (values[k] as number)),
    note: notesByComponent[name],
  }));
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
    score: r.score,
    breakdown,
    notes,
  };
}

function plotReasons(
  pz: PreparedZone,
  j: number,
  e: Enquiry,
  want: number,
  maxArea: number,
  startDay: number,
): Reason<PlotReasonCode>[] {
  const p = pz.plots[j] as Plot;
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
  else if ((pz.clearanceDay[j] as number) > startDay) {
    out.push({
      code: 'CLEARANCE_NOT_DONE_IN_TIME',
      message:
        'expectedDate' in c && c.expectedDate
          ? `clearance of plot ${p.id} is expected ${c.expectedDate}, after the desired start ${e.desiredStartDate}`
          : `clearance of plot ${p.id} has not started and has no expected date`,
    });
  }
  if ((pz.readyDay[j] as number) > startDay)
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

function summarise(n: Near, e: Enquiry): string {
  const plot = n.pz.plots[n.j] as Plot;
  return `No plot passes every hard filter. Closest: plot ${plot.id} in ${n.pz.zone.name} (${fmtHa(plot.areaHa)}), which fails ${n.fails} filter(s) for a ${fmtHa(e.landAreaHa)} ${e.project.vsic.code} project starting ${e.desiredStartDate}.`;
}
