/**
 * Sample plots. Plot-level detail (sizes, tenants, clearance) is not public, so the catalog's plots are
 * generated here, deterministically from a seed, and calibrated so that each zone's allocated area,
 * project count and registered capital equal the zone's figures (which for the three former Lào Cai KCN
 * reproduce the reported totals exactly). Everything is integer arithmetic in hundredths of a hectare and
 * tenths of a billion VND, so sums are exact and reproducible on any machine.
 *
 * `generate-plots.ts` writes the result to plots.generated.json; a unit test regenerates and compares.
 */
import type { Plot, Zone, ZoneSector } from './schema.ts';

/** The seed the committed sample uses (the date the merged province's communes took effect). */
export const SAMPLE_SEED = 20250701;

/**
 * Assumptions used only where a zone has no sourced figure; each is a sample choice, not data.
 * Lease prices: northern Vietnam averaged USD 132–139/m² per lease term in 2025 (C&W, CBRE) for tier-1
 * provinces; Lào Cai's rents are UNVERIFIED, so the sample prices sit well below that band.
 */
export const SAMPLE_ASSUMPTIONS = {
  industrialLandRatio: 0.65,
  defaultFilledShare: 0.6,
  // A KKT area (Kim Thành) leases land as a KCN does: it takes the KCN assumptions.
  meanAllocatedPlotHa: { KCN: 3, CCN: 0.5, KKT: 3 },
  meanFreePlotHa: { largeKCN: 5, KCN: 1.2, CCN: 0.6 },
  capitalBnVndPerHa: 25,
  leasePriceUsdPerM2: { KCN: [55, 100], CCN: [30, 60], KKT: [55, 100] },
  heldShare: 0.12,
} as const;

/** mulberry32: a tiny, well-mixed 32-bit PRNG; fine for sample data, never for anything secret. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, so each zone gets its own stream: adding a zone does not reshuffle the others' plots. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const DAY_MS = 86_400_000;
export const toDay = (iso: string): number => Math.floor(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
export const fromDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Splits `total` (an integer) into `n` positive integer parts proportional to `weights`, each at least
 * `min`, summing exactly to `total` (largest-remainder rounding, ties by index: deterministic).
 */
