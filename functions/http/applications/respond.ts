import { respondToApplication } from '#shared/http/applications.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { respondToInformationRequest } from '#shared/workflow/respond.ts';
import { applicationDeps, ownApplication } from './deps.ts';

/**
 * `POST /applications/{id}/responses`: the investor answers an official's request for information
 * (the task named, or the one request waiting); the stage resumes and its due date moves by the pause.
 */
export const handler = httpHandler(respondToApplication, async ({ path, body, caller }) => {
  await ownApplication(caller, path.id);
  const deps = applicationDeps();
  let taskId = body.taskId;
  if (taskId === undefined) {
    const waiting = (await deps.repository.waits.listApprovalTasks(path.id)).filter(
      (t) => t.status === 'information-requested',
    );
    if (waiting.length === 0) {
      throw new ResourceNotFoundError(`application ${path.id} has no request for information waiting`);
    }
    taskId = (waiting[0] as { taskId: string }).taskId;
  } else if (!taskId.endsWith(`@${path.id}`)) {
    throw new ResourceNotFoundError(`task ${taskId} is not a task of application ${path.id}`);
  }
  const result = await respondToInformationRequest(deps, {
    taskId,
    investorId: caller.sub,
    answer: body.answer,
    ...(body.attachments ? { attachments: body.attachments } : {}),
  });
  return { applicationId: path.id, ...result };
});
