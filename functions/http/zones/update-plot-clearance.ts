import { type Clearance, ClearanceSchema } from '#shared/catalog/ids.ts';
import { dynamodb, eventBridge, sfn } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { assertManagesZone, plotView, updatePlotClearance } from '#shared/http/zone-manager.ts';
import { Repository } from '#shared/repository/index.ts';
import { updatePlotClearance as update } from '#shared/workflow/clearance.ts';
import { publishEvents } from '#shared/workflow/events.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
const busName = requireEnv('EVENT_BUS_NAME');
const deps = { repository, sfn, publish: publishEvents.bind(null, eventBridge, busName) };

/**
 * `PUT /zones/{id}/plots/{plotId}/clearance`: records the plot's land clearance and wakes the applications
 * waiting on it. Another zone is 403; a plot that is not in this zone is 404.
 */
export const handler = httpHandler(updatePlotClearance, async ({ path, body, caller }) => {
  assertManagesZone(caller, path.id);
  const plot = await repository.getPlot(path.plotId, { consistent: true });
  if (!plot || plot.zoneId !== path.id) {
    throw new ResourceNotFoundError(`zone ${path.id} has no plot ${path.plotId}`);
  }
  const { note, ...fields } = body;
  // The body schema already checked these fields against ClearanceSchema; this gives them its type.
  const clearance: Clearance = ClearanceSchema.parse(fields);
  const result = await update(deps, {
    plotId: path.plotId,
    clearance,
    actor: { id: caller.username, roles: [...caller.roles], scopes: caller.zones },
    ...(note ? { note } : {}),
  });
  return { plot: plotView(result.plot), woken: result.woken };
});
