/**
 * The officials' and zone managers' routes, together: the task routes (`tasks.ts`) and the zone managers'
 * (`zone-manager.ts`). The stack and `routes.ts` read them here; handlers import their own module only,
 * so each bundle carries no more than its routes need.
 */
import { decideTask, getTask, reassignTask } from './tasks.ts';
import { listZoneHolds, listZonePlots, updatePlotClearance } from './zone-manager.ts';

export * from './tasks.ts';
export * from './zone-manager.ts';

/** The officials' and zone managers' routes, in the order the OpenAPI document lists them. */
export const OFFICIAL_ROUTES = [
  getTask,
  decideTask,
  reassignTask,
  listZonePlots,
  updatePlotClearance,
  listZoneHolds,
] as const;
