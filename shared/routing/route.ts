/**
 * Procedure routing: which approval stages an application goes through, under the rule set in force on its
 * filing date, with every stage's deadline and legal basis. Pure: rules are data (`rules/*.json`), the
 * input is data, the result is data.
 *
 * Unknown means people decide: when an input or a rule that decides the PATH is unknown (investor type,
 * location kind, land route, environmental group, a border-commune question, special-procedure eligibility),
 * `routeApplication` returns a review route (one 'routing-review' stage for a provincial officer) listing
 * each unknown. `candidateRoutes(input)` lists the full routes an official may pick from (one per combination
 * of the unknowns' possible answers) and `applyReviewDecision` returns the chosen one with who chose it and why.
 *
 * A DEADLINE that no source gives does not stop the path: the stage carries `amount: null` with confidence
 * 'unknown', and the workflow sets no statutory due date for it (it never guesses one).
 */

import { formatPath } from '#shared/catalog/issues.ts';
import { EnquirySchema } from '#shared/enquiry/schema.ts';
import { InputValidationError } from '#shared/errors.ts';
import * as z from '../zod.ts';
import { type Authority, loadRules, type RuleSet, type StageTemplate } from './rules.ts';
import type {
  CandidateRoute,
  InvestorType,
  LandRoute,
  LegalBasis,
  LocationKind,
  ReviewDecision,
  Route,
  RouteEnvironment,
  RouteStage,
  RoutingInput,
  RoutingTriggers,
} from './types.ts';

export type { RuleSet } from './rules.ts';
export { authorities } from './rules.ts';

type KnownInvestor = Exclude<InvestorType, 'unknown'>;
type KnownLocation = Exclude<LocationKind, 'unknown'>;
type EnvChoice = 'I' | 'II-a' | 'II-cde' | 'III' | 'IV';

/** What an official may settle for a review route; each key is one unknown. */
export interface Assumptions {
  investorType?: KnownInvestor;
  location?: KnownLocation;
  landRoute?: LandRoute;
  environment?: EnvChoice;
  borderOrCoastalCommune?: boolean;
  specialProcedureEligible?: boolean;
}
type Dimension = keyof Assumptions;

interface Unknown {
  dimension: Dimension;
  reason: string;
  options: Array<Assumptions[Dimension]>;
}

/** Thrown by `ruleSetFor` when no rule set covers a filing date. */
export class NoRuleSetError extends Error {
  override readonly name = 'NoRuleSetError';
}

/** Thrown by `applyReviewDecision` for a decision that does not fit the route under review. */
export class InvalidReviewDecisionError extends Error {
  override readonly name = 'InvalidReviewDecisionError';
}

const InputSchema = z.object({
  enquiry: EnquirySchema,
  site: z.nullable(
    z.strictObject({
      zoneId: z.string().check(z.minLength(1), z.maxLength(120)),
      zoneKind: z.string().check(z.minLength(1), z.maxLength(60)),
      landRoute: z.enum(['sublease', 'state-lease']),
    }),
  ),
  filedOn: z.iso.date(),
  foreignOwnershipPercent: z.optional(z.number().check(z.gte(0), z.lte(100))),
  ircRequested: z.optional(z.boolean()),
  sensitiveFactors: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.maxLength(20)),
  ),
  landRoute: z.optional(z.enum(['sublease', 'state-lease'])),
  borderOrCoastalCommune: z.optional(z.boolean()),
  specialProcedureRequested: z.optional(z.boolean()),
});

/** A zod issue → the rule it broke, named as the enquiry parser names them (`max:100`, `format:date`). */
function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return `max:${String(issue.maximum)}`;
    case 'too_small':
      return `min:${String(issue.minimum)}`;
    case 'invalid_format':
      return `format:${issue.format}`;
    case 'invalid_type':
      return `type:${issue.expected}`;
    case 'invalid_value':
      return 'enum';
    case 'unrecognized_keys':
      return 'unknown_key';
    case 'custom':
      return typeof issue.params?.rule === 'string' ? issue.params.rule : 'custom';
    default:
      return issue.code;
  }
}

