/**
 * An investor's enquiry: what the HTTP API accepts, the workflow carries and `matchSites` reads.
 * Strict and bounded everywhere, because it arrives from the public internet; `parseEnquiry` reports every
 * failing field with its rule at once, so an investor fixes a form in one round trip, not ten.
 */

import { VsicVersionSchema, ZoneKindSchema } from '#shared/catalog/ids.ts';
import { formatPath, requiredErrorMap } from '#shared/catalog/issues.ts';
import * as z from '../zod.ts';

/** ISO 3166-1 alpha-2 codes officially assigned (249). */
const ISO_3166_1_ALPHA2 = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO ' +
    'JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR ' +
    'MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO ' +
    'RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV ' +
    'TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

export const CountrySchema = z.string().check(
  z.regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in capitals (e.g. VN, KR)'),
  z.refine((c) => ISO_3166_1_ALPHA2.has(c), {
    message: 'is not an assigned ISO 3166-1 alpha-2 code',
    params: { rule: 'iso3166' },
  }),
);

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/**
 * Vietnamese enterprise code (mã số doanh nghiệp): 10 digits, or 13 for a dependent unit, written either
 * as 13 digits or as 10 digits, hyphen, 3 digits.
 */
export const EnterpriseCodeSchema = z
  .string()
  .check(
    z.regex(
      /^\d{10}(?:-?\d{3})?$/,
      'must be a Vietnamese enterprise code: 10 digits, or 13 (0101234567-001)',
    ),
  );

/**
 * Decree 08/2022/NĐ-CP Appendix II polluting production types (the subset the Lào Cai zones attract,
 * plus `other_appendix_ii`). Declaring one sends the application through the EIA pre-screen.
 */
export const AppendixIITypeSchema = z.enum([
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
]);
export type AppendixIIType = z.infer<typeof AppendixIITypeSchema>;

const hectares = z.number().check(z.positive(), z.lte(2_000));

export const EnquirySchema = z
  .strictObject({
    investor: z.strictObject({
      name: text(200),
      /** Vietnamese enterprise code; give this OR `foreignRegistration`, not both. */
      enterpriseCode: z.optional(EnterpriseCodeSchema),
      /** A foreign investor not yet incorporated in Vietnam: home-country registration. */
      foreignRegistration: z.optional(z.strictObject({ country: CountrySchema, number: text(60) })),
      /** The investor's nationality (ISO 3166-1 alpha-2): decides the IRC route. */
      country: CountrySchema,
      contact: z.strictObject({
        name: z.optional(text(120)),
        email: z.email().check(z.maxLength(254)),
        phone: z
          .string()
          .check(z.regex(/^\+?[0-9][0-9 ().-]{6,22}$/, 'must be a phone number, digits with an optional +')),
      }),
    }),
    project: z.strictObject({
      name: text(200),
      vsic: z.strictObject({
        code: z.string().check(z.regex(/^\d{4}$/, 'must be a 4-digit VSIC level-4 code')),
        version: VsicVersionSchema,
      }),
      description: text(4_000),
    }),
    /** Land wanted, hectares. */
    landAreaHa: hectares,
    capital: z.strictObject({
      vnd: z.number().check(z.int(), z.positive(), z.lte(1e15)),
      usd: z.optional(z.number().check(z.positive(), z.lte(1e11))),
    }),
    jobs: z.number().check(z.int(), z.nonnegative(), z.lte(100_000)),
    desiredStartDate: z.iso.date(),
    /** Communes/wards (post-2025) or former districts the investor prefers; matched accent-insensitively. */
    preferredLocations: z._default(
      z
        .array(z.strictObject({ type: z.enum(['communeOrWard', 'legacyDistrict']), name: text(80) }))
        .check(z.maxLength(10)),
      [],
    ),
    preferredKinds: z._default(z.array(ZoneKindSchema).check(z.maxLength(3)), []),
    /** Peak needs. kVA for power (what a substation connection is sized in), m³/day for water. */
    utilitiesNeeded: z._default(
      z.strictObject({
        powerKva: z._default(z.number().check(z.int(), z.nonnegative(), z.lte(1_000_000)), 0),
        waterM3PerDay: z._default(z.number().check(z.nonnegative(), z.lte(1_000_000)), 0),
        wastewaterM3PerDay: z._default(z.number().check(z.nonnegative(), z.lte(1_000_000)), 0),
      }),
      { powerKva: 0, waterM3PerDay: 0, wastewaterM3PerDay: 0 },
    ),
    environmentalSelfDeclaration: z.strictObject({
      /** Decree 08/2022 Appendix II type, or null when the production is not on the list. */
      appendixIIType: z.nullable(AppendixIITypeSchema),
      capacity: z.optional(
        z.strictObject({ value: z.number().check(z.positive(), z.lte(1e9)), unit: text(40) }),
      ),
      wastewaterM3PerDay: z.number().check(z.nonnegative(), z.lte(1_000_000)),
      hazardousWaste: z.boolean(),
      notes: z.optional(text(2_000)),
    }),
  })
  .check(
    z.superRefine(
      (e, ctx) => {
        // Runs even when other fields failed (`when`), so the investor sees every problem at once; hence
        // the defensive reads: fields may be missing or of the wrong type here (even `e` itself).
        if (e === null || typeof e !== 'object') return;
        const inv = (e as Partial<typeof e>).investor as Partial<typeof e.investor> | undefined;
        if (inv && typeof inv === 'object') {
          const hasCode = inv.enterpriseCode !== undefined;
          const hasForeign = inv.foreignRegistration !== undefined;
          if (hasCode === hasForeign) {
            ctx.addIssue({
              code: 'custom',
              path: ['investor', hasCode ? 'foreignRegistration' : 'enterpriseCode'],
              message: hasCode
                ? 'give either a Vietnamese enterprise code or a foreign registration, not both'
                : 'a Vietnamese enterprise code or a foreign registration is required',
              params: { rule: 'exactly_one_of:enterpriseCode,foreignRegistration' },
            });
          }
          if (hasForeign && (inv.foreignRegistration as { country?: unknown } | null)?.country === 'VN') {
            ctx.addIssue({
              code: 'custom',
              path: ['investor', 'foreignRegistration', 'country'],
              message: 'a Vietnamese investor registers with its enterprise code, not a foreign registration',
              params: { rule: 'foreign_registration_not_vn' },
            });
          }
        }
        const cap = (e as Partial<typeof e>).capital as Partial<typeof e.capital> | undefined;
        const start = (e as Partial<typeof e>).desiredStartDate;
        if (typeof start === 'string' && start < '2020-01-01') {
          ctx.addIssue({
            code: 'custom',
            path: ['desiredStartDate'],
            message: 'must be 2020-01-01 or later',
            params: { rule: 'min_date:2020-01-01' },
          });
        }
        if (cap && typeof cap.vnd === 'number' && typeof cap.usd === 'number' && cap.usd > cap.vnd) {
          ctx.addIssue({
            code: 'custom',
            path: ['capital', 'usd'],
            message: 'the USD amount exceeds the VND amount: are the two swapped?',
            params: { rule: 'usd_not_above_vnd' },
          });
        }
      },
      { when: () => true },
    ),
  );

