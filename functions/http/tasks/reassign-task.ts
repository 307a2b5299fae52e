import { dynamodb, sfn } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { actorOf, applicationOfTask, mayViewTask, reassignTask } from '#shared/http/tasks.ts';
import { Repository } from '#shared/repository/index.ts';
import { reassignTask as reassign } from '#shared/workflow/reassign.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
// Reassigning answers no token and publishes nothing: it moves the task between inboxes.
const deps = { repository, sfn, publish: async () => {} };

/**
 * `POST /tasks/{id}/assignee`: moves an open task to another official role's inbox (same scope), with a
 * reason. Only an admin or the stage's supervising role (403 otherwise); a task the caller cannot see is 404.
 */
export const handler = httpHandler(reassignTask, async ({ path, body, caller }) => {
  const actor = actorOf(caller);
  const task = await repository.waits.getApprovalTask(applicationOfTask(path.id), path.id);
  if (!task || !mayViewTask(actor, task)) {
    throw new ResourceNotFoundError(`task ${path.id} does not exist or is not in the caller's inboxes`);
  }
  const moved = await reassign(deps, { taskId: path.id, actor, toRole: body.role, reason: body.reason });
  return {
    ...moved,
    applicationId: String(moved.applicationId),
    taskId: String(moved.taskId),
    role: String(moved.role),
    scope: String(moved.scope),
    status: String(moved.status),
    dueAt: String(moved.dueAt),
    createdAt: String(moved.createdAt),
    updatedAt: String(moved.updatedAt),
  };
});
