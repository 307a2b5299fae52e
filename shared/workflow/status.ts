/**
 * The statuses an application moves through in the onboarding workflow. The state machine sets them (each
 * task records the status it leads to); the HTTP API shows them to the investor; the last five are terminal.
 *
 *   submitted → matching → holding → checking-clearance → in-approval → allocated
 *                 │  ▲         (routing-review after holding when a rule is unknown)
 *                 ▼  │                       │ ▲
 *     waiting-for-capacity      waiting-for-clearance
 *   in-approval ⇄ information-requested; any step → rejected | withdrawn | failed (the plot released)
 *   (a route without approval stages goes from checking-clearance to allocated)
 */
import * as z from '../zod.ts';

export const APPLICATION_STATUSES = [
  /** The enquiry was accepted and the application created; the workflow has started. */
  'submitted',
  /** A rule or input was `unknown`: a provincial official picks the procedure path. */
  'routing-review',
  /** Looking for plots that fit, on the live plot state. */
  'matching',
  /** No plot fits today: re-matched on a schedule; the investor and the zone boards were told why. */
  'waiting-for-capacity',
  /** A plot is held for this application (no other application can take it). */
  'holding',
  /** The held plot's clearance, sector/planning conformity, utilities and environmental screen run. */
  'checking-clearance',
  /** The held plot's land clearance is in progress: woken by the zone manager's update, re-checked. */
  'waiting-for-clearance',
  /** Officials decide the route's approval stages (set when the first stage's inbox task is written). */
  'in-approval',
  /** An official asked the investor for information; the statutory clock is paused. */
  'information-requested',
  /** Terminal: the hold became an allocation and the certificate reference is recorded. */
  'allocated',
  /** Terminal: an official rejected the application (reasons on the timeline); the plot was released. */
  'rejected',
  /** Terminal: the investor withdrew; the plot was released. */
  'withdrawn',
  /** Terminal: the workflow could not finish (no capacity in time, a clearance wait expired, an error). */
  'failed',
] as const;

export const ApplicationStatusSchema = z.enum(APPLICATION_STATUSES);
export type ApplicationStatus = z.infer<typeof ApplicationStatusSchema>;

export const TERMINAL_STATUSES: ReadonlySet<ApplicationStatus> = new Set([
  'allocated',
  'rejected',
  'withdrawn',
  'failed',
]);

export function isTerminal(status: string): boolean {
  return TERMINAL_STATUSES.has(status as ApplicationStatus);
}
