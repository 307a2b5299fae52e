import { describe, expect, it } from 'vitest';
import { InputValidationError } from '#shared/errors.ts';
import {
  applyReviewDecision,
  authorities,
  candidateRoutes,
  InvalidReviewDecisionError,
  routeApplication,
  ruleSetFor,
} from '#shared/routing/route.ts';
import authoritiesFile from '#shared/routing/rules/authorities.json' with { type: 'json' };
import environmentFile from '#shared/routing/rules/environment-law-72-2020.json' with { type: 'json' };
import law61 from '#shared/routing/rules/law-61-2020.json' with { type: 'json' };
import law143 from '#shared/routing/rules/law-143-2025.json' with { type: 'json' };
import { buildRules, parseRuleSet, RoutingRulesError } from '#shared/routing/rules.ts';
import type { Route, RoutingInput } from '#shared/routing/types.ts';
import { ccn, domesticGarments, domesticSteel, foreignCopper, kcn } from '../fixtures/routing/inputs.ts';

const OLD = '2026-02-10'; // Law 61/2020 (Decree 31/2021 as amended by 19/2025 and 239/2025)
const NEW = '2026-03-10'; // Law 143/2025/QH15

const ids = (r: Route) => r.stages.map((s) => s.id);
const stage = (r: Route, id: string) => {
  const s = r.stages.find((x) => x.id === id);
  if (!s) throw new Error(`no stage ${id} in ${ids(r).join(', ')}`);
  return s;
};

describe('rule set by filing date (Vietnam date)', () => {
  it('judges 2026-02-28 by Law 61/2020 and 2026-03-01 by Law 143/2025', () => {
    expect(ruleSetFor('2026-02-28').id).toBe('law-61-2020');
    expect(ruleSetFor('2026-03-01').id).toBe('law-143-2025');
    const input = (filedOn: string): RoutingInput => ({
      enquiry: foreignCopper(),
      site: kcn(),
      filedOn,
      borderOrCoastalCommune: false,
    });
    const before = routeApplication(input('2026-02-28'));
    const after = routeApplication(input('2026-03-01'));
    expect(before.ruleSetId).toBe('law-61-2020');
    expect(after.ruleSetId).toBe('law-143-2025');
    // Same application, different law: 15 days (Art. 38 of the 2020 law) vs not found (2025 law).
    expect(stage(before, 'irc').deadline).toMatchObject({
      amount: 15,
      unit: 'days',
      confidence: 'confirmed',
    });
    expect(stage(before, 'irc').legalBasis).toMatchObject({
      instrument: 'Law 61/2020/QH14',
      article: 'Art. 38',
    });
    expect(stage(after, 'irc').deadline).toMatchObject({ amount: null, confidence: 'unknown' });
  });

  it('sends an application filed before any rule set to review, with no candidate to pick', () => {
    const input: RoutingInput = { enquiry: domesticGarments(), site: kcn(), filedOn: '2020-12-31' };
    const r = routeApplication(input);
    expect(r.ruleSetId).toBe('none');
    expect(ids(r)).toEqual(['routing-review']);
    expect(r.review?.reasons[0]).toMatch(/filedOn: no rule set is in force on 2020-12-31/);
    expect(candidateRoutes(input)).toEqual([]);
  });
});

