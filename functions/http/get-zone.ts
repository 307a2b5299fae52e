import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { getZone } from '#shared/http/routes.ts';
import { CATALOG_TTL_MS, ttlCache } from '#shared/middleware/ttl-cache.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
/** The zone's catalog entry changes only when the catalog is seeded; its occupancy is read live. */
const zoneOf = ttlCache((id: string) => repository.getZone(id), { ttlMs: CATALOG_TTL_MS });

/** `GET /zones/{id}`: one zone with its live occupancy. */
export const handler = httpHandler(getZone, async ({ path }) => {
  // The occupancy query goes out with the (usually cached) zone read, not after it.
  const [record, occupancy] = await Promise.all([zoneOf(path.id), repository.zoneOccupancy(path.id)]);
  if (!record) throw new ResourceNotFoundError(`zone ${path.id} does not exist`);
  const { catalogVersion, ...zone } = record;
  return { zone, catalogVersion, occupancy: { ...occupancy, sample: true as const } };
});
