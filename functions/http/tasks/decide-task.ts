import { dynamodb, eventBridge, sfn } from '#shared/clients.ts';
import { requireEnv } from '#shared/config.ts';
import { actorOf, type DecisionResultSchema, decideTask } from '#shared/http/decision.ts';
import { ResourceNotFoundError } from '#shared/http/errors.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { emfMetrics } from '#shared/http/metrics.ts';
import { Repository } from '#shared/repository/index.ts';
import { type DecideInput, decideTask as decide } from '#shared/workflow/decide.ts';
import { publishEvents } from '#shared/workflow/events.ts';
import type * as z from '#shared/zod.ts';

const repository = new Repository(dynamodb, requireEnv('TABLE_NAME'));
const busName = requireEnv('EVENT_BUS_NAME');
const deps = {
  repository,
  sfn,
  publish: publishEvents.bind(null, eventBridge, busName),
  // Each decision is counted (metric Decision, dimensions service, outcome, stage): issue 7's decision metrics.
  metrics: emfMetrics('approvals'),
};

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
    // The recorded decision is an interface; the contract's schema is an open object: the same fields.
    return (await decide(deps, input)) as z.input<typeof DecisionResultSchema>;
  } catch (error) {
    if ((error as Error).name === 'NotAllowedError') {
      throw new ResourceNotFoundError(`task ${path.id} does not exist or is not in the caller's inboxes`);
    }
    throw error;
  }
});