describe('routing table, Law 143/2025/QH15 (filed 2026-03-10)', () => {
  it('domestic investor in a KCN by sublease: no policy approval, no certificate, no EIA', () => {
    const r = routeApplication({ enquiry: domesticGarments(), site: kcn(), filedOn: NEW });
    expect(r.review).toBeUndefined();
    expect(r.triggers).toMatchObject({ investorType: 'domestic', location: 'kcn', landRoute: 'sublease' });
    expect(r.stages).toEqual([]);
    expect(r.environment).toMatchObject({
      group: 'III',
      eia: false,
      licence: true,
      appraiser: 'dept-agriculture-environment',
    });
    // Small Appendix II production declaring no wastewater and no hazardous waste: air emissions are not
    // declared, so whether a licence is needed is unknown (recorded, not a stage).
    const small = routeApplication({
      enquiry: {
        ...domesticGarments(),
        environmentalSelfDeclaration: {
          appendixIIType: 'pulp_paper',
          capacity: { value: 1_000, unit: 't/yr' },
          wastewaterM3PerDay: 0,
          hazardousWaste: false,
        },
      },
      site: kcn(),
      filedOn: NEW,
    });
    expect(small.environment).toMatchObject({
      group: 'III',
      eia: false,
      licence: 'unknown',
      appraiser: 'unknown',
    });
    expect(small.review).toBeUndefined();
    expect(r.legalBasis.map((b) => b.instrument)).toContain('Law 143/2025/QH15 on Investment');
  });

  it('domestic investor who asks for a certificate gets one from the zone board, time limit not found', () => {
    const r = routeApplication({
      enquiry: domesticGarments(),
      site: kcn(),
      filedOn: NEW,
      ircRequested: true,
    });
    expect(r.stages).toHaveLength(1);
    expect(stage(r, 'irc')).toMatchObject({
      authority: 'zone-board',
      role: 'zone-board-officer',
      scope: 'zone',
      supervisorRole: 'provincial-officer',
      deadline: { amount: null, confidence: 'unknown' },
    });
  });

  it('foreign investor in a KCN: the certificate is required; medium metallurgy needs a licence, not an EIA', () => {
    const r = routeApplication({ enquiry: foreignCopper(), site: kcn(), filedOn: NEW });
    expect(r.triggers).toMatchObject({ investorType: 'foreign', investorTypeBasis: 'foreign-registration' });
    expect(r.triggers.capacityClass).toBe('medium');
    expect(ids(r)).toEqual(['irc']);
    expect(r.environment).toMatchObject({ group: 'II', groupPoint: 'a', eia: false, licence: true });
  });

  it('a Vietnamese enterprise over 50% foreign-held is routed as a foreign investor', () => {
    const base = { enquiry: domesticGarments(), site: kcn(), filedOn: NEW };
    expect(routeApplication({ ...base, foreignOwnershipPercent: 51 }).triggers.investorType).toBe(
      'foreign-majority',
    );
    expect(ids(routeApplication({ ...base, foreignOwnershipPercent: 51 }))).toEqual(['irc']);
    expect(routeApplication({ ...base, foreignOwnershipPercent: 50 }).triggers.investorType).toBe('domestic');
  });

  it('state lease without auction needs the chairperson’s policy approval, with its sub-steps', () => {
    const r = routeApplication({
      enquiry: foreignCopper(),
      site: null,
      landRoute: 'state-lease',
      filedOn: NEW,
    });
    expect(ids(r)).toEqual(['policy-dossier-out', 'policy-opinions', 'policy-approval', 'irc']);
    expect(r.stages.map((s) => s.order)).toEqual([1, 2, 3, 4]);
    expect(stage(r, 'policy-approval')).toMatchObject({
      authority: 'provincial-pc-chair',
      scope: 'province',
    });
    // Outside zones the Department of Finance is the registration agency.
    expect(stage(r, 'irc')).toMatchObject({
      authority: 'dept-finance',
      role: 'provincial-officer',
      scope: 'province',
    });
    // No source gives the 2025 law's time limits: unknown, never guessed.
    for (const s of r.stages) expect(s.deadline).toMatchObject({ amount: null, confidence: 'unknown' });
    expect(r.legalBasis.some((b) => b.instrument === 'Law 143/2025/QH15' && b.article === 'Art. 24')).toBe(
      true,
    );
  });

  it('CCN project: not a zone the board runs, so the Department of Finance issues the certificate', () => {
    const r = routeApplication({ enquiry: foreignCopper(), site: ccn(), filedOn: NEW });
    expect(r.triggers.location).toBe('ccn');
    expect(stage(r, 'irc')).toMatchObject({ authority: 'dept-finance', scope: 'province' });
  });

  it('special investment procedure in a KCN: one stage, 15 days on commitments, EIA exempt', () => {
    const r = routeApplication({
      enquiry: { ...domesticSteel(), investor: foreignCopper().investor },
      site: kcn(),
      filedOn: NEW,
      specialProcedureRequested: true,
    });
    expect(r.triggers.specialProcedure).toBe('requested-eligible');
    expect(ids(r)).toEqual(['special-procedure']);
    expect(stage(r, 'special-procedure')).toMatchObject({
      authority: 'zone-board',
      scope: 'zone',
      deadline: { amount: 15, unit: 'days', confidence: 'confirmed' },
      legalBasis: { instrument: 'Law 143/2025/QH15', article: 'Art. 28' },
    });
    expect(r.environment).toMatchObject({ group: 'I', eia: false });
  });

  it('the special procedure is not open in a CCN or with policy approval: the ordinary route applies', () => {
    const inCcn = routeApplication({
      enquiry: foreignCopper(),
      site: ccn(),
      filedOn: NEW,
      specialProcedureRequested: true,
    });
    expect(inCcn.triggers.specialProcedure).toBe('requested-ineligible');
    expect(ids(inCcn)).toEqual(['irc']);
    const stateLease = routeApplication({
      enquiry: foreignCopper(),
      site: kcn('state-lease'),
      filedOn: NEW,
      specialProcedureRequested: true,
    });
    expect(stateLease.triggers.specialProcedure).toBe('requested-ineligible');
    expect(ids(stateLease)).toContain('policy-approval');
  });

  it('EIA project (steel ≥ 300,000 t/yr): Group I, the ministry appraises within 45 days, revision time excluded', () => {
    const r = routeApplication({ enquiry: domesticSteel(), site: kcn(), filedOn: NEW });
    expect(r.environment).toMatchObject({
      group: 'I',
      eia: true,
      licence: true,
      appraiser: 'ministry-agriculture-environment',
    });
    expect(ids(r)).toEqual(['eia-appraisal']);
    expect(stage(r, 'eia-appraisal')).toMatchObject({
      kind: 'eia-appraisal',
      role: 'environment-officer',
      scope: 'province',
      deadline: {
        amount: 45,
        unit: 'days',
        confidence: 'confirmed',
        pausesWhile: ['investor revising the EIA report'],
      },
    });
    // A foreign steel mill: certificate and appraisal run in parallel (same order).
    const foreign = routeApplication({
      enquiry: { ...domesticSteel(), investor: foreignCopper().investor },
      site: kcn(),
      filedOn: NEW,
    });
    expect(foreign.stages.map((s) => [s.id, s.order])).toEqual([
      ['irc', 1],
      ['eia-appraisal', 1],
    ]);
  });
});

