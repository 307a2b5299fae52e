import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Enquiry } from '#shared/enquiry/schema.ts';
import {
  applyReviewDecision,
  authorities,
  candidateRoutes,
  routeApplication,
} from '#shared/routing/route.ts';
import type { Route, RoutingInput } from '#shared/routing/types.ts';
import { domesticGarments, foreignCopper } from '../fixtures/routing/inputs.ts';

const APPENDIX = [
  null,
  'ore_beneficiation',
  'iron_steel_metallurgy',
  'inorganic_chemicals_fertiliser',
  'pesticides',
  'pulp_paper',
  'cement',
  'textile_dyeing',
  'metal_plating',
  'batteries',
  'electronic_components',
  'other_appendix_ii',
] as const;
const NO_BANDS = new Set([
  'cement',
  'metal_plating',
  'batteries',
  'electronic_components',
  'other_appendix_ii',
]);
const KINDS = ['KCN', 'CCN', 'border-gate-economic-zone', 'KKT', 'mystery'] as const;
const authorityIds = new Set(authorities().map((a) => a.id));

const date = fc
  .integer({ min: Date.UTC(2020, 5, 1), max: Date.UTC(2027, 11, 31) })
  .map((ms) => new Date(ms).toISOString().slice(0, 10));

const investor = fc
  .oneof(
    { arbitrary: fc.constantFrom('vn', 'foreign'), weight: 6 },
    { arbitrary: fc.constant('vn-code-foreign-nationality'), weight: 1 },
  )
  .map((kind) => {
    const domestic = domesticGarments().investor;
    if (kind === 'vn') return domestic;
    if (kind === 'foreign') return foreignCopper().investor;
    return { ...domestic, country: 'KR' };
  });

const declaration = fc.record({
  appendixIIType: fc.oneof(
    { arbitrary: fc.constantFrom(...APPENDIX.filter((t) => t === null || !NO_BANDS.has(t))), weight: 8 },
    { arbitrary: fc.constantFrom(...APPENDIX.filter((t) => t !== null && NO_BANDS.has(t))), weight: 1 },
  ),
  capacity: fc.option(
    fc.record({
      value: fc.integer({ min: 1, max: 60_000_000 }),
      unit: fc.oneof(
        { arbitrary: fc.constantFrom('t/yr', 'tấn/năm', 't ore/yr'), weight: 8 },
        { arbitrary: fc.constantFrom('m2/yr', 'kg/h'), weight: 1 },
      ),
    }),
    { nil: undefined, freq: 8 },
  ),
  wastewaterM3PerDay: fc.integer({ min: 0, max: 500 }),
  hazardousWaste: fc.boolean(),
});

const input: fc.Arbitrary<RoutingInput> = fc
  .record({
    investor,
    declaration,
    site: fc.option(
      fc.record({
        zoneId: fc.constantFrom('kcn-tang-loong', 'ccn-bac-van-yen', 'kkt-kim-thanh'),
        zoneKind: fc.oneof(
          { arbitrary: fc.constantFrom(...KINDS.filter((k) => k !== 'mystery')), weight: 8 },
          { arbitrary: fc.constant('mystery'), weight: 1 },
        ),
        landRoute: fc.constantFrom('sublease' as const, 'state-lease' as const),
      }),
      { nil: null },
    ),
    filedOn: date,
    foreignOwnershipPercent: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    ircRequested: fc.option(fc.boolean(), { nil: undefined }),
    sensitiveFactors: fc.option(fc.constantFrom([], ['water-source']), { nil: undefined, freq: 2 }),
    landRoute: fc.option(fc.constantFrom('sublease' as const, 'state-lease' as const), { nil: undefined }),
    borderOrCoastalCommune: fc.option(fc.boolean(), { nil: undefined }),
    specialProcedureRequested: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ investor: inv, declaration: decl, ...rest }) => {
    const { capacity, ...d } = decl;
    const enquiry: Enquiry = {
      ...domesticGarments(),
      investor: inv,
      environmentalSelfDeclaration: capacity ? { ...d, capacity } : d,
    };
    const out: RoutingInput = { enquiry, site: rest.site, filedOn: rest.filedOn };
    for (const [k, v] of Object.entries(rest))
      if (v !== undefined && k !== 'site') Object.assign(out, { [k]: v });
    return out;
  });

const expectedRuleSet = (filedOn: string) =>
  filedOn < '2021-01-01' ? 'none' : filedOn <= '2026-02-28' ? 'law-61-2020' : 'law-143-2025';