export function splitExact(total: number, weights: readonly number[], min: number): number[] {
  const n = weights.length;
  if (n === 0) return [];
  const floor = Math.min(min, Math.floor(total / n));
  const rest = total - floor * n;
  const sum = weights.reduce((a, b) => a + b, 0) || 1;
  const raw = weights.map((w) => (rest * w) / sum);
  const parts = raw.map((r) => Math.floor(r));
  let left = rest - parts.reduce((a, b) => a + b, 0);
  const order = raw
    .map((r, i) => ({ frac: r - Math.floor(r), i }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % n, left--) {
    const idx = order[k]?.i ?? 0;
    parts[idx] = (parts[idx] ?? 0) + 1;
  }
  return parts.map((p) => p + floor);
}

/** Heavy-tailed weights: most plots small, a few large (as real zones are: one DAP plant, many workshops). */
function weights(rand: () => number, n: number): number[] {
  return Array.from({ length: n }, () => 0.25 - Math.log(1 - rand() * 0.999));
}

const pick = <T>(rand: () => number, list: readonly T[]): T | undefined =>
  list[Math.floor(rand() * list.length)];
const between = (rand: () => number, lo: number, hi: number) => lo + rand() * (hi - lo);

/** Sample plots of one zone (none for planned zones: they have no land yet). */
export function generateZonePlots(zone: Zone, seed: number): Plot[] {
  if (zone.status === 'planned') return [];
  const landHa = zone.industrialLandHa ?? (zone.plannedAreaHa ?? 0) * SAMPLE_ASSUMPTIONS.industrialLandRatio;
  const landC = Math.round(landHa * 100);
  if (landC <= 0) return [];
  const rand = mulberry32((seed ^ hashString(zone.id)) >>> 0);
  const A = SAMPLE_ASSUMPTIONS;
  const fill = zone.filledShare ?? (zone.status === 'operating' ? A.defaultFilledShare : 0);
  const allocC = Math.round(landC * fill);
  const projects =
    zone.projects ??
    (allocC > 0 ? Math.max(1, Math.round(allocC / 100 / A.meanAllocatedPlotHa[zone.kind])) : 0);
  const capitalTenths = Math.round(
    (zone.registeredCapitalBnVnd ?? (allocC / 100) * A.capitalBnVndPerHa) * 10,
  );
  const [priceLo, priceHi] = A.leasePriceUsdPerM2[zone.kind];
  const price = () => Math.round(between(rand, priceLo, priceHi) * 2) / 2;
  const sectors: readonly ZoneSector[] = zone.allowedSectors;
  const plots: Plot[] = [];
  let seq = 0;
  const nextId = () => `${zone.id}-p${String(++seq).padStart(3, '0')}`;

  // Allocated plots: one project each, cleared long ago.
  const areas = splitExact(allocC, weights(rand, projects), 5);
  const capitalWeights = areas.map((a) => a * (0.5 + rand()));
  const capitals = splitExact(capitalTenths, capitalWeights, 0);
  areas.forEach((areaC, i) => {
    const prefer = rand() < 0.6 && zone.prioritySectors.length > 0 ? zone.prioritySectors : sectors;
    const sector = pick(rand, prefer) ?? { code: '3290', version: 'VSIC2018' as const };
    plots.push({
      id: nextId(),
      zoneId: zone.id,
      areaHa: areaC / 100,
      status: 'allocated',
      clearance: { status: 'cleared' },
      leasePriceUsdPerM2: price(),
      readinessDate: fromDay(toDay('2008-01-01') + Math.floor(rand() * 6000)),
      project: {
        investor: `Doanh nghiệp mẫu ${String(i + 1).padStart(3, '0')} – ${zone.name} (sample)`,
        // Level-4 codes assumed unchanged from VSIC 2018 to VSIC 2025 (see vsic.json's notice).
        sector: { code: sector.code, version: 'VSIC2025' },
        sectorVsic2018: { code: sector.code, version: 'VSIC2018' },
        registeredCapitalBnVnd: (capitals[i] ?? 0) / 10,
      },
      sample: true,
    });
  });

  // Free land: available or held, with a spread of clearance states (the thing investors ask about).
  const freeC = landC - allocC;
  if (freeC >= 5) {
    const mean =
      zone.kind === 'CCN'
        ? A.meanFreePlotHa.CCN
        : landHa > 300
          ? A.meanFreePlotHa.largeKCN
          : A.meanFreePlotHa.KCN;
    const n = Math.max(1, Math.round(freeC / 100 / mean));
    const readyFloor = zone.expectedReadyDate ? toDay(zone.expectedReadyDate) : toDay('2020-01-01');
    for (const areaC of splitExact(freeC, weights(rand, n), 5)) {
      const r = rand();
      const underConstruction = zone.status === 'under_construction';
      let clearance: Plot['clearance'];
      let ready: number;
      if (!underConstruction && r < 0.6) {
        clearance = { status: 'cleared' };
        ready = toDay('2022-01-01') + Math.floor(rand() * 1640);
      } else if (r < 0.85 || (underConstruction && r < 0.95)) {
        const expected = toDay('2026-03-01') + Math.floor(rand() * 850);
        clearance = {
          status: 'compensation_in_progress',
          compensationPercent: Math.round(between(rand, 30, 95)),
          expectedDate: fromDay(expected),
        };
        ready = expected + 60 + Math.floor(rand() * 120);
      } else if (r < 0.95 || underConstruction) {
        const expected = toDay('2027-06-01') + Math.floor(rand() * 700);
        clearance = { status: 'not_started', expectedDate: fromDay(expected) };
        ready = expected + 180;
      } else {
        clearance = { status: 'disputed' };
        ready = toDay('2029-01-01') + Math.floor(rand() * 700);
      }
      plots.push({
        id: nextId(),
        zoneId: zone.id,
        areaHa: areaC / 100,
        status: rand() < A.heldShare ? 'held' : 'available',
        clearance,
        leasePriceUsdPerM2: price(),
        readinessDate: fromDay(Math.max(ready, readyFloor)),
        sample: true,
      });
    }
  }
  return plots;
}

/** All sample plots of the catalog, zone by zone in catalog order. */
export function generatePlots(zones: readonly Zone[], seed: number = SAMPLE_SEED): Plot[] {
  return zones.flatMap((z) => generateZonePlots(z, seed));
}
