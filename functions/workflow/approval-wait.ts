import * as z from 'zod';
import { approvalTask } from '#shared/workflow/approval-handler.ts';
import { registerWait } from '#shared/workflow/approval-stage.ts';

/**
 * Approval stage, Wait step (`.waitForTaskToken`): parks the token on the inbox task, server-side only.
 * A decision that raced the rotation is answered at once; a withdrawn application fails the wait.
 */
export const handler = approvalTask(
  z.strictObject({
    applicationId: z.string().min(1).max(200),
    executionName: z.string().max(200),
    at: z.iso.datetime({ offset: true }),
    taskId: z.string().min(3).max(420),
    token: z.string().min(1).max(2_048),
  }),
  ({ applicationId, taskId, token }, deps) => registerWait(deps, { applicationId, taskId, token }),
);