describe('routing table, Law 61/2020 (filed 2026-02-10)', () => {
  it('domestic in a KCN by sublease: no stages', () => {
    const r = routeApplication({ enquiry: domesticGarments(), site: kcn(), filedOn: OLD });
    expect(r.ruleSetId).toBe('law-61-2020');
    expect(r.stages).toEqual([]);
  });

  it('foreign investor in a KCN outside border communes: certificate in 15 days (Art. 38)', () => {
    const r = routeApplication({
      enquiry: foreignCopper(),
      site: kcn(),
      filedOn: OLD,
      borderOrCoastalCommune: false,
    });
    expect(ids(r)).toEqual(['irc']);
    expect(stage(r, 'irc')).toMatchObject({
      authority: 'zone-board',
      deadline: { amount: 15, unit: 'days' },
    });
  });

  it('foreign investor in a border commune needs the People’s Committee’s policy approval (Art. 32)', () => {
    const r = routeApplication({
      enquiry: foreignCopper(),
      site: kcn(),
      filedOn: OLD,
      borderOrCoastalCommune: true,
    });
    expect(ids(r)).toEqual(['policy-dossier-out', 'policy-opinions', 'policy-approval', 'irc']);
    expect(stage(r, 'policy-approval').authority).toBe('provincial-people-committee');
    expect(stage(r, 'irc').deadline).toMatchObject({
      amount: 5,
      unit: 'working-days',
      startsWhen: 'investment policy approval issued',
    });
  });

  it('a foreign investor whose commune is not known to be a border commune goes to review', () => {
    const r = routeApplication({ enquiry: foreignCopper(), site: kcn(), filedOn: OLD });
    expect(ids(r)).toEqual(['routing-review']);
    expect(r.review?.reasons).toEqual([expect.stringMatching(/border, island or coastal commune/)]);
  });

  it('state lease without auction: opinions out in 3 working days, opinions in 15 days (Decree 31/2021 as amended by 19/2025)', () => {
    const r = routeApplication({
      enquiry: domesticGarments(),
      site: null,
      landRoute: 'state-lease',
      filedOn: '2025-06-02',
    });
    expect(ids(r)).toEqual(['policy-dossier-out', 'policy-opinions', 'policy-approval']);
    expect(stage(r, 'policy-dossier-out').deadline).toMatchObject({
      amount: 3,
      unit: 'working-days',
      confidence: 'confirmed',
    });
    expect(stage(r, 'policy-opinions').deadline).toMatchObject({
      amount: 15,
      unit: 'days',
      confidence: 'confirmed',
    });
    expect(stage(r, 'policy-dossier-out').legalBasis.instrument).toBe(
      'Decree 31/2021/ND-CP as amended by Decree 19/2025/ND-CP',
    );
    // The later steps are not sourced.
    expect(stage(r, 'policy-approval').deadline).toMatchObject({ amount: null, confidence: 'unknown' });
    // After Decree 239/2025 the same limits are only uncertain.
    const later = routeApplication({
      enquiry: domesticGarments(),
      site: null,
      landRoute: 'state-lease',
      filedOn: '2025-10-01',
    });
    expect(stage(later, 'policy-dossier-out').deadline).toMatchObject({ amount: 3, confidence: 'uncertain' });
  });

  it('CCN project with a certificate on request: Department of Finance, 15 days', () => {
    const r = routeApplication({
      enquiry: domesticGarments(),
      site: ccn(),
      filedOn: OLD,
      ircRequested: true,
    });
    expect(stage(r, 'irc')).toMatchObject({
      authority: 'dept-finance',
      deadline: { amount: 15, unit: 'days' },
    });
  });

  it('special procedure under Art. 36a: eligibility (high-tech, semiconductor) is for an official to decide', () => {
    const r = routeApplication({
      enquiry: domesticGarments(),
      site: kcn(),
      filedOn: OLD,
      specialProcedureRequested: true,
    });
    expect(r.triggers.specialProcedure).toBe('requested-unknown');
    expect(ids(r)).toEqual(['routing-review']);
  });

  it('EIA project: same environmental law, 45 days', () => {
    const r = routeApplication({ enquiry: domesticSteel(), site: kcn(), filedOn: OLD });
    expect(stage(r, 'eia-appraisal').deadline.amount).toBe(45);
  });
});

