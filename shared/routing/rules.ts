/**
 * The routing rules as data: the rule sets (`rules/law-61-2020.json`, `rules/law-143-2025.json`), the
 * environmental rules they share (`rules/environment-law-72-2020.json`) and the authorities registry
 * (`rules/authorities.json`), each validated by zod on load with the path of every bad entry. JSON is
 * imported (not read from disk) so Lambda bundles carry it.
 */

import { formatPath, requiredErrorMap } from '#shared/catalog/issues.ts';
import * as z from '../zod.ts';
import authoritiesFile from './rules/authorities.json' with { type: 'json' };
import environmentFile from './rules/environment-law-72-2020.json' with { type: 'json' };
import law61File from './rules/law-61-2020.json' with { type: 'json' };
import law143File from './rules/law-143-2025.json' with { type: 'json' };

const IsoDate = z.iso.date();
const text = z.string().check(z.minLength(1), z.maxLength(2_000));
const Confidence = z.enum(['confirmed', 'uncertain', 'unknown']);
const Role = z.enum(['zone-board-officer', 'environment-officer', 'provincial-officer']);
const InvestorType = z.enum(['foreign', 'foreign-majority', 'domestic']);
const Location = z.enum(['kcn', 'ccn', 'economic-zone', 'outside']);

export const LegalBasisSchema = z
  .strictObject({
    instrument: text,
    article: z.optional(text),
    validFrom: IsoDate,
    validTo: z.optional(IsoDate),
    sources: z.array(z.url()).check(z.maxLength(10)),
    confidence: Confidence,
    checkedOn: IsoDate,
    note: z.optional(text),
  })
  .check(
    z.superRefine((b, ctx) => {
      if (b.validTo !== undefined && b.validTo < b.validFrom) {
        ctx.addIssue({ code: 'custom', path: ['validTo'], message: 'must not be before validFrom' });
      }
      if (b.sources.length === 0 && b.note === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['note'],
          message: 'a rule without sources must say why in a note',
        });
      }
    }),
  );

const DeadlineSchema = z
  .strictObject({
    amount: z.nullable(z.number().check(z.int(), z.positive(), z.lte(365))),
    unit: z.enum(['working-days', 'days']),
    startsWhen: text,
    pausesWhile: z.array(text).check(z.maxLength(5)),
    confidence: Confidence,
    legalBasis: LegalBasisSchema,
  })
  .check(
    z.superRefine((d, ctx) => {
      if ((d.amount === null) !== (d.confidence === 'unknown')) {
        ctx.addIssue({
          code: 'custom',
          path: ['amount'],
          message: 'must be null exactly when the confidence is unknown (a deadline is never guessed)',
        });
      }
    }),
  );

const StageKind = z.enum([
  'routing-review',
  'policy-approval-opinions',
  'policy-approval',
  'irc',
  'special-procedure',
  'eia-appraisal',
  'environmental-licence',
]);

/** A stage as the rules describe it; '@registration-agency' and '@policy-approver' are resolved per route. */
const StageTemplateSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z][a-z0-9-]{1,40}$/, 'must be a short kebab-case id')),
  kind: StageKind,
  title: z.strictObject({ vi: text, en: text }),
  authority: z.string().check(z.minLength(1)),
  deadline: DeadlineSchema,
  legalBasis: LegalBasisSchema,
});
export type StageTemplate = z.infer<typeof StageTemplateSchema>;

const AuthoritySchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z][a-z0-9-]{1,60}$/)),
  name: z.strictObject({ vi: text, en: text }),
  role: Role,
  supervisorRole: Role,
  /** A name no source confirms (the merged zone board's): shown flagged, to be replaced. */
  placeholder: z.boolean(),
  legalBasis: LegalBasisSchema,
});
export type Authority = z.infer<typeof AuthoritySchema>;

const AuthoritiesFileSchema = z.strictObject({
  version: text,
  checkedOn: IsoDate,
  authorities: z.array(AuthoritySchema).check(z.minLength(1)),
});

const AppendixIIRuleSchema = z
  .strictObject({
    type: text,
    label: text,
    unit: text,
    unitAliases: z.array(text).check(z.minLength(1)),
    largeFrom: z.number().check(z.positive()),
    /** Lower bound of the medium band; 0 when the appendix has no small band. */
    mediumFrom: z.number().check(z.nonnegative()),
    legalBasis: LegalBasisSchema,
  })
  .check(
    z.refine((r) => r.mediumFrom < r.largeFrom, { path: ['mediumFrom'], message: 'must be below largeFrom' }),
  );

