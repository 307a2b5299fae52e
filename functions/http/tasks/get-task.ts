import { workingDaysLeft } from '#shared/calendar/statutory-clock.ts';
import { dynamodb } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { actorOf, applicationOfTask, getTask, mayViewTask } from '#shared/http/tasks.ts';
import { type ApplicationRecord, Repository } from '#shared/repository/index.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function daysLeft(dueAt: string): number | null {
  try {
    return workingDaysLeft(new Date().toISOString(), dueAt);
  } catch {
    return null; // outside the holiday calendar's years
  }
}

/** What an official needs of the application to decide: route and legal basis, site, checks. */
function applicationView(app: ApplicationRecord) {
  const enquiry = app.enquiry as { investor?: { name?: unknown }; project?: { name?: unknown } } | undefined;
  const route = app.route as { pathId?: unknown } | undefined;
  const plotId = app.allocatedPlotId ?? app.heldPlotId ?? str(app.plotId);
  return {
    id: app.id,
    status: app.status,
    ...(str(enquiry?.investor?.name) ? { investorName: str(enquiry?.investor?.name) } : {}),
    ...(str(enquiry?.project?.name) ? { projectName: str(enquiry?.project?.name) } : {}),
    ...(str(app.filedAt) ? { filedAt: str(app.filedAt) } : {}),
    ...(route
      ? {
          route: {
            ...(str(route.pathId) ? { pathId: str(route.pathId) } : {}),
            ...(str(app.ruleSetId) ? { ruleSetId: str(app.ruleSetId) } : {}),
            legalBasis: (Array.isArray(app.routeLegalBasis) ? app.routeLegalBasis : []).filter(
              (b): b is string => typeof b === 'string',
            ),
          },
        }
      : {}),
    ...(plotId
      ? {
          site: {
            plotId,
            ...(str(app.zoneId) ? { zoneId: str(app.zoneId) } : {}),
            ...(app.heldAt ? { heldAt: app.heldAt } : {}),
            ...(app.holdExpiresAt ? { holdExpiresAt: app.holdExpiresAt } : {}),
          },
        }
      : {}),
    ...(app.checks !== undefined ? { checks: app.checks } : {}),
  };
}

/** `GET /tasks/{id}`: the task (never its token) with its application; a task outside the caller's inbox is 404. */
export const handler = httpHandler(getTask, async ({ path, caller }) => {
  const applicationId = applicationOfTask(path.id);
  // Both reads hang on the id alone: one round trip. The application is shown only once the task is
  // known to be the caller's.
  const [task, app] = await Promise.all([
    repository.waits.getApprovalTask(applicationId, path.id),
    repository.getApplication(applicationId),
  ]);
  if (!task || !mayViewTask(actorOf(caller), task)) {
    throw new ResourceNotFoundError(`task ${path.id} does not exist or is not in the caller's inboxes`);
  }
  const { taskToken: _token, ...view } = task;
  return {
    task: view,
    dueAt: task.dueAt,
    workingDaysLeft: daysLeft(task.dueAt),
    ...(app ? { application: applicationView(app) } : {}),
  };
});
