import { listApplications } from '#shared/http/applications.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { applicationRepository } from './deps.ts';
import { summaryView } from './view.ts';

/** `GET /applications`: the caller's own applications, newest first, a page at a time. */
export const handler = httpHandler(listApplications, async ({ query, caller }) => {
  const page = await applicationRepository().listApplicationsByInvestor(caller.sub, {
    limit: query.limit,
    cursor: query.cursor,
  });
  return { items: page.items.map(summaryView), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
});
