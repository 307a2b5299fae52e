import type { Route } from '#shared/routing/types.ts';
import { workflowTask } from '#shared/workflow/handler.ts';
import { applyReview } from '#shared/workflow/routing.ts';
import * as z from '#shared/zod.ts';
import { RouteStepSchema } from './route.ts';

/** The route under review, as the Route step produced it (R's applyReviewDecision checks it further). */
const RouteUnderReview = z.custom<Route>(
  (v) => v !== null && typeof v === 'object' && 'review' in v && 'filedOn' in v,
  'must be the route under review (with review and filedOn)',
);

/** Workflow task: the routing-review official's chosen path becomes the application's route. */
export const handler = workflowTask(
  z.extend(RouteStepSchema, {
    route: RouteUnderReview,
    approvals: z.array(z.unknown()).check(z.maxLength(50)),
  }),
  ({ executionName: _name, ...input }, deps) => applyReview(deps, input),
);