const EnvironmentRulesSchema = z.strictObject({
  id: text,
  version: text,
  checkedOn: IsoDate,
  basis: LegalBasisSchema,
  appendixII: z.array(AppendixIIRuleSchema),
  appendixIIWithoutThresholds: z.array(text),
  appendixIIWithoutThresholdsBasis: LegalBasisSchema,
  groups: z.strictObject({
    I: LegalBasisSchema,
    'II-a': LegalBasisSchema,
    III: LegalBasisSchema,
    IV: LegalBasisSchema,
  }),
  eia: LegalBasisSchema,
  licence: LegalBasisSchema,
  sensitiveFactors: LegalBasisSchema,
  appraisers: z.array(
    z.strictObject({
      when: z.enum(['group-I', 'group-II-cde']),
      authority: text,
      legalBasis: LegalBasisSchema,
    }),
  ),
  eiaAppraisal: z.strictObject({ I: DeadlineSchema, 'II-cde': DeadlineSchema }),
});
export type EnvironmentRules = z.infer<typeof EnvironmentRulesSchema>;

const PolicyCategorySchema = z.strictObject({
  id: text,
  description: text,
  /** Every listed trigger must match; `borderOrCoastalCommune` is an input the route may lack. */
  when: z.strictObject({
    landRoute: z.optional(z.array(z.enum(['sublease', 'state-lease']))),
    investorType: z.optional(z.array(InvestorType)),
    borderOrCoastalCommune: z.optional(z.array(z.boolean())),
  }),
  authority: text,
  legalBasis: LegalBasisSchema,
});

const RuleSetSchema = z
  .strictObject({
    id: z.string().check(z.regex(/^law-\d+-\d{4}$/)),
    name: z.strictObject({ vi: text, en: text }),
    version: text,
    validFrom: IsoDate,
    validTo: z.optional(IsoDate),
    checkedOn: IsoDate,
    basis: LegalBasisSchema,
    environmentRules: text,
    investorType: z.strictObject({
      foreignMajorityAbovePercent: z.number().check(z.gte(0), z.lte(100)),
      legalBasis: LegalBasisSchema,
    }),
    locations: z.record(z.string(), Location),
    locationsBasis: LegalBasisSchema,
    policyApproval: z.strictObject({
      categories: z.array(PolicyCategorySchema),
      asksBorderCommune: z.boolean(),
      notEncoded: LegalBasisSchema,
      stages: z
        .array(
          z.strictObject({
            from: IsoDate,
            to: z.optional(IsoDate),
            opinions: z.array(StageTemplateSchema).check(z.minLength(1)),
          }),
        )
        .check(z.minLength(1)),
      approval: StageTemplateSchema,
    }),
    irc: z.strictObject({
      requiredFor: z.array(InvestorType),
      onRequestFor: z.array(InvestorType),
      legalBasis: LegalBasisSchema,
      issuer: z.strictObject({ kcn: text, 'economic-zone': text, ccn: text, outside: text }),
      issuerBasis: LegalBasisSchema,
      afterPolicyApproval: StageTemplateSchema,
      withoutPolicyApproval: StageTemplateSchema,
    }),
    specialProcedure: z.strictObject({
      validFrom: IsoDate,
      locations: z.array(Location),
      /** 'by-location': eligible wherever it applies; 'needs-review': eligibility is not read from the input. */
      eligibility: z.enum(['by-location', 'needs-review']),
      eligibilityNote: text,
      legalBasis: LegalBasisSchema,
      stage: StageTemplateSchema,
      exemptsEia: z.union([z.boolean(), z.literal('unknown')]),
    }),
    conditionalBusinessLines: LegalBasisSchema,
  })
  .check(
    z.superRefine((rs, ctx) => {
      rs.policyApproval.stages.forEach((v, i) => {
        if (v.to !== undefined && v.to < v.from) {
          ctx.addIssue({
            code: 'custom',
            path: ['policyApproval', 'stages', i, 'to'],
            message: 'before from',
          });
        }
      });
    }),
  );
export type RuleSet = z.infer<typeof RuleSetSchema>;

