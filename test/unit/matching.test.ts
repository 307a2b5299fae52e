import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '#shared/catalog/index.ts';
import type { Catalog, Plot, Zone } from '#shared/catalog/schema.ts';
import { type Enquiry, parseEnquiry } from '#shared/enquiry/schema.ts';
import { dayOf, matchSites, placeKey, prepareCatalog } from '#shared/matching/match-sites.ts';

const catalog = loadCatalog();
const fixture = (name: string): Enquiry => {
  const r = parseEnquiry(
    JSON.parse(readFileSync(new URL(`../fixtures/enquiries/${name}`, import.meta.url), 'utf8')),
  );
  if (!r.ok) throw new Error(`fixture ${name} is invalid: ${JSON.stringify(r.errors)}`);
  return r.enquiry;
};
const copper = fixture('valid-copper-refinery-foreign.json');
const warehouse = fixture('valid-warehouse-minimal.json');

// ---- random catalogs and enquiries for the properties ----
const SECTORS = ['1410', '2410', '2420', '5210', '1621'];
const DATES = ['2025-01-01', '2026-06-01', '2027-01-01', '2027-09-01', '2028-06-01', '2030-01-01'];

function makeZone(
  i: number,
  z: {
    status: Zone['status'];
    kind: Zone['kind'];
    allowed: string[];
    priority: string[];
    ready: string | null;
    power: number | null;
    water: number | null;
    ww: boolean | null;
    wwCap: number | null;
    district: string;
  },
): Zone {
  return {
    id: `zone-${i}`,
    name: `Zone ${i}`,
    kind: z.kind,
    status: z.status,
    expectedReadyDate: z.ready,
    placeholder: false,
    location: {
      province: 'Lào Cai',
      formerProvince: 'Lào Cai',
      communeOrWard: {
        name: `Xã ${i}`,
        kind: 'xã',
        effectiveDate: '2025-07-01',
        legalBasis: 'test',
        verified: true,
      },
      legacyDistrict: z.district,
      legacyCommune: null,
    },
    plannedAreaHa: 100,
    industrialLandHa: null,
    filledShare: null,
    projects: null,
    registeredCapitalBnVnd: null,
    managingAuthority: { name: 'Board', legalBasis: 'test', effectiveFrom: null, verified: true },
    sectorFocus: 'test',
    allowedSectors: z.allowed.map((code) => ({ code, version: 'VSIC2018' as const })),
    prioritySectors: z.priority.map((code) => ({ code, version: 'VSIC2018' as const })),
    utilities: {
      power: { description: 't', capacityKva: z.power, verified: true },
      water: { description: 't', capacityM3PerDay: z.water, verified: true },
      wastewater: {
        centralTreatment: z.ww,
        capacityM3PerDay: z.wwCap,
        feeVndPerM3: null,
        description: 't',
        verified: true,
      },
    },
    notableTenants: [],
    sourceIds: [],
    figureChoices: [],
    unverified: [],
    notes: [],
  };
}

const zoneArb = fc.record({
  status: fc.constantFrom<Zone['status']>('operating', 'operating', 'under_construction', 'planned'),
  kind: fc.constantFrom<Zone['kind']>('KCN', 'CCN', 'KKT'),
  allowed: fc.subarray(SECTORS, { minLength: 1 }),
  priority: fc.subarray(SECTORS),
  ready: fc.option(fc.constantFrom(...DATES), { nil: null }),
  power: fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null }),
  water: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: null }),
  ww: fc.option(fc.boolean(), { nil: null }),
  wwCap: fc.option(fc.integer({ min: 0, max: 3_000 }), { nil: null }),
  district: fc.constantFrom('Bảo Thắng', 'Bát Xát', 'Văn Bàn'),
});

const clearanceArb: fc.Arbitrary<Plot['clearance']> = fc.oneof(
  fc.constant({ status: 'cleared' as const }),
  fc.record({
    status: fc.constant('compensation_in_progress' as const),
    compensationPercent: fc.integer({ min: 0, max: 100 }),
    expectedDate: fc.constantFrom(...DATES),
  }),
  fc.record(
    { status: fc.constant('not_started' as const), expectedDate: fc.constantFrom(...DATES) },
    { requiredKeys: ['status'] },
  ),
  fc.record({ status: fc.constant('disputed' as const) }),
);

