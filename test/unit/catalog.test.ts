import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderPlotsFile } from '#shared/catalog/generate-plots.ts';
import {
  CatalogValidationError,
  catalogStats,
  loadCatalog,
  parseCatalog,
  provinceFigures,
  rawCatalog,
  statsForZones,
} from '#shared/catalog/index.ts';
import { generatePlots, mulberry32, splitExact } from '#shared/catalog/plots.ts';
import { SampleZoneFieldSchema } from '#shared/catalog/schema.ts';
import vsicFile from '#shared/catalog/vsic.json' with { type: 'json' };

const catalog = loadCatalog();
const zone = (id: string) => {
  const z = catalog.zones.find((x) => x.id === id);
  if (!z) throw new Error(`no zone ${id}`);
  return z;
};
const THREE_KCN = ['kcn-dong-pho-moi', 'kcn-tang-loong', 'kcn-bac-duyen-hai'];

describe('loading the catalog', () => {
  it('loads, validates and caches the catalog', () => {
    expect(catalog.zones.length).toBeGreaterThanOrEqual(30);
    expect(catalog.plots.length).toBeGreaterThan(100);
    expect(loadCatalog()).toBe(catalog);
  });

  it('versions the data with a hash of its content, so an edit reseeds without a manual bump', () => {
    expect(catalog.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+\+[0-9a-f]{8}$/);
  });

  it('names the path of a missing field in a malformed zone', () => {
    const raw = structuredClone(rawCatalog()) as { zones: { utilities: Record<string, unknown> }[] };
    delete raw.zones[3]?.utilities.power;
    expect(() => parseCatalog(raw)).toThrow(CatalogValidationError);
    expect(() => parseCatalog(raw)).toThrow(/zones\[3\]\.utilities\.power: Required/);
  });

  it('names the path of a wrong enum value', () => {
    const raw = structuredClone(rawCatalog()) as { zones: { status: string }[] };
    (raw.zones[1] as { status: string }).status = 'abandoned';
    expect(() => parseCatalog(raw)).toThrow(/zones\[1\]\.status: Invalid option/);
  });

  it('names the path of a broken cross-reference once the shapes are right', () => {
    const raw = structuredClone(rawCatalog()) as { plots: { zoneId: string }[] };
    (raw.plots[5] as { zoneId: string }).zoneId = 'kcn-nowhere';
    try {
      parseCatalog(raw);
      expect.unreachable('the catalog should be rejected');
    } catch (err) {
      expect(err).toBeInstanceOf(CatalogValidationError);
      expect((err as CatalogValidationError).issues).toEqual(['plots[5].zoneId: unknown zone kcn-nowhere']);
    }
  });

  it('rejects a sector code missing from the VSIC reference list', () => {
    const raw = structuredClone(rawCatalog()) as {
      zones: { allowedSectors: { code: string; version: string }[] }[];
    };
    raw.zones[0]?.allowedSectors.push({ code: '9999', version: 'VSIC2018' });
    expect(() => parseCatalog(raw)).toThrow(/zones\[0\]\.allowedSectors\[\d+\]\.code: VSIC 9999/);
  });

  it('refuses an allocated plot without its project', () => {
    const raw = structuredClone(rawCatalog()) as { plots: { status: string; project?: unknown }[] };
    const i = raw.plots.findIndex((p) => p.status === 'allocated');
    delete raw.plots[i]?.project;
    expect(() => parseCatalog(raw)).toThrow(
      new RegExp(`plots\\[${i}\\]\\.project: an allocated plot must name its project`),
    );
  });
});

