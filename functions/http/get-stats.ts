import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { getStats } from '#shared/http/routes.ts';
import { buildStats } from '#shared/http/stats.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));

/** `GET /stats`: live occupancy from the plots on the table, beside the sourced figures and targets. */
export const handler = httpHandler(getStats, async () => {
  const [meta, zones] = await Promise.all([repository.getCatalogMeta(), repository.listZones()]);
  const plots = (await Promise.all(zones.map((zone) => repository.listPlots(zone.id)))).flat();
  return buildStats({ version: meta?.version ?? 'unseeded', zones, plots });
});