/** Thrown when a rules file does not match its schema; the message names each bad entry by path. */
export class RoutingRulesError extends Error {
  override readonly name = 'RoutingRulesError';
}

function parse<T>(schema: z.ZodMiniType<T>, raw: unknown, file: string): T {
  const result = schema.safeParse(raw, { error: requiredErrorMap });
  if (!result.success) {
    throw new RoutingRulesError(
      `${file} is invalid:\n  ${result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('\n  ')}`,
    );
  }
  return result.data;
}

/** Validates a rule set (exported for tests that corrupt a copy). */
export const parseRuleSet = (raw: unknown, file = 'rule set'): RuleSet => parse(RuleSetSchema, raw, file);
export const parseAuthorities = (raw: unknown): Authority[] =>
  parse(AuthoritiesFileSchema, raw, 'rules/authorities.json').authorities;
export const parseEnvironmentRules = (raw: unknown): EnvironmentRules =>
  parse(EnvironmentRulesSchema, raw, 'rules/environment-law-72-2020.json');

export interface Loaded {
  ruleSets: RuleSet[];
  authorities: Map<string, Authority>;
  environment: Map<string, EnvironmentRules>;
}
let cached: Loaded | undefined;

/** The rules, validated once per process; cross-references (authority ids, rule ids) checked too. */
export function loadRules(): Loaded {
  cached ??= buildRules({
    ruleSets: [law61File, law143File],
    authorities: authoritiesFile,
    environment: environmentFile,
  });
  return cached;
}

/**
 * Validates raw rules files and their cross-references (authority ids, environment rules, rule-set spans,
 * dated variants). Exported so tests can feed corrupted copies; `loadRules` uses it on the shipped files.
 */
export function buildRules(raw: { ruleSets: unknown[]; authorities: unknown; environment: unknown }): Loaded {
  const ruleSets = raw.ruleSets
    .map((r, i) => parseRuleSet(r, `rule set ${i}`))
    .sort((a, b) => a.validFrom.localeCompare(b.validFrom));
  const authorities = new Map(parseAuthorities(raw.authorities).map((a) => [a.id, a]));
  const env = parseEnvironmentRules(raw.environment);
  const environment = new Map([[env.id, env]]);
  const problems: string[] = [];
  const known = (id: string, where: string) => {
    if (!id.startsWith('@') && !authorities.has(id)) problems.push(`${where}: unknown authority "${id}"`);
  };
  for (const rs of ruleSets) {
    const f = `rules/${rs.id}.json`;
    if (!environment.has(rs.environmentRules))
      problems.push(`${f} environmentRules: unknown "${rs.environmentRules}"`);
    for (const [i, c] of rs.policyApproval.categories.entries()) {
      known(c.authority, `${f} policyApproval.categories[${i}]`);
    }
    for (const [k, id] of Object.entries(rs.irc.issuer)) known(id, `${f} irc.issuer.${k}`);
  }
  for (const rs of ruleSets) {
    // The policy stages' dated variants must cover the rule set's span without gap or overlap.
    const variants = rs.policyApproval.stages;
    let expected = rs.validFrom;
    for (const [i, v] of variants.entries()) {
      if (v.from !== expected) {
        problems.push(
          `rules/${rs.id}.json policyApproval.stages[${i}].from: ${v.from}, expected ${expected}`,
        );
      }
      expected = v.to === undefined ? '' : nextDay(v.to);
    }
    const last = variants[variants.length - 1];
    if (last && last.to !== rs.validTo) {
      problems.push(`rules/${rs.id}.json policyApproval.stages: the last variant must end with the rule set`);
    }
  }
  env.appraisers.forEach((a, i) => {
    known(a.authority, `environment appraisers[${i}]`);
  });
  ruleSets.forEach((rs, i) => {
    const next = ruleSets[i + 1];
    if (next && (rs.validTo === undefined || rs.validTo >= next.validFrom)) {
      problems.push(`rules/${rs.id}.json validTo: overlaps ${next.id}, which starts ${next.validFrom}`);
    }
  });
  if (problems.length > 0)
    throw new RoutingRulesError(`routing rules are inconsistent:\n  ${problems.join('\n  ')}`);
  return { ruleSets, authorities, environment };
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The authorities registry. */
export function authorities(): Authority[] {
  return [...loadRules().authorities.values()];
}