describe('the catalog reproduces the reported figures', () => {
  it.each(catalog.reportedFigures.map((r) => [r.id, r] as const))('matches %s', (_id, figure) => {
    const s = statsForZones(catalog, figure.zoneIds);
    const c = figure.claims;
    if (c.zoneCount !== undefined) expect(s.zoneCount).toBe(c.zoneCount);
    if (c.operatingCount !== undefined) expect(s.operatingCount).toBe(c.operatingCount);
    if (c.underConstructionCount !== undefined)
      expect(s.underConstructionCount).toBe(c.underConstructionCount);
    if (c.fullCount !== undefined) expect(s.fullCount).toBe(c.fullCount);
    if (c.plannedAreaHa !== undefined) expect(s.plannedAreaHa).toBe(c.plannedAreaHa);
    if (c.plannedAreaHaAtLeast !== undefined) expect(s.plannedAreaHa).toBeGreaterThan(c.plannedAreaHaAtLeast);
    if (c.industrialLandHa !== undefined) expect(s.industrialLandHa).toBe(c.industrialLandHa);
    if (c.filledShare !== undefined)
      expect(Math.round((s.filledShare ?? 0) * 1000) / 1000).toBe(c.filledShare);
    if (c.filledShareAtLeast !== undefined) expect(s.filledShare).toBeGreaterThan(c.filledShareAtLeast);
    if (c.projects !== undefined) expect(s.projects).toBe(c.projects);
    if (c.registeredCapitalBnVnd !== undefined)
      expect(s.registeredCapitalBnVnd).toBe(c.registeredCapitalBnVnd);
  });

  it('has the article figures for the three operating KCN of former Lào Cai', () => {
    const s = statsForZones(catalog, THREE_KCN);
    expect(s).toMatchObject({
      zoneCount: 3,
      operatingCount: 3,
      plannedAreaHa: 1285,
      industrialLandHa: 868.68,
    });
    expect(s.allocatedHa).toBe(661.93);
    expect((s.filledShare ?? 0) * 100).toBeCloseTo(76.2, 1);
    expect(s.projects).toBe(161);
    expect(s.registeredCapitalBnVnd).toBe(25_600);
  });

  it('plans 18 clusters of 231.81 ha, Đông Phố Mới, Bắc Duyên Hải and Sơn Mãn full, Phố Ràng and Khánh Yên Thượng under construction', () => {
    const ccn = catalog.zones.filter((z) => z.kind === 'CCN' && z.location.formerProvince === 'Lào Cai');
    expect(ccn).toHaveLength(18);
    const stats = catalogStats({ zones: ccn, plots: catalog.plots }).zones;
    expect(
      stats
        .filter((s) => s.filledShare === 1)
        .map((s) => s.zoneId)
        .sort(),
    ).toEqual(['ccn-bac-duyen-hai', 'ccn-dong-pho-moi', 'ccn-son-man']);
    expect(
      ccn
        .filter((z) => z.status === 'under_construction')
        .map((z) => z.id)
        .sort(),
    ).toEqual(['ccn-khanh-yen-thuong', 'ccn-pho-rang']);
    const totalCenti = ccn.reduce((a, z) => a + Math.round((z.plannedAreaHa ?? 0) * 100), 0);
    expect(totalCenti).toBe(23_181);
    // Clusters no source names are marked as placeholders, not passed off as real.
    for (const z of ccn.filter((x) => x.placeholder)) expect(z.name).toMatch(/placeholder/);
  });

  it('says which figure it uses where sources disagree', () => {
    const choice = (id: string, field: string) => zone(id).figureChoices.find((f) => f.field === field);
    expect(choice('kcn-tang-loong', 'plannedAreaHa')).toMatchObject({ chosen: 1100 });
    expect(choice('kcn-tang-loong', 'plannedAreaHa')?.alternatives.map((a) => a.value)).toContain(914);
    expect(choice('kcn-bac-duyen-hai', 'plannedAreaHa')).toMatchObject({ chosen: 85 });
    expect(choice('kcn-ban-qua', 'plannedAreaHa')?.alternatives.map((a) => a.value)).toContain(76);
    expect(zone('kcn-tang-loong').unverified).toContain('location.communeOrWard');
  });

  it('lists deep mineral processing and metallurgy as Tằng Loỏng priorities, with their VSIC version', () => {
    const codes = zone('kcn-tang-loong').prioritySectors.map((s) => `${s.version}:${s.code}`);
    for (const c of ['0710', '0722', '2410', '2420', '2011', '2012'])
      expect(codes).toContain(`VSIC2018:${c}`);
  });

  it('carries both VSIC versions with their legal basis and dates', () => {
    expect(catalog.vsicVersions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ version: 'VSIC2018', legalBasis: 'Decision 27/2018/QĐ-TTg' }),
        expect.objectContaining({
          version: 'VSIC2025',
          legalBasis: 'Decision 36/2025/QĐ-TTg',
          effectiveFrom: '2025-11-15',
        }),
      ]),
    );
  });

  it('gives every zone its post-2025 unit with the reform date, or says it is unverified', () => {
    for (const z of catalog.zones) {
      expect(z.location.communeOrWard.effectiveDate).toBe('2025-07-01');
      if (z.location.communeOrWard.name === null) expect(z.location.communeOrWard.verified).toBe(false);
      // The flag and the zone's UNVERIFIED list must tell the same story.
      const listed = z.unverified.some((u) => u === 'location' || u === 'location.communeOrWard');
      expect(listed, z.id).toBe(!z.location.communeOrWard.verified);
    }
  });
});