describe('unknown means people decide', () => {
  const batteries = (): RoutingInput => ({
    enquiry: {
      ...domesticGarments(),
      environmentalSelfDeclaration: {
        appendixIIType: 'batteries',
        wastewaterM3PerDay: 5,
        hazardousWaste: true,
      },
    },
    site: kcn(),
    filedOn: NEW,
  });

  it('an Appendix II type without capacity bands goes to a single routing-review stage for a provincial officer', () => {
    const r = routeApplication(batteries());
    expect(r.stages).toHaveLength(1);
    expect(r.stages[0]).toMatchObject({
      kind: 'routing-review',
      role: 'provincial-officer',
      scope: 'province',
    });
    expect(r.review?.reasons).toEqual([
      expect.stringMatching(/Appendix II type "batteries" has no capacity bands/),
    ]);
    expect(r.environment.group).toBe('unknown');
  });

  it('lists every unknown, not just the first', () => {
    const r = routeApplication({
      ...batteries(),
      enquiry: {
        ...batteries().enquiry,
        investor: {
          ...foreignCopper().investor,
          foreignRegistration: undefined,
          enterpriseCode: '0101234567',
        },
      },
      site: { zoneId: 'kt-kim-thanh', zoneKind: 'mystery-kind', landRoute: 'sublease' },
    });
    expect(r.review?.reasons).toHaveLength(3);
    expect(r.review?.reasons.join('\n')).toMatch(
      /investor type[\s\S]*location: zone kind "mystery-kind"[\s\S]*environmental group/,
    );
  });

  it('treats unknown capacity units, missing capacity and sensitive factors as unknown', () => {
    const steel = domesticSteel();
    const unit = routeApplication({
      enquiry: {
        ...steel,
        environmentalSelfDeclaration: {
          ...steel.environmentalSelfDeclaration,
          capacity: { value: 5, unit: 'kg/h' },
        },
      },
      site: kcn(),
      filedOn: NEW,
    });
    expect(unit.review?.reasons[0]).toMatch(/capacity unit "kg\/h"/);
    const sensitive = routeApplication({
      enquiry: domesticGarments(),
      site: kcn(),
      filedOn: NEW,
      sensitiveFactors: ['water-source'],
    });
    expect(sensitive.review?.reasons[0]).toMatch(/sensitive factors declared \(water-source\)/);
  });

  it('reads a border-gate economic-zone area (Kim Thành) as an economic zone: zone board, special procedure open', () => {
    const r = routeApplication({
      enquiry: foreignCopper(),
      site: { zoneId: 'kkt-kim-thanh', zoneKind: 'border-gate-economic-zone', landRoute: 'sublease' },
      filedOn: NEW,
      specialProcedureRequested: true,
    });
    expect(r.triggers.location).toBe('economic-zone');
    expect(stage(r, 'special-procedure').authority).toBe('zone-board');
  });

  it('lets the official pick a candidate path with a reason, and records who and why', () => {
    const input = batteries();
    const review = routeApplication(input);
    const candidates = candidateRoutes(input);
    expect(candidates.map((c) => c.id)).toEqual([
      'environment=I',
      'environment=II-a',
      'environment=II-cde',
      'environment=III',
      'environment=IV',
    ]);
    const decided = applyReviewDecision(input, review, {
      candidateId: 'environment=II-cde',
      officialId: 'officer-17',
      reason: 'battery assembly of 2,000 t/yr near the Hồng river: Group II point c per the 2024 appraisal',
      decidedAt: '2026-03-12T09:00:00+07:00',
    });
    expect(decided.review).toBeUndefined();
    expect(decided.decidedBy).toMatchObject({
      officialId: 'officer-17',
      candidateId: 'environment=II-cde',
      reviewReasons: review.review?.reasons,
    });
    expect(decided.environment).toMatchObject({
      group: 'II',
      groupPoint: 'c-e',
      eia: true,
      appraiser: 'dept-agriculture-environment',
    });
    expect(stage(decided, 'eia-appraisal').deadline).toMatchObject({ amount: 30, unit: 'days' });
  });

  it('refuses a decision without a reason, with an unknown candidate, or on a route not under review', () => {
    const input = batteries();
    const review = routeApplication(input);
    const ok = {
      candidateId: 'environment=I',
      officialId: 'o1',
      reason: 'why',
      decidedAt: '2026-03-12T09:00:00Z',
    };
    expect(() => applyReviewDecision(input, review, { ...ok, reason: '  ' })).toThrow(
      InvalidReviewDecisionError,
    );
    expect(() => applyReviewDecision(input, review, { ...ok, candidateId: 'environment=V' })).toThrow(
      /candidateId: "environment=V" is not a candidate/,
    );
    const decided = applyReviewDecision(input, review, ok);
    expect(() => applyReviewDecision(input, decided, ok)).toThrow(/route: is not under review/);
  });
});

