import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { EnquirySchema } from '#shared/enquiry/schema.ts';
import { matchSites } from '#shared/matching/match-sites.ts';
import { taskHandler } from '#shared/middleware/task-handler.ts';
import { Repository } from '#shared/repository/index.ts';
import * as z from '#shared/zod.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));

/**
 * Workflow task: ranks the plots that fit an enquiry, from the live plot state in the table. The whole
 * catalog is read from one index partition: ceil(catalog bytes / 1 MB) queries, one for the seeded
 * catalog, however many zones there are (it was one query per zone).
 */
export const handler = taskHandler(z.strictObject({ enquiry: EnquirySchema }), async ({ enquiry }) =>
  matchSites(enquiry, await repository.listCatalog()),
);