describe('catalogStats', () => {
  it('adds the former provinces up to the merged province', () => {
    const s = catalogStats(catalog);
    const lc = s.byFormerProvince['Lào Cai'];
    const yb = s.byFormerProvince['Yên Bái'];
    expect(lc.zoneCount + yb.zoneCount).toBe(s.province.zoneCount);
    expect(lc.projects + yb.projects).toBe(s.province.projects);
    expect(Math.round((lc.allocatedHa + yb.allocatedHa) * 100)).toBe(
      Math.round(s.province.allocatedHa * 100),
    );
    expect(s.byKind.KCN.zoneCount + s.byKind.CCN.zoneCount + s.byKind.KKT.zoneCount).toBe(
      catalog.zones.length,
    );
  });

  it('moves the fill share when a plot is allocated', () => {
    const plots = catalog.plots.map((p) => ({ ...p }));
    const free = plots.find((p) => p.zoneId === 'kcn-tang-loong' && p.status === 'available');
    if (!free) throw new Error('Tằng Loỏng should have a free plot');
    const before = statsForZones({ zones: catalog.zones, plots }, ['kcn-tang-loong']);
    Object.assign(free, {
      status: 'allocated',
      project: {
        investor: 'x',
        sector: { code: '2410', version: 'VSIC2025' },
        sectorVsic2018: { code: '2410', version: 'VSIC2018' },
        registeredCapitalBnVnd: 100,
      },
    });
    const after = statsForZones({ zones: catalog.zones, plots }, ['kcn-tang-loong']);
    expect(after.projects).toBe(before.projects + 1);
    expect(after.allocatedHa).toBeCloseTo(before.allocatedHa + free.areaHa, 2);
    expect(after.registeredCapitalBnVnd).toBe(before.registeredCapitalBnVnd + 100);
  });
});

