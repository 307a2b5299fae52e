import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { listZones } from '#shared/http/routes.ts';
import { CATALOG_TTL_MS, ttlCache } from '#shared/middleware/ttl-cache.ts';
import { Repository, type ZoneRecord } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
/** The zones change only when the catalog is seeded: a warm instance keeps them briefly. */
const zonesOf = ttlCache(() => repository.listZones(), { ttlMs: CATALOG_TTL_MS });

function summary(z: ZoneRecord) {
  return {
    id: z.id,
    name: z.name,
    ...(z.nameEn !== undefined ? { nameEn: z.nameEn } : {}),
    kind: z.kind,
    status: z.status,
    expectedReadyDate: z.expectedReadyDate,
    placeholder: z.placeholder,
    location: z.location,
    plannedAreaHa: z.plannedAreaHa,
    industrialLandHa: z.industrialLandHa,
    filledShare: z.filledShare,
    projects: z.projects,
    registeredCapitalBnVnd: z.registeredCapitalBnVnd,
    sectorFocus: z.sectorFocus,
    utilities: z.utilities,
    ...(z.sampleFields !== undefined ? { sampleFields: z.sampleFields } : {}),
  };
}

/** `GET /zones`: the catalog's zones, optionally of one kind or status. */
export const handler = httpHandler(listZones, async ({ query }) => {
  const zones = await zonesOf(undefined);
  const wanted = (z: ZoneRecord) =>
    (query.kind === undefined || z.kind === query.kind) &&
    (query.status === undefined || z.status === query.status);
  return { items: zones.filter(wanted).map(summary) };
});
