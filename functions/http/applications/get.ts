import { getApplication } from '#shared/http/applications.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { CATALOG_TTL_MS, ttlCache } from '#shared/middleware/ttl-cache.ts';
import { applicationRepository, readable } from './deps.ts';
import { detailView } from './view.ts';

/** A zone's catalog entry changes only when the catalog is seeded: a warm instance keeps it briefly. */
const zoneOf = ttlCache((id: string) => applicationRepository().getZone(id), { ttlMs: CATALOG_TTL_MS });

/**
 * `GET /applications/{id}`: the application as its investor (or an official with a task on it) sees it.
 * The three reads that hang on the id alone (the application, its tasks, its latest `plot.held` event)
 * share the application's partition and come back from one Query, and who may read it is decided on
 * their results; then one BatchGetItem for the matched plots (`detailView`): two requests per answer.
 * Nothing read is shown to a caller the check refuses (404).
 */
export const handler = httpHandler(getApplication, async ({ path, caller }) => {
  const repository = applicationRepository();
  const { application, tasks, latest } = await repository.readApplicationPartition(path.id, 'plot.held');
  return detailView(repository, readable(caller, path.id, application, tasks), {
    tasks,
    held: latest,
    zoneOf,
  });
});
