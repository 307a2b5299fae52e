import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { getStats } from '#shared/http/routes.ts';
import { buildStats } from '#shared/http/stats.ts';
import { CATALOG_TTL_MS, ttlCache } from '#shared/middleware/ttl-cache.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
/** The catalog's version and zones change only when it is seeded; the plots are read live. */
const catalogOf = ttlCache(() => Promise.all([repository.getCatalogMeta(), repository.listZones()]), {
  ttlMs: CATALOG_TTL_MS,
});

/** `GET /stats`: live occupancy from the plots on the table, beside the sourced figures and targets. */
export const handler = httpHandler(getStats, async () => {
  const [meta, zones] = await catalogOf(undefined);
  const plots = (await Promise.all(zones.map((zone) => repository.listPlots(zone.id)))).flat();
  return buildStats({ version: meta?.version ?? 'unseeded', zones, plots });
});