function validate(input: RoutingInput): void {
  const result = InputSchema.safeParse(input);
  if (!result.success) {
    throw new InputValidationError(
      result.error.issues.map((i) => ({ path: formatPath(i.path), rule: ruleOf(i), message: i.message })),
    );
  }
}

/** The rule set in force on a filing date (YYYY-MM-DD, Vietnam date), by the rule sets' effective dates. */
export function ruleSetFor(filedOn: string): RuleSet {
  if (!z.iso.date().safeParse(filedOn).success) {
    throw new InputValidationError([{ path: 'filedOn', rule: 'format:date', message: 'must be YYYY-MM-DD' }]);
  }
  const found = loadRules().ruleSets.find(
    (rs) => rs.validFrom <= filedOn && (rs.validTo === undefined || filedOn <= rs.validTo),
  );
  if (!found) {
    const spans = loadRules()
      .ruleSets.map((rs) => `${rs.id} ${rs.validFrom}..${rs.validTo ?? ''}`)
      .join(', ');
    throw new NoRuleSetError(`filedOn: no rule set is in force on ${filedOn} (rule sets: ${spans})`);
  }
  return found;
}

function authority(id: string): Authority {
  const a = loadRules().authorities.get(id);
  if (!a) throw new Error(`authority "${id}" is not in the registry`); // loadRules checks every reference
  return a;
}

const bases = (...list: Array<LegalBasis | undefined>): LegalBasis[] => {
  const out: LegalBasis[] = [];
  for (const b of list) if (b && !out.some((o) => JSON.stringify(o) === JSON.stringify(b))) out.push(b);
  return out;
};

function investorTypeOf(
  input: RoutingInput,
  rs: RuleSet,
  assume: Assumptions,
): { type: InvestorType; basis: string; unknown?: Unknown } {
  if (assume.investorType) return { type: assume.investorType, basis: 'decided by a provincial official' };
  const inv = input.enquiry.investor;
  if (inv.foreignRegistration !== undefined) return { type: 'foreign', basis: 'foreign-registration' };
  const pct = input.foreignOwnershipPercent;
  if (pct !== undefined) {
    return {
      type: pct > rs.investorType.foreignMajorityAbovePercent ? 'foreign-majority' : 'domestic',
      basis: 'ownership-percent',
    };
  }
  if (inv.country === 'VN') return { type: 'domestic', basis: 'declared-nationality' };
  return {
    type: 'unknown',
    basis: 'none',
    unknown: {
      dimension: 'investorType',
      reason: `investor type: a Vietnamese enterprise of ${inv.country} nationality with no foreign ownership share given; whether it is over ${rs.investorType.foreignMajorityAbovePercent}% foreign-held decides the certificate`,
      options: ['foreign-majority', 'domestic'],
    },
  };
}

function locationOf(
  input: RoutingInput,
  rs: RuleSet,
  assume: Assumptions,
): { loc: LocationKind; unknown?: Unknown } {
  if (assume.location) return { loc: assume.location };
  if (input.site === null) return { loc: 'outside' };
  const loc = rs.locations[input.site.zoneKind];
  if (loc) return { loc };
  return {
    loc: 'unknown',
    unknown: {
      dimension: 'location',
      reason: `location: zone kind "${input.site.zoneKind}" of zone ${input.site.zoneId} is not in the rule set's list (${Object.keys(rs.locations).join(', ')})`,
      options: ['kcn', 'ccn', 'economic-zone'],
    },
  };
}

interface EnvResult {
  env: RouteEnvironment;
  choice?: EnvChoice;
  capacityClass?: RoutingTriggers['capacityClass'];
  unknown?: Unknown;
}