const plotArb = (zones: number) =>
  fc.record({
    zone: fc.integer({ min: 0, max: zones - 1 }),
    areaHa: fc.integer({ min: 5, max: 4_000 }).map((c) => c / 100),
    status: fc.constantFrom<Plot['status']>('available', 'available', 'held', 'allocated'),
    clearance: clearanceArb,
    price: fc.integer({ min: 20, max: 160 }),
    ready: fc.constantFrom(...DATES),
  });

const catalogArb: fc.Arbitrary<Pick<Catalog, 'zones' | 'plots'>> = fc
  .array(zoneArb, { minLength: 1, maxLength: 6 })
  .chain((zs) =>
    fc.array(plotArb(zs.length), { maxLength: 80 }).map((ps) => {
      const zones = zs.map((z, i) => makeZone(i, z));
      const plots: Plot[] = ps.map((p, j) => ({
        id: `plot-${String(j).padStart(3, '0')}`,
        zoneId: `zone-${p.zone}`,
        areaHa: p.areaHa,
        status: p.status,
        clearance: p.clearance,
        leasePriceUsdPerM2: p.price,
        readinessDate: p.ready,
        ...(p.status === 'allocated'
          ? {
              project: {
                investor: 'x',
                sector: { code: '2410', version: 'VSIC2025' as const },
                sectorVsic2018: { code: '2410', version: 'VSIC2018' as const },
                registeredCapitalBnVnd: 1,
              },
            }
          : {}),
        sample: true as const,
      }));
      return { zones, plots };
    }),
  );

const enquiryArb: fc.Arbitrary<Enquiry> = fc
  .record({
    code: fc.constantFrom(...SECTORS),
    area: fc.integer({ min: 10, max: 3_000 }).map((c) => c / 100),
    start: fc.constantFrom(...DATES),
    power: fc.integer({ min: 0, max: 40_000 }),
    water: fc.integer({ min: 0, max: 4_000 }),
    ww: fc.integer({ min: 0, max: 2_000 }),
    kinds: fc.subarray(['KCN', 'CCN', 'KKT'] as const),
    district: fc.option(fc.constantFrom('Bảo Thắng', 'bao thang', 'Văn Bàn'), { nil: undefined }),
  })
  .map((r) => ({
    ...copper,
    project: { ...copper.project, vsic: { code: r.code, version: 'VSIC2018' } },
    landAreaHa: r.area,
    desiredStartDate: r.start,
    preferredKinds: [...r.kinds],
    preferredLocations: r.district ? [{ type: 'legacyDistrict' as const, name: r.district }] : [],
    utilitiesNeeded: { powerKva: r.power, waterM3PerDay: r.water, wastewaterM3PerDay: r.ww },
    environmentalSelfDeclaration: { ...copper.environmentalSelfDeclaration, wastewaterM3PerDay: r.ww },
  }));

