import { dynamodb, eventBridge, sfn } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { actorOf, decideTask } from '#shared/http/decision.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { Repository } from '#shared/repository/index.ts';
import { type DecideInput, decideTask as decide } from '#shared/workflow/decide.ts';
import { publishEvents } from '#shared/workflow/events.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
const busName = requireEnv('EVENT_BUS_NAME');
const deps = { repository, sfn, publish: publishEvents.bind(null, eventBridge, busName) };

/**
 * `POST /tasks/{id}/decision`: approve, reject or ask for information, exactly once (`decideTask`: one
 * conditional write, then the parked token is answered). The loser of two concurrent decisions gets 409; a
 * task outside the caller's inboxes is 404.
 */
export const handler = httpHandler(decideTask, async ({ path, body, caller }) => {
  const common = {
    taskId: path.id,
    actor: actorOf(caller),
    ...(body.legalBasis ? { legalBasis: body.legalBasis } : {}),
  };
  const input: DecideInput =
    body.decision === 'approve'
      ? {
          ...common,
          decision: 'approve',
          ...(body.reason ? { comment: body.reason } : {}),
          ...(body.chosenPath ? { chosenPath: body.chosenPath } : {}),
        }
      : body.decision === 'reject'
        ? { ...common, decision: 'reject', reasons: [body.reason ?? ''] }
        : { ...common, decision: 'request-information', questions: [body.reason ?? ''] };
  try {
    const result = await decide(deps, input);
    return result.status === 'decided' ? { ...result, decision: { ...result.decision } } : result;
  } catch (error) {
    if ((error as Error).name === 'NotAllowedError') {
      throw new ResourceNotFoundError(`task ${path.id} does not exist or is not in the caller's inboxes`);
    }
    throw error;
  }
});