function environmentOf(input: RoutingInput, rs: RuleSet, assume: Assumptions): EnvResult {
  const rules = loadRules().environment.get(rs.environmentRules);
  if (!rules) throw new Error(`environment rules "${rs.environmentRules}" missing`); // checked by loadRules
  const decl = input.enquiry.environmentalSelfDeclaration;
  const wastes = decl.wastewaterM3PerDay > 0 || decl.hazardousWaste;
  const envOf = (
    choice: EnvChoice,
    extra: LegalBasis[],
    capacityClass?: RoutingTriggers['capacityClass'],
  ) => {
    const appendix = decl.appendixIIType !== null;
    const eia = choice === 'I' || choice === 'II-cde';
    const licence: boolean | 'unknown' =
      choice === 'IV' ? false : choice === 'III' && appendix && !wastes ? 'unknown' : true;
    // Who appraises the EIA; without one, who grants the licence (the province, Decree 05/2025: uncertain).
    const appraiserRule = rules.appraisers.find(
      (a) =>
        a.when ===
        (choice === 'I' ? 'group-I' : choice === 'II-cde' || licence === true ? 'group-II-cde' : ''),
    );
    const groupBasis = choice === 'II-cde' ? rules.eia : rules.groups[choice];
    const env: RouteEnvironment = {
      group: choice === 'II-a' || choice === 'II-cde' ? 'II' : choice,
      ...(choice === 'II-a'
        ? { groupPoint: 'a' as const }
        : choice === 'II-cde'
          ? { groupPoint: 'c-e' as const }
          : {}),
      eia,
      licence,
      appraiser: licence === false && !eia ? 'none' : (appraiserRule?.authority ?? 'unknown'),
      legalBasis: bases(
        rules.basis,
        groupBasis,
        ...extra,
        eia ? rules.eia : undefined,
        rules.licence,
        appraiserRule?.legalBasis,
      ),
    };
    return { env, choice, capacityClass };
  };
  const unknownEnv = (
    reason: string,
    extra: LegalBasis[],
    capacityClass?: RoutingTriggers['capacityClass'],
  ) => ({
    env: {
      group: 'unknown' as const,
      eia: 'unknown' as const,
      licence: 'unknown' as const,
      appraiser: 'unknown',
      legalBasis: bases(rules.basis, ...extra),
    },
    capacityClass,
    unknown: {
      dimension: 'environment' as const,
      reason,
      options: ['I', 'II-a', 'II-cde', 'III', 'IV'] as EnvChoice[],
    },
  });

  if (assume.environment) return envOf(assume.environment, []);
  const sensitive = input.sensitiveFactors ?? [];
  if (sensitive.length > 0) {
    return unknownEnv(
      `environmental group: sensitive factors declared (${sensitive.join(', ')}); the group they lead to (Law 72/2020 Art. 28) is not encoded`,
      [rules.sensitiveFactors],
    );
  }
  if (decl.appendixIIType === null) return envOf(wastes ? 'III' : 'IV', []);
  const rule = rules.appendixII.find((r) => r.type === decl.appendixIIType);
  if (!rule) {
    return unknownEnv(
      `environmental group: Decree 08/2022 Appendix II type "${decl.appendixIIType}" has no capacity bands in the rules`,
      [rules.appendixIIWithoutThresholdsBasis],
      'unknown',
    );
  }
  const cap = decl.capacity;
  if (!cap) {
    return unknownEnv(
      `environmental group: capacity not declared for Appendix II type "${rule.type}"`,
      [rule.legalBasis],
      'unknown',
    );
  }
  const unit = cap.unit.trim().toLowerCase().replace(/\s+/g, '');
  if (!rule.unitAliases.some((a) => a.toLowerCase().replace(/\s+/g, '') === unit)) {
    return unknownEnv(
      `environmental group: capacity unit "${cap.unit}" is not the appendix's unit for "${rule.type}" (${rule.unit})`,
      [rule.legalBasis],
      'unknown',
    );
  }
  if (cap.value >= rule.largeFrom) return envOf('I', [rule.legalBasis], 'large');
  if (cap.value >= rule.mediumFrom) return envOf('II-a', [rule.legalBasis], 'medium');
  return envOf('III', [rule.legalBasis], 'below-medium');
}

function stageFrom(
  t: StageTemplate,
  order: number,
  resolve: Record<string, string>,
  site: RoutingInput['site'],
): RouteStage {
  const authorityId = t.authority.startsWith('@') ? (resolve[t.authority] ?? t.authority) : t.authority;
  const a = authority(authorityId);
  return {
    id: t.id,
    kind: t.kind,
    title: t.title,
    authority: a.id,
    role: a.role,
    scope: a.id === 'zone-board' && site !== null ? 'zone' : 'province',
    order,
    deadline: t.deadline,
    legalBasis: t.legalBasis,
    supervisorRole: a.supervisorRole,
  };
}