describe('sample plots', () => {
  it('are marked as sample data', () => {
    expect(catalog.sampleGeneration.plotsAreSample).toBe(true);
    expect(catalog.dataNotice).toMatch(/SAMPLE DATA/);
    expect(catalog.plots.every((p) => p.sample === true)).toBe(true);
  });

  it('are exactly what the generator produces from the committed seed (the file is not stale)', () => {
    const committed = readFileSync(
      new URL('../../shared/catalog/plots.generated.json', import.meta.url),
      'utf8',
    );
    expect(renderPlotsFile(catalog.sampleGeneration.seed)).toBe(committed);
  });

  it('cover exactly the industrial land of each zone that publishes it', () => {
    for (const s of catalogStats(catalog).zones) {
      const z = zone(s.zoneId);
      if (z.industrialLandHa !== null && z.status !== 'planned')
        expect(s.plotAreaHa).toBe(z.industrialLandHa);
    }
  });

  it('keep the reported aggregates whatever the seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const plots = generatePlots(catalog.zones, seed);
        const s = statsForZones({ zones: catalog.zones, plots }, THREE_KCN);
        return s.allocatedHa === 661.93 && s.projects === 161 && s.registeredCapitalBnVnd === 25_600;
      }),
      { numRuns: 25 },
    );
  });

  it('splits totals exactly, with every part at least the minimum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (total, weights) => {
          const parts = splitExact(total, weights, 5);
          const min = Math.min(5, Math.floor(total / weights.length));
          return parts.reduce((a, b) => a + b, 0) === total && parts.every((p) => p >= min);
        },
      ),
    );
  });

  it('draws the same numbers from the same seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('catalog corrections (issue 6)', () => {
  const formerLaoCai = (kind: string) =>
    catalog.zones.filter((z) => z.kind === kind && z.location.formerProvince === 'Lào Cai').map((z) => z.id);

  it('keeps Kim Thành, a border-gate economic-zone area, out of the KCN totals', () => {
    expect(zone('kcn-kim-thanh').kind).toBe('KKT');
    const kcn = statsForZones(catalog, formerLaoCai('KCN'));
    expect(kcn.operatingCount).toBe(3);
    expect(kcn.projects).toBe(161);
    expect(kcn.registeredCapitalBnVnd).toBe(25_600);
    expect(kcn.allocatedHa).toBe(661.93);
    const byKind = catalogStats(catalog).byKind;
    expect(byKind.KKT.zoneCount).toBe(1);
    expect(byKind.KKT.projects).toBeGreaterThan(0);
    expect(byKind.KCN.projects + byKind.CCN.projects + byKind.KKT.projects).toBe(
      catalogStats(catalog).province.projects,
    );
  });

  it('reproduces the sourced 87.2% for Đông Phố Mới, Bắc Duyên Hải and Kim Thành together', () => {
    const s = statsForZones(catalog, ['kcn-dong-pho-moi', 'kcn-bac-duyen-hai', 'kcn-kim-thanh']);
    expect(Math.round((s.filledShare ?? 0) * 1000) / 1000).toBe(0.872);
    // ...and Kim Thành's own share is marked as the sample it is.
    expect(zone('kcn-kim-thanh').sampleFields).toContain('filledShare');
  });

  it("takes the 231.81 ha of 18 clusters from plan 390/KH-UBND, with the article's 465 ha beside it", () => {
    const plan = catalog.reportedFigures.find((r) => r.claims.plannedAreaHa === 231.81);
    expect(plan?.sourceIds).toEqual(['baomoi-390']);
    expect(plan?.description).toMatch(/390\/KH-UBND \(2024-09-11/);
    expect(catalog.reportedFigures.some((r) => /5340/.test(r.description) && r.claims.plannedAreaHa)).toBe(
      false,
    );
    const target = provinceFigures().find((f) => f.id === 'ccn-area-target-2030');
    expect(target).toMatchObject({
      value: 465,
      unit: 'ha',
      kind: 'target',
      year: 2030,
      sourceIds: ['seed-article'],
    });
    expect(target?.alternatives).toEqual([
      expect.objectContaining({ value: 231.81, sourceId: 'baomoi-390' }),
    ]);
  });

  it("reads the article's province-wide figures exactly as it puts them", () => {
    const byId = new Map(provinceFigures().map((f) => [f.id, f]));
    const pick = (id: string) => {
      const f = byId.get(id);
      if (!f) throw new Error(`no province figure ${id}`);
      return [f.kind, f.year, f.value, f.unit, f.bound];
    };
    expect(pick('industrial-production-value-target-2025')).toEqual([
      'target',
      2025,
      60_000,
      'bn VND',
      'exact',
    ]);
    expect(pick('industry-construction-grdp-share-target-2025')).toEqual([
      'target',
      2025,
      0.45,
      'share',
      'exact',
    ]);
    expect(pick('industrial-production-value-target-2030')).toEqual([
      'target',
      2030,
      100_000,
      'bn VND',
      'over',
    ]);
    expect(pick('industry-construction-grdp-share-target-2030')).toEqual([
      'target',
      2030,
      0.54,
      'share',
      'exact',
    ]);
    expect(pick('kcn-industrial-production-value-2021')).toEqual([
      'reported',
      2021,
      23_900,
      'bn VND',
      'over',
    ]);
    expect(pick('kcn-share-of-industrial-output-2021')).toEqual(['reported', 2021, 0.58, 'share', 'exact']);
    expect(pick('kcn-budget-revenue-2021')).toEqual(['reported', 2021, 1_000, 'bn VND', 'over']);
    expect(pick('kcn-workers-2021')).toEqual(['reported', 2021, 7_000, 'count', 'over']);
    expect(pick('kcn-average-income-2021')).toEqual([
      'reported',
      2021,
      7.5,
      'million VND per person per month',
      'exact',
    ]);
    // The targets are for industrial production value, never registered capital.
    for (const id of ['industrial-production-value-target-2025', 'industrial-production-value-target-2030']) {
      expect(byId.get(id)?.measure).toMatch(/production value/);
      expect(byId.get(id)?.measure).toMatch(/not registered capital/);
      expect(byId.get(id)?.legalBasis).toMatch(/04-NQ\/TU/);
    }
    // Every quote is the article's own text.
    const article = readFileSync(
      new URL('../../../shared/seed/lao-cai-industrial-zones.vi.txt', import.meta.url),
      'utf8',
    );
    for (const f of provinceFigures().filter((x) => x.sourceIds.includes('seed-article')))
      expect(article, f.id).toContain(f.quote);
  });

  it('rejects a province figure with an unknown unit, naming its path', () => {
    const raw = structuredClone(rawCatalog()) as { provinceFigures: { unit: string }[] };
    (raw.provinceFigures[2] as { unit: string }).unit = 'USD';
    expect(() => parseCatalog(raw)).toThrow(/provinceFigures\[2\]\.unit: Invalid option/);
  });

  it('marks every generated or assumed zone figure as sample, field by field', () => {
    for (const z of catalog.zones) {
      expect(z.sampleFields, z.id).toBeDefined();
      for (const f of z.sampleFields ?? []) expect(z[f], `${z.id}.${f}`).not.toBeNull();
    }
    for (const id of ['kcn-dong-pho-moi', 'kcn-tang-loong', 'kcn-bac-duyen-hai'])
      expect(zone(id).sampleFields).toEqual([
        'industrialLandHa',
        'filledShare',
        'projects',
        'registeredCapitalBnVnd',
      ]);
    for (const id of formerLaoCai('CCN')) expect(zone(id).sampleFields, id).toContain('plannedAreaHa');
    expect(zone('kcn-phia-nam').sampleFields).toEqual(['filledShare']);
    // Sourced figures are not marked: the KCN planned areas and the full clusters' 100%.
    expect(zone('kcn-tang-loong').sampleFields).not.toContain('plannedAreaHa');
    expect(zone('ccn-son-man').sampleFields).not.toContain('filledShare');
    expect(SampleZoneFieldSchema.options).toContain('plannedAreaHa');
  });

  it("puts the sources' alternatives beside the chosen figure", () => {
    const alternatives = (id: string, field: string) =>
      zone(id)
        .figureChoices.find((f) => f.field === field)
        ?.alternatives.map((a) => a.value);
    expect(alternatives('kcn-tang-loong', 'plannedAreaHa')).toEqual(expect.arrayContaining([914, 918]));
    expect(alternatives('kcn-ban-qua', 'plannedAreaHa')).toContain(76);
    const byId = new Map(provinceFigures().map((f) => [f.id, f]));
    expect(byId.get('yen-bai-state-funded-kcn-area-2025')).toMatchObject({ value: 626, bound: 'over' });
    expect(byId.get('yen-bai-state-funded-kcn-industrial-land-2025')).toMatchObject({ value: 473 });
    expect(byId.get('yen-bai-kcn-average-occupancy-2025')).toMatchObject({ value: 0.857, kind: 'target' });
  });

  it('gives every allocated plot its VSIC 2025 code and keeps the VSIC 2018 one', () => {
    const allocated = catalog.plots.filter((p) => p.status === 'allocated');
    expect(allocated.length).toBeGreaterThan(100);
    for (const p of allocated) {
      expect(p.project?.sector.version, p.id).toBe('VSIC2025');
      expect(p.project?.sectorVsic2018).toEqual({ code: p.project?.sector.code, version: 'VSIC2018' });
    }
  });

  it('spells VSIC names one way (hóa, thủy: the tone mark on the main vowel of an open syllable)', () => {
    const names = vsicFile.vsic.flatMap((v) => [
      v.nameVi,
      'pollutingType' in v ? String(v.pollutingType) : '',
    ]);
    const oldStyle = names.filter((n) => /(?<![qQ])(o[áàảãạ]|o[éèẻẽẹ]|u[ýỳỷỹỵ])(?!\p{L})/u.test(n));
    expect(oldStyle).toEqual([]);
    expect(names.some((n) => /hóa chất/.test(n))).toBe(true);
  });
});