/** The hard filters, written out independently of the implementation. */
function breaksAHardFilter(e: Enquiry, zone: Zone, plot: Plot): string | null {
  const start = e.desiredStartDate;
  if (zone.status === 'planned') return 'zone planned';
  if (
    zone.status === 'under_construction' &&
    (zone.expectedReadyDate === null || zone.expectedReadyDate > start)
  )
    return 'zone late';
  if (!zone.allowedSectors.some((s) => s.code === e.project.vsic.code)) return 'sector';
  const u = zone.utilities;
  if (
    e.utilitiesNeeded.powerKva > 0 &&
    u.power.capacityKva !== null &&
    u.power.capacityKva < e.utilitiesNeeded.powerKva
  )
    return 'power';
  if (
    e.utilitiesNeeded.waterM3PerDay > 0 &&
    u.water.capacityM3PerDay !== null &&
    u.water.capacityM3PerDay < e.utilitiesNeeded.waterM3PerDay
  )
    return 'water';
  const ww = Math.max(
    e.utilitiesNeeded.wastewaterM3PerDay,
    e.environmentalSelfDeclaration.wastewaterM3PerDay,
  );
  if (ww > 0 && u.wastewater.centralTreatment === false) return 'no wastewater plant';
  if (
    ww > 0 &&
    u.wastewater.centralTreatment !== false &&
    u.wastewater.capacityM3PerDay !== null &&
    u.wastewater.capacityM3PerDay < ww
  )
    return 'wastewater';
  if (plot.status !== 'available') return 'not available';
  if (plot.areaHa < e.landAreaHa) return 'too small';
  if (plot.areaHa > Math.max(e.landAreaHa * 2, e.landAreaHa + 1)) return 'too large';
  if (plot.clearance.status === 'disputed') return 'disputed';
  if (
    plot.clearance.status !== 'cleared' &&
    (plot.clearance.expectedDate === undefined || plot.clearance.expectedDate > start)
  )
    return 'clearance late';
  if (plot.readinessDate > start) return 'plot late';
  return null;
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('matchSites on the Lào Cai catalog', () => {
  it('offers a copper refinery cleared plots in Tằng Loỏng, where metallurgy is a priority sector', () => {
    const r = matchSites(copper, catalog);
    expect(r.candidates.length).toBeGreaterThan(0);
    expect(r.candidates.every((c) => c.zoneId === 'kcn-tang-loong')).toBe(true);
    const top = r.candidates[0];
    expect(top?.breakdown.find((b) => b.name === 'sectorPriority')?.value).toBe(1);
    expect(top?.notes.join(' ')).toMatch(/VSIC2025 code 2420 compared with the zone's VSIC2018 list/);
    expect(r.explanation).toBeNull();
  });

  it('gives each candidate a breakdown whose points add up to its score', () => {
    for (const c of matchSites(warehouse, catalog).candidates) {
      const sum = c.breakdown.reduce((a, b) => a + b.points, 0);
      expect(Math.abs(sum - c.score)).toBeLessThan(0.011);
      expect(c.breakdown.map((b) => b.name)).toEqual([
        'sectorPriority',
        'clearanceReadiness',
        'locationPreference',
        'kindPreference',
        'areaFit',
        'price',
        'utilitiesCertainty',
      ]);
    }
  });

  it('says why each zone is excluded', () => {
    const r = matchSites(copper, catalog);
    const byId = new Map(r.excludedZones.map((z) => [z.zoneId, z]));
    expect(byId.get('kcn-vo-lao')?.reasons.map((x) => x.code)).toContain('ZONE_PLANNED');
    expect(byId.get('kcn-dong-pho-moi')?.reasons.map((x) => x.code)).toContain('SECTOR_NOT_ALLOWED');
    expect(byId.get('ccn-son-man')?.reasons.map((x) => x.code)).toEqual(['SECTOR_NOT_ALLOWED']);
    // Every zone is either the source of a candidate or excluded with at least one reason.
    for (const z of r.excludedZones) expect(z.reasons.length).toBeGreaterThan(0);
    const candidateZones = new Set(r.candidates.map((c) => c.zoneId));
    for (const z of catalog.zones)
      expect(candidateZones.has(z.id) || byId.has(z.id) || r.totalEligible > r.candidates.length).toBe(true);
  });

  it('explains what came closest when nothing matches', () => {
    const r = matchSites({ ...copper, landAreaHa: 80, desiredStartDate: '2026-01-01' }, catalog);
    expect(r.candidates).toEqual([]);
    expect(r.explanation?.summary).toMatch(/Closest: plot kcn-tang-loong-p\d+/);
    expect(r.explanation?.closest.length).toBe(3);
    expect(r.explanation?.closest[0]?.failed.map((f) => f.code)).toEqual(['PLOT_TOO_SMALL']);
    const tl = r.excludedZones.find((z) => z.zoneId === 'kcn-tang-loong');
    expect(tl?.reasons[0]?.code).toBe('NO_SUITABLE_PLOT');
    expect(tl?.plotCounts.byReason.PLOT_TOO_SMALL).toBe(tl?.plotCounts.total);
  });

  it('waits for an under-construction cluster only when it is ready before the desired start', () => {
    const base = {
      ...warehouse,
      project: { ...warehouse.project, vsic: { code: '1610', version: 'VSIC2018' as const } },
      landAreaHa: 0.3,
    };
    const early = matchSites({ ...base, desiredStartDate: '2026-01-01' }, catalog);
    expect(
      early.excludedZones.find((z) => z.zoneId === 'ccn-pho-rang')?.reasons.map((r) => r.code),
    ).toContain('ZONE_NOT_READY_IN_TIME');
    const late = matchSites({ ...base, desiredStartDate: '2031-01-01' }, catalog, { limit: 500 });
    expect(late.candidates.some((c) => c.zoneId === 'ccn-pho-rang')).toBe(true);
  });

  it('excludes a zone whose published wastewater capacity is too small, and only that zone', () => {
    const big = { ...copper, utilitiesNeeded: { ...copper.utilitiesNeeded, wastewaterM3PerDay: 5_000 } };
    const r = matchSites(big, catalog);
    const tl = r.excludedZones.find((z) => z.zoneId === 'kcn-tang-loong');
    expect(tl?.reasons.map((x) => x.code)).toEqual(['WASTEWATER_INSUFFICIENT']);
    expect(tl?.reasons[0]?.message).toMatch(/3000 m³\/day/);
    // Fitting within the 3,000 m³/day plant, the same enquiry is matched there.
    expect(matchSites(copper, catalog).candidates[0]?.zoneId).toBe('kcn-tang-loong');
  });

  it('prefers the preferred former district over an otherwise equal zone', () => {
    const r = matchSites(
      { ...warehouse, preferredLocations: [{ type: 'legacyDistrict', name: 'thành phố lào cai' }] },
      catalog,
    );
    const top = r.candidates[0];
    expect(top?.breakdown.find((b) => b.name === 'locationPreference')).toMatchObject({ value: 1 });
    expect(['kcn-bac-duyen-hai', 'kcn-kim-thanh', 'kcn-dong-pho-moi']).toContain(top?.zoneId);
  });

  it('counts days exactly as the calendar does', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1900-01-01T00:00:00Z'),
          max: new Date('2199-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (d) => {
          const iso = d.toISOString().slice(0, 10);
          return dayOf(iso) === Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('matches place names accent- and prefix-insensitively', () => {
    expect(placeKey('Phường Âu Lâu')).toBe(placeKey('au lau'));
    expect(placeKey('Huyện Bảo Thắng')).toBe('bao thang');
    expect(placeKey('Đông Cuông')).toBe('dong cuong');
  });

  it('returns at most `limit` candidates, and the same first ones as a longer list', () => {
    const short = matchSites(warehouse, catalog, { limit: 3 });
    const long = matchSites(warehouse, catalog, { limit: 100 });
    expect(short.candidates).toHaveLength(3);
    expect(short.candidates).toEqual(long.candidates.slice(0, 3));
    expect(short.totalEligible).toBe(long.totalEligible);
  });
});

describe('matchSites properties', () => {
  it('never returns a plot that breaks a hard filter, and misses none that passes them', () => {
    fc.assert(
      fc.property(catalogArb, enquiryArb, (cat, e) => {
        const r = matchSites(e, cat, { limit: 1_000 });
        const zones = new Map(cat.zones.map((z) => [z.id, z]));
        for (const c of r.candidates) {
          const plot = cat.plots.find((p) => p.id === c.plotId);
          const zone = zones.get(c.zoneId);
          if (!plot || !zone) return false;
          const broken = breaksAHardFilter(e, zone, plot);
          if (broken) throw new Error(`${c.plotId} breaks ${broken}`);
        }
        const expected = cat.plots.filter((p) => {
          const z = zones.get(p.zoneId);
          return z !== undefined && breaksAHardFilter(e, z, p) === null;
        }).length;
        return r.totalEligible === expected && r.candidates.length === expected;
      }),
      { numRuns: 300 },
    );
  });

  it('ranks the same whatever the order of plots and zones', () => {
    fc.assert(
      fc.property(catalogArb, enquiryArb, fc.integer(), (cat, e, seed) => {
        const a = matchSites(e, cat, { limit: 50 });
        const b = matchSites(
          e,
          { zones: shuffled(cat.zones, seed), plots: shuffled(cat.plots, seed + 1) },
          { limit: 50 },
        );
        expect(b.candidates).toEqual(a.candidates);
        expect(b.excludedZones).toEqual(a.excludedZones);
        expect(b.explanation?.closest.map((c) => c.plotId)).toEqual(
          a.explanation?.closest.map((c) => c.plotId),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('orders candidates by score, then plot id', () => {
    fc.assert(
      fc.property(catalogArb, enquiryArb, (cat, e) => {
        const cs = matchSites(e, cat, { limit: 1_000 }).candidates;
        return cs.every((c, i) => {
          const prev = cs[i - 1];
          return (
            c.rank === i + 1 &&
            (!prev || prev.score > c.score || (prev.score === c.score && prev.plotId < c.plotId))
          );
        });
      }),
      { numRuns: 150 },
    );
  });

  it('always explains an empty result, and only an empty result', () => {
    fc.assert(
      fc.property(catalogArb, enquiryArb, (cat, e) => {
        const r = matchSites(e, cat);
        if (r.candidates.length > 0) return r.explanation === null;
        return (
          r.explanation !== null &&
          r.explanation.summary.length > 0 &&
          r.explanation.closest.every((c) => c.failed.length > 0)
        );
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same answer from a prepared catalog as from the raw one', () => {
    fc.assert(
      fc.property(catalogArb, enquiryArb, (cat, e) => {
        expect(matchSites(e, prepareCatalog(cat))).toEqual(matchSites(e, { ...cat }));
      }),
      { numRuns: 50 },
    );
  });
});
