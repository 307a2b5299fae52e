import * as z from 'zod';
import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { EnquirySchema } from '#shared/enquiry/schema.ts';
import { matchSites } from '#shared/matching/match-sites.ts';
import { taskHandler } from '#shared/middleware/task-handler.ts';
import { Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));

/** Workflow task: ranks the plots that fit an enquiry, from the live plot state in the table. */
export const handler = taskHandler(z.object({ enquiry: EnquirySchema }).strict(), async ({ enquiry }) => {
  const zones = await repository.listZones();
  const plots = (await Promise.all(zones.map((zone) => repository.listPlots(zone.id)))).flat();
  return matchSites(enquiry, { zones, plots });
});