export type Enquiry = z.infer<typeof EnquirySchema>;
/** What a client may send (defaults not yet applied). */
export type EnquiryInput = z.input<typeof EnquirySchema>;

export interface EnquiryFieldError {
  /** Dotted path with indexes: `project.vsic.code`, `preferredLocations[2].name`. */
  path: string;
  /** Machine-readable rule: `required`, `type:string`, `max:200`, `format:email`, `enum`, `unknown_key`, ... */
  rule: string;
  message: string;
}

export type ParseEnquiryResult = { ok: true; enquiry: Enquiry } | { ok: false; errors: EnquiryFieldError[] };

/** zod issue → the rule name an API client can switch on. */
function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message === 'Required' ? 'required' : `type:${issue.expected}`;
    case 'too_small':
      return `${issue.inclusive === false ? 'gt' : 'min'}:${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.inclusive === false ? 'lt' : 'max'}:${String(issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'pattern' : `format:${issue.format}`;
    case 'invalid_value':
      return 'enum';
    case 'not_multiple_of':
      return `multiple_of:${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return 'unknown_key';
    case 'invalid_union':
      return 'union';
    case 'custom':
      return typeof issue.params?.rule === 'string' ? issue.params.rule : 'custom';
    default:
      return issue.code;
  }
}

/**
 * Parses an enquiry without throwing: either the typed enquiry, or EVERY failing field path with its rule.
 * An unknown key is reported at its own path (`investor.fax`), not at its parent.
 */
export function parseEnquiry(input: unknown): ParseEnquiryResult {
  const result = EnquirySchema.safeParse(input, { error: requiredErrorMap });
  if (result.success) return { ok: true, enquiry: result.data };
  const errors: EnquiryFieldError[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({
          path: formatPath([...issue.path, key]),
          rule: 'unknown_key',
          message: `unknown field "${key}"`,
        });
      }
    } else {
      errors.push({ path: formatPath(issue.path), rule: ruleOf(issue), message: issue.message });
    }
  }
  return { ok: false, errors };
}
