/**
 * The execution input of the onboarding state machine, and the errors the main line throws by name (the
 * state machine's Catch routes them to the compensation path, which records the reason).
 */
import * as z from 'zod';

const id = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, _ . : - (it is also the execution name)');

/**
 * What the routing reads beyond the enquiry. Optional: absent fields are "not declared" (sublease from
 * the zone's infrastructure developer; no IRC requested by a domestic investor; no sensitive factors).
 */
export const RoutingOptionsSchema = z.strictObject({
  landRoute: z.enum(['sublease', 'state-lease']).optional(),
  foreignOwnershipPercent: z.number().min(0).max(100).optional(),
  ircRequested: z.boolean().optional(),
  sensitiveFactors: z.array(z.string().min(1).max(80)).max(20).optional(),
  /** The investor elects the special investment procedure (zones only). */
  specialProcedureRequested: z.boolean().optional(),
  /** Whether the site's commune is a border, island or coastal commune (Law 61/2020 Art. 32). */
  borderOrCoastalCommune: z.boolean().optional(),
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
  routing: RoutingOptionsSchema.optional(),
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
