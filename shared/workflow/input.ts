/**
 * The execution input of the onboarding state machine, and the errors the main line throws by name (the
 * state machine's Catch routes them to the compensation path, which records the reason).
 */
import * as z from '../zod.ts';

const id = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(120),
    z.regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, _ . : - (it is also the execution name)'),
  );

/**
 * What the routing reads beyond the enquiry. Optional: absent fields are "not declared" (sublease from
 * the zone's infrastructure developer; no IRC requested by a domestic investor; no sensitive factors).
 */
export const RoutingOptionsSchema = z.strictObject({
  landRoute: z.optional(z.enum(['sublease', 'state-lease'])),
  foreignOwnershipPercent: z.optional(z.number().check(z.gte(0), z.lte(100))),
  ircRequested: z.optional(z.boolean()),
  sensitiveFactors: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(80))).check(z.maxLength(20)),
  ),
  /** The investor elects the special investment procedure (zones only). */
  specialProcedureRequested: z.optional(z.boolean()),
  /** Whether the site's commune is a border, island or coastal commune (Law 61/2020 Art. 32). */
  borderOrCoastalCommune: z.optional(z.boolean()),
});
export type RoutingOptions = z.infer<typeof RoutingOptionsSchema>;

/** `{ applicationId, investorId, enquiry, filedAt }`; the execution is named by the application id. */
export const ExecutionInputSchema = z.strictObject({
  applicationId: id,
  investorId: id,
  /** Validated by the first step with `parseEnquiry` (every failing field with its rule). */
  enquiry: z.unknown(),
  /** ISO instant the dossier was filed: its Vietnam date picks the rule set. */
  filedAt: z.iso.datetime({ offset: true }),
  routing: z.optional(RoutingOptionsSchema),
});
export type ExecutionInput = z.infer<typeof ExecutionInputSchema>;

/** The application id exists for another investor: the execution must not take it over. */
export class ApplicationMismatchError extends Error {
  override readonly name = 'ApplicationMismatchError';
}

/** Every candidate plot was blocked, or the bounded number of moves was used up. */
export class CandidatesExhaustedError extends Error {
  override readonly name = 'Site.CandidatesExhausted';
}

/** No plot fitted on any of the bounded re-matches while waiting for capacity. */
export class NoCapacityError extends Error {
  override readonly name = 'Site.NoCapacity';
}