interface Computed {
  route: Route;
  unknowns: Unknown[];
}

function compute(input: RoutingInput, rs: RuleSet, assume: Assumptions): Computed {
  const unknowns: Unknown[] = [];
  const inv = investorTypeOf(input, rs, assume);
  if (inv.unknown) unknowns.push(inv.unknown);
  const loc = locationOf(input, rs, assume);
  if (loc.unknown) unknowns.push(loc.unknown);
  const landRoute: LandRoute | 'unknown' =
    assume.landRoute ?? input.site?.landRoute ?? input.landRoute ?? 'unknown';
  const env = environmentOf(input, rs, assume);
  if (env.unknown) unknowns.push(env.unknown);
  const decl = input.enquiry.environmentalSelfDeclaration;

  // Policy approval: every category whose triggers all match; a trigger that is unknown is asked.
  const matched: RuleSet['policyApproval']['categories'] = [];
  let border: boolean | 'unknown' | undefined;
  let landAsked = false;
  for (const c of rs.policyApproval.categories) {
    if (c.when.investorType && (inv.type === 'unknown' || !c.when.investorType.includes(inv.type))) continue;
    if (c.when.landRoute) {
      if (landRoute === 'unknown') {
        landAsked = true;
        continue;
      }
      if (!c.when.landRoute.includes(landRoute)) continue;
    }
    if (c.when.borderOrCoastalCommune) {
      const b = assume.borderOrCoastalCommune ?? input.borderOrCoastalCommune;
      if (b === undefined) {
        border = 'unknown';
        unknowns.push({
          dimension: 'borderOrCoastalCommune',
          reason:
            `policy approval: whether the site's commune is a border, island or coastal commune is not known (${c.legalBasis.instrument} ${c.legalBasis.article ?? ''})`.trim(),
          options: [true, false],
        });
        continue;
      }
      border = b;
      if (!c.when.borderOrCoastalCommune.includes(b)) continue;
    }
    matched.push(c);
  }
  if (landAsked) {
    unknowns.push({
      dimension: 'landRoute',
      reason:
        'land route: outside zones and not given (sublease, or lease from the State without auction or bidding, which needs policy approval)',
      options: ['sublease', 'state-lease'],
    });
  }
  const policy = matched[0];

  // The special investment procedure, on the investor's election.
  const sp = rs.specialProcedure;
  let special: RoutingTriggers['specialProcedure'] = 'not-requested';
  if (input.specialProcedureRequested) {
    const applies =
      input.filedOn >= sp.validFrom && loc.loc !== 'unknown' && sp.locations.includes(loc.loc) && !policy;
    if (!applies) special = 'requested-ineligible';
    else if (sp.eligibility === 'by-location') special = 'requested-eligible';
    else if (assume.specialProcedureEligible !== undefined) {
      special = assume.specialProcedureEligible ? 'requested-eligible' : 'requested-ineligible';
    } else {
      special = 'requested-unknown';
      unknowns.push({
        dimension: 'specialProcedureEligible',
        reason: `special procedure: ${sp.eligibilityNote}`,
        options: [true, false],
      });
    }
  }

  const triggers: RoutingTriggers = {
    investorType: inv.type,
    investorTypeBasis: inv.basis,
    location: loc.loc,
    zone: input.site ? { id: input.site.zoneId, kind: input.site.zoneKind } : null,
    landRoute,
    vsic: { code: input.enquiry.project.vsic.code, version: input.enquiry.project.vsic.version },
    ...(decl.appendixIIType !== null
      ? {
          production: {
            type: decl.appendixIIType,
            ...(decl.capacity ? { capacity: decl.capacity.value, unit: decl.capacity.unit } : {}),
          },
        }
      : {}),
    ...(env.capacityClass ? { capacityClass: env.capacityClass } : {}),
    sensitiveFactors: input.sensitiveFactors ?? [],
    wastewaterM3PerDay: decl.wastewaterM3PerDay,
    hazardousWaste: decl.hazardousWaste,
    ircRequested: input.ircRequested === true,
    ...(border !== undefined ? { borderOrCoastalCommune: border } : {}),
    specialProcedure: special,
  };

  const ruleBases: LegalBasis[] = [rs.basis, rs.investorType.legalBasis, rs.locationsBasis];
  const stages: RouteStage[] = [];
  if (unknowns.length === 0 && loc.loc !== 'unknown' && inv.type !== 'unknown') {
    const resolve: Record<string, string> = {
      '@registration-agency': rs.irc.issuer[loc.loc],
      ...(policy ? { '@policy-approver': policy.authority } : {}),
    };
    let order = 1;
    let policyEnd = 0;
    if (special === 'requested-eligible') {
      stages.push(stageFrom(sp.stage, order, resolve, input.site));
      ruleBases.push(sp.legalBasis);
    } else {
      if (policy) {
        const variant = rs.policyApproval.stages.find(
          (v) => v.from <= input.filedOn && (v.to === undefined || input.filedOn <= v.to),
        );
        for (const t of variant?.opinions ?? []) stages.push(stageFrom(t, order++, resolve, input.site));
        stages.push(stageFrom(rs.policyApproval.approval, order, resolve, input.site));
        policyEnd = order++;
        ruleBases.push(...matched.map((c) => c.legalBasis));
      }
      const ircNeeded =
        rs.irc.requiredFor.includes(inv.type) ||
        (rs.irc.onRequestFor.includes(inv.type) && input.ircRequested === true);
      if (ircNeeded) {
        const t = policy ? rs.irc.afterPolicyApproval : rs.irc.withoutPolicyApproval;
        stages.push(stageFrom(t, order, resolve, input.site));
        ruleBases.push(rs.irc.legalBasis, rs.irc.issuerBasis);
      }
    }
    ruleBases.push(rs.policyApproval.notEncoded);
    const eiaExempt = special === 'requested-eligible' && sp.exemptsEia === true;
    if (env.env.eia === true && env.choice) {
      if (eiaExempt) {
        env.env.eia = false;
        env.env.legalBasis.push(sp.legalBasis);
      } else {
        const rules = loadRules().environment.get(rs.environmentRules);
        const deadline = rules?.eiaAppraisal[env.choice === 'I' ? 'I' : 'II-cde'];
        if (deadline && env.env.appraiser !== 'unknown') {
          // Ordering against the certificate is not sourced: the appraisal runs beside the last stage.
          // After a policy approval (beside the certificate, if any), else from the start.
          const eiaOrder = policyEnd + 1;
          stages.push(
            stageFrom(
              {
                id: 'eia-appraisal',
                kind: 'eia-appraisal',
                title: { vi: 'Thẩm định báo cáo đánh giá tác động môi trường', en: 'EIA report appraisal' },
                authority: env.env.appraiser,
                deadline,
                legalBasis: deadline.legalBasis,
              },
              eiaOrder,
              resolve,
              input.site,
            ),
          );
        }
      }
    }
  }

  const route: Route = {
    ruleSetId: rs.id,
    filedOn: input.filedOn,
    pathId: 'standard',
    triggers,
    environment: env.env,
    stages,
    legalBasis: bases(...ruleBases),
  };
  return { route, unknowns };
}

