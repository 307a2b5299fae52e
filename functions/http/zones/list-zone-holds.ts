import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { assertManagesZone, listZoneHolds } from '#shared/http/zone-manager.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));

/** `GET /zones/{id}/holds`: each held plot of the zone, the application (and investor) holding it, until when. */
export const handler = httpHandler(listZoneHolds, async ({ path, caller }) => {
  assertManagesZone(caller, path.id);
  const zone = await repository.getZone(path.id);
  if (!zone) throw new ResourceNotFoundError(`zone ${path.id} does not exist`);
  const now = Date.now();
  const held = (await repository.listPlots(path.id, 'held')).filter((p) => p.holderApplicationId);
  const items = await Promise.all(
    held.map(async (plot) => {
      const applicationId = plot.holderApplicationId as string;
      const app = await repository.getApplication(applicationId);
      const investor = (app?.enquiry as { investor?: { name?: unknown } } | undefined)?.investor?.name;
      return {
        plotId: plot.id,
        areaHa: plot.areaHa,
        applicationId,
        ...(typeof investor === 'string' ? { investorName: investor } : {}),
        ...(app ? { applicationStatus: app.status } : {}),
        ...(plot.heldAt ? { heldAt: plot.heldAt } : {}),
        ...(plot.holdExpiresAt ? { expiresAt: plot.holdExpiresAt } : {}),
        expired: plot.holdExpiresAt !== undefined && Date.parse(plot.holdExpiresAt) <= now,
      };
    }),
  );
  return { zoneId: path.id, items };
});