describe('input and data validation', () => {
  it('rejects bad input naming the field', () => {
    const bad = (patch: Partial<RoutingInput>) => () =>
      routeApplication({ enquiry: domesticGarments(), site: kcn(), filedOn: NEW, ...patch });
    expect(bad({ filedOn: '2026-02-30' })).toThrow(InputValidationError);
    expect(bad({ filedOn: '2026-02-30' })).toThrow(/filedOn/);
    expect(bad({ foreignOwnershipPercent: 120 })).toThrow(/foreignOwnershipPercent: .* \[max:100\]/);
    expect(bad({ filedOn: '2026-02-30' })).toThrow(/filedOn: .* \[format:date\]/);
    expect(bad({ site: { zoneId: '', zoneKind: 'KCN', landRoute: 'sublease' } })).toThrow(/site\.zoneId/);
  });

  it('refuses a rule set whose unknown deadline carries an amount, naming the path', () => {
    const corrupt = structuredClone(law143) as {
      policyApproval: { approval: { deadline: { amount: number | null } } };
    };
    corrupt.policyApproval.approval.deadline.amount = 30;
    expect(() => parseRuleSet(corrupt, 'law-143-2025.json')).toThrow(RoutingRulesError);
    expect(() => parseRuleSet(corrupt, 'law-143-2025.json')).toThrow(
      /policyApproval\.approval\.deadline\.amount: must be null exactly when the confidence is unknown/,
    );
  });

  it('gives every authority a name in both languages, a role and a legal basis; the zone board is a flagged placeholder', () => {
    const list = authorities();
    expect(list.map((a) => a.id).sort()).toEqual([
      'dept-agriculture-environment',
      'dept-finance',
      'ministry-agriculture-environment',
      'prime-minister',
      'provincial-pc-chair',
      'provincial-people-committee',
      'zone-board',
    ]);
    expect(list.find((a) => a.id === 'zone-board')).toMatchObject({
      placeholder: true,
      role: 'zone-board-officer',
    });
    for (const a of list)
      expect(a.legalBasis.sources.length + (a.legalBasis.note ? 1 : 0)).toBeGreaterThan(0);
  });
});

