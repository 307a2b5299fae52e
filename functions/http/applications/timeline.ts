import { getApplicationTimeline } from '#shared/http/applications.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { applicationRepository, readableApplication } from './deps.ts';
import { timelineView } from './view.ts';

/** `GET /applications/{id}/timeline`: what happened, oldest first, a page at a time. */
export const handler = httpHandler(getApplicationTimeline, async ({ path, query, caller }) => {
  await readableApplication(caller, path.id);
  const page = await applicationRepository().listTimeline(path.id, {
    limit: query.limit,
    cursor: query.cursor,
  });
  return { items: page.items.map(timelineView), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
});