const REVIEW_BASIS = (rs: RuleSet): LegalBasis => ({
  instrument: 'Routing review (a step of this system, not a statutory one)',
  validFrom: rs.validFrom,
  ...(rs.validTo ? { validTo: rs.validTo } : {}),
  sources: [],
  confidence: 'unknown',
  checkedOn: rs.checkedOn,
  note: 'Something the path depends on is unknown: a provincial official picks the path with a reason; nothing defaults. No statutory time limit applies.',
});

function reviewStage(rs: RuleSet): RouteStage {
  const basis = REVIEW_BASIS(rs);
  const a = authority(rs.id === 'law-61-2020' ? 'provincial-people-committee' : 'provincial-pc-chair');
  return {
    id: 'routing-review',
    kind: 'routing-review',
    title: { vi: 'Xem xét lựa chọn thủ tục', en: 'Routing review' },
    authority: a.id,
    role: 'provincial-officer',
    scope: 'province',
    order: 1,
    deadline: {
      amount: null,
      unit: 'working-days',
      startsWhen: 'application routed',
      pausesWhile: [],
      confidence: 'unknown',
      legalBasis: basis,
    },
    legalBasis: basis,
    supervisorRole: a.supervisorRole,
  };
}

/**
 * Routes an application under the rule set in force on its filing date. Never throws on valid input:
 * anything unknown that decides the path yields a review route. Invalid input throws
 * `InputValidationError` naming each field and rule.
 */