describe('rules cross-references', () => {
  const shipped = () => ({
    ruleSets: [structuredClone(law61), structuredClone(law143)],
    authorities: structuredClone(authoritiesFile),
    environment: structuredClone(environmentFile),
  });

  it('accepts the shipped rules', () => {
    expect(buildRules(shipped()).ruleSets.map((r) => r.id)).toEqual(['law-61-2020', 'law-143-2025']);
  });

  it('names an authority missing from the registry', () => {
    const raw = shipped();
    (raw.ruleSets[1] as { irc: { issuer: { ccn: string } } }).irc.issuer.ccn = 'dept-industry-trade';
    expect(() => buildRules(raw)).toThrow(
      /rules\/law-143-2025\.json irc\.issuer\.ccn: unknown authority "dept-industry-trade"/,
    );
  });

  it('refuses rule sets that overlap or dated variants that leave a gap', () => {
    const overlap = shipped();
    (overlap.ruleSets[0] as { validTo: string }).validTo = '2026-03-01';
    expect(() => buildRules(overlap)).toThrow(/law-61-2020\.json validTo: overlaps law-143-2025/);
    const gap = shipped();
    (gap.ruleSets[0] as { policyApproval: { stages: Array<{ from: string }> } }).policyApproval.stages.splice(
      1,
      1,
    );
    expect(() => buildRules(gap)).toThrow(
      /policyApproval\.stages\[1\]\.from: 2025-09-03, expected 2025-02-10/,
    );
  });
});
