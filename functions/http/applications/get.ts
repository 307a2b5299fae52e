import { getApplication } from '#shared/http/applications.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { applicationRepository, readableApplication } from './deps.ts';
import { detailView } from './view.ts';

/** `GET /applications/{id}`: the application as its investor (or an official with a task on it) sees it. */
export const handler = httpHandler(getApplication, async ({ path, caller }) => {
  const app = await readableApplication(caller, path.id);
  return detailView(applicationRepository(), app);
});