export function routeApplication(input: RoutingInput): Route {
  validate(input);
  let rs: RuleSet;
  try {
    rs = ruleSetFor(input.filedOn);
  } catch (e) {
    if (!(e instanceof NoRuleSetError)) throw e;
    const first = loadRules().ruleSets[0] as RuleSet;
    const { route } = compute(input, first, {});
    return {
      ...route,
      ruleSetId: 'none',
      stages: [reviewStage(first)],
      review: { reasons: [e.message] },
      legalBasis: [],
    };
  }
  const { route, unknowns } = compute(input, rs, {});
  if (unknowns.length === 0) return route;
  return {
    ...route,
    pathId: 'review',
    stages: [reviewStage(rs)],
    review: { reasons: unknowns.map((u) => u.reason) },
  };
}

function optionLabel(dimension: Dimension, value: unknown): string {
  return `${dimension}=${String(value)}`;
}

/**
 * The routes an official may choose from for an application whose route is under review: one per
 * combination of the unknowns' possible answers, each with what it assumes. Empty when the route needs no
 * review or when no rule set covers the filing date (the official can then only reject).
 */
export function candidateRoutes(input: RoutingInput): CandidateRoute[] {
  validate(input);
  let rs: RuleSet;
  try {
    rs = ruleSetFor(input.filedOn);
  } catch (e) {
    if (e instanceof NoRuleSetError) return [];
    throw e;
  }
  const out: CandidateRoute[] = [];
  const explore = (assume: Assumptions, fixed: string[]) => {
    const { route, unknowns } = compute(input, rs, assume);
    const open = unknowns[0];
    if (!open) {
      if (fixed.length === 0) return;
      const id = fixed.join('+');
      out.push({
        id,
        description: `${route.stages.map((s) => s.id).join(' → ') || 'no approval stages'} (assuming ${fixed.join(', ')})`,
        assumes: fixed,
        route: { ...route, pathId: id },
      });
      return;
    }
    for (const value of open.options) {
      explore({ ...assume, [open.dimension]: value }, [...fixed, optionLabel(open.dimension, value)]);
    }
  };
  explore({}, []);
  return out;
}

/**
 * Applies an official's choice to a route under review: returns the chosen candidate route with `decidedBy`
 * (who, why, when, what was unknown) and no `review`. Throws `InvalidReviewDecisionError` when the route is
 * not under review, the reason is empty, or the candidate is not one of `candidateRoutes(input)`.
 */
export function applyReviewDecision(input: RoutingInput, route: Route, decision: ReviewDecision): Route {
  if (!route.review) throw new InvalidReviewDecisionError('route: is not under review');
  if (typeof decision.reason !== 'string' || decision.reason.trim() === '') {
    throw new InvalidReviewDecisionError('reason: required, the official must say why this path');
  }
  if (typeof decision.officialId !== 'string' || decision.officialId.trim() === '') {
    throw new InvalidReviewDecisionError('officialId: required');
  }
  if (Number.isNaN(Date.parse(decision.decidedAt))) {
    throw new InvalidReviewDecisionError('decidedAt: must be an ISO instant');
  }
  if (input.filedOn !== route.filedOn) {
    throw new InvalidReviewDecisionError(
      `filedOn: the input (${input.filedOn}) is not the route's (${route.filedOn})`,
    );
  }
  const candidates = candidateRoutes(input);
  const chosen = candidates.find((c) => c.id === decision.candidateId);
  if (!chosen) {
    throw new InvalidReviewDecisionError(
      `candidateId: "${decision.candidateId}" is not a candidate (${candidates.map((c) => c.id).join(', ') || 'none'})`,
    );
  }
  return {
    ...chosen.route,
    decidedBy: {
      officialId: decision.officialId,
      reason: decision.reason.trim(),
      candidateId: chosen.id,
      decidedAt: decision.decidedAt,
      reviewReasons: route.review.reasons,
    },
  };
}
