import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { assertManagesZone, listZonePlots, plotView } from '#shared/http/zone-manager.ts';
import { CATALOG_TTL_MS, ttlCache } from '#shared/middleware/ttl-cache.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
const zoneOf = ttlCache((id: string) => repository.getZone(id), { ttlMs: CATALOG_TTL_MS });

/** `GET /zones/{id}/plots`: a zone manager's plots with status, clearance, holder and hold expiry. */
export const handler = httpHandler(listZonePlots, async ({ path, query, caller }) => {
  assertManagesZone(caller, path.id);
  // The zone only says whether it exists (cached: it changes when the catalog is seeded); the plots,
  // live state, are queried at the same time.
  const [zone, plots] = await Promise.all([zoneOf(path.id), repository.listPlots(path.id, query.status)]);
  if (!zone) throw new ResourceNotFoundError(`zone ${path.id} does not exist`);
  return { zoneId: path.id, items: plots.map(plotView) };
});
