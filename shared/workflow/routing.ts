/**
 * Step 1's routing, run once the site is held (the triggers read the matched zone: KCN, CCN or
 * economic-zone area, and the land route): R's `routeApplication` with the rule set in force on the
 * Vietnam date of filing. The route and its legal basis are recorded on the application and its timeline;
 * a route with `review` (something `unknown`) goes to a provincial official first, whose choice
 * `applyReview` turns into the route the rest of the workflow follows.
 */
import type { Enquiry } from '#shared/enquiry/schema.ts';
import { applyReviewDecision, routeApplication } from '#shared/routing/route.ts';
import type { Route, RoutingInput } from '#shared/routing/types.ts';
import { eventId } from './events.ts';
import type { RoutingOptions } from './input.ts';
import {
  appendOnce,
  basisLine,
  flattenApprovals,
  setStatus,
  vietnamDate,
  type WorkflowDeps,
} from './record.ts';

export interface RouteStepInput {
  applicationId: string;
  investorId: string;
  enquiry: Enquiry;
  filedAt: string;
  routing: RoutingOptions;
  site: { zoneId: string; zoneKind: string };
  at: string;
}

/** What routing reads: the enquiry, the held site (sublease from the zone's developer unless told), the date. */
export function routingInput(
  input: Omit<RouteStepInput, 'applicationId' | 'investorId' | 'at'>,
): RoutingInput {
  const { routing } = input;
  return {
    enquiry: input.enquiry,
    site: { ...input.site, landRoute: routing.landRoute ?? 'sublease' },
    filedOn: vietnamDate(input.filedAt),
    ...(routing.foreignOwnershipPercent !== undefined
      ? { foreignOwnershipPercent: routing.foreignOwnershipPercent }
      : {}),
    ...(routing.ircRequested !== undefined ? { ircRequested: routing.ircRequested } : {}),
    ...(routing.sensitiveFactors ? { sensitiveFactors: routing.sensitiveFactors } : {}),
    ...(routing.specialProcedureRequested !== undefined
      ? { specialProcedureRequested: routing.specialProcedureRequested }
      : {}),
    ...(routing.borderOrCoastalCommune !== undefined
      ? { borderOrCoastalCommune: routing.borderOrCoastalCommune }
      : {}),
  };
}

/** Records a route on the application, its timeline and the bus; `n` tells a first route from a re-route. */
export async function recordRoute(deps: WorkflowDeps, input: RouteStepInput, route: Route, n: string) {
  const { repository } = deps;
  const { applicationId, at } = input;
  await setStatus(repository, applicationId, route.review ? 'routing-review' : 'checking-clearance', {
    route,
    ruleSetId: route.ruleSetId,
    routeLegalBasis: route.legalBasis.map((b) => basisLine(b)),
  });
  await appendOnce(repository, applicationId, {
    eventId: `route-${n}`,
    at,
    what: route.review ? 'route.review-needed' : 'route.decided',
    who: route.decidedBy?.officialId ?? 'system',
    legalBasis: basisLine(route.legalBasis[0]),
    details: {
      ruleSetId: route.ruleSetId,
      pathId: route.pathId,
      stages: route.stages.map((s) => ({ id: s.id, kind: s.kind, authority: s.authority, order: s.order })),
      environment: { group: route.environment.group, eia: route.environment.eia },
      ...(route.review ? { reviewReasons: route.review.reasons } : {}),
    },
  });
  await deps.publish([
    {
      name: 'RouteDecided',
      detail: {
        eventId: eventId(applicationId, 'route', n),
        applicationId,
        at,
        audience: [
          { kind: 'investor', id: input.investorId },
          ...(route.review ? [{ kind: 'role' as const, id: 'provincial-officer' }] : []),
        ],
        ruleSetId: route.ruleSetId,
        stages: route.stages.map((s) => s.id).slice(0, 30),
        review: route.review !== undefined,
      },
    },
  ]);
}

export async function routeStep(deps: WorkflowDeps, input: RouteStepInput) {
  const route = routeApplication(routingInput(input));
  await recordRoute(deps, input, route, input.site.zoneId);
  return { route };
}

export class ReviewDecisionMissingError extends Error {
  override readonly name = 'Routing.ReviewDecisionMissing';
}

/**
 * After the routing-review stage: the official's chosen candidate (with the reason) becomes the route the
 * rest of the workflow follows, recorded like the first route with the official as the actor.
 */
export async function applyReview(
  deps: WorkflowDeps,
  input: RouteStepInput & { route: Route; approvals: unknown },
) {
  const review = flattenApprovals(input.approvals).find(
    (a) => a.chosenPath !== null && typeof a.chosenPath === 'object',
  );
  const chosen = review?.chosenPath as { candidateId?: unknown; reason?: unknown } | undefined;
  if (!review || typeof chosen?.candidateId !== 'string' || typeof chosen.reason !== 'string') {
    throw new ReviewDecisionMissingError('the routing review was approved without a chosen path and reason');
  }
  const route = applyReviewDecision(routingInput(input), input.route, {
    candidateId: chosen.candidateId,
    reason: chosen.reason,
    officialId: String(review.decidedBy ?? 'unknown'),
    decidedAt: String(review.decidedAt ?? input.at),
  });
  await recordRoute(deps, input, route, `review-${chosen.candidateId}`);
  return { route };
}
