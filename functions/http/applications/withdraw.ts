import { withdrawApplication } from '#shared/http/applications.ts';
import { httpHandler } from '#shared/http/handler.ts';
import { withdrawApplication as withdraw } from '#shared/workflow/withdraw.ts';
import { ownApplication, tokenDeps } from './deps.ts';

/**
 * `POST /applications/{id}/withdraw`: the application is marked withdrawn and every wait of its workflow
 * is ended, so the workflow releases the plot. Withdrawing twice is harmless; a closed one is 409.
 */
export const handler = httpHandler(withdrawApplication, async ({ path, body, caller }) => {
  await ownApplication(caller, path.id);
  const result = await withdraw(tokenDeps(), {
    applicationId: path.id,
    investorId: caller.sub,
    reason: body.reason,
  });
  return { applicationId: path.id, status: 'withdrawn' as const, alreadyWithdrawn: result.alreadyWithdrawn };
});