function checkStages(r: Route, i: RoutingInput) {
  const ids = r.stages.map((s) => s.id);
  expect(new Set(ids).size).toBe(ids.length);
  r.stages.forEach((s, n) => {
    expect(authorityIds.has(s.authority)).toBe(true);
    expect(s.deadline.amount === null).toBe(s.deadline.confidence === 'unknown');
    expect(s.legalBasis.sources.length > 0 || s.legalBasis.note !== undefined).toBe(true);
    if (s.scope === 'zone') expect(i.site).not.toBeNull();
    if (n > 0) expect(s.order).toBeGreaterThanOrEqual(r.stages[n - 1]?.order ?? 0);
  });
}

describe('routing invariants over generated applications', () => {
  it('never throws on valid input, picks the rule set by filing date, and reviews exactly when something is unknown', () => {
    fc.assert(
      fc.property(input, (i) => {
        const r = routeApplication(i);
        expect(r.ruleSetId).toBe(expectedRuleSet(i.filedOn));
        const reviewed = r.review !== undefined;
        expect(reviewed).toBe(r.stages.length === 1 && r.stages[0]?.kind === 'routing-review');
        if (reviewed) expect(r.review?.reasons.length).toBeGreaterThan(0);
        // What must go to review: sensitive factors, an unknown zone kind, an Appendix II type without bands.
        const decl = i.enquiry.environmentalSelfDeclaration;
        if ((i.sensitiveFactors?.length ?? 0) > 0) expect(reviewed).toBe(true);
        if (i.site?.zoneKind === 'mystery') expect(reviewed).toBe(true);
        if (decl.appendixIIType !== null && NO_BANDS.has(decl.appendixIIType)) expect(reviewed).toBe(true);
        if (r.ruleSetId === 'none') expect(reviewed).toBe(true);
        checkStages(r, i);
      }),
      { numRuns: 250 },
    );
  });

  it('a decided route follows the model: certificates, policy approval and EIA where the law puts them', () => {
    fc.assert(
      fc.property(input, (i) => {
        const r = routeApplication(i);
        if (r.review) return;
        const has = (kind: string) => r.stages.some((s) => s.kind === kind);
        const order = (kind: string) => r.stages.find((s) => s.kind === kind)?.order ?? Number.NaN;
        const t = r.triggers;
        if (t.specialProcedure === 'requested-eligible') {
          expect(r.stages[0]?.kind).toBe('special-procedure');
          expect(has('irc') || has('policy-approval')).toBe(false);
          return;
        }
        const foreign = t.investorType === 'foreign' || t.investorType === 'foreign-majority';
        expect(has('irc')).toBe(foreign || t.ircRequested);
        if (t.landRoute === 'state-lease') {
          expect(has('policy-approval')).toBe(true);
          expect(r.stages.filter((s) => s.kind === 'policy-approval-opinions').map((s) => s.id)).toEqual([
            'policy-dossier-out',
            'policy-opinions',
          ]);
          if (has('irc')) expect(order('irc')).toBeGreaterThan(order('policy-approval'));
        }
        expect(has('eia-appraisal')).toBe(r.environment.eia === true);
        if (r.environment.eia === true) expect(['I', 'II']).toContain(r.environment.group);
      }),
      { numRuns: 250 },
    );
  });

  it('generates enough decided routes for the model to bite', () => {
    const sample = fc.sample(input, { numRuns: 400, seed: 7 });
    const decided = sample.map(routeApplication).filter((r) => !r.review);
    expect(decided.length).toBeGreaterThan(60);
    expect(decided.some((r) => r.stages.some((s) => s.kind === 'policy-approval'))).toBe(true);
    expect(decided.some((r) => r.stages.some((s) => s.kind === 'eia-appraisal'))).toBe(true);
    expect(decided.some((r) => r.stages.some((s) => s.kind === 'special-procedure'))).toBe(true);
  });

  it('every review route under a rule set offers candidates, and any of them can be chosen', () => {
    fc.assert(
      fc.property(input, fc.nat(), (i, pick) => {
        const r = routeApplication(i);
        if (!r.review || r.ruleSetId === 'none') return;
        const candidates = candidateRoutes(i);
        expect(candidates.length).toBeGreaterThan(0);
        const c = candidates[pick % candidates.length];
        if (!c) throw new Error('unreachable: index within bounds');
        expect(c.route.review).toBeUndefined();
        const decided = applyReviewDecision(i, r, {
          candidateId: c.id,
          officialId: 'officer-1',
          reason: 'checked the site plan',
          decidedAt: '2026-03-12T09:00:00+07:00',
        });
        expect(decided.decidedBy?.candidateId).toBe(c.id);
        expect(decided.ruleSetId).toBe(r.ruleSetId);
        checkStages(decided, i);
      }),
      { numRuns: 120 },
    );
  });
});
