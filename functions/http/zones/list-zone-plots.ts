import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { assertManagesZone, listZonePlots, plotView } from '#shared/http/zone-manager.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));

/** `GET /zones/{id}/plots`: a zone manager's plots with status, clearance, holder and hold expiry. */
export const handler = httpHandler(listZonePlots, async ({ path, query, caller }) => {
  assertManagesZone(caller, path.id);
  const zone = await repository.getZone(path.id);
  if (!zone) throw new ResourceNotFoundError(`zone ${path.id} does not exist`);
  const plots = await repository.listPlots(path.id, query.status);
  return { zoneId: path.id, items: plots.map(plotView) };
});
