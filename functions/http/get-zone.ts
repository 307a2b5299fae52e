import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { getZone } from '#shared/http/routes.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));

/** `GET /zones/{id}`: one zone with its live occupancy. */
export const handler = httpHandler(getZone, async ({ path }) => {
  const record = await repository.getZone(path.id);
  if (!record) throw new ResourceNotFoundError(`zone ${path.id} does not exist`);
  const { catalogVersion, ...zone } = record;
  const occupancy = await repository.zoneOccupancy(path.id);
  return { zone, catalogVersion, occupancy: { ...occupancy, sample: true as const } };
});
